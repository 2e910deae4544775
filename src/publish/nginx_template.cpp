#include "publish/nginx_template.hpp"

#include "publish/nginx_block.hpp"

namespace mxtls::publish {
namespace {

void replace_all(std::string& text, const std::string& token, const std::string& value) {
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
    text.replace(at, token.size(), value);
}

}  // namespace

std::string render_nginx_block(const std::string& domain, const std::string& webroot) {
  std::string text(embedded::nginx_block);
  replace_all(text, "@DOMAIN@", domain);
  replace_all(text, "@WEBROOT@", webroot);
  return text;
}

}  // namespace mxtls::publish
