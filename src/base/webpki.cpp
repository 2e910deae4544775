#include "base/webpki.hpp"

namespace mxtls {

void add_webpki_failure(Findings& findings, DaneEe dane, std::string id, std::string subject, std::string what,
                        std::string why, std::string fix, std::string_view how_to_know) {
  switch (dane) {
    case DaneEe::absent: break;
    case DaneEe::unknown:
      // The rule below, not applied: whether a DANE-EE record pins the key was not looked up.
      why += " Whether a DANE-EE (3 x x) TLSA record pins this key was not looked up: with one that matches it, "
             "DANE senders would deliver and only senders that verify through the WebPKI would refuse it (a "
             "warning, RFC 7672 3.1.1).";
      why += how_to_know;
      break;
    case DaneEe::matches:
      // RFC 7672 3.1.1: DANE-EE authenticates the key alone.
      return findings.add(Severity::warning, std::move(id), std::move(subject), std::move(what),
                          "DANE senders authenticate this server by its DANE-EE TLSA record, which checks neither "
                          "name, expiry nor issuer (RFC 7672 3.1.1), and deliver; opportunistic senders deliver "
                          "too. Only senders that verify through the WebPKI (a local 'verify'/'secure' policy, "
                          "MTA-STS) refuse it.",
                          "Only for those senders: " + fix);
  }
  findings.add(Severity::error, std::move(id), std::move(subject), std::move(what), std::move(why), std::move(fix));
}

}  // namespace mxtls
