#include "postfix/ciphers.hpp"

#include "base/text.hpp"
#include "postfix/audit.hpp"

namespace mxtls::postfix {

namespace {

bool submission_port(const Service& service) {
  int port = service_port(service);
  return port == 587 || port == 465;
}

}  // namespace

bool ciphers_judged(const AuditFacts& facts, const Service& service) {
  return is_smtpd(service) && (on_port_25(facts, service) || submission_port(service));
}

CipherSetting cipher_setting(const AuditFacts& facts, const Service& service) {
  CipherSetting setting;
  setting.mandatory = submission_port(service);
  setting.grade = to_lower(trim(parameter(facts, service, setting.mandatory ? "smtpd_tls_mandatory_ciphers"
                                                                            : "smtpd_tls_ciphers")));
  setting.exclusions = parameter(facts, service, "smtpd_tls_exclude_ciphers");
  if (setting.mandatory) setting.exclusions += " " + parameter(facts, service, "smtpd_tls_mandatory_exclude_ciphers");
  return setting;
}

Result<std::string> postfix_cipherlist(std::string_view grade_list, std::string_view exclusions) {
  std::string list(trim(grade_list)), words(exclusions);
  for (char& c : words)
    if (c == ',' || c == ':' || c == '\t' || c == '\n' || c == '\r') c = ' ';
  for (auto word : split(words, ' ')) {
    if (word.empty()) continue;
    if (std::string_view("!+-@").find(word.front()) != std::string_view::npos)
      return invalid_error("Postfix refuses the cipher exclusion \"" + std::string(word) +
                           "\" (invalid unary '!+-@'): TLS fails");
    list += ":!" + std::string(word);
  }
  return list;
}

std::string grade_cipherlist_parameter(std::string_view grade) {
  for (std::string_view known : {"high", "medium", "low", "export", "null"})
    if (grade == known) return "tls_" + std::string(known) + "_cipherlist";
  return "";
}

}  // namespace mxtls::postfix
