// libunbound-backed resolver. One context per Resolver object; a Resolver is
// used by one thread at a time.
#include <poll.h>
#include <unbound.h>

#include <filesystem>
#include <mutex>

#include "base/text.hpp"
#include "dns/dns.hpp"
#include "dns/message.hpp"

namespace mxtls::dns {
namespace {

constexpr const char* default_root_anchors[] = {"/usr/share/dns/root.key", "/var/lib/unbound/root.key"};

struct Pending {
  bool done = false;
  int error = 0;
  ub_result* result = nullptr;
};

void on_result(void* arg, int error, ub_result* result) {
  auto* pending = static_cast<Pending*>(arg);
  pending->done = true;
  pending->error = error;
  pending->result = result;
}

// libunbound's configuration reader is a flex scanner with global state:
// two threads setting up contexts at once crash it.
std::mutex& setup_mutex() {
  static std::mutex mutex;
  return mutex;
}

class UnboundResolver final : public Resolver {
 public:
  UnboundResolver(ub_ctx* ctx, std::chrono::milliseconds timeout) : ctx_(ctx), timeout_(timeout) {}
  ~UnboundResolver() override { ub_ctx_delete(ctx_); }
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  Result<Answer> query(std::string_view name, Type type) override {
    Pending pending;
    int id = 0;
    std::string qname(name);
    int rc = ub_resolve_async(ctx_, qname.c_str(), static_cast<int>(type), 1, &pending, on_result, &id);
    if (rc != 0) return temporary_error(std::string("DNS: ") + ub_strerror(rc));
    if (!wait(pending)) {
      ub_cancel(ctx_, id);
      return temporary_error("DNS lookup of " + qname + " timed out after " +
                             std::to_string(timeout_.count()) + " ms");
    }
    if (pending.error != 0) return temporary_error(std::string("DNS: ") + ub_strerror(pending.error));
    return to_answer(qname, pending.result);
  }

 private:
  bool wait(Pending& pending) {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (!pending.done) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fd{ub_fd(ctx_), POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) > 0) ub_process(ctx_);
    }
    return true;
  }

  static Result<Answer> to_answer(const std::string& name, ub_result* result) {
    std::unique_ptr<ub_result, decltype(&ub_resolve_free)> owner(result, ub_resolve_free);
    Answer answer;
    answer.security = result->secure ? Security::secure : result->bogus ? Security::bogus : Security::insecure;
    if (result->bogus && result->why_bogus) answer.why_bogus = result->why_bogus;
    if (result->rcode == 2 && !result->bogus) return temporary_error("DNS server failure (SERVFAIL) for " + name);
    answer.nxdomain = result->nxdomain != 0;
    if (result->canonname)
      if (auto canonical = normalize_domain(result->canonname); canonical != normalize_domain(name))
        answer.canonical_name = canonical;
    if (result->havedata)
      for (int i = 0; result->data[i]; ++i) answer.rdata.emplace_back(result->data[i], result->len[i]);
    if (!answer.rdata.empty() && result->ttl > 0) answer.ttl = static_cast<uint32_t>(result->ttl);
    // libunbound asks with the DO bit (its libworker's EDNS), so a signed
    // answer packet carries the RRSIGs with the zone's original TTL.
    if (!answer.rdata.empty() && result->answer_packet && result->answer_len > 0)
      if (auto sig = signed_ttl(std::string_view(static_cast<const char*>(result->answer_packet),
                                                 static_cast<size_t>(result->answer_len)),
                                result->canonname ? result->canonname : name, static_cast<Type>(result->qtype)))
        answer.original_ttl = sig->original_ttl, answer.signer = sig->signer;
    return answer;
  }

  ub_ctx* ctx_;
  std::chrono::milliseconds timeout_;
};

// A new context for async queries (callers hold setup_mutex()).
ub_ctx* new_async_context() {
  ub_ctx* ctx = ub_ctx_create();
  // By default libunbound forks a helper process for async queries; forking
  // a multi-threaded program is unsafe, so ask for a thread instead.
  if (ctx) ub_ctx_async(ctx, 1);
  return ctx;
}

// Deletes the context being set up and says which step failed.
Error setup_failed(ub_ctx* ctx, const std::string& what, int rc) {
  ub_ctx_delete(ctx);
  return invalid_error(what + ": " + ub_strerror(rc));
}

}  // namespace

Result<std::unique_ptr<Resolver>> make_unbound_resolver(const ResolverOptions& options) {
  std::lock_guard lock(setup_mutex());
  ub_ctx* ctx = new_async_context();
  if (!ctx) return temporary_error("cannot create a libunbound context");
  auto fail = [ctx](const std::string& what, int rc) { return setup_failed(ctx, what, rc); };
  if (!options.config_file.empty()) {
    // Absolute, because a "directory:" line in the file changes the working directory.
    auto path = std::filesystem::absolute(options.config_file).string();
    if (int rc = ub_ctx_config(ctx, path.c_str())) return fail("cannot read resolver config " + path, rc);
    ub_ctx_debuglevel(ctx, 0);  // findings report DNS trouble; keep stderr clean
  } else {
    if (int rc = ub_ctx_resolvconf(ctx, nullptr)) return fail("cannot read /etc/resolv.conf", rc);
    if (int rc = ub_ctx_hosts(ctx, nullptr)) return fail("cannot read /etc/hosts", rc);
  }
  std::string anchor = options.trust_anchor_file;
  if (anchor.empty() && options.config_file.empty())
    for (const char* path : default_root_anchors)
      if (std::filesystem::exists(path)) {
        anchor = path;
        break;
      }
  if (!anchor.empty())
    if (int rc = ub_ctx_add_ta_file(ctx, anchor.c_str())) return fail("cannot read trust anchor " + anchor, rc);
  return std::unique_ptr<Resolver>(std::make_unique<UnboundResolver>(ctx, options.timeout));
}

Result<std::unique_ptr<Resolver>> make_direct_resolver(const std::string& zone, const std::string& address,
                                                       std::chrono::milliseconds timeout) {
  std::lock_guard lock(setup_mutex());
  ub_ctx* ctx = new_async_context();
  if (!ctx) return temporary_error("cannot create a libunbound context");
  auto fail = [ctx](const std::string& what, int rc) { return setup_failed(ctx, what, rc); };
  // Authoritative servers may listen on loopback (the demo world's do).
  if (int rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) return fail("libunbound option", rc);
  if (int rc = ub_ctx_set_option(ctx, "harden-referral-path:", "no")) return fail("libunbound option", rc);
  // A stub zone: queries for names in it go to `address` with RD clear.
  if (int rc = ub_ctx_set_stub(ctx, zone.c_str(), address.c_str(), 0))
    return fail("cannot ask " + address + " for " + zone, rc);
  return std::unique_ptr<Resolver>(std::make_unique<UnboundResolver>(ctx, timeout));
}

}  // namespace mxtls::dns
