// Feeds arbitrary bytes, in pieces whose sizes the input chooses, to the
// netstring reader and parses every request it yields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketmap/netstring.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mxtls::socketmap::NetstringReader reader(1000);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t piece = std::min<size_t>(input.size(), 1 + static_cast<uint8_t>(input[0]) % 17);
    if (!reader.feed(input.substr(0, piece))) break;
    input.remove_prefix(piece);
    for (;;) {
      auto next = reader.next();
      if (!next || !*next) break;
      if (reader.buffered() > 1000 + 16 + 17) __builtin_trap();  // the buffer must stay bounded
      (void)mxtls::socketmap::parse_request(**next);
    }
  }
  return 0;
}
