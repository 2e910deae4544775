// Runs the real `mxtls check` against the demo world (testbed/up: NSD,
// Postfix, nginx on loopback) and asserts the specific finding for each
// scenario in docs/testbed.md.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

const std::string run_dir = std::string(MXTLS_SOURCE_DIR) + "/testbed/run";

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> vars;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos || line[0] == '#') continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
    vars[line.substr(0, eq)] = value;
  }
  return vars;
}

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[65536];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string check_command(const std::string& args) {
  return std::string(MXTLS_BINARY) + " check --resolver-config " + run_dir + "/unbound.conf --ca-file " + run_dir +
         "/ca/root.pem --timeout 4 " + args;
}

const char* all_domains[] = {
    "good.example", "nostarttls.example", "selfsigned.example", "expired.example", "wrongname.example",
    "nochain.example", "oldtls.example", "weakdh.example", "dane.example", "staletlsa.example",
    "sts-enforce.example", "sts-mismatch.example", "sts-testing.example", "sts-404.example",
    "sts-redirect.example", "sts-badtype.example", "sts-badcert.example", "sts-500.example", "sts-junk.example",
    "sts-hang.example", "sts-hang2.example",
    "split.example", "mixtrust.example", "halfdane.example", "nullmx.example",
    "nomx.example", "insecure.example", "unsignedmx.insecure.example", "aliasmx.example", "iplitmx.example", "daneself.example", "danetachain.example",
    "nullplus.example", "tarpit.example", "garbage.example", "longline.example", "drop.example",
    "unreachable.example"};

class World : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string domains;
    for (const char* d : all_domains) domains += std::string(" ") + d;
    CommandResult r = run(check_command("--json --parallel 8" + domains));
    exit_status_ = r.status;
    auto doc = json::parse(r.output, nullptr, false);
    if (doc.is_discarded()) {
      std::cerr << "mxtls check printed no JSON:\n" << r.output << "\n";
      return;
    }
    for (auto& d : doc["domains"]) reports_[d["domain"]] = d;
    facts_ = read_env_file(run_dir + "/facts.env");
  }

  static const json& report(const std::string& domain) {
    static const json none;
    auto it = reports_.find(domain);
    return it == reports_.end() ? none : it->second;
  }

  // The first finding with this id, or null.
  static json finding(const std::string& domain, const std::string& id) {
    for (const auto& f : report(domain)["findings"])
      if (f["id"] == id) return f;
    return nullptr;
  }

  static std::string describe(const std::string& domain) { return report(domain).dump(2); }

  static inline int exit_status_ = -1;
  static inline std::map<std::string, json> reports_;
  static inline std::map<std::string, std::string> facts_;
};

#define EXPECT_FINDING(domain, id, severity)                                   \
  do {                                                                         \
    json f = finding(domain, id);                                              \
    ASSERT_FALSE(f.is_null()) << "no " << id << " finding:\n" << describe(domain); \
    EXPECT_EQ(f["severity"], severity) << f.dump(2);                           \
  } while (0)

TEST_F(World, AllDomainsReported) {
  for (const char* d : all_domains) EXPECT_FALSE(report(d).is_null()) << d;
  EXPECT_EQ(exit_status_, 2);  // errors in several scenarios, none untestable
}

TEST_F(World, GoodDomainHasNoWarnings) {
  const auto& r = report("good.example");
  EXPECT_EQ(r["status"], "info") << describe("good.example");
  EXPECT_EQ(r["mx_dnssec"], "secure");
  EXPECT_EQ(r["recommended_policy"]["policy"], "verify");
  EXPECT_FINDING("good.example", "tlsrpt", "ok");
  const auto& tls = r["mx"][0]["addresses"][0]["tls"];
  EXPECT_EQ(tls["protocol"], "TLSv1.3");
  EXPECT_EQ(tls["chain"][0]["key_bits"], 2048);
  EXPECT_TRUE(r["mx"][0]["addresses"][0]["protocols"]["TLSv1.2"].get<bool>());
  EXPECT_FALSE(r["mx"][0]["addresses"][0]["protocols"]["TLSv1"].get<bool>());
}

