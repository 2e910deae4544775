// The judges of `mxtls postfix audit` from recorded facts: one test per finding.
#include "postfix/audit.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "support/verdicts_doc.hpp"

namespace mxtls::postfix {
namespace {

constexpr std::time_t now = 1800000000;

FileFacts file(std::string path, bool present, std::string parameter = "") {
  FileFacts f;
  f.parameter = std::move(parameter), f.path = std::move(path), f.exists = f.readable = present;
  return f;
}

// The facts of a correct configuration (tests/fixtures/postfix-audit/good).
AuditFacts good() {
  AuditFacts f;
  f.config_dir = "/etc/postfix", f.mail_version = "3.7.11", f.myhostname = "mx.example.test", f.now = now;
  f.main = {{"smtpd_tls_chain_files", "/k.pem, /c.pem"}, {"smtpd_tls_security_level", "may"},
            {"smtpd_tls_loglevel", "1"},  {"smtpd_tls_received_header", "yes"},
            {"smtp_tls_security_level", "dane"}, {"smtp_dns_support_level", "dnssec"},
            {"smtp_tls_CAfile", "/etc/ssl/certs/ca-certificates.crt"}, {"smtp_tls_loglevel", "1"}};
  f.services = {{"smtp", "inet", "smtpd", {}},
                {"submission", "inet", "smtpd", {{"smtpd_tls_security_level", "encrypt"}}},
                {"smtp", "unix", "smtp", {}}};
  ServerCertFacts cert;
  FileFacts key{"smtpd_tls_chain_files", "/k.pem", true, true, "", 0600, "root", "root", now, true};
  FileFacts chain{"smtpd_tls_chain_files", "/c.pem", true, true, "", 0644, "root", "root", now, false};
  cert.files = {key, chain};
  cert.chain = {{"CN=mx.example.test", "CN=Int", {"mx.example.test"}, now - 86400, now + 90 * 86400, "RSA", 2048,
                 "sha256WithRSAEncryption", false},
                {"CN=Int", "CN=Root", {}, now - 86400, now + 900 * 86400, "RSA", 2048, "sha256WithRSAEncryption", false}};
  cert.key_found = cert.key_matches = cert.chain_complete = cert.trusted = true;
  cert.key_types = {"RSA"};
  f.server_cert = cert;
  // What OpenSSL enables for Postfix's medium grade (gather_ciphers_test.cpp has the real thing).
  std::vector<std::string> medium = {"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                                     "DHE-RSA-AES256-GCM-SHA384",     "ECDHE-RSA-AES128-GCM-SHA256",
                                     "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "AES128-SHA"};
  f.ciphers = {{"smtp/inet", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", medium, ""},
               {"submission/inet", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", medium, ""}};
  return f;
}

PolicyMapFacts hash_map(bool built, bool servername = false) {
  PolicyMapFacts map;
  map.type = "hash", map.source = "/p", map.source_file = file("/p", true), map.indexed_file = file("/p.db", built);
  map.uses_servername = servername;
  return map;
}

PolicyMapFacts socketmap(std::string source, std::vector<PolicyProbe> probes) {
  PolicyMapFacts map;
  map.type = "socketmap", map.source = std::move(source), map.indexed = false, map.probes = std::move(probes);
  return map;
}

// --domain: the MX set as gathered, for the name judges.
DomainMxFacts mx_set(std::vector<std::pair<std::string, bool>> hosts) {
  DomainMxFacts mx;
  mx.domain = "example.test", mx.local_addresses = {"192.0.2.25"};
  for (auto& [name, here] : hosts) {
    MxHostFacts host;
    host.host = name, host.addresses = {here ? "192.0.2.25" : "198.51.100.7"}, host.here = here;
    mx.hosts.push_back(host);
  }
  return mx;
}

// The same, each host with a validated DANE-EE record that matches the served key.
DomainMxFacts dane_mx_set(std::vector<std::pair<std::string, bool>> hosts) {
  DomainMxFacts mx = mx_set(std::move(hosts));
  for (auto& host : mx.hosts) host.dane_ee_matches = true, host.dane_ee_record = "3 1 1 " + std::string(64, 'a');
  return mx;
}

// A file this audit, not running as root, may not read.
void denied(AuditFacts& f, FileFacts& file) {
  f.as_root = false;
  file.readable = false, file.error = "Permission denied", file.error_number = EACCES;
}

std::vector<std::string> problems(const AuditFacts& facts) {
  std::vector<std::string> out;
  Findings findings = audit(facts);
  for (const auto& f : findings.all())
    if (f.severity != Severity::ok) out.push_back(std::string(to_string(f.severity)) + " " + f.id);
  return out;
}

const Finding* find(const Findings& findings, const std::string& id) {
  for (const auto& f : findings.all())
    if (f.id == id) return &f;
  return nullptr;
}

TEST(PostfixAudit, TheCorrectConfigurationRaisesNothing) {
  EXPECT_EQ(problems(good()), std::vector<std::string>{});
  auto findings = audit(good());
  EXPECT_TRUE(findings.has("submission.level"));  // encrypt on 587 is right
  EXPECT_EQ(exit_status(findings), 0);
}

struct Case {
  const char* expected;  // "severity id"
  std::function<void(AuditFacts&)> change;
};

class OneMistake : public testing::TestWithParam<Case> {};

TEST_P(OneMistake, IsNamed) {
  AuditFacts facts = good();
  GetParam().change(facts);
  auto found = problems(facts);
  EXPECT_NE(std::find(found.begin(), found.end(), GetParam().expected), found.end())
      << GetParam().expected << " not in: " << testing::PrintToString(found);
  Findings findings = audit(facts);
  for (const auto& f : findings.all())
    if (f.severity > Severity::info && f.fix.empty()) ADD_FAILURE() << f.id << " has no fix";
}

ServerCertFacts& cert(AuditFacts& f) { return *f.server_cert; }

// One mistake each, for OneMistake and for the ids AuditVerdictsDoc collects:
// the server side (smtpd) here, the client side and the version gates in
// client_cases(), the facts of the tests further down in more_cases().
std::vector<Case> server_cases() {
  return {
    Case{"error smtpd.encrypt-on-port-25", [](AuditFacts& f) { f.main["smtpd_tls_security_level"] = "encrypt"; }},
    Case{"error smtpd.encrypt-on-port-25",
         [](AuditFacts& f) { f.services[0].overrides["smtpd_tls_security_level"] = "encrypt"; }},
    Case{"error smtpd.encrypt-on-port-25", [](AuditFacts& f) { f.main["smtpd_enforce_tls"] = "yes", f.main.erase("smtpd_tls_security_level"); }},
    Case{"error smtpd.level-invalid", [](AuditFacts& f) { f.main["smtpd_tls_security_level"] = "encrypt  # <--- THIS"; }},
    Case{"error smtpd.no-starttls", [](AuditFacts& f) { f.main.erase("smtpd_tls_security_level"); }},
    Case{"error smtpd.no-cert", [](AuditFacts& f) { f.server_cert.reset(); }},
    Case{"error smtpd.cert-file-missing", [](AuditFacts& f) { cert(f).files[1].exists = cert(f).files[1].readable = false; }},
    Case{"error smtpd.cert-file-unreadable", [](AuditFacts& f) { cert(f).files[1].readable = false, cert(f).files[1].error = "Permission denied"; }},
    Case{"error smtpd.cert-file-unreadable", [](AuditFacts& f) { denied(f, cert(f).files[0]), f.as_root = true; }},
    Case{"warning smtpd.cert-file-unchecked", [](AuditFacts& f) { denied(f, cert(f).files[0]); }},
    Case{"error smtpd.cert-file-invalid", [](AuditFacts& f) { cert(f).files[1].error = "truncated or corrupt PEM"; }},
    Case{"error smtpd.key-world-readable", [](AuditFacts& f) { cert(f).files[0].mode = 0644; }},
    Case{"warning smtpd.key-group-readable", [](AuditFacts& f) { cert(f).files[0].mode = 0640, cert(f).files[0].group = "ssl-cert"; }},
    Case{"error smtpd.key-missing", [](AuditFacts& f) { cert(f).key_found = false; }},
    Case{"error smtpd.key-mismatch", [](AuditFacts& f) { cert(f).key_matches = false; }},
    Case{"warning smtpd.chain-order", [](AuditFacts& f) { cert(f).chain_ordered = false; }},
    Case{"error smtpd.chain-incomplete", [](AuditFacts& f) { cert(f).chain_complete = cert(f).trusted = false; }},
    Case{"error smtpd.cert-untrusted", [](AuditFacts& f) { cert(f).trusted = false, cert(f).verify_error = "self-signed certificate in certificate chain"; }},
    Case{"error smtpd.cert-self-signed", [](AuditFacts& f) { cert(f).chain.front().self_signed = true; }},
    Case{"error smtpd.cert-expired", [](AuditFacts& f) { cert(f).chain.front().not_after = now - 86400; }},
    Case{"error smtpd.cert-not-yet-valid", [](AuditFacts& f) { cert(f).chain.front().not_before = now + 86400; }},
    // RFC 7672 3.1.1: with a matching DANE-EE record, only WebPKI-verifying senders refuse it.
    Case{"warning smtpd.chain-incomplete", [](AuditFacts& f) {
      cert(f).chain_complete = cert(f).trusted = false, f.domain_mx = dane_mx_set({{"mx.example.test", true}});
    }},
    Case{"warning smtpd.cert-untrusted", [](AuditFacts& f) {
      cert(f).trusted = false, f.domain_mx = dane_mx_set({{"mx.example.test", true}});
    }},
    Case{"warning smtpd.cert-self-signed", [](AuditFacts& f) {
      cert(f).chain.front().self_signed = true, f.domain_mx = dane_mx_set({{"mx.example.test", true}});
    }},
    Case{"warning smtpd.cert-expired", [](AuditFacts& f) {
      cert(f).chain.front().not_after = now - 86400, f.domain_mx = dane_mx_set({{"mx.example.test", true}});
    }},
    Case{"warning smtpd.cert-not-yet-valid", [](AuditFacts& f) {
      cert(f).chain.front().not_before = now + 86400, f.domain_mx = dane_mx_set({{"mx.example.test", true}});
    }},
    Case{"warning smtpd.cert-expiring", [](AuditFacts& f) { cert(f).chain.front().not_after = now + 5 * 86400; }},
    Case{"warning smtpd.cert-weak-key", [](AuditFacts& f) { cert(f).chain.front().key_bits = 1024; }},
    Case{"warning smtpd.cert-sha1", [](AuditFacts& f) { cert(f).chain.front().signature_algorithm = "sha1WithRSAEncryption"; }},
    Case{"warning smtpd.cert-name", [](AuditFacts& f) { f.myhostname = "other.example.test"; }},
    Case{"warning smtpd.dh-weak", [](AuditFacts& f) { f.dh = DhFacts{file("/dh.pem", true), 1024}; }},
    Case{"error smtpd.dh-weak", [](AuditFacts& f) { f.dh = DhFacts{file("/dh.pem", true), 512}; }},
    Case{"warning smtpd.dh-file", [](AuditFacts& f) { f.dh = DhFacts{file("/dh.pem", false), 0}; }},
    Case{"warning smtpd.ssl-enabled", [](AuditFacts& f) { f.main["smtpd_tls_protocols"] = "!SSLv2"; }},
    Case{"warning smtpd.loglevel", [](AuditFacts& f) { f.main.erase("smtpd_tls_loglevel"); }},
    Case{"info smtpd.received-header", [](AuditFacts& f) { f.main.erase("smtpd_tls_received_header"); }},
  };
}

std::vector<Case> client_cases() {
  return {
    Case{"error smtp.encrypt-global", [](AuditFacts& f) { f.main["smtp_tls_security_level"] = "encrypt"; }},
    Case{"error smtp.level-invalid", [](AuditFacts& f) { f.main["smtp_tls_security_level"] = "encrypt  # <--- THIS"; }},
    Case{"error smtp.no-tls", [](AuditFacts& f) { f.main.erase("smtp_tls_security_level"); }},
    Case{"warning smtp.dane-without-dnssec", [](AuditFacts& f) { f.main.erase("smtp_dns_support_level"); }},
    Case{"warning smtp.no-ca", [](AuditFacts& f) { f.main.erase("smtp_tls_CAfile"); }},
    Case{"error smtp.no-ca", [](AuditFacts& f) { f.main.erase("smtp_tls_CAfile"), f.main["smtp_tls_policy_maps"] = "socketmap:inet:127.0.0.1:8461:policy"; }},
    Case{"warning smtp.ca-file-missing", [](AuditFacts& f) { f.ca_files = {file("/nope.crt", false, "smtp_tls_CAfile")}; }},
    Case{"warning smtp.ssl-enabled", [](AuditFacts& f) { f.main["smtp_tls_protocols"] = "SSLv3, TLSv1"; }},
    Case{"warning smtp.loglevel", [](AuditFacts& f) { f.main.erase("smtp_tls_loglevel"); }},
    Case{"info smtp.client-cert", [](AuditFacts& f) { f.main["smtp_tls_cert_file"] = "/c.pem"; }},
    Case{"error smtp.policy-map-unbuilt", [](AuditFacts& f) { f.policy_maps = {hash_map(false)}; }},
    Case{"error smtp.policy-map-unapproved", [](AuditFacts& f) {
      PolicyMapFacts map = hash_map(true);
      map.proxied = true, map.proxy_approved = false;
      f.policy_maps = {map};
    }},
    Case{"warning smtp.policy-map-stale", [](AuditFacts& f) {
      PolicyMapFacts map = hash_map(true);
      map.source_file.modified = now, map.indexed_file.modified = now - 60;
      f.policy_maps = {map};
    }},
    Case{"error version.smtpd_tls_chain_files", [](AuditFacts& f) { f.mail_version = "3.3.2"; }},
    Case{"warning version.smtp_tlsrpt_enable", [](AuditFacts& f) { f.main["smtp_tlsrpt_enable"] = "yes"; }},
    Case{"warning version.smtp_tls_enforce_sts_mx_patterns", [](AuditFacts& f) { f.mail_version = "3.10.4", f.main["smtp_tls_enforce_sts_mx_patterns"] = "yes"; }},
    Case{"error version.servername", [](AuditFacts& f) {
      f.mail_version = "3.3.0", f.main.erase("smtpd_tls_chain_files");
      f.policy_maps = {hash_map(true, true)};
    }},
    Case{"info version.unknown", [](AuditFacts& f) { f.mail_version.clear(); }},
    Case{"warning version.smtp_tls_chain_files", [](AuditFacts& f) {
      f.mail_version = "3.3.2", f.main.erase("smtpd_tls_chain_files");
      f.main["smtp_tls_chain_files"] = "/k.pem, /c.pem";
    }},
    Case{"info smtp.client-cert", [](AuditFacts& f) { f.main["smtp_tls_chain_files"] = "/k.pem, /c.pem"; }},
  };
}

std::vector<Case> more_cases() {
  return {
    Case{"error smtpd.cert-mx-name",
         [](AuditFacts& f) { f.domain_mx = mx_set({{"mx.example.test", true}, {"mx2.example.test", true}}); }},
    Case{"warning smtpd.cert-mx-name",
         [](AuditFacts& f) { f.domain_mx = mx_set({{"mx.example.test", false}, {"mail.other.test", false}}); }},
    Case{"warning smtpd.cert-mx-name",  // RFC 7672 3.1.1: DANE-EE does not check the name
         [](AuditFacts& f) { f.domain_mx = dane_mx_set({{"mx.example.test", true}, {"mx2.example.test", true}}); }},
    Case{"info smtpd.mx-elsewhere",  // and ok smtpd.cert-mx-names for the MX that points here
         [](AuditFacts& f) { f.domain_mx = mx_set({{"mx.example.test", true}, {"backup.elsewhere.test", false}}); }},
    Case{"warning smtpd.mx-lookup",
         [](AuditFacts& f) { f.domain_mx = DomainMxFacts{"example.test", "SERVFAIL", {}, {}}; }},
    Case{"error smtpd.ciphers-excluded",
         [](AuditFacts& f) { f.main["smtpd_tls_exclude_ciphers"] = "kECDHE, ECDHE, kRSA, kDHE", f.ciphers[0].tls12 = {}; }},
    Case{"error smtpd.ciphers-null", [](AuditFacts& f) { f.main["smtpd_tls_ciphers"] = "null"; }},
    Case{"warning smtpd.mandatory-ciphers-weak",
         [](AuditFacts& f) { f.services[1].overrides["smtpd_tls_mandatory_ciphers"] = "export"; }},
    Case{"info smtpd.cipherlist-override", [](AuditFacts& f) { f.main["tls_high_cipherlist"] = "AES256-SHA"; }},
    Case{"info smtpd.session-cache", [](AuditFacts& f) { f.main["smtpd_tls_session_cache_timeout"] = "0"; }},
    Case{"error postscreen.encrypt-on-port-25", [](AuditFacts& f) {
      f.services[0] = {"smtp", "inet", "postscreen", {{"postscreen_tls_security_level", "encrypt"}}};
      f.services.push_back({"smtpd", "pass", "smtpd", {}});
      f.main["postscreen_pipelining_enable"] = "yes";
    }},
    Case{"warning postscreen.encrypt-on-port-25", [](AuditFacts& f) {  // no after-220 test: latent
      f.services[0] = {"smtp", "inet", "postscreen", {{"postscreen_tls_security_level", "encrypt"}}};
      f.services.push_back({"smtpd", "pass", "smtpd", {}});
    }},
  };
}

// The tables of smtp_tls_policy_maps, as postmap -q answered (or could not).
std::vector<Case> map_cases() {
  return {
    Case{"error smtp.policy-map-unreachable", [](AuditFacts& f) {
      f.policy_maps = {socketmap("inet:127.0.0.1:8461:policy",
                                 {{"mxtls-probe.invalid", PolicyProbe::Outcome::failed, "", "Connection refused"}})};
    }},
    Case{"warning smtp.policy-map-unchecked", [](AuditFacts& f) {
      f.as_root = false;
      f.policy_maps = {socketmap("unix:/var/spool/postfix/private/mxtls:tls",
                                 {{"mxtls-probe.invalid", PolicyProbe::Outcome::failed, "",
                                   "postmap: fatal: connect to private/mxtls: Permission denied"}})};
    }},
    Case{"warning smtp.policy-map-unchecked", [](AuditFacts& f) {  // a directory not ours to search
      PolicyMapFacts map = hash_map(false);
      map.indexed_file.error = "Permission denied", map.indexed_file.error_number = EACCES;
      f.as_root = false, f.policy_maps = {map};
    }},
    Case{"info smtp.policy-map-proxy-down", [](AuditFacts& f) {
      PolicyMapFacts map = hash_map(true);
      map.proxied = true, map.proxy_error = "/var/spool/postfix/private/proxymap: No such file or directory";
      map.probes = {{"example.org", PolicyProbe::Outcome::found, "encrypt", ""}};
      f.policy_maps = {map};
    }},
    Case{"warning smtp.policy-map-temporary", [](AuditFacts& f) {
      f.policy_maps = {socketmap("inet:127.0.0.1:8461:policy",
                                 {{"example.org", PolicyProbe::Outcome::temporary, "", "temporary error"}})};
    }},
    Case{"error smtp.policy-answer-invalid", [](AuditFacts& f) {
      f.policy_maps = {socketmap("inet:127.0.0.1:8461:policy",
                                 {{"example.org", PolicyProbe::Outcome::found, "verify-strict", ""}})};
    }},
    Case{"error version.tlsrpt-attributes", [](AuditFacts& f) {
      f.policy_maps = {socketmap("inet:127.0.0.1:8461:policy",
                                 {{"sts.example", PolicyProbe::Outcome::found, "secure policy_type=sts", ""}})};
    }},
    Case{"warning smtp.sts-overrides-dane", [](AuditFacts& f) {  // and ok smtp.policy-map-answers
      f.policy_maps = {socketmap("inet:127.0.0.1:8461:postfix",
                                 {{"mxtls-probe.invalid", PolicyProbe::Outcome::not_found, "", ""}})};
    }}
  };
}

const std::vector<Case>& one_mistake_cases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> all = server_cases();
    for (const auto& part : {client_cases(), more_cases(), map_cases()}) all.insert(all.end(), part.begin(), part.end());
    return all;
  }();
  return cases;
}

INSTANTIATE_TEST_SUITE_P(PostfixAudit, OneMistake, testing::ValuesIn(one_mistake_cases()));

TEST(PostfixAudit, EncryptOnSubmissionAndWrappermodeRaiseNothing) {
  AuditFacts facts = good();
  facts.services.push_back({"submissions", "inet", "smtpd", {{"smtpd_tls_wrappermode", "yes"}}});
  facts.services.push_back({"127.0.0.1:587", "inet", "smtpd", {{"smtpd_tls_security_level", "encrypt"}}});
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
}

TEST(PostfixAudit, PostscreenOnPort25JudgesThePassService) {
  AuditFacts facts = good();
  facts.services[0] = {"smtp", "inet", "postscreen", {}};
  facts.services.push_back({"smtpd", "pass", "smtpd", {{"smtpd_tls_security_level", "encrypt"}}});
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.encrypt-on-port-25");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->fix.substr(0, 64), "postconf -P 'smtpd/pass/smtpd_tls_security_level=may' (keep encr");
}

TEST(PostfixAudit, Rfc3207FindingNamesTheRefusedSendersFromTheLogs) {
  AuditFacts facts = good();
  facts.main["smtpd_tls_security_level"] = "encrypt  # <--- THIS is the important part!";
  facts.inbound_encrypt = {true, 2, {"tin.it", "tiscali.it"}, {"smtp-out.tin.it[213.205.33.10]"}};
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.encrypt-on-port-25");
  ASSERT_TRUE(f);
  EXPECT_NE(f->why.find("RFC 3207 section 4"), std::string::npos);
  EXPECT_NE(f->why.find("2 messages would have been refused: from tin.it, tiscali.it"), std::string::npos) << f->why;
  EXPECT_EQ(f->fix.substr(0, 44), "postconf -e 'smtpd_tls_security_level = may'");
  EXPECT_EQ(exit_status(findings), 2);
}

TEST(PostfixAudit, CertificateMustNameTheMxHostsThatPointHere) {
  AuditFacts facts = good();
  facts.domain_mx = mx_set({{"mx.example.test", true}, {"mx2.example.test", true}});
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.cert-mx-name");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->what.find("mx2.example.test, which points at this server"), std::string::npos) << f->what;
  EXPECT_NE(f->fix.find("certbot certonly --expand --reuse-key -d mx.example.test -d mx2.example.test, then postfix "
                        "reload"),
            std::string::npos)
      << f->fix;  // --reuse-key: a new key would break a 3 1 1 record (RFC 7671 8.1)
  facts.domain_mx = mx_set({{"mx.example.test", true}, {"backup.elsewhere.test", false}});
  findings = audit(facts);
  EXPECT_FALSE(findings.has("smtpd.cert-mx-name"));  // the backup MX is another server's
  EXPECT_TRUE(findings.has("smtpd.cert-mx-names"));
  ASSERT_TRUE(find(findings, "smtpd.mx-elsewhere"));
  EXPECT_EQ(find(findings, "smtpd.mx-elsewhere")->severity, Severity::info);
  EXPECT_EQ(exit_status(findings), 0);
}

TEST(PostfixAudit, WhenNoMxPointsHereEveryMxNameIsCompared) {
  AuditFacts facts = good();
  facts.domain_mx = mx_set({{"mx.example.test", false}, {"mail.other.test", false}});
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.cert-mx-name");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);  // perhaps behind NAT, perhaps another server
  EXPECT_NE(f->what.find("mail.other.test (whether they point here is unclear)"), std::string::npos) << f->what;
  EXPECT_NE(find(findings, "smtpd.mx-elsewhere")->what.find("mx.example.test, mail.other.test"), std::string::npos);
  facts.domain_mx = mx_set({{"mx.example.test", true}});
  facts.domain_mx->hosts[0].host = "MX.example.test";  // names compare without case
  facts.server_cert->chain[0].dns_names = {"*.EXAMPLE.test"};
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
}

// check's rule (base/webpki.hpp, RFC 7672 3.1.1): a WebPKI failure is an
// error unless every MX host serving the key has a matching DANE-EE record.
TEST(PostfixAudit, WebPkiFailuresFollowChecksDaneEeRule) {
  AuditFacts facts = good();
  facts.server_cert->chain.front().self_signed = true;
  const Finding* f = nullptr;
  Findings findings = audit(facts);  // no --domain: DANE unknown
  ASSERT_TRUE(f = find(findings, "smtpd.cert-self-signed"));
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->why.find("was not looked up"), std::string::npos) << f->why;
  EXPECT_NE(f->why.find("--domain"), std::string::npos) << f->why;
  facts.domain_mx = mx_set({{"mx.example.test", true}});  // looked up: no DANE-EE
  findings = audit(facts);
  ASSERT_TRUE(f = find(findings, "smtpd.cert-self-signed"));
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_EQ(f->why.find("was not looked up"), std::string::npos) << f->why;
  facts.domain_mx = dane_mx_set({{"mx.example.test", true}});
  findings = audit(facts);
  ASSERT_TRUE(f = find(findings, "smtpd.cert-self-signed"));
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->why.find("Only senders that verify through the WebPKI"), std::string::npos) << f->why;
  EXPECT_EQ(f->fix.substr(0, 24), "Only for those senders: ");
  EXPECT_EQ(exit_status(findings), 1);
  facts.domain_mx = dane_mx_set({{"mx.example.test", true}, {"mx2.example.test", true}});
  facts.domain_mx->hosts[1].dane_ee_matches = false;  // mx2 points here too, without DANE
  facts.server_cert->chain.front().dns_names = {"mx.example.test", "mx2.example.test"};
  EXPECT_EQ(find(audit(facts), "smtpd.cert-self-signed")->severity, Severity::error);
  facts.domain_mx->hosts[1].here = false;  // another server's: its TLSA records are not about this key
  EXPECT_EQ(find(audit(facts), "smtpd.cert-self-signed")->severity, Severity::warning);
}

TEST(PostfixAudit, AMissingMxNameWithDaneEeIsAWarningForThatHostOnly) {
  AuditFacts facts = good();
  facts.domain_mx = mx_set({{"mx.example.test", true}, {"mx2.example.test", true}, {"mx3.example.test", true}});
  facts.domain_mx->hosts[2].dane_ee_matches = true;
  std::vector<const Finding*> found;
  Findings findings = audit(facts);
  for (const auto& f : findings.all())
    if (f.id == "smtpd.cert-mx-name") found.push_back(&f);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->severity, Severity::error);
  EXPECT_NE(found[0]->what.find("mx2.example.test, which points"), std::string::npos) << found[0]->what;
  EXPECT_EQ(found[0]->what.find("mx3"), std::string::npos) << found[0]->what;
  EXPECT_EQ(found[1]->severity, Severity::warning);
  EXPECT_NE(found[1]->what.find("mx3.example.test, which points"), std::string::npos) << found[1]->what;
  EXPECT_NE(found[1]->why.find("RFC 7672 3.1.1"), std::string::npos) << found[1]->why;
  EXPECT_NE(found[1]->fix.find("--reuse-key"), std::string::npos) << found[1]->fix;
}

// Postfix reads its certificate and key as root: as another user EACCES
// proves nothing, as root it does.
TEST(PostfixAudit, AnUnprivilegedAuditDoesNotCallTheKeyUnreadable) {
  AuditFacts facts = good();
  denied(facts, facts.server_cert->files[0]);
  facts.server_cert->chain.clear(), facts.server_cert->key_found = false;
  Findings findings = audit(facts);
  EXPECT_EQ(problems(facts), std::vector<std::string>{"warning smtpd.cert-file-unchecked"});
  EXPECT_NE(find(findings, "smtpd.cert-file-unchecked")->fix.find("Run the audit as root"), std::string::npos);
  EXPECT_EQ(exit_status(findings), 1);
  facts.as_root = true;  // root squash, a MAC policy: smtpd is refused too
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error smtpd.cert-file-unreadable"});
  facts.as_root = false, facts.server_cert->files[0].error_number = EIO;  // not a permission: smtpd fails too
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error smtpd.cert-file-unreadable"});
}

TEST(PostfixAudit, AProxyTableWhileProxymapIsDownIsAskedDirectly) {
  AuditFacts facts = good();
  PolicyMapFacts map = hash_map(true);
  map.proxied = true, map.proxy_error = "/var/spool/postfix/private/proxymap: No such file or directory";
  map.probes = {{"example.org", PolicyProbe::Outcome::found, "encrypt", ""}};
  facts.policy_maps = {map};
  Findings findings = audit(facts);
  EXPECT_EQ(problems(facts), std::vector<std::string>{"info smtp.policy-map-proxy-down"});
  EXPECT_NE(find(findings, "smtp.policy-map-answers")->subject.find("proxy:hash:/p"), std::string::npos);
  facts.policy_maps[0].probes = {{"example.org", PolicyProbe::Outcome::found, "verify-strict", ""}};
  auto found = problems(facts);  // the direct answer is judged as smtp(8) would get it through proxymap
  EXPECT_NE(std::find(found.begin(), found.end(), "error smtp.policy-answer-invalid"), found.end());
  facts.policy_maps[0].proxy_error.clear();  // proxymap answered: asked through it, no note
  facts.policy_maps[0].probes = {{"example.org", PolicyProbe::Outcome::found, "encrypt", ""}};
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
}

// proxymap(8) opens only what proxy_read_maps lists: the lookups of an
// unapproved table fail and smtp(8) defers, whether Postfix runs now or not.
TEST(PostfixAudit, AProxyTableProxyReadMapsDoesNotListIsAnError) {
  AuditFacts facts = good();
  PolicyMapFacts map = hash_map(true);
  map.proxied = true, map.proxy_approved = false;
  map.probes = {{"example.org", PolicyProbe::Outcome::failed, "",
                 "postmap: fatal: proxymap service is not configured for table \"hash:/p\""}};
  facts.policy_maps = {map};
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error smtp.policy-map-unapproved"});
  Findings findings = audit(facts);
  const Finding* f = find(findings, "smtp.policy-map-unapproved");
  ASSERT_TRUE(f);
  EXPECT_NE(f->fix.find("proxy_read_maps = $(postconf -h proxy_read_maps) proxy:hash:/p"), std::string::npos) << f->fix;
  facts.policy_maps[0].proxy_error = "no such file";  // Postfix stopped: still refused once it runs
  auto found = problems(facts);
  EXPECT_NE(std::find(found.begin(), found.end(), "error smtp.policy-map-unapproved"), found.end());
}

TEST(PostfixAudit, AnMxLookupThatFailsIsAWarning) {
  AuditFacts facts = good();
  facts.domain_mx = DomainMxFacts{"example.test", "DNSSEC validation failed: signature expired", {}, {}};
  EXPECT_EQ(problems(facts), std::vector<std::string>{"warning smtpd.mx-lookup"});
}

TEST(PostfixAudit, CipherExclusionsThatLeaveNoCommonCipherAreAnError) {
  AuditFacts facts = good();
  // The demo world's weakdh server: DHE only, for an RSA certificate.
  facts.main["smtpd_tls_exclude_ciphers"] = "kECDHE, ECDHE, kRSA, aNULL, kPSK, kSRP";
  facts.ciphers[0].tls12 = {"DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256"};
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
  facts.main["smtpd_tls_exclude_ciphers"] = "kECDHE, ECDHE, kRSA, kDHE";
  facts.ciphers[0].tls12 = {"DHE-PSK-AES256-GCM-SHA384"};  // what is left serves no common sender
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.ciphers-excluded");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->why.find("Senders without TLS 1.3"), std::string::npos) << f->why;
  EXPECT_EQ(f->subject, "main.cf (master.cf smtp/inet)");
  facts.main["smtpd_tls_protocols"] = ">=TLSv1.2, <=TLSv1.2";
  EXPECT_NE(find(audit(facts), "smtpd.ciphers-excluded")->why.find("Every sender fails"), std::string::npos);
}

TEST(PostfixAudit, CipherJudgementUsesEveryKeyOfADualCertificateSetup) {
  AuditFacts facts = good();
  facts.main["smtpd_tls_exclude_ciphers"] = "aRSA";
  facts.ciphers[0].tls12 = {"ECDHE-ECDSA-AES128-GCM-SHA256"};  // only ECDSA suites are left
  EXPECT_TRUE(audit(facts).has("smtpd.ciphers-excluded"));      // an RSA key cannot use them
  EXPECT_NE(find(audit(facts), "smtpd.ciphers-excluded")->what.find("RSA key"), std::string::npos);
  facts.server_cert->key_types = {"RSA", "EC"};  // smtpd_tls_chain_files with an RSA and an ECDSA key
  EXPECT_FALSE(audit(facts).has("smtpd.ciphers-excluded"));
  facts.server_cert->key_types = {"ED25519"};  // RFC 8422 5.1.1: EdDSA signs in ECDSA suites
  EXPECT_FALSE(audit(facts).has("smtpd.ciphers-excluded"));
}

TEST(PostfixAudit, ACipherListPostfixOrOpenSslRefusesIsAnError) {
  AuditFacts facts = good();
  facts.ciphers[0].tls12 = {};
  facts.ciphers[0].error = "Postfix refuses the cipher exclusion \"!aNULL\" (invalid unary '!+-@'): TLS fails";
  Findings findings = audit(facts);
  const Finding* f = find(findings, "smtpd.ciphers-excluded");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("invalid unary"), std::string::npos) << f->what;
  EXPECT_NE(f->why.find("Every sender fails"), std::string::npos) << f->why;
  facts = good();
  facts.main["tls_medium_cipherlist"] = "PSK";  // a copied list without the common ciphers, no exclusions
  facts.ciphers[0].tls12 = {"PSK-AES128-GCM-SHA256"};
  findings = audit(facts);
  f = find(findings, "smtpd.ciphers-excluded");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->fix.substr(0, 33), "postconf -X tls_medium_cipherlist");
}

