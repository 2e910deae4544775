// The mxtls program: a thin layer of subcommands over the library.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.hpp"
#include "commands.hpp"
#include "policy_commands.hpp"

namespace {

constexpr int usage_status = 64;  // EX_USAGE, sysexits.h

// Optimal string alignment distance: Levenshtein plus the swap of two
// neighbours, the commonest typo ("chekc").
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// The known command closest to `word`, or "" when none is close: one edit
// for short names, two from five letters on.
std::string closest_command(std::string_view word, const std::vector<std::string>& commands) {
  std::string best;
  size_t best_distance = 0;
  for (const auto& command : commands) {
    size_t distance = edit_distance(mxtls::to_lower(word), command);
    size_t allowed = command.size() >= 5 ? 2 : 1;
    if (distance <= allowed && (best.empty() || distance < best_distance)) {
      best = command;
      best_distance = distance;
    }
  }
  return best;
}

// CLI11 reports an unknown command word only as "a subcommand is required"
// or as extra arguments, and help after one prints the parent's help with
// status 0. So the leading words are checked first, down the command tree
// (mxtls policy explain): an unknown one is a usage error that names it and
// the command meant. Returns the exit status, or -1 to go on parsing.
int check_command_words(const CLI::App& app, int argc, char** argv) {
  const CLI::App* parent = &app;
  std::string path = "mxtls";
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
    // Option groups are nameless subcommands in CLI11: not commands.
    auto subcommands = parent->get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
    if (subcommands.empty()) return -1;  // the rest are the command's arguments
    std::string word = argv[i];
    auto found = std::find_if(subcommands.begin(), subcommands.end(),
                              [&](const CLI::App* sub) { return sub->check_name(word); });
    if (found == subcommands.end()) {
      std::vector<std::string> names;
      for (const auto* sub : subcommands) names.push_back(sub->get_name());
      std::string meant = closest_command(word, names);
      std::cerr << path << ": unknown command '" << mxtls::printable(word, 80) << "'; ";
      if (!meant.empty())
        std::cerr << "did you mean '" << meant << "'?\n";
      else
        std::cerr << "the commands are " << mxtls::join(names) << " (see '" << path << " --help')\n";
      return usage_status;
    }
    parent = *found;
    path += " " + parent->get_name();
  }
  return -1;
}

}  // namespace

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
      "  policy build D... the same decisions as a static Postfix map (postmap) or SQL rows.\n"
      "  tlsrpt ingest F.. store the TLS reports (RFC 8460) senders mail you: JSON, gzip, mail, mbox, Maildir, stdin.\n"
      "  tlsrpt read       what those reports say: per sender, policy and MX, each failure's meaning and fix.\n"
      "  tlsrpt generate   make the TLS reports Postfix < 3.10 does not, from its logs; mail or POST them daily.\n"
      "  postfix audit     judge this machine's own Postfix TLS settings (main.cf, master.cf, certificate, key,\n"
      "                    DH, client side, version gates); every finding with its postconf -e fix.\n"
      "  publish DOMAIN    the TLSA, MTA-STS and TLS-RPT records DOMAIN should publish, as zone lines, nsupdate\n"
      "                    input or JSON; --verify compares them with what is live.\n\n"
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
  mxtls::cli::TlsrptCommand tlsrpt;
  tlsrpt.add_to(app);
  mxtls::cli::PostfixCommand postfix;
  postfix.add_to(app);
  mxtls::cli::PublishCommand publish;
  publish.add_to(app);
  if (int status = check_command_words(app, argc, argv); status >= 0) return status;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : usage_status;  // bad command lines
  }
  if (app.got_subcommand("logs")) return logs.exit_status();
  if (app.got_subcommand("serve")) return serve.exit_status();
  if (app.got_subcommand("policy")) return policy.exit_status();
  if (app.got_subcommand("tlsrpt")) return tlsrpt.exit_status();
  if (app.got_subcommand("postfix")) return postfix.exit_status();
  if (app.got_subcommand("publish")) return publish.exit_status();
  return check.exit_status();
}
