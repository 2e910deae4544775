// The deploy hook's decision: install the renewed certificate only when no
// DANE sender can be hurt by it.
#include <gtest/gtest.h>

#include "base/text.hpp"
#include "publish/renewal.hpp"

using namespace mxtls;
using namespace mxtls::publish;

namespace {

const std::string old_key(32, '\x01'), new_key(32, '\x02'), issuer(32, '\x03');

RenewalFacts signed_with(std::vector<dane::Tlsa> tlsa) {
  RenewalFacts facts;
  facts.mx = "mx.example.test";
  facts.renewed_key = new_key;
  facts.renewed_issuer = issuer;
  facts.tlsa_security = dns::Security::secure;
  facts.tlsa = std::move(tlsa);
  return facts;
}

}  // namespace

TEST(Renewal, NewKeyWithOnlyTheOldRecordKeepsTheCurrentCertificate) {
  auto d = decide_renewal(signed_with({{3, 1, 1, old_key}}));
  EXPECT_EQ(d.action, RenewalAction::keep_current);
  EXPECT_EQ(d.rule, "not-covered");
  EXPECT_EQ(d.record, "_25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 " + hex_encode(new_key));
}

TEST(Renewal, NewKeyPublishedBesideTheOldIsInstalled) {
  auto d = decide_renewal(signed_with({{3, 1, 1, old_key}, {3, 1, 1, new_key}}));
  EXPECT_EQ(d.action, RenewalAction::install);
  EXPECT_EQ(d.rule, "covered");
  EXPECT_TRUE(d.record.empty());
}

TEST(Renewal, SameKeyRenewalIsInstalled) {  // certbot --reuse-key
  RenewalFacts facts = signed_with({{3, 1, 1, new_key}});
  EXPECT_EQ(decide_renewal(facts).action, RenewalAction::install);
}

TEST(Renewal, IssuerRecordCoversANewKey) {
  auto d = decide_renewal(signed_with({{2, 1, 1, issuer}}));
  EXPECT_EQ(d.action, RenewalAction::install);
  EXPECT_NE(d.reason.find("chain's CA (DANE-TA)"), std::string::npos);
  auto facts = signed_with({{2, 1, 1, issuer}});
  facts.renewed_issuer = std::string(32, '\x09');  // the CA changed its intermediate
  EXPECT_EQ(decide_renewal(facts).action, RenewalAction::keep_current);
}

TEST(Renewal, RecordsThatCannotBeProvenDoNotCount) {
  EXPECT_EQ(decide_renewal(signed_with({{3, 0, 1, new_key}})).action, RenewalAction::keep_current);
  EXPECT_EQ(decide_renewal(signed_with({{3, 1, 2, std::string(64, '\x02')}})).action, RenewalAction::keep_current);
}

TEST(Renewal, NoDaneMeansNothingToBreak) {
  auto facts = signed_with({});
  facts.tlsa_error = not_found_error("no TLSA records");
  EXPECT_EQ(decide_renewal(facts).rule, "no-dane");
  facts = signed_with({{3, 1, 1, old_key}});
  facts.tlsa_security = dns::Security::insecure;  // ignored by senders
  EXPECT_EQ(decide_renewal(facts).action, RenewalAction::install);
  facts = signed_with({{1, 1, 1, old_key}});  // PKIX-EE: unusable for SMTP (RFC 7672 3.1.3)
  EXPECT_EQ(decide_renewal(facts).rule, "no-dane");
}

TEST(Renewal, UnknownTlsaStateFailsClosed) {
  auto facts = signed_with({{3, 1, 1, old_key}});
  facts.tlsa_error = temporary_error("SERVFAIL");
  EXPECT_EQ(decide_renewal(facts).rule, "cannot-tell");
  facts = signed_with({{3, 1, 1, new_key}});
  facts.tlsa_security = dns::Security::bogus;
  EXPECT_EQ(decide_renewal(facts).action, RenewalAction::keep_current);
}

TEST(Renewal, OneCertificateForSeveralHostsNeedsEveryHostCovered) {
  auto covered = decide_renewal(signed_with({{3, 1, 1, new_key}}));
  auto stale = decide_renewal(signed_with({{3, 1, 1, old_key}}));
  EXPECT_EQ(combined_action({covered, covered}), RenewalAction::install);
  EXPECT_EQ(combined_action({covered, stale}), RenewalAction::keep_current);
  EXPECT_EQ(combined_action({}), RenewalAction::keep_current);
}

