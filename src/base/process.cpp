#include "base/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace mxtls {
namespace {

struct Pipe {
  int read = -1, write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0], write = fds[1];
    return true;
  }
  void close_write() {
    if (write >= 0) ::close(write), write = -1;
  }
};

// Reads both pipes until both are at their end, so that a child that fills
// one while we wait on the other cannot block.
void collect(Pipe& out, Pipe& err, size_t max_output, ProgramOutput& result) {
  pollfd fds[2] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  char buffer[8192];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        continue;
      }
      size_t room = max_output - std::min(max_output, sinks[i]->size());
      if (static_cast<size_t>(n) > room) result.truncated = true;
      sinks[i]->append(buffer, std::min(room, static_cast<size_t>(n)));
    }
  }
}

Result<pid_t> spawn(const std::vector<std::string>& argv, const std::string& stdin_path, Pipe& out, Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (auto& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return permanent_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

Result<ProgramOutput> run_program(const std::vector<std::string>& argv, size_t max_output,
                                  const std::string& stdin_path) {
  if (argv.empty()) return invalid_error("run_program: no program");
  Pipe out, err;
  if (!out.open() || !err.open()) return temporary_error("pipe: " + std::string(std::strerror(errno)));
  auto pid = spawn(argv, stdin_path, out, err);
  if (!pid) return pid.error();
  out.close_write(), err.close_write();
  ProgramOutput result;
  collect(out, err, max_output, result);
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0)
    if (errno != EINTR) return temporary_error("waiting for " + argv[0] + ": " + std::strerror(errno));
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace mxtls
