// Running as an unprivileged user (issue 11.6): `mxtls serve --user NAME`
// binds its sockets and opens its cache as root, then drops to NAME for good.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.hpp"

namespace mxtls {

struct UserIds {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The user's ids from the password database; not_found if there is none.
Result<UserIds> find_user(const std::string& name);

// Gives each existing path to the user (chown), e.g. the cache files opened
// as root; a path that does not exist is skipped.
Result<bool> give_files_to(const UserIds& user, const std::vector<std::string>& paths);

// initgroups, setgid, setuid (in that order: the group ids can no longer be
// changed once the user id is not root), then checks that every real,
// effective and saved id is the user's and that setuid(0) fails. Applies to
// every thread of the process (glibc broadcasts set*id).
Result<bool> drop_privileges(const UserIds& user);

}  // namespace mxtls
