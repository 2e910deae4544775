// Postfix's TLS security levels (smtp_tls_security_level, the right-hand
// side of smtp_tls_policy_maps), in Postfix's own order: its src/tls/tls.h
// numbers them none < may < encrypt < fingerprint < halfdane < dane <
// dane-only < verify < secure, and code throughout Postfix compares them by
// that order (TLS_MUST_MATCH, TLS_MUST_TRUST, ...). This is the one list.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mxtls::postfix {

enum class Level { none, may, encrypt, fingerprint, halfdane, dane, dane_only, verify, secure };

inline constexpr std::array<Level, 9> all_levels{Level::none,     Level::may,  Level::encrypt,
                                                 Level::fingerprint, Level::halfdane, Level::dane,
                                                 Level::dane_only, Level::verify, Level::secure};

// Postfix's name: "none", ..., "dane-only", ...
std::string_view to_string(Level level);
// A level by its exact name; nullopt for anything else. "halfdane" is
// internal to Postfix (it never appears in configuration), so it does not
// parse.
std::optional<Level> parse_level(std::string_view name);
// The level a policy starts with ("secure match=... servername=hostname" ->
// secure).
std::optional<Level> policy_level(std::string_view policy);
// The two answers mxtls may give for DANE domains (--dane-level, a map's
// dane-level): dane or dane-only; nullopt for anything else.
std::optional<Level> parse_dane_level(std::string_view name);

// TLS is required: Postfix defers rather than send in plaintext (TLS_MUST_ENCRYPT:
// encrypt and above). "dane" is mandatory only where usable TLSA records
// exist; without them Postfix uses "may" for that host.
bool mandatory(Level level);
// The server's certificate is authenticated (fingerprint and above, but for
// dane without usable TLSA records, as above).
bool authenticates(Level level);

}  // namespace mxtls::postfix
