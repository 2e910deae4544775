#include "logs/report.hpp"

#include <cstdio>
#include <sstream>

#include "logs/advice.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "base/utf8.hpp"

namespace mxtls::logs {

using nlohmann::json;

namespace {

json times(const Seen& seen) {
  if (seen.empty()) return nullptr;
  return format_rfc3339(seen.first);
}
json last_time(const Seen& seen) {
  if (seen.empty()) return nullptr;
  return format_rfc3339(seen.last);
}

json counts(const NameCounts& c) {
  json out = json::object();
  for (const auto& [name, n] : c) out[name] = n;
  return out;
}

json trust(const TrustCounts& t) {
  json j = json::object();
  j["Verified"] = t.verified;
  j["Trusted"] = t.trusted;
  j["Untrusted"] = t.untrusted;
  j["Anonymous"] = t.anonymous;
  return j;
}

json failures(const FailureCounts& f) {
  return {{"not_offered", f.not_offered}, {"not_verified", f.not_verified}, {"handshake", f.handshake},
          {"other", f.other}};
}

// Built key by key: nlohmann's initializer lists deep-copy every nested
// value, which dominates the time for tens of thousands of rows.
json outbound_domain(const OutboundDomain& d) {
  json peers = json::array();
  for (const auto& p : d.peers) {
    json peer = json::object();
    peer["host"] = p.host;
    peer["ip"] = p.ip;
    peer["messages"] = p.messages;
    peer["tls"] = p.tls;
    peer["trust"] = trust(p.trust);
    peers.push_back(std::move(peer));
  }
  json j = json::object();
  j["domain"] = d.domain;
  j["messages"] = d.messages;
  j["sessions"] = d.sessions;
  j["tls"] = d.tls;
  j["plaintext"] = d.plaintext;
  j["tls_unknown"] = d.tls_unknown;
  j["trust"] = trust(d.trust);
  j["protocols"] = counts(d.protocols);
  j["ciphers"] = counts(d.ciphers);
  j["tls_failures"] = failures(d.failures);
  j["tls_failure_attempts"] = d.tls_failure_attempts;
  j["deferred"] = d.deferred;
  j["bounced"] = d.bounced;
  j["first_seen"] = times(d.seen);
  j["last_seen"] = last_time(d.seen);
  j["peers"] = std::move(peers);
  json evidence = json::object();
  evidence["safe_level"] = d.evidence.safe_level;
  evidence["text"] = d.evidence.text;
  j["evidence"] = std::move(evidence);
  return j;
}

json sender(const InboundSender& s) {
  json j = json::object();
  j["domain"] = s.domain;
  j["messages"] = s.messages;
  j["tls"] = s.tls;
  j["plaintext"] = s.plaintext;
  j["tls_unknown"] = s.tls_unknown;
  j["protocols"] = counts(s.protocols);
  j["ciphers"] = counts(s.ciphers);
  j["first_seen"] = times(s.seen);
  j["last_seen"] = last_time(s.seen);
  return j;
}

json client(const InboundClient& c) {
  json j = json::object();
  j["host"] = c.host;
  j["ip"] = c.ip;
  j["sessions"] = c.sessions;
  j["tls_sessions"] = c.tls_sessions;
  j["messages"] = c.messages;
  j["tls"] = c.tls;
  j["plaintext"] = c.plaintext;
  j["tls_unknown"] = c.tls_unknown;
  j["starttls_failures"] = c.starttls_failures;
  j["protocols"] = counts(c.protocols);
  j["ciphers"] = counts(c.ciphers);
  j["first_seen"] = times(c.seen);
  j["last_seen"] = last_time(c.seen);
  return j;
}

json names_json(const Rows<std::string>& names) {
  json out = json::array();
  for (const auto& name : names) out.push_back(name);
  return out;
}

json what_if(const std::vector<WhatIf>& list, bool inbound) {
  json out = json::array();
  for (const auto& w : list) {
    json item = {{"setting", w.setting}, {"messages", w.messages}};
    if (inbound) {
      item["clients"] = names_json(w.clients);
      item["sender_domains"] = names_json(w.domains);
    } else {
      item["domains"] = names_json(w.domains);
    }
    out.push_back(item);
  }
  return out;
}

// Log text is bytes; JSON strings must be UTF-8 (nlohmann throws on dump
// otherwise). Invalid sequences become U+FFFD.
void make_utf8(json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!valid_utf8(s)) s = repair_utf8(s);
  } else if (j.is_array()) {
    for (auto& item : j) make_utf8(item);
  } else if (j.is_object()) {
    std::vector<std::string> bad;
    for (auto& [key, value] : j.items()) {
      make_utf8(value);
      if (!valid_utf8(key)) bad.push_back(key);
    }
    for (const auto& key : bad) {
      json value = std::move(j[key]);
      j.erase(key);
      j[repair_utf8(key)] = std::move(value);
    }
  }
}

}  // namespace

