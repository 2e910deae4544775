// Reading operators' files with a bound, and writing files that Postfix and
// operators read, safely. I/O (mxtls_base_io).
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace mxtls {

// Replaces `path` with `text` so that readers see the old file or the new
// one, never half of one, and a crash at any point loses neither: the text
// goes to a temporary file beside it (a fixed name, ".NAME.mxtls-new", so a
// killed run leaves at most one, which the next run replaces), is fsync'ed,
// takes the old file's mode and owner (a 0640 root:postfix map stays so),
// is renamed over the target, and the directory is fsync'ed. A new file
// gets `new_mode`. Errors: permanent, naming the file and the step.
Result<bool> write_file_atomically(const std::string& path, std::string_view text, unsigned new_mode = 0644);

// A file, whole, if at most max_size bytes: not_found "cannot read PATH",
// or invalid "PATH is too large". The one reader of operators' files.
Result<std::string> read_bounded_file(const std::string& path, size_t max_size);

}  // namespace mxtls
