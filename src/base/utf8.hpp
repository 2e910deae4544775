// UTF-8: text from outside (log lines, peers) is bytes; JSON and HTML need
// valid UTF-8. The one validator and repairer.
#pragma once

#include <string>
#include <string_view>

namespace mxtls {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629 section 4:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
size_t utf8_sequence_length(std::string_view s, size_t i);
bool valid_utf8(std::string_view s);
// Each byte that does not start a valid sequence becomes U+FFFD.
std::string repair_utf8(std::string_view s);

}  // namespace mxtls