namespace {

json period_json(const Report& r) { return {{"first", times(r.period)}, {"last", last_time(r.period)}}; }

json inputs_json(const Analysis& a) {
  json inputs = json::array();
  for (const auto& i : a.inputs) {
    json j = json::object();
    j["file"] = i.file;
    j["lines"] = i.lines;
    j["bytes"] = i.bytes;
    j["postfix_lines"] = i.postfix_lines;
    j["unparsed_lines"] = i.unparsed_lines;
    j["errors"] = i.errors;
    j["failed"] = i.failed;
    inputs.push_back(std::move(j));
  }
  return inputs;
}

json outbound_totals(const OutboundTotals& t) {
  return {{"messages", t.messages}, {"tls", t.tls}, {"plaintext", t.plaintext}, {"tls_unknown", t.tls_unknown},
          {"tls_deferrals", t.tls_deferrals}, {"domains", t.domains}, {"peers", t.peers}};
}

json inbound_totals(const InboundTotals& t) {
  return {{"messages", t.messages}, {"tls", t.tls}, {"plaintext", t.plaintext}, {"tls_unknown", t.tls_unknown},
          {"sessions", t.sessions}, {"clients", t.clients}, {"sender_domains", t.sender_domains}};
}

json what_if_json(const Report& r) {
  return {{"outbound", what_if(r.what_if_outbound, false)}, {"inbound", what_if(r.what_if_inbound, true)}};
}

json timeline_json(const Report& r) {
  json points = json::array();
  for (const auto& p : r.timeline)
    points.push_back({{"start", format_rfc3339(p.start)}, {"outbound", p.outbound}, {"outbound_tls", p.outbound_tls},
                      {"inbound", p.inbound}, {"inbound_tls", p.inbound_tls}});
  json j = json::object();
  j["bucket"] = r.timeline_bucket;
  j["points"] = std::move(points);
  return j;
}

json folded_json(const Folding& f) {
  return {{"max_peers", f.max_peers}, {"outbound_domains", f.outbound_domains}, {"outbound_peers", f.outbound_peers},
          {"sender_domains", f.sender_domains}, {"clients", f.clients}};
}

// dump() of a json string, made UTF-8 first.
std::string dump_string(std::string_view s) {
  json j = std::string(s);
  make_utf8(j);
  return j.dump();
}

// Exactly what dump(what_if_json(r)) prints (keys sorted, compact), with the
// lists of names streamed: they can hold every domain of the report.
void write_what_if(std::ostream& out, const Report& r) {
  auto names = [&out](const Rows<std::string>& list) {
    out << '[';
    bool first = true;
    for (const auto& name : list) out << (first ? "" : ",") << dump_string(name), first = false;
    out << ']';
  };
  auto items = [&](const std::vector<WhatIf>& list, bool inbound) {
    out << '[';
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& w = list[i];
      out << (i ? ",{" : "{") << (inbound ? "\"clients\":" : "\"domains\":");
      names(inbound ? w.clients : w.domains);
      out << ",\"messages\":" << w.messages;
      if (inbound) out << ",\"sender_domains\":", names(w.domains);
      out << ",\"setting\":" << dump_string(w.setting) << '}';
    }
    out << ']';
  };
  out << "{\"inbound\":";
  items(r.what_if_inbound, true);
  out << ",\"outbound\":";
  items(r.what_if_outbound, false);
  out << '}';
}

json notification_json(const Notification& n) {
  return {{"domain", n.domain}, {"direction", n.direction}, {"subject", n.subject}, {"text", n.text}};
}

json notifications_json(const Report& r) {
  json notes = json::array();
  for (const auto& n : r.notifications) notes.push_back(notification_json(n));
  return notes;
}

}  // namespace