TEST(PostfixAudit, CipherGradesNullAndWeakMandatory) {
  AuditFacts facts = good();
  facts.main["smtpd_tls_ciphers"] = "null";
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error smtpd.ciphers-null"});
  facts = good();
  facts.main["smtpd_tls_ciphers"] = "export";  // opportunistic: any cipher beats plaintext (RFC 3207)
  facts.main["smtpd_tls_mandatory_ciphers"] = "high";
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
  facts.services[1].overrides["smtpd_tls_mandatory_ciphers"] = "export";
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.mandatory-ciphers-weak");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->subject, "master.cf submission/inet");
  EXPECT_EQ(problems(facts), std::vector<std::string>{"warning smtpd.mandatory-ciphers-weak"});
  facts.main["tls_high_cipherlist"] = "AES256-SHA";
  EXPECT_EQ(find(audit(facts), "smtpd.cipherlist-override")->fix.substr(0, 31), "postconf -X tls_high_cipherlist");
}

TEST(PostfixAudit, SessionCacheNeedsNothingWithTickets) {
  AuditFacts facts = good();
  auto findings = audit(facts);
  ASSERT_TRUE(find(findings, "smtpd.session-cache"));
  EXPECT_EQ(find(findings, "smtpd.session-cache")->severity, Severity::ok);
  EXPECT_NE(find(findings, "smtpd.session-cache")->what.find("no smtpd_tls_session_cache_database is needed"),
            std::string::npos);
  facts.main["smtpd_tls_session_cache_timeout"] = "0";
  EXPECT_EQ(problems(facts), std::vector<std::string>{"info smtpd.session-cache"});
  facts = good();
  facts.mail_version = "2.10.1", facts.main.erase("smtpd_tls_chain_files");
  auto found = problems(facts);
  EXPECT_NE(std::find(found.begin(), found.end(), "info smtpd.session-cache"), found.end());
}

