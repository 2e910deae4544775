#include "postfix/audit.hpp"

#include <charconv>

#include "base/text.hpp"
#include "postfix/audit_judges.hpp"

namespace mxtls::postfix {
namespace {

// Postfix's defaults (postconf(5), Postfix 3.x) for the parameters the
// judges read; a parameter not listed defaults to "".
std::string_view default_value(std::string_view name) {
  struct Default {
    std::string_view name, value;
  };
  static constexpr Default defaults[] = {
      {"smtpd_tls_loglevel", "0"},         {"smtp_tls_loglevel", "0"},
      {"smtpd_tls_received_header", "no"}, {"smtpd_use_tls", "no"},
      {"smtpd_enforce_tls", "no"},         {"smtp_use_tls", "no"},
      {"smtp_enforce_tls", "no"},          {"smtpd_tls_key_file", "$smtpd_tls_cert_file"},
      {"smtp_dns_support_level", ""},      {"smtpd_tls_wrappermode", "no"},
      {"smtpd_tls_ciphers", "medium"},     {"smtpd_tls_mandatory_ciphers", "medium"},
      {"smtpd_tls_session_cache_timeout", "3600s"},
  };
  for (const auto& d : defaults)
    if (d.name == name) return d.value;
  return {};
}

}  // namespace

std::string parameter(const AuditFacts& facts, std::string_view name) {
  if (auto it = facts.main.find(name); it != facts.main.end()) return it->second;
  std::string value(default_value(name));
  if (value == "$smtpd_tls_cert_file") return parameter(facts, "smtpd_tls_cert_file");
  return value;
}

std::string parameter(const AuditFacts& facts, const Service& service, std::string_view name) {
  if (auto it = service.overrides.find(name); it != service.overrides.end()) {
    // -o name=$other (a reference to a main.cf parameter) is common in master.cf.
    if (it->second.size() > 1 && it->second[0] == '$') return parameter(facts, it->second.substr(1));
    return it->second;
  }
  return parameter(facts, name);
}

std::vector<std::pair<std::string, std::string>> server_cert_files(const Parameters& main) {
  auto get = [&](std::string_view name) -> std::string {
    auto it = main.find(name);
    return it == main.end() ? std::string() : it->second;
  };
  std::vector<std::pair<std::string, std::string>> files;
  // postconf(5) smtpd_tls_chain_files (3.4+): when set, it replaces cert_file/key_file.
  if (std::string chain = get("smtpd_tls_chain_files"); !chain.empty()) {
    for (auto part : split(chain, ','))
      for (auto word : split(part, ' '))
        if (!trim(word).empty()) files.emplace_back("smtpd_tls_chain_files", std::string(trim(word)));
    return files;
  }
  // The legacy pairs: RSA (cert_file, key_file) and ECDSA (eccert_file, eckey_file); each key
  // file defaults to its certificate file.
  for (auto [cert_name, key_name] : {std::pair{"smtpd_tls_cert_file", "smtpd_tls_key_file"},
                                     std::pair{"smtpd_tls_eccert_file", "smtpd_tls_eckey_file"}}) {
    std::string cert = get(cert_name);
    if (cert.empty()) continue;
    files.emplace_back(cert_name, cert);
    std::string key = get(key_name);
    if (!key.empty() && key != cert && key != "$" + std::string(cert_name)) files.emplace_back(key_name, key);
  }
  return files;
}

bool version_at_least(std::string_view version, std::string_view minimum) {
  auto numbers = [](std::string_view text) {
    std::vector<int> out;
    for (auto part : split(text, '.')) {
      int n = 0;
      auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), n);
      if (error != std::errc()) break;
      out.push_back(n);
      if (end != part.data() + part.size()) break;  // "3.10-20240101": stop at the suffix
    }
    return out;
  };
  auto have = numbers(version), want = numbers(minimum);
  if (have.empty()) return false;
  have.resize(std::max(have.size(), want.size())), want.resize(have.size());
  return have >= want;
}

std::string postconf_line(std::string_view name, std::string_view value) {
  return "postconf -e '" + std::string(name) + " = " + std::string(value) + "'";
}

LevelValue read_level(std::string_view value) {
  LevelValue out{std::string(value), parse_level(value), {}, false};
  std::string_view first = value.substr(0, value.find_first_of(" \t"));
  out.intended = parse_level(first);
  out.inline_comment = value.find('#') != std::string_view::npos;
  return out;
}

bool enables_ssl(std::string_view protocols) {
  // postconf(5) smtpd_tls_protocols: ">=TLSv1.2" (3.6+), an inclusion list
  // ("TLSv1.2 TLSv1.3") or an exclusion list ("!SSLv2, !SSLv3"); empty means
  // every protocol the OpenSSL library has.
  std::string text = to_lower(protocols);
  for (char& c : text)
    if (c == ',' || c == ':') c = ' ';
  bool inclusion = false, lower_bound = false, excludes_v2 = false, excludes_v3 = false;
  for (auto word : split(text, ' ')) {
    if (word.empty()) continue;
    if (word == "sslv2" || word == "sslv3" || word == ">=sslv2" || word == ">=sslv3") return true;
    if (word.starts_with(">=")) lower_bound = true;
    else if (word == "!sslv2") excludes_v2 = true;
    else if (word == "!sslv3") excludes_v3 = true;
    else if (!word.starts_with("!") && !word.starts_with("<=")) inclusion = true;
  }
  return !inclusion && !lower_bound && !(excludes_v2 && excludes_v3);
}

Findings audit(const AuditFacts& facts, const AuditSettings& settings) {
  Findings findings;
  judge_server(facts, settings, findings);
  judge_client(facts, findings);
  judge_versions(facts, findings);
  return findings;
}

int exit_status(const Findings& findings) {
  switch (findings.worst()) {
    case Severity::error: return 2;
    case Severity::warning: return 1;
    default: return 0;
  }
}

}  // namespace mxtls::postfix
