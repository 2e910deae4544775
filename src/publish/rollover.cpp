#include "publish/rollover.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::publish {

std::string tlsa_zone_line(const std::string& mx, uint32_t ttl, const std::string& key) {
  return dane::tlsa_name(mx) + ". " + std::to_string(ttl) + " IN TLSA " + dane::Tlsa{3, 1, 1, key}.to_text();
}

std::string nsupdate_add(const std::string& mx, uint32_t ttl, const std::string& key) {
  return "update add " + dane::tlsa_name(mx) + ". " + std::to_string(ttl) + " TLSA " +
         dane::Tlsa{3, 1, 1, key}.to_text() + "\nsend\n";
}

std::string nsupdate_delete(const std::string& mx, const std::string& key) {
  return "update delete " + dane::tlsa_name(mx) + ". TLSA " + dane::Tlsa{3, 1, 1, key}.to_text() + "\nsend\n";
}

namespace {

bool has_key(const std::vector<dane::Tlsa>& tlsa, const std::string& key) {
  return !key.empty() && std::any_of(tlsa.begin(), tlsa.end(), [&](const dane::Tlsa& r) {
           return r.usage == 3 && r.selector == 1 && r.mtype == 1 && r.data == key;
         });
}

bool published(const RolloverFacts& facts, const std::string& key) { return has_key(facts.tlsa, key); }

std::string zone_line(const RolloverFacts& facts, const std::string& key) {
  return tlsa_zone_line(facts.mx, facts.ttl, key);
}

// The servers that answered without the key's record, and those that did
// not answer (a not_found answer is an answer: no TLSA records there).
struct Servers {
  std::vector<std::string> lacking, silent;
};
std::string server_text(const ServerView& server) { return server.name + " (" + server.address + ")"; }
Servers servers_for(const RolloverFacts& facts, const std::string& key) {
  Servers out;
  for (const auto& server : facts.servers)
    if (server.error && server.error->kind != ErrorKind::not_found)
      out.silent.push_back(server_text(server) + ": " + server.error->message);
    else if (!has_key(server.tlsa, key))
      out.lacking.push_back(server_text(server));
  return out;
}

// Where the authoritative servers keep status from going on: cannot_tell
// or publish_next with its message, or nothing.
std::optional<RolloverStatus> servers_block(const RolloverFacts& facts, const std::string& key) {
  if (facts.servers_error || facts.servers.empty())
    return RolloverStatus{RolloverPhase::cannot_tell, 0,
                          "The authoritative servers of " + (facts.zone.empty() ? std::string("the zone") : facts.zone) +
                              " could not be asked (" +
                              (facts.servers_error ? facts.servers_error->message : std::string("none found")) +
                              "): a validating resolver's view does not show that every secondary serves the new "
                              "RRset (RFC 7671 8.1); nothing changes.",
                          ""};
  auto servers = servers_for(facts, key);
  if (!servers.silent.empty())
    return RolloverStatus{RolloverPhase::cannot_tell, 0,
                          "Authoritative servers did not answer: " + join(servers.silent, "; ") +
                              ": a resolver that asks them may cache the old RRset; nothing changes.",
                          ""};
  if (!servers.lacking.empty())
    return RolloverStatus{RolloverPhase::publish_next, 0,
                          "The next key's record is not yet served by " + join(servers.lacking, ", ") +
                              " (a secondary that has not loaded the zone's new version?): resolvers that ask it "
                              "cache the old RRset for a full TTL; the wait starts when every server has it.",
                          zone_line(facts, key)};
  return std::nullopt;
}

// The resolver's answer can be trusted to say what DANE senders see.
bool validated(const RolloverFacts& facts) {
  return facts.security == dns::Security::secure &&
         (!facts.error || facts.error->kind == ErrorKind::not_found);
}

RolloverStatus cannot_tell(const RolloverFacts& facts) {
  std::string why = facts.error && facts.error->kind != ErrorKind::not_found
                        ? "could not be read (" + facts.error->message + ")"
                        : std::string("are ") + dns::to_string(facts.security) + ", not DNSSEC-validated";
  return {RolloverPhase::cannot_tell, 0,
          "The TLSA records at " + dane::tlsa_name(facts.mx) + " " + why +
              ": a DANE rollover needs a signed zone and a validating resolver (RFC 7672 2.2); nothing changes.",
          ""};
}

}  // namespace