TEST(PostfixAudit, PostscreenRequiringTlsOnPort25IsTheRfc3207Error) {
  AuditFacts facts = good();
  facts.services[0] = {"smtp", "inet", "postscreen", {}};
  facts.services.push_back({"smtpd", "pass", "smtpd", {}});
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
  facts.main["postscreen_tls_security_level"] = "encrypt";
  facts.main["postscreen_bare_newline_enable"] = "yes";  // an after-220 test: postscreen talks SMTP itself
  auto findings = audit(facts);
  const Finding* f = find(findings, "postscreen.encrypt-on-port-25");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->what.find("postscreen_bare_newline_enable = yes"), std::string::npos) << f->what;
  EXPECT_NE(f->why.find("RFC 3207 section 4"), std::string::npos);
  EXPECT_EQ(f->fix, "postconf -e 'postscreen_tls_security_level = may'");
  facts.main.erase("postscreen_tls_security_level");
  facts.services[0].overrides["postscreen_tls_security_level"] = "encrypt";
  EXPECT_EQ(find(audit(facts), "postscreen.encrypt-on-port-25")->fix,
            "postconf -P 'smtp/inet/postscreen_tls_security_level=may'");
}

// POSTSCREEN_README "After-220 tests": only with a deep protocol test on does
// postscreen's own SMTP engine talk to the sender and refuse it without TLS.
TEST(PostfixAudit, PostscreenEncryptIsLatentWithoutDeepProtocolTests) {
  AuditFacts facts = good();
  facts.services[0] = {"smtp", "inet", "postscreen", {}};
  facts.services.push_back({"smtpd", "pass", "smtpd", {}});
  facts.main["postscreen_tls_security_level"] = "encrypt";
  Findings findings = audit(facts);
  const Finding* f = find(findings, "postscreen.encrypt-on-port-25");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->why.find("After-220 tests"), std::string::npos) << f->why;
  EXPECT_EQ(f->fix, "postconf -e 'postscreen_tls_security_level = may'");
  facts.main["postscreen_pipelining_enable"] = "no";
  EXPECT_EQ(find(audit(facts), "postscreen.encrypt-on-port-25")->severity, Severity::warning);
  facts.services[0].overrides["postscreen_non_smtp_command_enable"] = "yes";  // master.cf -o
  EXPECT_EQ(find(audit(facts), "postscreen.encrypt-on-port-25")->severity, Severity::error);
}