json to_json(const Analysis& a) {
  const Report& r = a.report;
  json domains = json::array(), senders = json::array(), clients = json::array();
  for (const auto& d : r.outbound) domains.push_back(outbound_domain(d));
  for (const auto& s : r.senders) senders.push_back(sender(s));
  for (const auto& c : r.clients) clients.push_back(client(c));
  json out = json::object();
  out["schema_version"] = json_schema_version;
  out["period"] = period_json(r);
  out["inputs"] = inputs_json(a);
  out["outbound"]["totals"] = outbound_totals(r.outbound_totals);
  out["outbound"]["domains"] = std::move(domains);
  out["inbound"]["totals"] = inbound_totals(r.inbound_totals);
  out["inbound"]["sender_domains"] = std::move(senders);
  out["inbound"]["clients"] = std::move(clients);
  out["what_if"] = what_if_json(r);
  out["timeline"] = timeline_json(r);
  out["notifications"] = notifications_json(r);
  out["warnings"] = r.warnings;
  if (r.folded.any()) out["folded"] = folded_json(r.folded);
  make_utf8(out);
  return out;
}

// The same document as to_json, streamed: the long lists are written row by
// row (one compact row per line), so memory does not grow with them.
void write_json(const Analysis& a, std::ostream& out) {
  const Report& r = a.report;
  auto dump = [](json j) {  // by value: each row is built for this and moved in
    make_utf8(j);
    return j.dump();
  };
  auto rows = [&](const char* name, const auto& list, auto row, bool last) {
    out << "    \"" << name << "\": [";
    bool first = true;
    for (const auto& item : list) {
      out << (first ? "\n      " : ",\n      ") << dump(row(item));
      first = false;
    }
    out << (first ? "]" : "\n    ]") << (last ? "\n" : ",\n");
  };
  out << "{\n  \"schema_version\": " << json_schema_version << ",\n";
  out << "  \"period\": " << dump(period_json(r)) << ",\n";
  out << "  \"inputs\": " << dump(inputs_json(a)) << ",\n";
  out << "  \"outbound\": {\n    \"totals\": " << dump(outbound_totals(r.outbound_totals)) << ",\n";
  rows("domains", r.outbound, outbound_domain, true);
  out << "  },\n  \"inbound\": {\n    \"totals\": " << dump(inbound_totals(r.inbound_totals)) << ",\n";
  rows("sender_domains", r.senders, sender, false);
  rows("clients", r.clients, client, true);
  out << "  },\n  \"what_if\": ";
  write_what_if(out, r);
  out << ",\n";
  out << "  \"timeline\": " << dump(timeline_json(r)) << ",\n";
  out << "  \"notifications\": [";  // what dump(notifications_json(r)) prints, one letter at a time
  for (size_t i = 0; i < r.notifications.size(); ++i) out << (i ? "," : "") << dump(notification_json(r.notifications[i]));
  out << "],\n";
  out << "  \"warnings\": " << dump(json(r.warnings)) << (r.folded.any() ? ",\n" : "\n");
  if (r.folded.any()) out << "  \"folded\": " << dump(folded_json(r.folded)) << "\n";
  out << "}\n";
}

// ---- terminal table ----

