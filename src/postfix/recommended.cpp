#include "postfix/recommended.hpp"

#include "postfix/audit.hpp"

namespace mxtls::postfix::recommended {

std::string protocols_without_ssl(std::string_view mail_version) {
  // An unknown version gets the form every Postfix reads.
  return version_at_least(mail_version, "3.6") ? ">=TLSv1" : "!SSLv2, !SSLv3";
}

}  // namespace mxtls::postfix::recommended
