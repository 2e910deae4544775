// Running a helper program (postconf, postmap) without a shell: the
// arguments are an argument vector, whatever characters they hold.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace mxtls {

struct ProgramOutput {
  int exit_status = 0;     // WEXITSTATUS; 128 + signal number when a signal ended it
  std::string out, err;    // what it wrote on stdout and stderr, each at most max_output bytes
  bool truncated = false;  // it wrote more than that (the rest was read and dropped)
};

// Runs argv[0] (looked up in PATH, posix_spawnp) with argv, stdin from
// stdin_path (/dev/null by default; a file, e.g. the message sendmail(1)
// reads), and collects stdout and stderr. An Error (permanent) only when
// it cannot be started; a non-zero exit is a value for the caller to judge.
Result<ProgramOutput> run_program(const std::vector<std::string>& argv, size_t max_output = 16 << 20,
                                  const std::string& stdin_path = "/dev/null");

}  // namespace mxtls