namespace {

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string top_name(const NameCounts& c, const char* none = "-") {
  const std::pair<const std::string, uint64_t>* best = nullptr;
  for (const auto& kv : c)
    if (!best || kv.second > best->second) best = &kv;
  return best ? best->first : none;
}

std::string cell(std::string s, size_t width) {
  s = printable(s, 200);
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s + std::string(width - s.size() + 1, ' ');
}

std::string rcell(const std::string& s, size_t width) {
  return (s.size() < width ? std::string(width - s.size(), ' ') : "") + s + " ";
}

// Why some rows are buckets ("*.example.com", "*[192.0.2.0/24]").
std::string folded_text(const Folding& f) {
  std::string text = "more than " + std::to_string(f.max_peers) + " distinct peers of a kind (--max-peers): the rest are "
                     "counted in buckets per registered domain (*.example.com) or per /24 and /48 network "
                     "(*[192.0.2.0/24]):";
  auto part = [&](uint64_t n, const char* what) {
    if (n) text += " " + std::to_string(n) + " " + what + ",";
  };
  part(f.outbound_domains, "recipient domain buckets");
  part(f.outbound_peers, "MX host buckets");
  part(f.sender_domains, "sender domain buckets");
  part(f.clients, "client buckets");
  text.back() = '.';
  return text;
}

struct Painter {
  bool colour;
  std::string operator()(const std::string& s, const char* code) const {
    return colour ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  }
};

void outbound_table(std::ostringstream& out, const Report& r, const Painter& paint, size_t max_rows) {
  out << paint("Outbound (per recipient domain)", "1") << ": " << r.outbound_totals.messages << " messages, "
      << percent(r.outbound_totals.tls, r.outbound_totals.tls + r.outbound_totals.plaintext) << " TLS, "
      << r.outbound_totals.tls_deferrals << " TLS failures\n";
  if (r.outbound.empty()) return void(out << "  (no outbound delivery in the log)\n\n");
  out << "  " << cell("domain", 30) << rcell("msgs", 7) << rcell("TLS", 5) << rcell("Verif", 6) << rcell("fail", 5)
      << cell(" protocol", 9) << cell("safe level", 10) << "\n";
  size_t rows = 0;
  for (const auto& d : r.outbound) {
    if (rows++ == max_rows) {
      out << "  ... " << r.outbound.size() - max_rows << " more (see --json or --csv)\n";
      break;
    }
    std::string share = percent(d.tls, d.tls + d.plaintext);
    const char* code = d.tls == 0 && d.plaintext ? "31" : d.plaintext ? "33" : "32";
    out << "  " << cell(d.domain, 30) << rcell(std::to_string(d.messages), 7) << paint(rcell(share, 5), code)
        << rcell(percent(d.trust.verified, d.tls), 6) << rcell(std::to_string(d.failures.total()), 5) << " "
        << cell(top_name(d.protocols), 8) << cell(d.evidence.safe_level, 10) << "\n";
  }
  out << "\n";
}

void inbound_table(std::ostringstream& out, const Report& r, const Painter& paint, size_t max_rows) {
  const auto& t = r.inbound_totals;
  out << paint("Inbound (per sender domain)", "1") << ": " << t.messages << " messages in " << t.sessions
      << " sessions from " << t.clients << " clients, " << percent(t.tls, t.tls + t.plaintext) << " TLS\n";
  if (!r.senders.empty()) {
    out << "  " << cell("sender domain", 30) << rcell("msgs", 7) << rcell("TLS", 5) << cell(" protocol", 9) << "\n";
    size_t rows = 0;
    for (const auto& s : r.senders) {
      if (rows++ == max_rows) {
        out << "  ... " << r.senders.size() - max_rows << " more\n";
        break;
      }
      const char* code = s.tls == 0 && s.plaintext ? "31" : s.plaintext ? "33" : "32";
      out << "  " << cell(s.domain, 30) << rcell(std::to_string(s.messages), 7)
          << paint(rcell(percent(s.tls, s.tls + s.plaintext), 5), code) << " " << cell(top_name(s.protocols), 8)
          << "\n";
    }
  }
  if (!r.clients.empty()) {
    out << "  " << cell("client", 44) << rcell("sess", 6) << rcell("msgs", 7) << rcell("TLS", 5)
        << rcell("STARTTLS failed", 15) << "  (TLS: share of sessions)\n";
    size_t rows = 0;
    for (const auto& c : r.clients) {
      if (rows++ == max_rows) {
        out << "  ... " << r.clients.size() - max_rows << " more\n";
        break;
      }
      out << "  " << cell(c.host + "[" + c.ip + "]", 44) << rcell(std::to_string(c.sessions), 6)
          << rcell(std::to_string(c.messages), 7) << rcell(percent(c.tls_sessions, c.sessions), 5)
          << rcell(std::to_string(c.starttls_failures), 15) << "\n";
    }
  }
  out << "\n";
}

template <typename List>
std::string domain_list(const List& v, size_t max = 8) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; ++i) s += (i ? ", " : "") + printable(v[i], 80);
  if (v.size() > max) s += ", and " + std::to_string(v.size() - max) + " more";
  return s;
}

void what_if_table(std::ostringstream& out, const Report& r, const Painter& paint) {
  out << paint("What if TLS were required", "1") << "\n";
  for (const auto& w : r.what_if_outbound) {
    out << "  " << cell(w.setting, 38) << rcell(std::to_string(w.messages), 7) << (w.messages == 1 ? "message deferred" : "messages deferred");
    if (!w.domains.empty()) out << " (" << domain_list(w.domains) << ")";
    out << "\n";
  }
  for (const auto& w : r.what_if_inbound) {
    out << "  " << cell(w.setting, 38) << rcell(std::to_string(w.messages), 7) << (w.messages == 1 ? "message refused" : "messages refused");
    if (!w.domains.empty()) out << " (" << domain_list(w.domains) << ")";
    out << "\n";
  }
  out << "\n";
}

}  // namespace

