// HTTPS GET behind a small interface (libcurl in production).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace mxtls::https {

struct Response {
  long status = 0;
  std::string content_type;
  std::string location;  // for redirects, which are never followed
  std::string body;
};

struct Options {
  std::string ca_file;  // empty: system trust store
  std::chrono::milliseconds timeout{15000};
  size_t max_body = 64 * 1024;
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // GETs `url` from one of `addresses` (resolved by the caller, so DNS goes
  // through the validating resolver). Never follows redirects.
  // Errors: temporary (connect, timeout), permanent (TLS verification),
  // invalid (body larger than max_body).
  virtual Result<Response> get(const std::string& url, const std::string& host,
                               const std::vector<std::string>& addresses) = 0;
};

std::unique_ptr<Fetcher> make_curl_fetcher(const Options& options);

}  // namespace mxtls::https