TEST(PostfixAudit, PolicyTablesAreAskedAndTheirAnswersJudged) {
  using O = PolicyProbe::Outcome;
  AuditFacts facts = good();
  facts.policy_maps = {socketmap("inet:127.0.0.1:8461:policy", {{"mxtls-probe.invalid", O::not_found, "", ""}})};
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
  EXPECT_TRUE(audit(facts).has("smtp.policy-map-answers"));
  facts.policy_maps[0].probes = {{"mxtls-probe.invalid", O::failed, "", "table socketmap:inet:127.0.0.1:8461:policy: "
                                                                       "query error: Connection refused"}};
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error smtp.policy-map-unreachable"});
  facts.policy_maps[0].probes = {{"example.org", O::temporary, "", "temporary error"}};
  EXPECT_EQ(problems(facts), std::vector<std::string>{"warning smtp.policy-map-temporary"});
  facts.policy_maps[0].probes = {{"example.org", O::found, "verify-strict match=hostname", ""}};
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error smtp.policy-answer-invalid"});
  facts.policy_maps[0].probes = {{"example.org", O::found, "secure match=.example.org servername=hostname", ""}};
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
  facts.mail_version = "3.3.2", facts.main.erase("smtpd_tls_chain_files");
  auto found = problems(facts);
  EXPECT_NE(std::find(found.begin(), found.end(), "error version.servername"), found.end())
      << testing::PrintToString(found);  // from the answer, not a source file
}

