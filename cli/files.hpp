// Reading operators' files with a size cap, for the subcommands.
#pragma once

#include <optional>
#include <string>

namespace mxtls::cli {

// The whole file, or nullopt with `error` set ("cannot read PATH", "PATH is
// too large") when it cannot be read or exceeds max_size bytes.
std::optional<std::string> read_file(const std::string& path, size_t max_size, std::string& error);

}  // namespace mxtls::cli
