#include "base/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mxtls {
namespace {

std::string errno_text() { return std::strerror(errno); }

// All three ids of each kind are the user's: nothing to switch back to.
bool ids_are(const UserIds& user) {
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) return false;
  return ruid == user.uid && euid == user.uid && suid == user.uid && rgid == user.gid && egid == user.gid &&
         sgid == user.gid;
}

}  // namespace

Result<UserIds> find_user(const std::string& name) {
  passwd entry{}, *found = nullptr;
  std::vector<char> buffer(16384);
  int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0) return temporary_error("cannot look up user " + name + ": " + std::strerror(rc));
  if (!found) return not_found_error("no user named " + name);
  return UserIds{name, entry.pw_uid, entry.pw_gid};
}

Result<bool> give_files_to(const UserIds& user, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    if (chown(path.c_str(), user.uid, user.gid) != 0)
      return permanent_error("cannot give " + path + " to " + user.name + ": " + errno_text());
  }
  return true;
}

Result<bool> drop_privileges(const UserIds& user) {
  if (initgroups(user.name.c_str(), user.gid) != 0)
    return permanent_error("initgroups(" + user.name + "): " + errno_text());
  if (setgid(user.gid) != 0) return permanent_error("setgid(" + std::to_string(user.gid) + "): " + errno_text());
  if (setuid(user.uid) != 0) return permanent_error("setuid(" + std::to_string(user.uid) + "): " + errno_text());
  if (!ids_are(user)) return permanent_error("the user and group ids are not all " + user.name + "'s after the switch");
  // Root could have been kept through a saved id or a capability: if we can
  // become root again, the drop failed.
  if (user.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
    return permanent_error("could become root again after switching to " + user.name);
  return true;
}

}  // namespace mxtls
