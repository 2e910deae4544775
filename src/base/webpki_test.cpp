// The WebPKI rule check and postfix audit share (RFC 7672 3.1.1).
#include "base/webpki.hpp"

#include <gtest/gtest.h>

namespace mxtls {
namespace {

Finding one(DaneEe dane) {
  Findings f;
  add_webpki_failure(f, dane, "x.self-signed", "mx", "Self-signed.", "Verifying senders defer.", "Get a CA cert.",
                     " Ask with --domain.");
  return f.all().front();
}

TEST(WebPki, AnErrorUnlessDaneEePinsTheKey) {
  Finding absent = one(DaneEe::absent);
  EXPECT_EQ(absent.severity, Severity::error);
  EXPECT_EQ(absent.why, "Verifying senders defer.");
  EXPECT_EQ(absent.fix, "Get a CA cert.");
  Finding pinned = one(DaneEe::matches);
  EXPECT_EQ(pinned.severity, Severity::warning);
  EXPECT_NE(pinned.why.find("RFC 7672 3.1.1"), std::string::npos);
  EXPECT_NE(pinned.why.find("Only senders that verify through the WebPKI"), std::string::npos);
  EXPECT_EQ(pinned.fix, "Only for those senders: Get a CA cert.");
  Finding unknown = one(DaneEe::unknown);
  EXPECT_EQ(unknown.severity, Severity::error);
  EXPECT_EQ(unknown.why.substr(0, 24), "Verifying senders defer.");
  EXPECT_NE(unknown.why.find("was not looked up"), std::string::npos);
  EXPECT_EQ(unknown.why.substr(unknown.why.size() - 19), " Ask with --domain.");
}

}  // namespace
}  // namespace mxtls