TEST_F(World, NoStarttls) {
  EXPECT_FINDING("nostarttls.example", "starttls.missing", "error");
  EXPECT_EQ(report("nostarttls.example")["recommended_policy"]["policy"], "may");
}

TEST_F(World, SelfSigned) { EXPECT_FINDING("selfsigned.example", "cert.self-signed", "error"); }

TEST_F(World, Expired) {
  EXPECT_FINDING("expired.example", "cert.expired", "error");
  EXPECT_NE(finding("expired.example", "cert.expired")["what"].get<std::string>().find("days ago"), std::string::npos);
}

TEST_F(World, WrongName) {
  EXPECT_FINDING("wrongname.example", "cert.name-mismatch", "error");
  EXPECT_NE(finding("wrongname.example", "cert.name-mismatch")["what"].get<std::string>().find("mail.elsewhere.example"),
            std::string::npos);
}

TEST_F(World, MissingIntermediate) { EXPECT_FINDING("nochain.example", "cert.chain-incomplete", "error"); }

TEST_F(World, ObsoleteTlsOnly) {
  EXPECT_FINDING("oldtls.example", "tls.protocol.obsolete-only", "error");
  const auto& protocols = report("oldtls.example")["mx"][0]["addresses"][0]["protocols"];
  EXPECT_TRUE(protocols["TLSv1"].get<bool>());
  EXPECT_FALSE(protocols["TLSv1.2"].get<bool>());
  // Current senders refuse TLS 1.0/1.1: mandatory TLS would defer all its mail.
  const auto& policy = report("oldtls.example")["recommended_policy"];
  EXPECT_EQ(policy["policy"], "may");
  EXPECT_NE(policy["reason"].get<std::string>().find("only TLS 1.0/1.1"), std::string::npos) << policy;
}

TEST_F(World, Logjam) {
  EXPECT_FINDING("weakdh.example", "tls.dh.weak", "error");
  EXPECT_EQ(report("weakdh.example")["mx"][0]["addresses"][0]["dhe_bits"], 1024);
}

TEST_F(World, GoodDane) {
  EXPECT_FINDING("dane.example", "dane.valid", "ok");
  EXPECT_EQ(report("dane.example")["recommended_policy"]["policy"], "dane-only");
}

TEST_F(World, StaleTlsaNamesRecordAndActualDigest) {
  EXPECT_FINDING("staletlsa.example", "dane.mismatch", "error");
  std::string what = finding("staletlsa.example", "dane.mismatch")["what"];
  ASSERT_FALSE(facts_["STALE_TLSA_DIGEST"].empty());
  EXPECT_NE(what.find("3 1 1 " + facts_["STALE_TLSA_DIGEST"]), std::string::npos) << what;
  EXPECT_NE(what.find("3 1 1 " + facts_["STALETLSA_ACTUAL_311"]), std::string::npos) << what;
}

TEST_F(World, StsEnforce) {
  EXPECT_FINDING("sts-enforce.example", "sts.enforce", "ok");
  EXPECT_EQ(report("sts-enforce.example")["recommended_policy"]["policy"],
            "secure match=.sts-enforce.example servername=hostname");
}

TEST_F(World, StsMismatch) { EXPECT_FINDING("sts-mismatch.example", "sts.mx-mismatch", "error"); }

TEST_F(World, StsTestingAndBadTlsRpt) {
  EXPECT_FINDING("sts-testing.example", "sts.testing", "info");
  EXPECT_FINDING("sts-testing.example", "tlsrpt.invalid", "warning");  // only the reports are lost
}

TEST_F(World, StsFetchFailures) {
  EXPECT_FINDING("sts-404.example", "sts.fetch-failed", "warning");
  EXPECT_NE(finding("sts-404.example", "sts.fetch-failed")["what"].get<std::string>().find("404"), std::string::npos);
  EXPECT_FINDING("sts-redirect.example", "sts.fetch-failed", "warning");
  EXPECT_NE(finding("sts-redirect.example", "sts.fetch-failed")["what"].get<std::string>().find("redirect"),
            std::string::npos);
  EXPECT_FINDING("sts-badtype.example", "sts.fetch-failed", "warning");
  EXPECT_NE(finding("sts-badtype.example", "sts.fetch-failed")["what"].get<std::string>().find("text/html"),
            std::string::npos);
  EXPECT_FINDING("sts-badcert.example", "sts.fetch-failed", "warning");
}

// A policy host that answers 500, and one that sends over 1 MiB of junk as
// text/plain: each named, with its own fix.
TEST_F(World, StsServerErrorAndJunk) {
  EXPECT_FINDING("sts-500.example", "sts.fetch-failed", "warning");
  json f = finding("sts-500.example", "sts.fetch-failed");
  EXPECT_NE(f["what"].get<std::string>().find("HTTP status 500 (server error)"), std::string::npos) << f.dump(2);
  EXPECT_NE(f["fix"].get<std::string>().find("error log"), std::string::npos) << f.dump(2);
  EXPECT_FINDING("sts-junk.example", "sts.fetch-failed", "warning");
  f = finding("sts-junk.example", "sts.fetch-failed");
  EXPECT_NE(f["what"].get<std::string>().find("larger than 65536 bytes"), std::string::npos) << f.dump(2);
  EXPECT_NE(f["what"].get<std::string>().find("size limit for a policy was hit"), std::string::npos) << f.dump(2);
  EXPECT_NE(f["what"].get<std::string>().find("RFC 8461 3.3"), std::string::npos) << f.dump(2);
  EXPECT_NE(f["fix"].get<std::string>().find("serve only that file"), std::string::npos) << f.dump(2);
}

// Policy hosts that hang before and after the TLS handshake: a timeout finding
// (check runs with --timeout 4), not a hang of the whole run.
TEST_F(World, StsPolicyHostHangs) {
  for (const char* d : {"sts-hang.example", "sts-hang2.example"}) {
    EXPECT_FINDING(d, "sts.fetch-failed", "warning");
    json f = finding(d, "sts.fetch-failed");
    EXPECT_NE(f["what"].get<std::string>().find("timed out"), std::string::npos) << f.dump(2);
    EXPECT_NE(f["fix"].get<std::string>().find("answer within a few seconds"), std::string::npos) << f.dump(2);
  }
}

TEST_F(World, SplitMxIsADowngradeHole) { EXPECT_FINDING("split.example", "consistency.downgrade", "error"); }

TEST_F(World, MxHostsThatDifferInTrustAreNamed) {
  EXPECT_FINDING("mixtrust.example", "consistency.trust", "warning");
  std::string what = finding("mixtrust.example", "consistency.trust")["what"];
  EXPECT_NE(what.find("mx.good.example[127.0.1.1] verifies"), std::string::npos) << what;
  EXPECT_NE(what.find("mx.selfsigned.example[127.0.1.3] does not"), std::string::npos) << what;
  EXPECT_EQ(report("mixtrust.example")["recommended_policy"]["policy"], "encrypt");
}

TEST_F(World, DaneOnOneMxOnly) {
  EXPECT_FINDING("halfdane.example", "consistency.dane", "warning");
  std::string fix = finding("halfdane.example", "consistency.dane")["fix"];
  EXPECT_NE(fix.find("_25._tcp.mx.good.example. IN TLSA 3 1 1 "), std::string::npos) << fix;
  // As serve answers: dane, not dane-only (Postfix's dane level uses may for
  // the MX without TLSA).
  const auto& policy = report("halfdane.example")["recommended_policy"];
  EXPECT_EQ(policy["policy"], "dane") << policy;
  EXPECT_EQ(policy["rule"], "published") << policy;
  EXPECT_NE(policy["reason"].get<std::string>().find("not dane-only because mx.good.example publishes no TLSA"),
            std::string::npos) << policy;
}

TEST_F(World, NullMx) {
  EXPECT_FINDING("nullmx.example", "dns.mx.null", "info");
  EXPECT_TRUE(report("nullmx.example")["null_mx"].get<bool>());
}

TEST_F(World, NoMxFallsBackToA) {
  EXPECT_FINDING("nomx.example", "dns.mx.implicit", "warning");
  EXPECT_FINDING("nomx.example", "cert.name", "ok");
}

TEST_F(World, TlsaInUnsignedZone) {
  EXPECT_EQ(report("insecure.example")["mx_dnssec"], "insecure");
  EXPECT_FINDING("insecure.example", "dane.insecure", "warning");
}

