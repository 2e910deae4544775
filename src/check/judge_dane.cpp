// DANE (RFC 7672): the TLSA records of each MX and whether the presented
// chain matched them in OpenSSL's DANE verification (done while gathering).
#include "base/text.hpp"
#include "check/judge.hpp"

namespace mxtls::check {
namespace {

std::string tlsa_name(const MxReport& mx) { return dane::tlsa_name(mx.host); }

void add_malformed_tlsa(const MxReport& mx, const Error& error, Findings& f) {
  f.add(Severity::warning, "dane.malformed", mx.host,
        "A TLSA record at " + tlsa_name(mx) + " is malformed: " + error.message + ".",
        "Senders cannot use a record they cannot parse: if it was meant to pin this server's key, DANE does not "
        "protect the server, and with no other usable record DANE senders treat it as unauthenticated.",
        "Replace it with " + suggested_tlsa(mx) + " (usage, selector, matching type, then the hex digest).");
}

// The TLSA answer itself; false when it gave no records to judge.
bool judge_tlsa_answer(const MxReport& mx, Findings& f) {
  if (mx.tlsa_error) {
    f.add(Severity::error, "dane.lookup-failed", mx.host, "The TLSA lookup failed: " + mx.tlsa_error->message,
          "DANE senders must defer mail when they cannot tell whether TLSA records exist (RFC 7672 2.2).",
          "Make sure the name servers answer TLSA queries for " + tlsa_name(mx) +
              " (some old servers fail on unknown types).");
    return false;
  }
  if (mx.tlsa_security == dns::Security::bogus) {
    f.add(Severity::error, "dane.bogus", mx.host, "The TLSA answer fails DNSSEC validation: " + mx.tlsa_why_bogus,
          "DANE senders defer all mail to this MX.",
          "Re-sign the zone that holds " + tlsa_name(mx) + " (expired or missing RRSIGs) or correct its DS record "
          "at the parent; check with dnsviz.net or: delv @<resolver> " + tlsa_name(mx) + " TLSA");
    return false;
  }
  for (const auto& error : mx.tlsa_malformed) add_malformed_tlsa(mx, error, f);
  return true;
}

// Whether a DANE-TA record (usage 2) names a certificate of `chain`: by its
// public key (selector 1) or whole certificate (selector 0), SHA-256 digests.
bool names_a_sent_certificate(const dane::Tlsa& r, const std::vector<smtp::Certificate>& chain) {
  if (r.mtype != 1) return true;  // other digests: not judged here, assume it might
  for (const auto& cert : chain)
    if ((r.selector == 1 ? cert.spki_sha256 : cert.cert_sha256) == r.data) return true;
  return false;
}

// RFC 7672 3.1.2: the trust anchor a DANE-TA record names must be in the
// chain the server sends. When every usable record is DANE-TA and none names
// a sent certificate, the likely cause is a leaf sent without its CA.
bool judge_ta_not_sent(const MxReport& mx, const AddressReport& a, const std::string& s, Findings& f) {
  const auto& chain = a.session->tls->chain;
  if (chain.empty()) return false;
  for (const auto& r : mx.tlsa)
    if (dane::unusable_reason(r).empty() && (r.usage != 2 || names_a_sent_certificate(r, chain))) return false;
  f.add(Severity::error, "dane.ta-not-sent", s,
        "The TLSA records at " + tlsa_name(mx) + " name a trust anchor (DANE-TA, usage 2) that the server does not "
        "send: it presents " + std::to_string(chain.size()) + " certificate" + (chain.size() == 1 ? "" : "s") +
            ", issued by " + chain.back().issuer + ".",
        "RFC 7672 3.1.2: a DANE-TA record must match a certificate in the chain the server presents, so DANE "
        "senders cannot verify it and defer all mail.",
        "If " + chain.back().issuer + " is the CA the record names, send the full chain (smtpd_tls_chain_files = "
        "<key.pem>, <fullchain.pem>: leaf, then intermediates); the record can stay. Otherwise the record is stale: "
        "publish " + tlsa_name(mx) + ". IN TLSA " + actual_311(a) + " for the server's own key.");
  return true;
}

void judge_matches(const MxReport& mx, Findings& f) {
  std::string published;
  for (const auto& r : mx.tlsa) published += (published.empty() ? "" : "; ") + r.to_text();
  for (const auto& a : mx.addresses) {
    if (!a.tls_ok() || !a.dane) continue;  // no DANE handshake: nothing proven (a.unprobed says why)
    const std::string s = subject_of(mx, a);
    if (a.dane && a.dane->dane_verified) {
      f.add(Severity::ok, "dane.valid", s,
            "DANE verification succeeds with TLSA " + a.dane->dane_matched->to_text() + ".");
      continue;
    }
    if (judge_ta_not_sent(mx, a, s, f)) continue;
    std::string actual = actual_311(a);
    // An error even when the domain's MX RRset is unsigned (dane.mx-unsigned):
    // RFC 7672 2.2.1 lets a DANE client use the TLSA records of an MX host in
    // a signed zone reached through an insecure MX RRset ("hosted domains that
    // are not signed may still benefit"), and such a client defers here.
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

// safe_tlsa_fix's records, or its reason not to publish yet.
std::string dane_none_fix(const MxReport& mx) {
  auto fix = safe_tlsa_fix(mx);
  if (!fix.publish) return fix.text;
  return "Publish " + fix.text + " (and a second record for the next key before any rollover).";
}

}  // namespace

void judge_dane(const MxReport& mx, Findings& f) {
  if (!judge_tlsa_answer(mx, f)) return;
  if (mx.tlsa.empty()) {
    if (mx.address_security == dns::Security::secure)
      f.add(Severity::info, "dane.none", mx.host,
            "The MX host's zone is DNSSEC-signed but publishes no TLSA record: DANE is one record away.",
            "DANE lets senders authenticate this server without trusting any CA, and protects against STARTTLS "
            "stripping.",
            dane_none_fix(mx));
    return;
  }
  if (mx.tlsa_security != dns::Security::secure) {
    f.add(Severity::warning, "dane.insecure", mx.host,
          "TLSA records are published at " + tlsa_name(mx) + " but the zone is not DNSSEC-signed, so senders ignore "
          "them.",
          "DANE works only with DNSSEC; unsigned TLSA records give no protection.",
          // Signing makes the records count: one that does not match the
          // server then makes DANE senders defer all its mail (RFC 7672 2.2).
          "Either remove the TLSA records, or sign the zone with DNSSEC and publish its DS record; but before the "
          "DS goes live, make sure a record matches the server's current key (" + suggested_tlsa(mx) +
              "): once the zone is signed, DANE senders defer all mail to a server that no record matches.");
    return;
  }
  for (const auto& r : mx.tlsa)
    if (auto reason = dane::unusable_reason(r); !reason.empty())
      f.add(Severity::warning, "dane.unusable", mx.host, "TLSA " + r.to_text() + " is unusable: " + reason + ".",
            "Senders skip unusable records; if none is usable, DANE does not protect the server.",
            "Replace it with " + suggested_tlsa(mx) + ".");
  if (!mx.dane_usable()) return;
  judge_matches(mx, f);
}

}  // namespace mxtls::check
