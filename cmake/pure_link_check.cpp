// Built in the fuzz build only, with every pure library linked whole (see
// the top CMakeLists.txt): that it links is the test. A libFuzzer entry point
// so the fuzzer runtime supplies main and the coverage hooks.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }
