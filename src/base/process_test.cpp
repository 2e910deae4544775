#include "base/process.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace mxtls {
namespace {

TEST(RunProgram, CollectsStdoutStderrAndExitStatus) {
  auto run = run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->out, "out\n");
  EXPECT_EQ(run->err, "err\n");
  EXPECT_EQ(run->exit_status, 3);
}

TEST(RunProgram, ArgumentsAreNotShellWords) {
  auto run = run_program({"printf", "%s|", "a b", "$(id)", ";x"});
  ASSERT_TRUE(run);
  EXPECT_EQ(run->out, "a b|$(id)|;x|");
}

TEST(RunProgram, BoundsTheOutput) {
  auto run = run_program({"sh", "-c", "head -c 100000 /dev/zero"}, 1000);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->out.size(), 1000u);
  EXPECT_TRUE(run->truncated);
  EXPECT_EQ(run->exit_status, 0);
}

TEST(RunProgram, AMissingProgramIsAnError) {
  auto run = run_program({"mxtls-no-such-program"});
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message.find("cannot run mxtls-no-such-program"), std::string::npos);
}

TEST(RunProgram, ReadsStdinFromAFile) {
  auto path = ::testing::TempDir() + "run_program_stdin.txt";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs("the message\n", f);
  std::fclose(f);
  auto run = run_program({"cat"}, 1000, path);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->out, "the message\n");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mxtls