TEST(PostfixAudit, TlsrptAttributesInAnAnswerNeedPostfix310) {
  using O = PolicyProbe::Outcome;
  AuditFacts facts = good();
  facts.policy_maps = {socketmap("inet:127.0.0.1:8461:policy",
                                 {{"sts.example", O::found, "secure match=mx.sts.example servername=hostname "
                                   "policy_type=sts policy_domain=sts.example mx_host_pattern=mx.sts.example", ""}})};
  EXPECT_EQ(problems(facts), std::vector<std::string>{"error version.tlsrpt-attributes"});
  facts.mail_version = "3.10.1";
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
}

TEST(PostfixAudit, AnMtaStsOnlyResolverBeforeDaneIsFlagged) {
  using O = PolicyProbe::Outcome;
  AuditFacts facts = good();  // smtp_tls_security_level = dane
  facts.policy_maps = {socketmap("inet:127.0.0.1:8461:postfix", {{"mxtls-probe.invalid", O::not_found, "", ""}})};
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtp.sts-overrides-dane");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->why.find("RFC 8461 section 2"), std::string::npos);
  facts.main["smtp_tls_security_level"] = "may";  // no DANE wanted: nothing to override
  EXPECT_FALSE(audit(facts).has("smtp.sts-overrides-dane"));
  facts.policy_maps.push_back(socketmap("inet:127.0.0.1:8462:policy", {}));  // before a DANE-aware table
  EXPECT_NE(find(audit(facts), "smtp.sts-overrides-dane")->what.find("before socketmap:inet:127.0.0.1:8462:policy"),
            std::string::npos);
  std::swap(facts.policy_maps[0], facts.policy_maps[1]);  // the DANE-aware table first: right
  EXPECT_FALSE(audit(facts).has("smtp.sts-overrides-dane"));
}

