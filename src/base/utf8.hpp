// UTF-8: text from outside (log lines, peers) is bytes; JSON and HTML need
// valid UTF-8. The one validator and repairer.
#pragma once

#include <string>
#include <string_view>

namespace mxtls {

// Well-formed UTF-8 by the lead/continuation byte structure (overlong 2-byte
// forms refused).
bool valid_utf8(std::string_view s);
// Each byte that does not start a valid sequence becomes U+FFFD.
std::string repair_utf8(std::string_view s);

}  // namespace mxtls
