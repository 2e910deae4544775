// The mxtls program: a thin layer of subcommands over the library.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "policy_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "mxtls: encrypted, downgrade-proof mail transport for people who run their own mail servers.\n\n"
      "Commands:\n"
      "  check DOMAIN...   test a domain's inbound mail servers: STARTTLS, TLS versions, key exchange,\n"
      "                    certificates, DNSSEC, DANE, MTA-STS, TLS-RPT; every finding with its fix.\n"
      "  logs FILE...      read Postfix logs: per correspondent domain, mail with and without TLS, trust levels,\n"
      "                    what requiring TLS would defer, policy evidence, letters to plaintext-only peers.\n"
      "  serve             socketmap daemon for Postfix's smtp_tls_policy_maps: DANE, MTA-STS, preload list,\n"
      "                    local rules, log evidence; MTA-STS policies cached in SQLite or Redis.\n"
      "  policy explain D  the policy serve would answer for domain D, and the evidence behind it.\n"
      "  policy build D... the same decisions as a static Postfix map (postmap) or SQL rows.\n\n"
      "Run 'mxtls COMMAND --help' for the options of a command.",
      "mxtls"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mxtls 0.1.0");
  mxtls::cli::CheckCommand check;
  check.add_to(app);
  mxtls::cli::LogsCommand logs;
  logs.add_to(app);
  mxtls::cli::ServeCommand serve;
  serve.add_to(app);
  mxtls::cli::PolicyCommand policy;
  policy.add_to(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;  // EX_USAGE for bad command lines
  }
  if (app.got_subcommand("logs")) return logs.exit_status();
  if (app.got_subcommand("serve")) return serve.exit_status();
  if (app.got_subcommand("policy")) return policy.exit_status();
  return check.exit_status();
}