TEST(PostfixAudit, VersionsAndProtocolLists) {
  EXPECT_TRUE(version_at_least("3.7.11", "3.4"));
  EXPECT_TRUE(version_at_least("3.10.5", "3.10.5"));
  EXPECT_FALSE(version_at_least("3.10.4", "3.10.5"));
  EXPECT_FALSE(version_at_least("3.3.2", "3.4"));
  EXPECT_TRUE(version_at_least("3.10-20240101", "3.10"));
  EXPECT_FALSE(version_at_least("", "3.4"));
  EXPECT_FALSE(enables_ssl(">=TLSv1"));
  EXPECT_FALSE(enables_ssl("!SSLv2, !SSLv3"));
  EXPECT_FALSE(enables_ssl("TLSv1.2 TLSv1.3"));
  EXPECT_TRUE(enables_ssl("!SSLv2"));
  EXPECT_TRUE(enables_ssl(">=SSLv3"));
  EXPECT_TRUE(enables_ssl(""));
}

// docs/verdicts.md's rule: an error when an attacker can read the mail. Port 25
// without STARTTLS is check's starttls.missing seen from inside; a client
// that never uses TLS sends every message readable on the path.
TEST(PostfixAudit, PlaintextOnEitherSideIsAnError) {
  AuditFacts facts = good();
  facts.main.erase("smtpd_tls_security_level");
  auto findings = audit(facts);
  const Finding* f = find(findings, "smtpd.no-starttls");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->why.find("anyone on the path can read and change"), std::string::npos) << f->why;
  EXPECT_EQ(f->fix, "postconf -e 'smtpd_tls_security_level = may'");
  EXPECT_EQ(exit_status(findings), 2);
  facts = good();
  facts.main["smtp_tls_security_level"] = "none";
  findings = audit(facts);
  ASSERT_TRUE(find(findings, "smtp.no-tls"));
  EXPECT_EQ(find(findings, "smtp.no-tls")->severity, Severity::error);
  EXPECT_EQ(exit_status(findings), 2);
}

