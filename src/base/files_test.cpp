#include "base/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mxtls {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(BaseFiles, AtomicWriteKeepsModeAndLeavesNoTemporaryFile) {
  auto dir = std::filesystem::temp_directory_path() / ("mxtls-files-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto map = dir / "tls_policy";
  ASSERT_TRUE(write_file_atomically(map.string(), "a b\n").ok());
  EXPECT_EQ(read_all(map), "a b\n");
  struct stat st {};
  ASSERT_EQ(::stat(map.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  ::chmod(map.c_str(), 0640);  // as an operator set it for postfix
  // A temporary file left by a killed run is replaced, not an obstacle.
  std::ofstream(dir / ".tls_policy.mxtls-new") << "half a map";
  ASSERT_TRUE(write_file_atomically(map.string(), "c d\n").ok());
  EXPECT_EQ(read_all(map), "c d\n");
  ASSERT_EQ(::stat(map.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u) << "the map's mode was reset";
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u) << "a temporary file was left beside the map";
  auto missing = write_file_atomically((dir / "no-such-dir" / "x").string(), "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no-such-dir"), std::string::npos) << missing.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace mxtls