namespace {

// A chain as setup sees it: the leaf's 3 1 1 and 3 0 1 digests, one issuer's 2 1 1.
dane::ChainAssociations chain_of(const std::string& key, const std::string& cert, const std::string& ca) {
  dane::ChainAssociations chain;
  chain.leaf.data[1][1] = key, chain.leaf.data[0][1] = cert;
  chain.issuers.emplace_back().data[1][1] = ca;
  return chain;
}

const std::string old_cert(32, '\x11'), new_cert(32, '\x12'), other_issuer(32, '\x13');

KeyChangeFacts key_change(std::vector<dane::Tlsa> tlsa) {
  KeyChangeFacts facts;
  facts.tlsa = signed_with(std::move(tlsa));
  facts.served = {chain_of(old_key, old_cert, issuer)};
  facts.next = chain_of(new_key, new_cert, other_issuer);
  return facts;
}

}  // namespace

// setup (issue 12): refuse only where a chain served now is authenticated
// by DANE senders and the next one would not be (RFC 7672 3.1).
TEST(KeyChange, ANewKeyUnderTheCurrentKeysRecordIsRefused) {
  auto d = decide_key_change(key_change({{3, 1, 1, old_key}}));
  EXPECT_EQ(d.rule, "not-covered");
  EXPECT_EQ(d.action, RenewalAction::keep_current);
  EXPECT_EQ(d.record, "_25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 " + hex_encode(new_key));
  EXPECT_NE(d.reason.find("run setup again"), std::string::npos) << d.reason;
  // The current certificate pinned by 3 0 1, or its CA by 2 1 1: the same.
  EXPECT_EQ(decide_key_change(key_change({{3, 0, 1, old_cert}})).rule, "not-covered");
  EXPECT_EQ(decide_key_change(key_change({{2, 1, 1, issuer}})).rule, "not-covered");
}

TEST(KeyChange, ACoveredNextChainIsInstalled) {
  EXPECT_EQ(decide_key_change(key_change({{3, 1, 1, old_key}, {3, 1, 1, new_key}})).rule, "covered");
  EXPECT_EQ(decide_key_change(key_change({{3, 0, 1, new_cert}})).rule, "covered");  // setup knows the certificate
  EXPECT_EQ(decide_key_change(key_change({{2, 1, 1, other_issuer}})).rule, "covered");
}

TEST(KeyChange, WhatNoRecordMatchesNowCannotGetWorse) {
  auto d = decide_key_change(key_change({{3, 1, 1, std::string(32, '\x77')}}));  // a stale record
  EXPECT_EQ(d.rule, "not-covered-before");
  EXPECT_EQ(d.action, RenewalAction::install);
  EXPECT_FALSE(d.record.empty());
  auto nothing = key_change({{3, 1, 1, old_key}});
  nothing.served.clear();  // no STARTTLS now
  EXPECT_EQ(decide_key_change(nothing).rule, "nothing-served");
}

TEST(KeyChange, OneServedChainOfTwoCoveredIsEnoughToRefuse) {
  auto facts = key_change({{3, 1, 1, std::string(32, '\x44')}});
  facts.served.push_back(chain_of(std::string(32, '\x44'), std::string(32, '\x45'), issuer));  // the ECDSA key
  EXPECT_EQ(decide_key_change(facts).rule, "not-covered");
}

TEST(KeyChange, UnknownTlsaStateAndNoDaneAreTheDeployHooksRules) {
  auto facts = key_change({{3, 1, 1, old_key}});
  facts.tlsa.tlsa_error = temporary_error("SERVFAIL");
  EXPECT_EQ(decide_key_change(facts).rule, "cannot-tell");
  EXPECT_EQ(decide_key_change(facts).action, RenewalAction::keep_current);
  facts = key_change({{3, 1, 1, old_key}});
  facts.tlsa.tlsa_security = dns::Security::insecure;
  EXPECT_EQ(decide_key_change(facts).rule, "no-dane");
}

// RFC 7672 3.2.2: a DANE-TA chain must also name the MX host; DANE-EE need not.
TEST(KeyChange, ADaneTaChainThatDoesNotNameTheHostIsNotCovered) {
  auto facts = key_change({{3, 1, 1, old_key}, {2, 1, 1, other_issuer}});
  facts.next.leaf_names = std::vector<std::string>{"*.example.test"};
  EXPECT_EQ(decide_key_change(facts).rule, "covered");  // mx.example.test: the wildcard's one label
  facts.next.leaf_names = std::vector<std::string>{"mail.example.net"};
  EXPECT_EQ(decide_key_change(facts).rule, "not-covered");
  facts.tlsa.tlsa.push_back({3, 1, 1, new_key});
  EXPECT_EQ(decide_key_change(facts).rule, "covered");
}