std::string render_table(const Analysis& a, bool colour, size_t max_rows) {
  const Report& r = a.report;
  Painter paint{colour};
  std::ostringstream out;
  out << "Period: " << (r.period.empty() ? "no Postfix mail lines" : format_rfc3339(r.period.first) + " to " +
                                                                           format_rfc3339(r.period.last))
      << "\n";
  for (const auto& i : a.inputs)
    out << "  " << i.file << ": " << i.lines << " lines, " << i.postfix_lines << " from Postfix"
        << (i.failed ? paint(" (incomplete: see the errors above)", "31") : "") << "\n";
  for (const auto& w : r.warnings) out << paint("Warning: ", "33") << w << "\n";
  if (r.folded.any()) out << paint("Note: ", "33") << folded_text(r.folded) << "\n";
  out << "\n";
  outbound_table(out, r, paint, max_rows);
  inbound_table(out, r, paint, max_rows);
  what_if_table(out, r, paint);
  bool header = false;
  for (const auto& d : r.outbound) {
    if (d.evidence.safe_level == "may" || d.messages == 0) continue;
    if (!header) out << paint("Policy evidence", "1") << " (smtp_tls_policy_maps candidates)\n", header = true;
    out << "  " << cell(d.domain, 30) << d.evidence.safe_level << ": " << d.evidence.text << "\n";
  }
  if (header) out << "\n";
  if (!r.notifications.empty()) {
    out << paint("Plaintext-only correspondents", "1") << " (letters in --json / --html): ";
    std::vector<std::string> names;
    for (const auto& n : r.notifications) names.push_back(n.domain + " (" + n.direction + ")");
    out << domain_list(names, 10) << "\n";
  }
  return out.str();
}

// ---- CSV ----

std::string csv_field(std::string_view s) {
  // OWASP "CSV injection": a spreadsheet runs a cell that starts with one of
  // these as a formula, and domain and host names come from the logs, that
  // is from whoever sends mail. A leading ' makes the cell text.
  bool formula = !s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos;
  if (!formula && s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = formula ? "\"'" : "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string render_csv(const Analysis& a) {
  const Report& r = a.report;
  std::ostringstream out;
  out << "direction,kind,name,messages,sessions,tls,plaintext,tls_unknown,verified,trusted,untrusted,anonymous,"
         "tls_failures,deferred,bounced,top_protocol,top_cipher,first_seen,last_seen,safe_level\n";
  auto seen = [](const Seen& s) {
    return s.empty() ? std::string(",") : format_rfc3339(s.first) + "," + format_rfc3339(s.last);
  };
  for (const auto& d : r.outbound)
    out << "outbound,domain," << csv_field(d.domain) << "," << d.messages << "," << d.sessions << "," << d.tls << ","
        << d.plaintext << "," << d.tls_unknown << "," << d.trust.verified << "," << d.trust.trusted << ","
        << d.trust.untrusted << "," << d.trust.anonymous << "," << d.failures.total() << "," << d.deferred << ","
        << d.bounced << "," << csv_field(top_name(d.protocols, "")) << "," << csv_field(top_name(d.ciphers, "")) << ","
        << seen(d.seen) << "," << d.evidence.safe_level << "\n";
  for (const auto& s : r.senders)
    out << "inbound,sender_domain," << csv_field(s.domain) << "," << s.messages << ",," << s.tls << "," << s.plaintext
        << "," << s.tls_unknown << ",,,,,,,," << csv_field(top_name(s.protocols, "")) << ","
        << csv_field(top_name(s.ciphers, "")) << "," << seen(s.seen) << ",\n";
  for (const auto& c : r.clients)
    out << "inbound,client," << csv_field(c.host + "[" + c.ip + "]") << "," << c.messages << "," << c.sessions << ","
        << c.tls << "," << c.plaintext << "," << c.tls_unknown << ",,,,," << c.starttls_failures << ",,,"
        << csv_field(top_name(c.protocols, "")) << "," << csv_field(top_name(c.ciphers, "")) << "," << seen(c.seen) << ",\n";
  return out.str();
}

}  // namespace mxtls::logs
