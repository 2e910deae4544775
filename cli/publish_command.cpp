// `mxtls publish`: options and printing; the decisions are in src/publish.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "base/text.hpp"
#include "base/time.hpp"
#include "check/gather.hpp"
#include "commands.hpp"
#include "dns/dns.hpp"
#include "net/https.hpp"
#include "publish/keys.hpp"
#include "publish/publish.hpp"
#include "publish/render.hpp"
#include "tlsrpt/store.hpp"

namespace mxtls::cli {

namespace {

const char* const publish_help =
    "\nPrint exactly what DOMAIN should publish so that inbound mail is encrypted and authenticated, derived from\n"
    "the domain's real MX set and its DNSSEC state and from the certificate each MX host serves on port 25 (the\n"
    "facts `mxtls check` gathers), and the key files of this server when given:\n\n"
    "  TLSA      _25._tcp.<MX host>. IN TLSA 3 1 1 <sha256 of the key> for the current key, plus the staged next\n"
    "            key with --next-key (publish both, wait until the new record is visible and the old TTL has\n"
    "            passed twice, then switch keys: RFC 7671 8.1, RFC 7672 4); 2 1 1 for the issuing CA is shown as\n"
    "            the alternative, each with its trade-off. TLSA is REFUSED, with the reason, when the MX records\n"
    "            or the MX host's zone are not DNSSEC-signed (senders would ignore the records, RFC 7672 2.2.1),\n"
    "            when an address of the MX host does not complete STARTTLS (DANE senders would defer all mail to\n"
    "            it), or when it serves another key than --cert-dir's (it is not this server).\n"
    "  MTA-STS   the policy file (every real MX host, mode: testing, max_age: 604800; a policy already in\n"
    "            enforce stays so), the _mta-sts TXT record whose id is derived from the policy's content (it\n"
    "            changes exactly when the policy does; put the file in place before the record), where\n"
    "            the file goes (--webroot) and an nginx server block for https://mta-sts.DOMAIN, and the rule for\n"
    "            going to enforce. --sts-mode enforce goes there (max_age --max-age, two weeks by default) only\n"
    "            when nothing shows a sender would then defer mail: every MX host must pass the probe from here\n"
    "            (STARTTLS, a certificate that verifies and names it: RFC 8461 4.2) and the stored TLS reports\n"
    "            (--tlsrpt-db) since --reports-since (default: 14 days ago) must show no failed session under\n"
    "            an sts or no-policy-found policy of a result type that defers under enforce (sts-policy-*\n"
    "            failures do not: a sender without a valid policy delivers as before, RFC 8461 5; they are\n"
    "            noted) (--without-reports: the probe alone). Only reports whose DKIM signature verified with\n"
    "            a d= of the reporter count as evidence of clean delivery; the others (failed, unsigned,\n"
    "            not-checked, temperror...) are named in a note, and their failures still count. Otherwise it\n"
    "            is REFUSED, each reason printed, and the policy stays as it is (testing); exit status 1.\n"
    "  TLS-RPT   _smtp._tls TXT with --rua (default mailto:tlsrpt@DOMAIN), checked by the parser check uses.\n\n"
    "Formats (--format): zone, zone-file lines with ';' comments; nsupdate, input for nsupdate(1) (RFC 2136):\n"
    "`server` (--server), `zone` (--zone), for each RRset `update delete` then `update add` with the TTL, and\n"
    "`send`; json, for automation (schema: docs/publish-json.md). The explanations are comments in the first\n"
    "two, which both formats ignore.\n\n"
    "--verify compares what is live (DNS with DNSSEC status, the HTTPS policy, the certificate on port 25 of\n"
    "each MX, DANE verified by OpenSSL) with what should be and prints each difference with its fix.\n\n"
    "Key files are PEM: --cert-dir is certbot's live/NAME layout (fullchain.pem, privkey.pem); --next-key may\n"
    "be a private key, a public key or a certificate. Without --cert-dir the current key is the one each MX\n"
    "host serves. A key that does not parse, or a certificate without its key, is an error: nothing is printed.\n\n"
    "Exit status: 0 published / no difference, 1 differences that are warnings (a record still to publish;\n"
    "--sts-mode enforce refused),\n"
    "2 errors (a difference that breaks delivery; bad key files), 3 could not test (DNS failure, bad domain),\n"
    "64 usage.\n\n"
    "Examples:\n"
    "  mxtls publish example.org --cert-dir /etc/letsencrypt/live/mx.example.org\n"
    "  mxtls publish example.org --next-key /etc/mxtls/next.key --format nsupdate --server ns1.example.org \\\n"
    "      --zone example.org | nsupdate -k /etc/mxtls/tsig.key\n"
    "  mxtls publish --verify example.org\n"
    "  mxtls publish example.org --only mta-sts --sts-mode enforce --tlsrpt-db /var/lib/mxtls/tlsrpt.sqlite\n"
    "  mxtls publish --only dane --resolver-config testbed/run/unbound.conf --ca-file testbed/run/ca/root.pem \\\n"
    "      good.example";

publish::Parts parts_of(const std::vector<std::string>& only) {
  if (only.empty()) return {};
  auto has = [&](const char* part) { return std::find(only.begin(), only.end(), part) != only.end(); };
  return {has("dane"), has("mta-sts"), has("tlsrpt")};
}

}  // namespace

void PublishCommand::add_network_options(CLI::App& cmd) {
  cmd.add_option("--resolver-config", resolver_config_,
                 "An unbound.conf for the validating resolver; default: /etc/resolv.conf and the system's root "
                 "trust anchor")
      ->check(CLI::ExistingFile);
  cmd.add_option("--trust-anchor", trust_anchor_, "DNSSEC trust anchor file (DS or DNSKEY records)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--ca-file", ca_file_, "Trust these CA certificates (PEM) instead of the system store")
      ->check(CLI::ExistingFile);
  cmd.add_option("--timeout", timeout_seconds_, "Seconds allowed for each SMTP conversation and HTTPS fetch")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  cmd.add_option("--helo", helo_, "Name sent in EHLO")->capture_default_str();
  cmd.add_option("--smtp-port", smtp_port_, "SMTP port (testing only; mail servers listen on 25)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
}

void PublishCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("publish", "Print the TLSA, MTA-STS and TLS-RPT records a domain should publish");
  cmd->footer(publish_help);
  cmd->add_option("domain", domain_, "The mail domain")->required();
  cmd->add_flag("--verify", verify_, "Compare what is live with what should be; print each difference and its fix");
  cmd->add_option("--cert-dir", cert_dir_, "The certificate directory Postfix serves (fullchain.pem, privkey.pem)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--cert", cert_, "The certificate chain file Postfix serves (instead of --cert-dir)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--key", key_, "Its private key file (with --cert)")->check(CLI::ExistingFile);
  cmd->add_option("--next-key", next_key_, "The staged next key: its 3 1 1 record is published beside the current")
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", format_, "zone, nsupdate or json (with --verify: text or json)")
      ->capture_default_str()
      ->check(CLI::IsMember({"zone", "nsupdate", "json", "text"}));
  cmd->add_option("--only", only_, "Only these parts: dane, mta-sts, tlsrpt (comma-separated)")
      ->delimiter(',')
      ->check(CLI::IsMember({"dane", "mta-sts", "tlsrpt"}));
  cmd->add_option("--ttl", ttl_, "TTL of the records, seconds")->capture_default_str()->check(CLI::Range(60, 86400));
  cmd->add_option("--rua", rua_, "Where TLS reports go: mailto:ADDRESS or https:URL, comma-separated");
  cmd->add_option("--webroot", webroot_, "The policy host's web root (default /var/www/mta-sts.DOMAIN)");
  cmd->add_option("--server", server_, "nsupdate: the primary server, \"ADDRESS [PORT]\"");
  cmd->add_option("--zone", zone_, "nsupdate: the zone the records are in (default: each name's own)");
  cmd->add_flag("-v,--verbose", verbose_, "With --verify, also list what matches");
  cmd->add_option("--sts-mode", sts_mode_, "The MTA-STS mode to publish: testing, or enforce when nothing stands in the way")
      ->check(CLI::IsMember({"testing", "enforce"}))->capture_default_str();
  cmd->add_option("--max-age", enforce_max_age_, "max_age of the enforce policy, seconds (RFC 8461 3.2: at most a year)")
      ->check(CLI::Range(86400u, 31557600u))->capture_default_str();
  cmd->add_option("--tlsrpt-db", tlsrpt_db_, "With --sts-mode enforce: the TLS report database (mxtls tlsrpt ingest)");
  cmd->add_flag("--without-reports", without_reports_, "With --sts-mode enforce and no --tlsrpt-db: rely on the probe alone");
  cmd->add_option("--reports-since", reports_since_, "With --tlsrpt-db: reports ending on or after DATE (YYYY-MM-DD "
                                                       "or RFC 3339; default 14 days ago)");
  add_network_options(*cmd);
  cmd->callback([this] { exit_status_ = run(); });
}

namespace {

constexpr int usage_status = 64;

// Option combinations CLI11 cannot express; "" when fine.
std::string usage_problem(const std::string& cert_dir, const std::string& cert, const std::string& key, bool verify,
                          const std::string& format, const std::string& rua) {
  if (!cert_dir.empty() && (!cert.empty() || !key.empty())) return "--cert-dir and --cert/--key exclude each other";
  if (cert.empty() != key.empty()) return "--cert and --key go together";
  if (format == "text" && !verify) return "--format text is for --verify; publish prints zone, nsupdate or json";
  if (verify && format == "nsupdate") return "--verify prints text or json";
  if (!rua.empty())
    if (auto record = publish::tlsrpt_txt(rua); !record) return record.error().message;
  return {};
}

// Why the domain's publication cannot be planned ("" when it can).
std::string could_not_test(const check::DomainFacts& facts) {
  if (facts.invalid_name) return printable(facts.input) + " is not a domain name";
  if (!facts.could_not_test) return {};
  if (facts.nxdomain) return facts.domain + " does not exist (NXDOMAIN)";
  if (facts.mx_error) return "the MX records of " + facts.domain + " could not be read: " + facts.mx_error->message;
  if (!facts.mx_why_bogus.empty()) return "the MX records of " + facts.domain + " are bogus: " + facts.mx_why_bogus;
  return "the MX set of " + facts.domain + " is unknown";
}

// --sts-mode enforce: max_age and, with --tlsrpt-db, what the stored reports
// say about the domain. Errors are printed here.
Result<publish::EnforceRequest> enforce_request(uint32_t max_age, const std::string& tlsrpt_db,
                                                const std::string& reports_since, const std::string& domain) {
  publish::EnforceRequest request;
  request.max_age = max_age;
  if (tlsrpt_db.empty()) {
    if (!reports_since.empty()) std::cerr << "mxtls publish: --reports-since needs --tlsrpt-db\n";
    return reports_since.empty() ? Result<publish::EnforceRequest>(request) : invalid_error("--reports-since");
  }
  constexpr int64_t default_quiet_period = 14 * 86400;
  auto since = reports_since.empty() ? std::optional<int64_t>(std::time(nullptr) - default_quiet_period)
                                      : parse_date_or_rfc3339(reports_since);
  if (!since) {
    std::cerr << "mxtls publish: --reports-since " << printable(reports_since) << ": not a date (YYYY-MM-DD) or RFC 3339\n";
    return invalid_error("--reports-since");
  }
  std::error_code ec;
  auto store = std::filesystem::exists(tlsrpt_db, ec) ? tlsrpt::ReportStore::open(tlsrpt_db)
                                                       : not_found_error("no report database at " + tlsrpt_db);
  auto loaded = store ? (*store)->load(*since) : Result<tlsrpt::StoredReports>(store.error());
  if (!loaded) {
    std::cerr << "mxtls publish: " << loaded.error().message << "\n";
    return temporary_error(loaded.error().message);
  }
  request.reports = publish::summarize_reports(loaded->reports, domain, *since);
  return request;
}

}  // namespace

int PublishCommand::run() {
  if (auto problem = usage_problem(cert_dir_, cert_, key_, verify_, format_, rua_); !problem.empty()) {
    std::cerr << "mxtls publish: " << problem << " (see mxtls publish --help)\n";
    return usage_status;
  }
  auto keys = publish::read_local_keys({cert_dir_, cert_, key_, next_key_});
  if (!keys) {
    std::cerr << "mxtls publish: " << keys.error().message << "\n";
    return 2;
  }
  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds_ * 1000));
  auto resolver = dns::make_unbound_resolver({resolver_config_, trust_anchor_, timeout});
  if (!resolver) {
    std::cerr << "mxtls publish: " << resolver.error().message << "\n";
    return 3;
  }
  auto fetcher = https::make_curl_fetcher({ca_file_, timeout});
  auto prober = check::make_network_prober({timeout, helo_, ca_file_}, static_cast<uint16_t>(smtp_port_));
  check::Environment env{**resolver, *fetcher, *prober, [] { return std::time(nullptr); }};
  auto facts = check::gather_domain(domain_, env);
  if (auto why = could_not_test(facts); !why.empty()) {
    std::cerr << "mxtls publish: cannot tell what to publish: " << why << "\n";
    return 3;
  }
  publish::Options options{ttl_, rua_, webroot_, parts_of(only_)};
  if ((sts_mode_ != "enforce" && (!tlsrpt_db_.empty() || !reports_since_.empty() || without_reports_)) ||
      (without_reports_ && !tlsrpt_db_.empty())) {
    std::cerr << "mxtls publish: --tlsrpt-db, --reports-since and --without-reports go with --sts-mode enforce, "
                 "--without-reports instead of --tlsrpt-db\n";
    return usage_status;
  }
  if (sts_mode_ == "enforce") {
    auto request = enforce_request(enforce_max_age_, tlsrpt_db_, reports_since_, facts.domain);
    if (!request) return request.error().kind == ErrorKind::invalid ? usage_status : 3;
    request->without_reports = without_reports_;
    options.enforce = std::move(*request);
  }
  auto plan = publish::plan_publication(facts, *keys, options);
  if (verify_) {
    auto findings = publish::verify_publication(facts, plan);
    if (format_ == "json") std::cout << publish::verify_to_json(facts.domain, findings).dump(2) << "\n";
    else std::cout << publish::render_verify_text(facts.domain, findings, verbose_);
    return publish::verify_exit_status(findings);
  }
  if (format_ == "json") std::cout << publish::to_json(plan).dump(2) << "\n";
  else if (format_ == "nsupdate") std::cout << publish::render_nsupdate(plan, {server_, zone_});
  else std::cout << publish::render_zone(plan);
  return plan.mta_sts && !plan.mta_sts->enforce_refused.empty() ? 1 : 0;
}

}  // namespace mxtls::cli