// docs/verdicts.md, "Postfix audit": a row for every id the audit gives, with
// the severities the judges give it, citing tests that exist.
std::vector<Finding> findings_of_all_cases() {
  std::vector<Finding> all = audit(good()).all();
  for (const auto& c : one_mistake_cases()) {
    AuditFacts facts = good();
    c.change(facts);
    const Findings findings = audit(facts);  // kept: all() refers into it
    all.insert(all.end(), findings.all().begin(), findings.all().end());
  }
  return all;
}

TEST(AuditVerdictsDoc, EveryIdHasARowWithTheSeveritiesTheJudgesGive) {
  const auto rows = test_support::verdict_rows(test_support::read_text(test_support::source_path("docs/verdicts.md")));
  const auto defined = test_support::tests_in_the_source_tree();
  EXPECT_GT(defined.size(), 200u);  // the scan still finds the tests
  std::map<std::string, std::set<Severity>> severities;
  for (const auto& f : findings_of_all_cases()) severities[f.id].insert(f.severity);
  EXPECT_GT(severities.size(), 60u);
  for (const auto& [id, seen] : severities) {
    auto row = rows.find(id);
    if (row == rows.end()) {
      ADD_FAILURE() << id << " has no row in docs/verdicts.md";
      continue;
    }
    ASSERT_EQ(row->second.size(), 6u) << id << ": a row has six cells";
    for (auto severity : seen)
      EXPECT_TRUE(test_support::has_word(row->second[1], std::string(to_string(severity))))
          << id << " can be " << to_string(severity) << " but its row says: " << row->second[1];
    auto cited = test_support::cited_tests(row->second.back());
    EXPECT_TRUE(std::any_of(cited.begin(), cited.end(), [&](const std::string& name) { return defined.count(name); }))
        << "the row of " << id << " cites no test that exists";
  }
}