// RFC 7672 3.1.1: DANE-EE checks neither name nor issuer, so a self-signed
// certificate for another name is right for DANE senders: warnings that name
// the WebPKI-verifying senders, not errors; peers can use dane-only.
TEST_F(World, DaneEeSelfSignedIsRightForDaneSenders) {
  EXPECT_FINDING("daneself.example", "dane.valid", "ok");
  EXPECT_FINDING("daneself.example", "cert.self-signed", "warning");
  EXPECT_FINDING("daneself.example", "cert.name-mismatch", "warning");
  std::string why = finding("daneself.example", "cert.self-signed")["why"];
  EXPECT_NE(why.find("RFC 7672 3.1.1"), std::string::npos) << why;
  EXPECT_EQ(report("daneself.example")["recommended_policy"]["policy"], "dane-only");
  EXPECT_FINDING("selfsigned.example", "cert.self-signed", "error");  // without DANE it stays an error
}

// RFC 7672 3.1.2: a DANE-TA record for a CA the server does not send cannot
// match; the fix is the full chain, not a new record.
TEST_F(World, DaneTaWhoseCaIsNotSent) {
  EXPECT_FINDING("danetachain.example", "dane.ta-not-sent", "error");
  std::string fix = finding("danetachain.example", "dane.ta-not-sent")["fix"];
  EXPECT_NE(fix.find("chain"), std::string::npos) << fix;
  EXPECT_FALSE(finding("danetachain.example", "dane.mismatch").is_object()) << describe("danetachain.example");
  const auto& policy = report("danetachain.example")["recommended_policy"];
  EXPECT_EQ(policy["rule"], "published-fails") << policy;
  EXPECT_EQ(policy["serve"]["policy"], "dane-only") << policy;
}

// MX target validity against real DNS (NSD): an alias, an IP literal, a null
// MX beside another MX.
TEST_F(World, MxTargetsThatAreNotHostNames) {
  EXPECT_FINDING("aliasmx.example", "dns.mx.alias", "warning");
  std::string fix = finding("aliasmx.example", "dns.mx.alias")["fix"];
  EXPECT_NE(fix.find("mx.good.example."), std::string::npos) << fix;
  EXPECT_FINDING("iplitmx.example", "dns.mx.ip-literal", "error");
  EXPECT_FINDING("nullplus.example", "dns.mx.null", "warning");
}

