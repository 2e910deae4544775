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
constexpr size_t max_cached_keys = 1000;

// What the verification of one message saw, for its verdict and detail.
struct LookupContext {
  DkimVerifier* verifier = nullptr;
  std::chrono::steady_clock::time_point deadline;  // no key lookup starts after it
  size_t max_signatures = max_dkim_signatures;
  size_t signatures = 0;      // DKIM-Signature headers in the message
  std::string problem;        // why the last key could not be had
  std::string temporary;      // why a key could not be had for now ("" when none)
  std::string temporary_domain;  // the d= of that signature (libopendkim may then choose none)
  bool over_budget = false;   // a lookup was not made: the message's time budget was spent
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
  bool over_budget = false;
  auto txt = context.verifier->key_record(name, context.deadline, over_budget);
  if (!txt) {
    context.problem = txt.error().message;
    context.over_budget = context.over_budget || over_budget;
    // RFC 6376 6.1.2: a key query that fails to respond is TEMPFAIL (the
    // verifier may try later); a key record that does not exist is PERMFAIL.
    // Both are NOTFOUND to libopendkim, which stops at TRYAGAIN without
    // trying the other signatures; the verdict comes from this context.
    if (txt.error().kind == ErrorKind::temporary) {
      context.temporary = txt.error().message;
      context.temporary_domain = printable(text_of(dkim_sig_getdomain(sig)), 253);
    }
    return DKIM_CBSTAT_NOTFOUND;
  }
  std::string key = accept_tlsrpt_service(*txt);
  if (key.size() >= buflen) {
    context.problem = "the key " + name + " TXT is too long";
    return DKIM_CBSTAT_ERROR;
  }
  std::memcpy(buf, key.c_str(), key.size() + 1);
  return DKIM_CBSTAT_CONTINUE;
}

// libopendkim's prescreen hook, before any key is fetched: the signatures
// past the cap are ignored (RFC 6376 6.1 lets a verifier limit them).
DKIM_CBSTAT limit_signatures(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs) {
  auto& context = *static_cast<LookupContext*>(dkim_get_user_context(dkim));
  context.signatures = nsigs > 0 ? static_cast<size_t>(nsigs) : 0;
  for (size_t i = context.max_signatures; i < context.signatures; ++i) dkim_sig_ignore(sigs[i]);
  return DKIM_CBSTAT_CONTINUE;
}

// Why the key at `name` could not be had; a temporary one says so first.
Error key_error(const std::string& name, const Error& error) {
  bool temporary = error.kind == ErrorKind::temporary;
  return {error.kind, (temporary ? "temporary: " : "") + ("the key " + name + " TXT: " + error.message)};
}

// Why no signature verified, from the signature libopendkim chose and the lookup.
std::string failure_detail(DKIM_SIGINFO* sig, DKIM_STAT status, const LookupContext& context) {
  if (!context.problem.empty() && !context.over_budget) return context.problem;
  if (sig) {
    if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) return "the body hash did not verify (the body was changed)";
    int error = dkim_sig_geterror(sig);
    if (error != DKIM_SIGERROR_OK) return dkim_sig_geterrorstr(error);
  }
  return dkim_getresultstr(status);
}

// The verdict on a message no signature of which verified: temperror when a
// key could not be had for now, over-limit when the limits left signatures
// unverified, else failed.
DkimResult unverified(DKIM_SIGINFO* sig, DKIM_STAT status, const LookupContext& context, std::string domain) {
  if (!context.temporary.empty())
    return {DkimStatus::temperror, domain.empty() ? context.temporary_domain : std::move(domain), context.temporary};
  std::string why = failure_detail(sig, status, context);
  if (context.over_budget)
    return {DkimStatus::over_limit, std::move(domain),
            "the message's DKIM time budget ran out before every signature was verified (" + why + ")"};
  if (context.signatures > context.max_signatures)
    return {DkimStatus::over_limit, std::move(domain),
            std::to_string(context.signatures) + " DKIM-Signature headers: only the first " +
                std::to_string(context.max_signatures) + " are verified (RFC 6376 6.1), and none of them did (" + why +
                ")"};
  return {DkimStatus::failed, std::move(domain), why};
}