// A new id in src/postfix/audit*.cpp needs a case above, or the test before
// this one would not see it.
TEST(AuditVerdictsDoc, EveryIdTheJudgesWriteComesOutOfACase) {
  const auto in_source =
      test_support::ids_in_sources("postfix", [](const std::string& name) { return name.starts_with("audit"); },
                                   "webpki\\.add\\(");
  EXPECT_GT(in_source.size(), 50u);  // the scan still finds the calls
  std::set<std::string> emitted;
  for (const auto& f : findings_of_all_cases()) emitted.insert(f.id);
  for (const auto& id : in_source) EXPECT_TRUE(emitted.count(id)) << id << " is written in src/postfix but no case gives it";
}

}  // namespace
}  // namespace mxtls::postfix

namespace mxtls::postfix {
namespace {

// smtpd_tls_chain_files with an RSA and an ECDSA key: each chain is judged.
TEST(PostfixAudit, EachKeyOfADualKeySetupIsJudged) {
  AuditFacts facts = good();
  ServerCertFacts ec = *facts.server_cert;
  ec.files.clear();
  ec.chain[0].key_type = "EC", ec.chain[0].key_bits = 256;
  facts.server_cert->more_chains = {ec};
  EXPECT_EQ(problems(facts), std::vector<std::string>{});
  facts.server_cert->more_chains[0].key_matches = false;
  facts.server_cert->more_chains[0].chain[0].not_after = now - 86400;
  Findings findings = audit(facts);
  const Finding* mismatch = find(findings, "smtpd.key-mismatch");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->severity, Severity::error);
  EXPECT_NE(mismatch->subject.find("(EC key)"), std::string::npos) << mismatch->subject;
  const Finding* expired = find(findings, "smtpd.cert-expired");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->subject, "CN=mx.example.test (EC key)");
}

// A self-signed ECDSA chain beside the RSA one: a DANE sender served it
// needs a record for that key (MxHostFacts::more_chains_dane_ee), not the RSA key's.
TEST(PostfixAudit, EachKeyOfADualKeySetupNeedsItsOwnDaneEeRecord) {
  AuditFacts facts = good();
  ServerCertFacts ec = *facts.server_cert;
  ec.files.clear();
  ec.chain[0].key_type = "EC", ec.chain[0].key_bits = 256, ec.chain[0].self_signed = true;
  facts.server_cert->more_chains = {ec};
  facts.domain_mx = dane_mx_set({{"mx.example.test", true}});  // the RSA key's record only
  auto self_signed = [&] {
    Findings findings = audit(facts);
    const Finding* f = find(findings, "smtpd.cert-self-signed");
    EXPECT_TRUE(f && f->subject.find("(EC key)") != std::string::npos);
    return f ? f->severity : Severity::ok;
  };
  EXPECT_EQ(self_signed(), Severity::error);
  facts.domain_mx->hosts[0].more_chains_dane_ee = {true};
  EXPECT_EQ(self_signed(), Severity::warning);
}

}  // namespace
}  // namespace mxtls::postfix