// RFC 7672 2.2.1: an unsigned MX RRset to a host with valid TLSA records gets
// no DANE: check must not recommend dane-only (Postfix would defer: "non
// DNSSEC destination"), and the policy engine answers the same way.
TEST_F(World, UnsignedMxToATlsaHostIsNotDane) {
  EXPECT_EQ(report("unsignedmx.insecure.example")["mx_dnssec"], "insecure");
  EXPECT_FINDING("unsignedmx.insecure.example", "dane.mx-unsigned", "warning");
  EXPECT_NE(report("unsignedmx.insecure.example")["recommended_policy"]["policy"], "dane-only");
  CommandResult explain = run(std::string(MXTLS_BINARY) + " policy explain --cache :memory: --resolver-config " +
                              run_dir + "/unbound.conf --ca-file " + run_dir + "/ca/root.pem --json unsignedmx.insecure.example");
  auto doc = json::parse(explain.output, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << explain.output;
  EXPECT_NE(doc["domains"][0]["policy"], "dane-only") << explain.output;
  EXPECT_NE(doc["domains"][0]["rule"], "dane") << explain.output;
}

// One engine (issue 10): on every demo domain, the serve answer check
// reports is what the real `mxtls policy explain` answers, and check's own
// policy equals it unless a named peer-policy rule says why it differs.
TEST_F(World, CheckAndPolicyExplainAgreeOnEveryDomain) {
  std::string domains;
  for (const char* d : all_domains) domains += std::string(" ") + d;
  CommandResult explain = run(std::string(MXTLS_BINARY) + " policy explain --cache :memory: --timeout 4 --resolver-config " +
                              run_dir + "/unbound.conf --ca-file " + run_dir + "/ca/root.pem --json" + domains);
  auto doc = json::parse(explain.output, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << explain.output;
  const std::set<std::string> differing_rules = {"published-fails", "probe-may", "probe-verify", "probe-encrypt"};
  size_t compared = 0;
  for (const auto& answer : doc["domains"]) {
    const std::string domain = answer["domain"];
    const auto& recommended = report(domain)["recommended_policy"];
    ASSERT_TRUE(recommended.is_object()) << domain;
    const auto& serve = recommended["serve"];
    EXPECT_EQ(serve["answer"], answer["answer"]) << domain << "\ncheck: " << recommended.dump(2) << "\nexplain: " << answer.dump(2);
    EXPECT_EQ(serve["policy"], answer["policy"]) << domain << "\nexplain: " << answer.dump(2);
    EXPECT_EQ(serve["rule"], answer["rule"]) << domain << "\nexplain: " << answer.dump(2);
    const std::string rule = recommended["rule"];
    if (recommended["policy"] != answer["policy"])
      EXPECT_TRUE(differing_rules.count(rule)) << domain << ": check says " << recommended.dump(2);
    else
      EXPECT_FALSE(rule == "published-fails") << domain;
    ++compared;
  }
  EXPECT_EQ(compared, std::size(all_domains));
  EXPECT_EQ(report("dane.example")["recommended_policy"]["rule"], "published");
  EXPECT_EQ(report("staletlsa.example")["recommended_policy"]["rule"], "published-fails");
  EXPECT_EQ(report("staletlsa.example")["recommended_policy"]["serve"]["policy"], "dane-only");
  EXPECT_EQ(report("sts-mismatch.example")["recommended_policy"]["rule"], "published-fails");
}

TEST_F(World, HostileServersGiveClearFindings) {
  for (const char* d : {"tarpit.example", "garbage.example", "longline.example", "unreachable.example"})
    EXPECT_FINDING(d, "smtp.unreachable", "error");
  EXPECT_NE(finding("tarpit.example", "smtp.unreachable")["what"].get<std::string>().find("timed out"),
            std::string::npos);
  EXPECT_NE(finding("garbage.example", "smtp.unreachable")["what"].get<std::string>().find("not an SMTP reply"),
            std::string::npos);
  EXPECT_NE(finding("longline.example", "smtp.unreachable")["what"].get<std::string>().find("longer than"),
            std::string::npos);
  EXPECT_FINDING("drop.example", "starttls.failed", "error");
}

// The rule of docs/check-json.md, over every scenario of the world.
TEST_F(World, EveryWarningAndErrorSaysWhyAndFix) {
  for (const char* d : all_domains)
    for (const auto& f : report(d)["findings"]) {
      if (f["severity"] != "warning" && f["severity"] != "error") continue;
      EXPECT_FALSE(f["why"].get<std::string>().empty()) << d << ": no why in " << f.dump(2);
      EXPECT_FALSE(f["fix"].get<std::string>().empty()) << d << ": no fix in " << f.dump(2);
    }
}

TEST_F(World, TextReportExplainsTheFix) {
  CommandResult r = run(check_command("--no-color nostarttls.example"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("[ERROR] mx.nostarttls.example[127.0.1.2]: The server does not offer STARTTLS."),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("fix: Enable TLS in main.cf:"), std::string::npos);
}

TEST_F(World, ExitStatusFollowsTheWorstFinding) {
  EXPECT_EQ(run(check_command("good.example > /dev/null")).status, 0);
  EXPECT_EQ(run(check_command("nomx.example > /dev/null")).status, 1);
  EXPECT_EQ(run(check_command("expired.example > /dev/null")).status, 2);
  EXPECT_EQ(run(check_command("does-not-exist.example > /dev/null")).status, 3);
}

// `mxtls postfix audit --domain D` on the demo world's own Postfix instances
// (testbed/run/postfix/NAME/etc): D's MX names, looked up through the demo
// world's validating resolver, against the certificate the instance serves.
json audit_domain(const std::string& instance, const std::string& domain) {
  CommandResult r = run(std::string(MXTLS_BINARY) + " postfix audit --json --config-dir " + run_dir + "/postfix/" +
                        instance + "/etc --ca-file " + run_dir + "/ca/root.pem --resolver-config " + run_dir +
                        "/unbound.conf --domain " + domain + " 2>&1");
  auto doc = json::parse(r.output, nullptr, false);
  if (doc.is_discarded()) ADD_FAILURE() << "mxtls postfix audit printed no JSON:\n" << r.output;
  return doc;
}

const json* finding(const json& doc, const std::string& id) {
  if (!doc.is_object()) return nullptr;
  for (const auto& f : doc["findings"])
    if (f["id"] == id) return &f;
  return nullptr;
}

TEST(PostfixAuditWorld, CertificateNamesTheMxThatPointsHere) {
  json doc = audit_domain("good", "good.example");
  const json* ok = finding(doc, "smtpd.cert-mx-names");
  ASSERT_TRUE(ok) << doc.dump(2);
  EXPECT_EQ((*ok)["severity"], "ok");
  EXPECT_NE((*ok)["what"].get<std::string>().find("mx.good.example"), std::string::npos);
  EXPECT_FALSE(finding(doc, "smtpd.cert-mx-name"));
  // split.example: mx.good.example is this instance, mx.nostarttls.example another one.
  doc = audit_domain("good", "split.example");
  EXPECT_FALSE(finding(doc, "smtpd.cert-mx-name")) << doc.dump(2);
  const json* elsewhere = finding(doc, "smtpd.mx-elsewhere");
  ASSERT_TRUE(elsewhere) << doc.dump(2);
  EXPECT_EQ((*elsewhere)["severity"], "info");
  EXPECT_NE((*elsewhere)["what"].get<std::string>().find("mx.nostarttls.example"), std::string::npos);
}

TEST(PostfixAuditWorld, MissingMxNameIsAnErrorWithTheNameToAdd) {
  // wrongname.example: its server's certificate names mail.elsewhere.example only.
  json doc = audit_domain("wrongname", "wrongname.example");
  const json* f = finding(doc, "smtpd.cert-mx-name");
  ASSERT_TRUE(f) << doc.dump(2);
  EXPECT_EQ((*f)["severity"], "error");
  EXPECT_NE((*f)["what"].get<std::string>().find("mx.wrongname.example, which points at this server"), std::string::npos)
      << (*f)["what"];
  EXPECT_EQ((*f)["fix"].get<std::string>().substr(0, 40), "Add mx.wrongname.example to the certific");
  EXPECT_EQ(doc["exit_status"], 2);
  // aliasmx.example: MX mail.aliasmx.example, a CNAME of mx.good.example (this instance's address).
  doc = audit_domain("good", "aliasmx.example");
  f = finding(doc, "smtpd.cert-mx-name");
  ASSERT_TRUE(f) << doc.dump(2);
  EXPECT_NE((*f)["fix"].get<std::string>().find("Add mail.aliasmx.example"), std::string::npos) << (*f)["fix"];
}

// RFC 7672 3.1.1, the rule of mxtls check (base/webpki.hpp): daneself.example's
// MX is the selfsigned instance, pinned by a DANE-EE 3 1 1 record, so the
// self-signed certificate and the MX name it lacks are warnings; for
// selfsigned.example (no TLSA record) the same certificate is an error.
TEST(PostfixAuditWorld, DaneEeMakesTheSelfSignedCertificateAWarning) {
  json doc = audit_domain("selfsigned", "daneself.example");
  const json* f = finding(doc, "smtpd.cert-self-signed");
  ASSERT_TRUE(f) << doc.dump(2);
  EXPECT_EQ((*f)["severity"], "warning") << doc.dump(2);
  EXPECT_NE((*f)["why"].get<std::string>().find("RFC 7672 3.1.1"), std::string::npos) << (*f)["why"];
  f = finding(doc, "smtpd.cert-mx-name");
  ASSERT_TRUE(f) << doc.dump(2);
  EXPECT_EQ((*f)["severity"], "warning");
  EXPECT_NE((*f)["what"].get<std::string>().find("mx.daneself.example"), std::string::npos) << (*f)["what"];
  doc = audit_domain("selfsigned", "selfsigned.example");
  f = finding(doc, "smtpd.cert-self-signed");
  ASSERT_TRUE(f) << doc.dump(2);
  EXPECT_EQ((*f)["severity"], "error");
  EXPECT_EQ((*f)["why"].get<std::string>().find("not looked up"), std::string::npos) << (*f)["why"];
  EXPECT_EQ(doc["exit_status"], 2);
}

}  // namespace
