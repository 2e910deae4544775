#include "postfix/gather_ciphers.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

#include "base/text.hpp"
#include "postfix/ciphers.hpp"
#include "postfix/gather.hpp"

namespace mxtls::postfix {

Result<std::vector<std::string>> openssl_tls12_ciphers(const std::string& cipherlist) {
  // The server method, with the system's OpenSSL configuration, as smtpd(8) has it.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return permanent_error("OpenSSL cannot make a TLS context");
  ERR_clear_error();
  if (SSL_CTX_set_cipher_list(ctx.get(), cipherlist.c_str()) != 1) {
    char text[256] = "no cipher match";
    if (unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return invalid_error("OpenSSL enables no cipher with \"" + cipherlist + "\" (" + text + ")");
  }
  std::vector<std::string> names;
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    if (std::string_view(SSL_CIPHER_get_version(cipher)) == "TLSv1.3") continue;
    names.emplace_back(SSL_CIPHER_get_name(cipher));
  }
  return names;
}

namespace {

// tls_<grade>_cipherlist for every grade, defaults included (postconf -x).
Result<Parameters> grade_lists(const std::string& config_dir) {
  std::vector<std::string> args{"-x"};
  for (const char* grade : {"high", "medium", "low", "export", "null"}) args.push_back(grade_cipherlist_parameter(grade));
  auto text = run_postconf(config_dir, args);
  if (!text) return text.error();
  return parse_parameters(*text);
}

CipherFacts service_ciphers(const AuditFacts& facts, const Service& service, const Parameters& lists) {
  CipherFacts out;
  out.service = service.name + "/" + service.type;
  CipherSetting setting = cipher_setting(facts, service);
  auto list = lists.find(grade_cipherlist_parameter(setting.grade));
  if (list == lists.end()) {
    // smtpd(8): "invalid ... cipher grade": no TLS (postconf(5) smtpd_tls_ciphers)
    out.error = "Postfix knows no cipher grade \"" + setting.grade + "\"";
    return out;
  }
  auto cipherlist = postfix_cipherlist(list->second, setting.exclusions);
  if (!cipherlist) {
    out.error = cipherlist.error().message;
    return out;
  }
  out.cipherlist = *cipherlist;
  auto enabled = openssl_tls12_ciphers(out.cipherlist);
  if (enabled) out.tls12 = std::move(*enabled);
  else out.error = enabled.error().message;
  return out;
}

}  // namespace

Result<bool> add_cipher_facts(const std::string& config_dir, AuditFacts& facts) {
  auto lists = grade_lists(config_dir);
  if (!lists) return lists.error();
  for (const auto& service : facts.services)
    if (ciphers_judged(facts, service)) facts.ciphers.push_back(service_ciphers(facts, service, *lists));
  return true;
}

}  // namespace mxtls::postfix