RolloverState observe(RolloverState state, const RolloverFacts& facts, int64_t now) {
  if (state.next_key.empty() || !validated(facts)) return state;
  auto servers = servers_for(facts, state.next_key);
  bool servers_known = !facts.servers_error && !facts.servers.empty() && servers.silent.empty();
  if (published(facts, state.next_key) && !servers_known) return state;  // cannot tell: as it was
  if (!published(facts, state.next_key) || !servers.lacking.empty()) {
    state.visible_since = 0;  // withdrawn: the wait starts again when it is back
    return state;
  }
  if (state.visible_since == 0) {
    state.visible_since = now;
    state.ttl = facts.ttl;
  }
  state.ttl = std::max(state.ttl, facts.ttl);  // a raised TTL lengthens what caches may hold
  return state;
}

RolloverStatus rollover_status(const RolloverState& state, const RolloverFacts& facts, int64_t now) {
  if (state.next_key.empty())
    return {RolloverPhase::not_staged, 0, "No next key is staged: run mxtls postfix rollover stage.", ""};
  if (!validated(facts)) return cannot_tell(facts);
  if (published(facts, state.next_key))
    if (auto blocked = servers_block(facts, state.next_key)) return *blocked;
  if (!published(facts, state.next_key) || state.visible_since == 0)
    return {RolloverPhase::publish_next, 0,
            "The next key's record is not visible through the validating resolver: publish it beside the current "
            "one.",
            zone_line(facts, state.next_key)};
  int64_t ready_at = state.visible_since + 2 * static_cast<int64_t>(state.ttl);
  if (now < ready_at)
    return {RolloverPhase::waiting, ready_at - now,
            "The next key's record is visible; caches may still hold the RRset without it until twice its TTL (" +
                std::to_string(state.ttl) + " s) has passed.",
            ""};
  std::string old = facts.current_key != state.next_key && published(facts, facts.current_key)
                        ? zone_line(facts, facts.current_key)
                        : "";
  return {RolloverPhase::ready, 0,
          "The next key's record has been visible for twice its TTL: switch may install the certificate for it.",
          old};
}

const char* to_string(RolloverPhase phase) {
  switch (phase) {
    case RolloverPhase::not_staged: return "not-staged";
    case RolloverPhase::cannot_tell: return "cannot-tell";
    case RolloverPhase::publish_next: return "publish-next";
    case RolloverPhase::waiting: return "waiting";
    case RolloverPhase::ready: return "ready";
  }
  return "?";
}

namespace {

int progress_rank(RolloverPhase phase) {
  switch (phase) {
    case RolloverPhase::cannot_tell: return 0;
    case RolloverPhase::not_staged: return 1;
    case RolloverPhase::publish_next: return 2;
    case RolloverPhase::waiting: return 3;
    case RolloverPhase::ready: return 4;
  }
  return 0;
}

}  // namespace

RolloverPhase combined_phase(const std::vector<RolloverStatus>& hosts) {
  if (hosts.empty()) return RolloverPhase::not_staged;
  auto least = std::min_element(hosts.begin(), hosts.end(), [](const RolloverStatus& a, const RolloverStatus& b) {
    return progress_rank(a.phase) < progress_rank(b.phase);
  });
  return least->phase;
}

int rollover_exit_status(RolloverPhase phase) {
  switch (phase) {
    case RolloverPhase::ready: return 0;
    case RolloverPhase::publish_next:
    case RolloverPhase::waiting: return 1;
    case RolloverPhase::not_staged: return 2;
    case RolloverPhase::cannot_tell: return 3;
  }
  return 3;
}

}  // namespace mxtls::publish
