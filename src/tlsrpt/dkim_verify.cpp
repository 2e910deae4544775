#include "tlsrpt/dkim_verify.hpp"

// dkim.h is C99: it uses u_char from sys/types.h without including it, and
// _Bool, which C++ spells bool (same size and ABI on every platform gcc and
// clang support).
#include <sys/types.h>
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool

#include <cstring>
#include <string>

#include "base/text.hpp"

namespace mxtls::tlsrpt {
namespace {

constexpr size_t max_key_name = 253;  // a DNS name (RFC 1035 2.3.4)

// What the key lookup of one verification saw, for the failure's detail.
struct LookupContext {
  dns::Resolver* resolver = nullptr;
  std::string problem;    // why the last key could not be had
  bool temporary = false;
};

std::string text_of(const unsigned char* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

// RFC 8460 3 registers the DKIM service type "tlsrpt" (s=tlsrpt) for keys
// that sign only TLS reports; libopendkim accepts only "email" and "*". We
// verify TLS reports, so such a key is meant for us: offer it as "email".
std::string accept_tlsrpt_service(std::string key) {
  for (size_t at = key.find("s="); at != std::string::npos; at = key.find("s=", at + 2)) {
    bool tag_start = at == 0 || key[at - 1] == ';' || key[at - 1] == ' ' || key[at - 1] == '\t';
    if (!tag_start) continue;
    auto end = key.find(';', at);
    std::string services = key.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
    if (services.find("tlsrpt") != std::string::npos && services.find("email") == std::string::npos)
      key.insert(at + 2, "email:");
    break;
  }
  return key;
}

// libopendkim's key lookup hook: SELECTOR._domainkey.DOMAIN TXT through our resolver.
DKIM_CBSTAT lookup_key(DKIM* dkim, DKIM_SIGINFO* sig, u_char* buf, size_t buflen) {
  auto& context = *static_cast<LookupContext*>(dkim_get_user_context(dkim));
  std::string name = text_of(dkim_sig_getselector(sig)) + "._domainkey." + text_of(dkim_sig_getdomain(sig));
  if (name.size() > max_key_name || printable(name, max_key_name) != name) {
    context.problem = "the signature's selector and domain are no DNS name";
    return DKIM_CBSTAT_NOTFOUND;
  }
  // A bogus (DNSSEC) answer is an error of lookup_txt: such a key is not used.
  auto txt = dns::lookup_txt(*context.resolver, name);
  if (!txt) {
    context.temporary = txt.error().kind == ErrorKind::temporary;
    context.problem = (context.temporary ? "temporary: " : "") + ("the key " + name + " TXT: " + txt.error().message);
    return context.temporary ? DKIM_CBSTAT_TRYAGAIN : DKIM_CBSTAT_NOTFOUND;
  }
  // RFC 6376 3.6.2.2: several records make the result undefined; use the first.
  std::string key = accept_tlsrpt_service(txt->front());
  if (key.size() >= buflen) {
    context.problem = "the key " + name + " TXT is too long";
    return DKIM_CBSTAT_ERROR;
  }
  std::memcpy(buf, key.c_str(), key.size() + 1);
  return DKIM_CBSTAT_CONTINUE;
}

// Why no signature verified, from the signature libopendkim chose and the lookup.
std::string failure_detail(DKIM_SIGINFO* sig, DKIM_STAT status, const LookupContext& context) {
  if (!context.problem.empty()) return context.problem;
  if (sig) {
    if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) return "the body hash did not verify (the body was changed)";
    int error = dkim_sig_geterror(sig);
    if (error != DKIM_SIGERROR_OK) return dkim_sig_geterrorstr(error);
  }
  return dkim_getresultstr(status);
}

struct Handle {
  DKIM* dkim;
  ~Handle() {
    if (dkim) dkim_free(dkim);
  }
};

}  // namespace

Result<std::unique_ptr<DkimVerifier>> DkimVerifier::create(dns::Resolver& resolver) {
  DKIM_LIB* lib = dkim_init(nullptr, nullptr);
  if (!lib) return temporary_error("cannot start libopendkim");
  // FIXCRLF: a message read from a file or a pipe(8) has LF line ends;
  // RFC 6376 canonicalises CRLF.
  unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
  if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
      dkim_set_key_lookup(lib, lookup_key) != DKIM_STAT_OK) {
    dkim_close(lib);
    return temporary_error("cannot set up libopendkim");
  }
  return std::unique_ptr<DkimVerifier>(new DkimVerifier(lib, resolver));
}

DkimVerifier::~DkimVerifier() { dkim_close(lib_); }

DkimResult DkimVerifier::verify(std::string_view message) {
  if (message.size() > max_dkim_message) return {DkimStatus::failed, "", "the message is larger than 64 MiB"};
  DKIM_STAT status = DKIM_STAT_OK;
  Handle handle{dkim_verify(lib_, reinterpret_cast<const unsigned char*>("mxtls"), nullptr, &status)};
  if (!handle.dkim) return {DkimStatus::failed, "", std::string("libopendkim: ") + dkim_getresultstr(status)};
  LookupContext context{&resolver_, {}, false};
  dkim_set_user_context(handle.dkim, &context);
  auto* bytes = reinterpret_cast<u_char*>(const_cast<char*>(message.data()));
  status = dkim_chunk(handle.dkim, bytes, message.size());
  if (status == DKIM_STAT_OK) status = dkim_chunk(handle.dkim, nullptr, 0);
  if (status == DKIM_STAT_OK) status = dkim_eom(handle.dkim, nullptr);
  if (status == DKIM_STAT_NOSIG) return {DkimStatus::unsigned_mail, "", ""};
  DKIM_SIGINFO* sig = dkim_getsignature(handle.dkim);
  std::string domain = sig ? printable(text_of(dkim_sig_getdomain(sig)), 253) : "";
  if (status == DKIM_STAT_OK && sig && DKIM_SIG_CHECK(sig)) return {DkimStatus::verified, domain, ""};
  return {DkimStatus::failed, domain, failure_detail(sig, status, context)};
}

}  // namespace mxtls::tlsrpt
