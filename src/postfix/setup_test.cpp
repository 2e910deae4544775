// The plan of `mxtls postfix setup`, from recorded facts: what it changes,
// that the audit of the result raises none of what setup fixes, and that a
// second plan is empty.
#include "postfix/setup.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace mxtls::postfix {
namespace {

constexpr std::time_t now = 1800000000;

ServerCertFacts good_cert() {
  ServerCertFacts cert;
  FileFacts key{"smtpd_tls_chain_files", "/le/privkey.pem", true, true, "", 0600, "root", "root", now, true};
  FileFacts chain{"smtpd_tls_chain_files", "/le/fullchain.pem", true, true, "", 0644, "root", "root", now, false};
  cert.files = {key, chain};
  cert.chain = {{"CN=mx.example.test", "CN=Int", {"mx.example.test"}, now - 86400, now + 90 * 86400, "RSA", 2048,
                 "sha256WithRSAEncryption", false},
                {"CN=Int", "CN=Root", {}, now - 86400, now + 900 * 86400, "RSA", 2048, "sha256WithRSAEncryption", false}};
  cert.key_found = cert.key_matches = cert.chain_complete = cert.trusted = true;
  return cert;
}

// A fresh Debian Postfix: nothing about TLS in main.cf but the snakeoil pair.
AuditFacts fresh() {
  AuditFacts f;
  f.config_dir = "/etc/postfix", f.mail_version = "3.7.11", f.myhostname = "mx.example.test", f.now = now;
  f.main = {{"myhostname", "mx.example.test"}, {"mydestination", "mx.example.test, localhost"},
            {"smtpd_relay_restrictions", "permit_mynetworks reject_unauth_destination"}};
  f.services = {{"smtp", "inet", "smtpd", {}}, {"pickup", "unix", "pickup", {}}, {"smtp", "unix", "smtp", {}}};
  return f;
}

SetupInputs inputs(bool validating = false) {
  return {"/le/privkey.pem", "/le/fullchain.pem", validating,
          validating ? "127.0.0.1 sets AD on the root's SOA" : "no nameserver on a loopback address", true};
}

// The facts after setup: the plan applied, and the new certificate read.
AuditFacts after(const AuditFacts& facts, const SetupPlan& plan) {
  AuditFacts predicted = predict(facts, plan);
  predicted.server_cert = good_cert();
  return predicted;
}

std::vector<std::string> problems(const AuditFacts& facts) {
  std::vector<std::string> out;
  Findings findings = audit(facts);
  for (const auto& f : findings.all())
    if (f.severity != Severity::ok) out.push_back(f.id);
  return out;
}

std::string change(const SetupPlan& plan, const std::string& name, const std::string& service = "") {
  for (const auto& c : plan.changes)
    if (c.name == name && c.service == service) return c.new_value;
  return "(none)";
}

TEST(PostfixSetup, AFreshPostfixGetsWhatTheAuditCallsRight) {
  SetupPlan plan = plan_setup(fresh(), inputs());
  EXPECT_EQ(change(plan, "smtpd_tls_chain_files"), "/le/privkey.pem, /le/fullchain.pem");
  EXPECT_EQ(change(plan, "smtpd_tls_security_level"), "may");
  EXPECT_EQ(change(plan, "smtpd_tls_loglevel"), "1");
  EXPECT_EQ(change(plan, "smtpd_tls_received_header"), "yes");
  EXPECT_EQ(change(plan, "smtp_tls_security_level"), "may");
  EXPECT_EQ(change(plan, "smtp_tls_CAfile"), "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(change(plan, "smtp_tls_loglevel"), "1");
  EXPECT_EQ(change(plan, "smtp_dns_support_level"), "(none)");  // no validating resolver
  EXPECT_EQ(problems(after(fresh(), plan)), std::vector<std::string>{});
}

TEST(PostfixSetup, ASecondRunChangesNothing) {
  for (bool validating : {false, true}) {
    AuditFacts facts = fresh();
    SetupPlan first = plan_setup(facts, inputs(validating));
    AuditFacts applied = after(facts, first);
    SetupPlan second = plan_setup(applied, inputs(validating));
    EXPECT_TRUE(second.changes.empty()) << plan_text(second);
  }
}

TEST(PostfixSetup, UnrelatedSettingsAreLeftAlone) {
  SetupPlan plan = plan_setup(fresh(), inputs());
  for (const auto& c : plan.changes) EXPECT_NE(c.name.find("tls"), std::string::npos) << c.name;
  AuditFacts predicted = predict(fresh(), plan);
  EXPECT_EQ(predicted.main.at("mydestination"), "mx.example.test, localhost");
  EXPECT_EQ(predicted.main.at("smtpd_relay_restrictions"), "permit_mynetworks reject_unauth_destination");
}

TEST(PostfixSetup, NeverEncryptOnPort25AndSubmissionKeepsIt) {
  // Seed 000: encrypt in main.cf, inherited by port 25 and by submission.
  AuditFacts facts = fresh();
  facts.main["smtpd_tls_security_level"] = "encrypt";
  facts.services.push_back({"submission", "inet", "smtpd", {}});
  SetupPlan plan = plan_setup(facts, inputs());
  EXPECT_EQ(change(plan, "smtpd_tls_security_level"), "may");
  EXPECT_EQ(change(plan, "smtpd_tls_security_level", "submission/inet"), "encrypt");
  auto left = problems(after(facts, plan));
  EXPECT_EQ(std::count(left.begin(), left.end(), "smtpd.encrypt-on-port-25"), 0);
  EXPECT_EQ(postconf_p_arguments(plan), std::vector<std::string>{"submission/inet/smtpd_tls_security_level=encrypt"});
}

TEST(PostfixSetup, AMasterCfOverrideOnPort25IsFixedWhereItIs) {
  AuditFacts facts = fresh();
  facts.services[0].overrides["smtpd_tls_security_level"] = "encrypt";
  SetupPlan plan = plan_setup(facts, inputs());
  EXPECT_EQ(change(plan, "smtpd_tls_security_level", "smtp/inet"), "may");
  EXPECT_EQ(change(plan, "smtpd_tls_security_level"), "(none)");  // main.cf is not what port 25 uses
  EXPECT_TRUE(plan_setup(after(facts, plan), inputs()).changes.empty());
}

TEST(PostfixSetup, DaneOnlyWithAValidatingResolver) {
  SetupPlan with = plan_setup(fresh(), inputs(true));
  EXPECT_EQ(change(with, "smtp_tls_security_level"), "dane");
  EXPECT_EQ(change(with, "smtp_dns_support_level"), "dnssec");
  // dane without DNSSEC lookups is opportunistic anyway: without a
  // validating resolver setup says so and writes may.
  AuditFacts facts = fresh();
  facts.main["smtp_tls_security_level"] = "dane";
  SetupPlan without = plan_setup(facts, inputs(false));
  EXPECT_EQ(change(without, "smtp_tls_security_level"), "may");
  EXPECT_TRUE(std::any_of(without.notes.begin(), without.notes.end(),
                          [](const std::string& n) { return n.starts_with("No DANE for outgoing mail"); }));
}

TEST(PostfixSetup, AGlobalEncryptClientLevelBecomesOpportunistic) {
  AuditFacts facts = fresh();
  facts.main["smtp_tls_security_level"] = "encrypt";
  facts.main["smtp_tls_CAfile"] = "/etc/ssl/certs/ca-certificates.crt";
  SetupPlan plan = plan_setup(facts, inputs());
  EXPECT_EQ(change(plan, "smtp_tls_security_level"), "may");
  EXPECT_EQ(change(plan, "smtp_tls_CAfile"), "(none)");
}

TEST(PostfixSetup, SslProtocolsAreRemovedTheAuditsWay) {
  AuditFacts facts = fresh();
  facts.main["smtpd_tls_protocols"] = "!SSLv2";
  facts.mail_version = "3.5.0";
  SetupPlan plan = plan_setup(facts, inputs());
  EXPECT_EQ(change(plan, "smtpd_tls_protocols"), "!SSLv2, !SSLv3");  // >=TLSv1 needs 3.6
  EXPECT_FALSE(enables_ssl(change(plan, "smtpd_tls_protocols")));
}

TEST(PostfixSetup, WhatSetupDoesNotFixIsNamed) {
  AuditFacts facts = fresh();
  facts.main["smtpd_tls_dh1024_param_file"] = "/etc/postfix/dh1024.pem";
  facts.dh = DhFacts{{"smtpd_tls_dh1024_param_file", "/etc/postfix/dh1024.pem", true, true, "", 0644, "root", "root", now, false}, 1024};
  SetupPlan plan = plan_setup(facts, inputs());
  EXPECT_EQ(change(plan, "smtpd_tls_dh1024_param_file"), "(none)");
  EXPECT_TRUE(std::any_of(plan.notes.begin(), plan.notes.end(),
                          [](const std::string& n) { return n.find("smtpd.dh-weak") != std::string::npos; }));
}

TEST(PostfixSetup, OldPostfixGetsCertAndKeyFiles) {
  AuditFacts facts = fresh();
  facts.mail_version = "3.3.2";
  SetupPlan plan = plan_setup(facts, inputs());
  EXPECT_EQ(change(plan, "smtpd_tls_chain_files"), "(none)");
  EXPECT_EQ(change(plan, "smtpd_tls_cert_file"), "/le/fullchain.pem");
  EXPECT_EQ(change(plan, "smtpd_tls_key_file"), "/le/privkey.pem");
}

TEST(PostfixSetup, TheCertificateIsJudgedByTheAudit) {
  AuditFacts facts = after(fresh(), plan_setup(fresh(), inputs()));
  EXPECT_EQ(certificate_findings(facts).worst(), Severity::ok);
  facts.server_cert->key_matches = false;
  EXPECT_TRUE(certificate_findings(facts).has("smtpd.key-mismatch"));
  facts.server_cert->key_matches = true, facts.server_cert->chain_complete = facts.server_cert->trusted = false;
  EXPECT_TRUE(certificate_findings(facts).has("smtpd.chain-incomplete"));
}

// never make delivery worse: a self-signed certificate where none is served
// now only adds encryption; in place of a trusted one it makes MTA-STS
// senders defer.
TEST(PostfixSetup, AWebPkiFailureRefusesOnlyWhereItMakesDeliveryWorse) {
  AuditFacts predicted = after(fresh(), plan_setup(fresh(), inputs()));
  predicted.server_cert->chain[0].self_signed = true;
  Findings findings = certificate_findings(predicted);
  ASSERT_TRUE(findings.has("smtpd.cert-self-signed"));
  const Finding* self_signed = nullptr;
  for (const auto& f : findings.all())
    if (f.id == "smtpd.cert-self-signed") self_signed = &f;
  ASSERT_EQ(self_signed->severity, Severity::error);
  EXPECT_FALSE(refuses_setup(*self_signed, fresh()));  // no STARTTLS now
  AuditFacts trusted_now = after(fresh(), plan_setup(fresh(), inputs()));
  EXPECT_TRUE(refuses_setup(*self_signed, trusted_now));  // a trusted certificate is served now
  AuditFacts expired_now = trusted_now;
  expired_now.server_cert->chain[0].not_after = now - 86400;
  EXPECT_FALSE(refuses_setup(*self_signed, expired_now));  // verifying senders defer already
  Finding mismatch{Severity::error, "smtpd.key-mismatch", "main.cf", "", "", ""};
  EXPECT_TRUE(refuses_setup(mismatch, fresh()));
  Finding incomplete{Severity::error, "smtpd.chain-incomplete", "CN=mx", "", "", ""};  // cert.pem for fullchain.pem
  EXPECT_TRUE(refuses_setup(incomplete, fresh()));
}

TEST(PostfixSetup, TheDiffShowsOldAndNew) {
  AuditFacts facts = fresh();
  facts.main["smtpd_tls_loglevel"] = "0";
  SetupPlan plan = plan_setup(facts, inputs());
  std::string text = plan_text(plan);
  EXPECT_NE(text.find("  main.cf  smtpd_tls_loglevel: '0' -> '1'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  main.cf  smtp_tls_loglevel: (unset, default '0') -> '1'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  main.cf  smtpd_tls_received_header: (unset, default 'no') -> 'yes'\n"), std::string::npos);
  auto args = postconf_e_arguments(plan);
  EXPECT_NE(std::find(args.begin(), args.end(), "smtpd_tls_loglevel = 1"), args.end());
}

TEST(PostfixSetup, CertbotHookReadsTheManagedFile) {
  SetupInputs in = inputs();
  in.managed_chain_file = "/etc/mxtls/certs/mx.example.test.pem";
  SetupPlan plan = plan_setup(fresh(), in);
  auto args = postconf_e_arguments(plan);
  EXPECT_NE(std::find(args.begin(), args.end(), "smtpd_tls_chain_files = /etc/mxtls/certs/mx.example.test.pem"),
            args.end()) << testing::PrintToString(args);
  std::string hook = certbot_hook_script("/usr/bin/mxtls", "/etc/letsencrypt/live/it's", "/etc/mxtls/certs", "/etc/postfix");
  EXPECT_EQ(hook.substr(0, 10), "#!/bin/sh\n");
  EXPECT_NE(hook.find("[ \"$RENEWED_LINEAGE\" = '/etc/letsencrypt/live/it'\\''s' ] || exit 0\n"), std::string::npos) << hook;
  EXPECT_NE(hook.find("\nexec '/usr/bin/mxtls' postfix deploy-hook --install-dir '/etc/mxtls/certs' --config-dir "
                      "'/etc/postfix'\n"), std::string::npos) << hook;
  hook = certbot_hook_script("/usr/bin/mxtls", "/l", "/i", "/etc/postfix", "/etc/mxtls/unbound.conf");
  EXPECT_NE(hook.find(" --config-dir '/etc/postfix' --resolver-config '/etc/mxtls/unbound.conf'\n"), std::string::npos)
      << hook;
}

// What setup's DANE check (issue 12) is asked about.
TEST(PostfixSetup, TheKeyChangeIsCheckedOnlyWhenWhatIsServedChanges) {
  AuditFacts facts = fresh();
  ServerCertFacts next = good_cert();
  next.leaf_der = "leaf-1", next.issuer_ders = {"int"};
  EXPECT_TRUE(served_chains(facts).empty());  // no certificate: nothing DANE senders accept is served
  facts.server_cert = next;
  EXPECT_TRUE(served_chains(facts).empty());  // a fresh main.cf: smtpd_tls_security_level defaults to none
  facts.main["smtpd_tls_security_level"] = "may";
  EXPECT_EQ(served_chains(facts).size(), 1u);
  EXPECT_TRUE(serves_same_chain(facts, next));
  next.issuer_ders = {"another-int"};  // a DANE-TA (2 x x) record sees that
  EXPECT_FALSE(serves_same_chain(facts, next));
  facts.server_cert->more_chains = {*facts.server_cert};  // a dual-key server: setup leaves one key
  facts.server_cert->more_chains[0].more_chains.clear();
  next.issuer_ders = {"int"};
  EXPECT_EQ(served_chains(facts).size(), 2u);
  EXPECT_FALSE(serves_same_chain(facts, next));
  facts.main["smtpd_tls_security_level"] = "none";  // port 25 offers no STARTTLS
  EXPECT_TRUE(served_chains(facts).empty());
  facts.main["smtpd_tls_security_level"] = "may";
  EXPECT_EQ(served_chains(facts).size(), 2u);
  facts.server_cert->more_chains[0].key_matches = false;  // smtpd cannot load that pair: no TLS at all
  EXPECT_TRUE(served_chains(facts).empty());  EXPECT_FALSE(served_chains_unknown(facts));
  facts.server_cert->files[0].readable = false;  // exists, but not for this audit: what is served is unknown
  EXPECT_TRUE(served_chains_unknown(facts));
}

TEST(PostfixSetup, KeyChangeHostsAreTheMxHostsThisHostAndTheCertificatesNames) {
  AuditFacts facts = fresh();
  facts.server_cert = good_cert();
  facts.server_cert->leaf_der = "old";
  facts.server_cert->chain[0].dns_names = {"old.example.test", "*.example.test"};
  facts.main["smtpd_tls_security_level"] = "may";
  ServerCertFacts next = good_cert();
  next.chain[0].dns_names = {"MX.example.test", "mail.example.test"};
  MxHostFacts here, elsewhere;
  here.host = "mx2.example.test.", here.here = true;
  elsewhere.host = "backup.example.net";
  auto hosts = key_change_hosts(facts, next, {elsewhere, here});
  std::vector<std::pair<std::string, bool>> got;
  for (const auto& h : hosts.hosts) got.emplace_back(h.name, h.ours);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"backup.example.net", true},  // an MX: fails closed
                                                            {"mx2.example.test", true},
                                                            {"mx.example.test", true},
                                                            {"old.example.test", true},
                                                            {"mail.example.test", false}}));
  here.canonical = "mx2.provider.example";  // an alias: DANE senders read the target's records first
  hosts = key_change_hosts(facts, next, {here});
  ASSERT_GE(hosts.hosts.size(), 2u);
  EXPECT_EQ(hosts.hosts[1].name, "mx2.provider.example");
  EXPECT_TRUE(hosts.hosts[1].ours);
  std::vector<MxHostFacts> many(20);  // this server's names: all read
  for (int i = 0; i < 20; ++i) many[i].host = "mx" + std::to_string(i) + ".example.net";
  hosts = key_change_hosts(facts, next, many);
  EXPECT_EQ(hosts.hosts.size(), 20u + 2u);  // past the cap: the new certificate's mail.example.test is not read
  EXPECT_EQ(hosts.dropped, std::vector<std::string>{"mail.example.test"});
  for (int i = 0; i < 40; ++i) next.chain[0].dns_names.push_back("name" + std::to_string(i) + ".example.org");
  hosts = key_change_hosts(facts, next, {});  // the new certificate's: up to the cap
  EXPECT_EQ(hosts.hosts.size(), max_key_change_hosts);
  EXPECT_EQ(hosts.hosts[0].name, "mx.example.test");  // this server's names come first
  EXPECT_FALSE(hosts.dropped.empty());
}

TEST(PostfixSetup, LocalMailDomainsAreThePlainDomainsPostfixReceivesFor) {
  AuditFacts facts = fresh();
  facts.main["mydestination"] = "mx.example.test, localhost.example.test, localhost, example.test";
  facts.main["virtual_mailbox_domains"] = "example.org, hash:/etc/postfix/vdomains";
  facts.main["relay_domains"] = "EXAMPLE.org., .example.net !sub.example.net /etc/postfix/relay_domains";
  EXPECT_EQ(local_mail_domains(facts),
            (std::vector<std::string>{"mx.example.test", "example.test", "example.org", "example.net"}));
}

}  // namespace
}  // namespace mxtls::postfix
