// What the tests of the two HTML pages (logs, tlsrpt) check their output
// with: the text between two markers, the CSP hash-source of a text, and
// the shared page files.
#pragma once

#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <string>

namespace mxtls::test_support {

// The text between the first OPEN and the next CLOSE ("" if either is missing).
inline std::string between(const std::string& html, const std::string& open, const std::string& close) {
  size_t start = html.find(open);
  if (start == std::string::npos) return {};
  start += open.size();
  size_t stop = html.find(close, start);
  return stop == std::string::npos ? std::string() : html.substr(start, stop - start);
}

// The CSP hash-source of a text: 'sha256-<base64>'.
inline std::string sha256_source(const std::string& content) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr);
  std::string b64(((length + 2) / 3) * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest, static_cast<int>(length));
  b64.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return "'sha256-" + b64 + "'";
}

// A file of src/base/page (the style and script both pages begin with).
inline std::string shared_page_file(const std::string& name) {
  std::ifstream in(std::string(MXTLS_SOURCE_DIR) + "/src/base/page/" + name, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace mxtls::test_support
