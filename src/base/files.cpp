#include "base/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace mxtls {
namespace {

Error failure(const std::string& what, const std::string& path) {
  return permanent_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Writes all of `text` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The old file's mode and owner for the new one; a new file gets new_mode.
bool copy_mode_and_owner(int fd, const std::string& path, unsigned new_mode) {
  struct stat old {};
  if (::stat(path.c_str(), &old) != 0) return ::fchmod(fd, new_mode) == 0;
  if (::fchmod(fd, old.st_mode & 07777) != 0) return false;
  // Only root may give a file away; others keep their own ownership.
  if (::geteuid() == 0 && ::fchown(fd, old.st_uid, old.st_gid) != 0) return false;
  return true;
}

bool sync_directory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<bool> write_file_atomically(const std::string& path, std::string_view text, unsigned new_mode) {
  std::filesystem::path target(path);
  std::string directory = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp = (std::filesystem::path(directory) / ("." + target.filename().string() + ".mxtls-new")).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return failure("create", tmp);
  bool written = write_all(fd, text) && copy_mode_and_owner(fd, path, new_mode) && ::fsync(fd) == 0;
  Error error = written ? Error{} : failure("write", tmp);
  if (::close(fd) != 0 && written) written = false, error = failure("write", tmp);
  if (!written) {
    ::unlink(tmp.c_str());
    return error;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error renamed = failure("replace", path);
    ::unlink(tmp.c_str());
    return renamed;
  }
  if (!sync_directory(directory)) return failure("sync the directory of", path);
  return true;
}

Result<std::string> read_bounded_file(const std::string& path, size_t max_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found_error("cannot read " + path);
  // Read in chunks up to one byte past the bound: memory follows the file's
  // size, not the bound (a Maildir of small reports, a 64 MiB bound).
  std::string text;
  char chunk[65536];
  while (text.size() <= max_size && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<size_t>(in.gcount()));
  if (text.size() > max_size) return invalid_error(path + " is too large");
  return text;
}

}  // namespace mxtls
