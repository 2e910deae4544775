#include "base/text.hpp"
#include "check/report.hpp"

#include <sstream>

namespace mxtls::report {
namespace {

const char* label(Severity s, bool colour) {
  if (!colour) {
    switch (s) {
      case Severity::ok: return "[ ok  ]";
      case Severity::info: return "[info ]";
      case Severity::warning: return "[warn ]";
      case Severity::error: return "[ERROR]";
    }
  }
  switch (s) {
    case Severity::ok: return "\033[32m[ ok  ]\033[0m";
    case Severity::info: return "\033[36m[info ]\033[0m";
    case Severity::warning: return "\033[33m[warn ]\033[0m";
    case Severity::error: return "\033[1;31m[ERROR]\033[0m";
  }
  return "";
}

void indent_lines(std::ostringstream& out, const std::string& prefix, const std::string& text) {
  bool first = true;
  for (auto line : split(text, '\n')) {
    out << (first ? prefix : std::string(prefix.size(), ' ')) << line << "\n";
    first = false;
  }
}

void write_address(std::ostringstream& out, const check::AddressReport& a) {
  out << "    " << a.address << ": ";
  if (a.not_tested) { out << "not tested: " << *a.not_tested << "\n"; return; }
  if (a.connect_error) { out << "unreachable\n"; return; }
  const auto& s = *a.session;
  if (!s.starttls_offered) { out << "no STARTTLS\n"; return; }
  if (!s.tls) { out << "STARTTLS fails\n"; return; }
  const auto& t = *s.tls;
  out << t.protocol << " " << t.cipher << ", " << t.key_exchange;
  if (t.key_exchange_bits) out << " " << t.key_exchange_bits << " bits";
  std::string versions;
  for (const auto& [name, accepted] : a.protocols)
    if (accepted) versions += (versions.empty() ? "" : " ") + name;
  out << "; versions: " << versions;
  if (a.dhe_bits) out << "; DHE " << a.dhe_bits << " bits";
  if (!t.chain.empty()) out << "; key " << t.chain.front().key_type << " " << t.chain.front().key_bits;
  out << "\n";
}

// "OK dane-only (rule dane)", "NOTFOUND (rule none)".
std::string serve_answer(const policy::Decision& d) {
  std::string out = policy::to_string(d.answer);
  if (!d.policy.empty()) out += " " + d.policy;
  return out + " (rule " + d.rule + ")";
}

}  // namespace

std::string render_text(const check::DomainReport& r, bool colour, bool verbose) {
  std::ostringstream out;
  out << (colour ? "\033[1m" : "") << r.domain << (colour ? "\033[0m" : "") << "\n";
  for (const auto& mx : r.mxs) {
    out << "  MX " << mx.preference << " " << mx.host << " (DNS " << dns::to_string(mx.address_security);
    if (!mx.tlsa.empty()) out << ", " << mx.tlsa.size() << " TLSA " << dns::to_string(mx.tlsa_security);
    out << ")\n";
    for (const auto& a : mx.addresses) write_address(out, a);
  }
  for (const auto& f : r.findings.all()) {
    if (f.severity == Severity::ok && !verbose) continue;
    indent_lines(out, std::string("  ") + label(f.severity, colour) + " ", f.subject + ": " + f.what);
    if (f.severity == Severity::ok) continue;
    if (!f.why.empty()) indent_lines(out, "          why: ", f.why);
    if (!f.fix.empty()) indent_lines(out, "          fix: ", f.fix);
  }
  size_t ok = 0;
  for (const auto& f : r.findings.all()) ok += f.severity == Severity::ok;
  if (!verbose && ok) out << "  " << label(Severity::ok, colour) << " " << ok << (ok == 1 ? " check passed" : " checks passed") << " (-v lists them)\n";
  out << "  Policy for peers: "
      << (r.recommendation.policy.empty() ? "(none)" : r.recommendation.policy) << " (" << r.recommendation.reason
      << ")\n";
  out << "    rule " << r.recommendation.rule << "; mxtls serve answers " << serve_answer(r.recommendation.published)
      << "\n";
  return out.str();
}

}  // namespace mxtls::report
