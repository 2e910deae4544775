// DANE (RFC 7672): the TLSA records of each MX and whether the presented
// chain matches them, verified by OpenSSL's DANE implementation.
#include "check/check.hpp"
#include "base/text.hpp"

namespace mxtls::check {
namespace {

std::string tlsa_name(const MxReport& mx) { return dane::tlsa_name(mx.host); }

std::string actual_311(const AddressReport& a) {
  if (!a.tls_ok() || a.session->tls->chain.empty()) return {};
  return "3 1 1 " + hex_encode(a.session->tls->chain.front().spki_sha256);
}

void add_malformed_tlsa(const MxReport& mx, const Error& error, Findings& f) {
  f.add(Severity::warning, "dane.malformed", mx.host,
        "A TLSA record at " + tlsa_name(mx) + " is malformed: " + error.message + ".",
        "Senders cannot use a record they cannot parse: if it was meant to pin this server's key, DANE does not "
        "protect the server, and with no other usable record DANE senders treat it as unauthenticated.",
        "Replace it with " + suggested_tlsa(mx) + " (usage, selector, matching type, then the hex digest).");
}

bool lookup_tlsa(MxReport& mx, Environment& env, Findings& f) {
  auto answer = env.resolver.query(tlsa_name(mx), dns::Type::TLSA);
  if (!answer) {
    f.add(Severity::error, "dane.lookup-failed", mx.host, "The TLSA lookup failed: " + answer.error().message,
          "DANE senders must defer mail when they cannot tell whether TLSA records exist (RFC 7672 2.2).",
          "Make sure the name servers answer TLSA queries for " + tlsa_name(mx) +
              " (some old servers fail on unknown types).");
    return false;
  }
  mx.tlsa_security = answer->security;
  if (answer->security == dns::Security::bogus) {
    f.add(Severity::error, "dane.bogus", mx.host, "The TLSA answer fails DNSSEC validation: " + answer->why_bogus,
          "DANE senders defer all mail to this MX.",
          "Re-sign the zone that holds " + tlsa_name(mx) + " (expired or missing RRSIGs) or correct its DS record "
          "at the parent; check with dnsviz.net or: delv @<resolver> " + tlsa_name(mx) + " TLSA");
    return false;
  }
  for (const auto& rdata : answer->rdata) {
    auto record = dane::parse_rdata(rdata);
    if (record) mx.tlsa.push_back(std::move(*record));
    else add_malformed_tlsa(mx, record.error(), f);
  }
  return true;
}

void check_matches(const MxReport& mx, Findings& f) {
  std::string published;
  for (const auto& r : mx.tlsa) published += (published.empty() ? "" : "; ") + r.to_text();
  for (const auto& a : mx.addresses) {
    if (!a.tls_ok()) continue;
    const std::string s = subject_of(mx, a);
    if (a.dane && a.dane->dane_verified) {
      f.add(Severity::ok, "dane.valid", s,
            "DANE verification succeeds with TLSA " + a.dane->dane_matched->to_text() + ".");
      continue;
    }
    std::string actual = actual_311(a);
    f.add(Severity::error, "dane.mismatch", s,
          "No TLSA record at " + tlsa_name(mx) + " matches the server's certificate. Published: " + published +
              ". The server's key is " + actual + ".",
          "DANE senders (Postfix with smtp_dns_support_level = dnssec, Exim, many large providers) refuse to "
          "deliver and defer all mail until it matches.",
          "Publish " + tlsa_name(mx) + ". IN TLSA " + actual +
              " and remove the stale record once the new one has been visible for twice its TTL. For the next key "
              "rollover, publish the new key's record before switching keys.");
  }
}

}  // namespace

std::string suggested_tlsa(const MxReport& mx) {
  for (const auto& a : mx.addresses)
    if (auto record = actual_311(a); !record.empty())
      return tlsa_name(mx) + ". IN TLSA " + record;
  return tlsa_name(mx) + ". IN TLSA 3 1 1 <sha256 of the server's public key>";
}

void check_dane(MxReport& mx, Environment& env, Findings& f) {
  if (!lookup_tlsa(mx, env, f)) return;
  if (mx.tlsa.empty()) {
    if (mx.address_security == dns::Security::secure)
      f.add(Severity::info, "dane.none", mx.host,
            "The MX host's zone is DNSSEC-signed but publishes no TLSA record: DANE is one record away.",
            "DANE lets senders authenticate this server without trusting any CA, and protects against STARTTLS "
            "stripping.",
            "Publish " + suggested_tlsa(mx) + " (and a second record for the next key before any rollover).");
    return;
  }
  if (mx.tlsa_security != dns::Security::secure) {
    f.add(Severity::warning, "dane.insecure", mx.host,
          "TLSA records are published at " + tlsa_name(mx) + " but the zone is not DNSSEC-signed, so senders ignore "
          "them.",
          "DANE works only with DNSSEC; unsigned TLSA records give no protection.",
          "Sign the zone with DNSSEC and publish its DS record, or remove the TLSA records.");
    return;
  }
  for (const auto& r : mx.tlsa)
    if (auto reason = dane::unusable_reason(r); !reason.empty())
      f.add(Severity::warning, "dane.unusable", mx.host, "TLSA " + r.to_text() + " is unusable: " + reason + ".",
            "Senders skip unusable records; if none is usable, DANE does not protect the server.",
            "Replace it with " + suggested_tlsa(mx) + ".");
  if (!mx.dane_usable()) return;
  for (auto& a : mx.addresses) {
    if (!a.tls_ok()) continue;
    smtp::TlsSettings settings;
    settings.tlsa = mx.tlsa;
    auto session = env.prober.probe(a.address, mx.host, settings);
    if (session && session->tls) a.dane = session->tls;
  }
  check_matches(mx, f);
}

}  // namespace mxtls::check
