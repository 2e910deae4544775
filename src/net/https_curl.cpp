#include <curl/curl.h>

#include <memory>

#include "net/https.hpp"

namespace mxtls::https {
namespace {

struct Sink {
  std::string body;
  size_t limit;
  bool overflow = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t length = size * count;
  if (sink->body.size() + length > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body.append(data, length);
  return length;
}

class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(Options options) : options_(std::move(options)) {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    (void)initialised;
  }

  Result<Response> get(const std::string& url, const std::string& host,
                       const std::vector<std::string>& addresses) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return temporary_error("cannot initialise libcurl");
    std::string resolve = host + ":443:";
    for (size_t i = 0; i < addresses.size(); ++i)
      resolve += (i ? "," : "") + (addresses[i].find(':') != std::string::npos ? "[" + addresses[i] + "]" : addresses[i]);
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve_list(
        curl_slist_append(nullptr, resolve.c_str()), curl_slist_free_all);
    Sink sink{{}, options_.max_body};
    char error[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve_list.get());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mxtls");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    CURLcode rc = curl_easy_perform(h);
    if (sink.overflow)
      return invalid_error("response body larger than " + std::to_string(options_.max_body) + " bytes");
    if (rc != CURLE_OK) {
      std::string message = url + ": " + (error[0] ? error : curl_easy_strerror(rc));
      bool tls_trust = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE;
      return tls_trust ? permanent_error(message) : temporary_error(message);
    }
    Response response;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    char* value = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &value) == CURLE_OK && value) response.content_type = value;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &value) == CURLE_OK && value) response.location = value;
    response.body = std::move(sink.body);
    return response;
  }

 private:
  Options options_;
};

}  // namespace

std::unique_ptr<Fetcher> make_curl_fetcher(const Options& options) { return std::make_unique<CurlFetcher>(options); }

}  // namespace mxtls::https
