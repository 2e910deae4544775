#include "publish/key_change.hpp"

#include "base/text.hpp"
#include "postfix/gather_mx.hpp"
#include "publish/deploy.hpp"

namespace mxtls::publish {
namespace {

using Outcome = postfix::KeyChangeVerdict::Outcome;

// The MX hosts of each domain; a domain without MX records is its own host
// (RFC 5321 5.1). A lookup that failed or did not validate: its reason.
std::vector<postfix::MxHostFacts> mx_hosts_of(dns::Resolver& resolver, const postfix::AuditFacts& now,
                                              const std::vector<std::string>& domains, std::vector<std::string>& failed) {
  std::vector<postfix::MxHostFacts> hosts;
  for (const auto& domain : domains) {
    auto mx = postfix::gather_mx_hosts(resolver, domain, now);
    if (mx.temporary) failed.push_back("the MX records of " + mx.domain + " cannot be read (" + mx.error + ")");
    if (!mx.error.empty() && !mx.temporary) {
      postfix::MxHostFacts itself;
      itself.host = mx.domain;
      hosts.push_back(std::move(itself));
    }
    hosts.insert(hosts.end(), mx.hosts.begin(), mx.hosts.end());
  }
  return hosts;
}

// Each name's decision, the outcome they add up to, the records to publish.
postfix::KeyChangeVerdict combine(const postfix::KeyChangeHosts& names, const std::vector<RenewalDecision>& decisions) {
  postfix::KeyChangeVerdict verdict;
  std::vector<std::string> checked, records;
  for (const auto& host : names.hosts) checked.push_back(host.name);
  verdict.lines.push_back("dane: TLSA records read at " + join(checked, ", ") +
                          (names.dropped.empty() ? "" : "; not read (too many names): " + join(names.dropped, ", ")));
  for (size_t i = 0; i < decisions.size(); ++i) {
    const auto& d = decisions[i];
    const auto& host = names.hosts[i];
    bool blocks = d.rule == "cannot-tell" && host.ours;
    // At a name that may be another server's, records matching neither
    // chain are most likely that server's own: not a reason to publish.
    bool foreign = !host.ours && d.rule == "not-covered-before";
    std::string reason = foreign ? "Its validated TLSA records match neither the chain served here nor the new one: "
                                   "they are another server's, or, if " + host.name + " is this server, DANE senders "
                                   "defer mail to it today and the record below ends that."
                                 : d.reason;
    verdict.lines.push_back("dane: mx=" + host.name + " rule=" + d.rule + ": " + reason +
                            (d.rule == "cannot-tell" && !host.ours ? " (not known to be a name of this server: noted only)" : ""));
    if (d.rule == "not-covered" || d.rule == "not-covered-before")
      records.push_back(std::string(foreign ? "publish, if " + host.name + " is this server: " : "publish: ") + d.record);
    if (d.rule == "not-covered") verdict.outcome = Outcome::refuse;
    else if (blocks && verdict.outcome == Outcome::proceed) verdict.outcome = Outcome::cannot_tell;
  }
  verdict.lines.insert(verdict.lines.end(), records.begin(), records.end());
  return verdict;
}

}  // namespace

postfix::KeyChangeVerdict check_key_change(dns::Resolver& resolver, const postfix::AuditFacts& now,
                                           const postfix::ServerCertFacts& next, const std::vector<std::string>& domains) {
  if (auto validating = dns::require_validation(resolver); !validating)
    return {Outcome::cannot_tell, {"dane: rule=cannot-tell: " + validating.error().message}};
  std::vector<std::string> failed, read = domains.empty() ? postfix::local_mail_domains(now) : domains, unread;
  if (read.size() > postfix::max_local_mail_domains)
    unread.assign(read.begin() + postfix::max_local_mail_domains, read.end()), read.resize(postfix::max_local_mail_domains);
  auto mx_hosts = mx_hosts_of(resolver, now, read, failed);
  if (!failed.empty()) return {Outcome::cannot_tell, {"dane: rule=cannot-tell: " + join(failed, "; ")}};
  auto names = postfix::key_change_hosts(now, next, mx_hosts);
  if (!unread.empty()) names.dropped.insert(names.dropped.begin(), "the MX hosts of " + join(unread, ", "));
  std::vector<std::string> hosts;
  for (const auto& host : names.hosts) hosts.push_back(host.name);
  std::vector<dane::ChainAssociations> served;
  for (const auto* chain : postfix::served_chains(now)) served.push_back(postfix::chain_associations(*chain));
  return combine(names, decide_key_change_at(resolver, hosts, served, postfix::chain_associations(next), 3600));
}

}  // namespace mxtls::publish
