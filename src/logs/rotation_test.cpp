#include "logs/rotation.hpp"

#include <gtest/gtest.h>

using namespace mxtls::logs;
using Names = std::vector<std::string>;

TEST(LogsRotation, NumberedSetOldestFirst) {
  EXPECT_EQ(order_rotated({"mail.log", "mail.log.1", "mail.log.2.gz", "mail.log.10.gz", "other.log"}),
            (Names{"mail.log.10.gz", "mail.log.2.gz", "mail.log.1", "mail.log", "other.log"}));
  EXPECT_EQ(order_rotated({"/var/log/maillog.2.gz", "/var/log/maillog", "/var/log/maillog.1"}),
            (Names{"/var/log/maillog.2.gz", "/var/log/maillog.1", "/var/log/maillog"}));
}

TEST(LogsRotation, DatedSetOldestFirst) {
  EXPECT_EQ(order_rotated({"maillog", "maillog-20261122.gz", "maillog-20261101"}),
            (Names{"maillog-20261101", "maillog-20261122.gz", "maillog"}));
}

TEST(LogsRotation, SetsStayWhereTheirFirstFileWas) {
  EXPECT_EQ(order_rotated({"b.log", "a.log.1", "b.log.1", "a.log"}), (Names{"b.log.1", "b.log", "a.log.1", "a.log"}));
  EXPECT_EQ(order_rotated({"z", "y", "x"}), (Names{"z", "y", "x"}));  // unrelated files keep their order
}

TEST(LogsRotation, NamesThatOnlyLookRotated) {
  // Ten digits are no rotation number; a directory's dot is no suffix; a
  // 7-digit date is no date; ".gz" alone is a name.
  EXPECT_EQ(order_rotated({"log.1234567890", "log.1"}), (Names{"log.1234567890", "log.1"}));
  EXPECT_EQ(order_rotated({"dir.2/maillog", "dir.2/maillog.1"}), (Names{"dir.2/maillog.1", "dir.2/maillog"}));
  EXPECT_EQ(order_rotated({"maillog", "maillog-2026110"}), (Names{"maillog", "maillog-2026110"}));
  EXPECT_EQ(order_rotated({".gz", "", "."}), (Names{".gz", "", "."}));
}

TEST(LogsRotation, DuplicatesAndEmpty) {
  EXPECT_EQ(order_rotated({}), Names{});
  EXPECT_EQ(order_rotated({"m.1", "m", "m.1"}), (Names{"m.1", "m.1", "m"}));
}
