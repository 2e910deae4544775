// The nginx server block for a domain's MTA-STS policy host, from the
// template nginx-mta-sts.conf.in (embedded at build time).
#pragma once

#include <string>

namespace mxtls::publish {

// The template with @DOMAIN@ and @WEBROOT@ filled in.
std::string render_nginx_block(const std::string& domain, const std::string& webroot);

}  // namespace mxtls::publish