// A signature that verified, whatever libopendkim chose to report (RFC 6376
// 6.1: one that verifies is enough).
DKIM_SIGINFO* verified_signature(DKIM* dkim) {
  DKIM_SIGINFO** sigs = nullptr;
  int count = 0;
  if (dkim_getsiglist(dkim, &sigs, &count) != DKIM_STAT_OK || !sigs) return nullptr;
  for (int i = 0; i < count; ++i)
    if (sigs[i] && DKIM_SIG_CHECK(sigs[i])) return sigs[i];
  return nullptr;
}

struct Handle {
  DKIM* dkim;
  ~Handle() {
    if (dkim) dkim_free(dkim);
  }
};

}  // namespace

Result<std::unique_ptr<DkimVerifier>> DkimVerifier::create(dns::Resolver& resolver, DkimLimits limits) {
  DKIM_LIB* lib = dkim_init(nullptr, nullptr);
  if (!lib) return temporary_error("cannot start libopendkim");
  // FIXCRLF: a message read from a file or a pipe(8) has LF line ends;
  // RFC 6376 canonicalises CRLF.
  unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
  if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
      dkim_set_key_lookup(lib, lookup_key) != DKIM_STAT_OK || dkim_set_prescreen(lib, limit_signatures) != DKIM_STAT_OK) {
    dkim_close(lib);
    return temporary_error("cannot set up libopendkim");
  }
  if (limits.max_signatures == 0) limits.max_signatures = 1;
  return std::unique_ptr<DkimVerifier>(new DkimVerifier(lib, resolver, std::move(limits)));
}

Result<std::string> DkimVerifier::key_record(const std::string& name,
                                             std::chrono::steady_clock::time_point message_deadline,
                                             bool& over_budget) {
  if (auto cached = keys_.find(name); cached != keys_.end()) return cached->second;
  auto start = limits_.now();
  if (start > message_deadline) {
    over_budget = true;
    return invalid_error("the key " + name + " was not looked up: the message's DKIM time budget (" +
                         std::to_string(limits_.message_budget.count() / 1000) + " s) is spent");
  }
  if (spent_ > limits_.run_budget)
    return temporary_error("temporary: the key " + name + " was not looked up: this run's DKIM time budget (" +
                           std::to_string(limits_.run_budget.count() / 1000) + " s) is spent");
  // A bogus (DNSSEC) answer is an error of lookup_txt: such a key is not used.
  auto txt = dns::lookup_txt(resolver_, name);
  spent_ += limits_.now() - start;
  // RFC 6376 3.6.2.2: several records make the result undefined; use the first.
  Result<std::string> answer = txt ? Result<std::string>(txt->front()) : Result<std::string>(key_error(name, txt.error()));
  if (keys_.size() < max_cached_keys) keys_.emplace(name, answer);
  return answer;
}

DkimVerifier::~DkimVerifier() { dkim_close(lib_); }

DkimResult DkimVerifier::verify(std::string_view message) {
  if (message.size() > max_dkim_message) return {DkimStatus::failed, "", "the message is larger than 64 MiB"};
  DKIM_STAT status = DKIM_STAT_OK;
  Handle handle{dkim_verify(lib_, reinterpret_cast<const unsigned char*>("mxtls"), nullptr, &status)};
  if (!handle.dkim) return {DkimStatus::failed, "", std::string("libopendkim: ") + dkim_getresultstr(status)};
  LookupContext context;
  context.verifier = this;
  context.deadline = limits_.now() + limits_.message_budget;
  context.max_signatures = limits_.max_signatures;
  dkim_set_user_context(handle.dkim, &context);
  auto* bytes = reinterpret_cast<u_char*>(const_cast<char*>(message.data()));
  status = dkim_chunk(handle.dkim, bytes, message.size());
  if (status == DKIM_STAT_OK) status = dkim_chunk(handle.dkim, nullptr, 0);
  if (status == DKIM_STAT_OK) status = dkim_eom(handle.dkim, nullptr);
  if (status == DKIM_STAT_NOSIG) return {DkimStatus::unsigned_mail, "", ""};
  if (DKIM_SIGINFO* good = verified_signature(handle.dkim))
    return {DkimStatus::verified, printable(text_of(dkim_sig_getdomain(good)), 253), ""};
  DKIM_SIGINFO* sig = dkim_getsignature(handle.dkim);
  std::string domain = sig ? printable(text_of(dkim_sig_getdomain(sig)), 253) : "";
  return unverified(sig, status, context, domain);
}

}  // namespace mxtls::tlsrpt
