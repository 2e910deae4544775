#include "postfix/setup_apply.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/files.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "net/smtp_probe.hpp"
#include "postfix/gather.hpp"
#include "postfix/gather_pem.hpp"
#include "postfix/recommended.hpp"

namespace mxtls::postfix {
namespace {

constexpr size_t max_config_file = 4 << 20;

struct Backup {
  std::string original, copy;
};

// The key and chain setup is asked to configure: --cert-dir's privkey.pem
// and fullchain.pem (the live/ names, not the archive/ files they point to,
// so that certbot renew needs no second setup), or --key and --cert.
Result<std::pair<std::string, std::string>> certificate_paths(const SetupOptions& o) {
  namespace fs = std::filesystem;
  std::string key = o.key_file, chain = o.cert_file;
  if (!o.cert_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o.cert_dir, ec))
      return invalid_error("--cert-dir " + o.cert_dir + " is not a directory (" +
                           (ec ? ec.message() : std::string("missing or not a directory")) + ")");
    key = o.cert_dir + "/privkey.pem", chain = o.cert_dir + "/fullchain.pem";
  }
  for (auto* path : {&key, &chain}) {
    if (::access(path->c_str(), R_OK) != 0)
      return invalid_error("cannot read " + *path + ": " + std::strerror(errno));
    *path = fs::absolute(*path).lexically_normal().string();
  }
  return std::make_pair(key, chain);
}

// The facts the audit would have after setup: the plan applied and the new
// key and chain read as the audit reads smtpd_tls_chain_files.
AuditFacts with_certificate(const AuditFacts& facts, const SetupPlan& plan, const SetupInputs& in,
                            const std::string& ca_file) {
  AuditFacts predicted = predict(facts, plan);
  predicted.server_cert = read_server_cert({{"smtpd_tls_chain_files", in.key_file},
                                            {"smtpd_tls_chain_files", in.chain_file}}, ca_file);
  return predicted;
}

std::string utc_stamp(std::time_t now) {
  char text[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

// NAME.mxtls-backup-STAMP beside the file, created exclusively (O_EXCL): an
// existing backup is never overwritten; a second one in the same second gets -2, -3...
Result<Backup> back_up(const std::string& path, std::time_t now) {
  auto text = read_bounded_file(path, max_config_file);
  if (!text) return permanent_error("cannot back up " + path + ": " + text.error().message);
  struct stat st {};
  ::stat(path.c_str(), &st);
  std::string base = path + ".mxtls-backup-" + utc_stamp(now);
  for (int n = 1; n < 100; ++n) {
    std::string copy = n == 1 ? base : base + "-" + std::to_string(n);
    int fd = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) return permanent_error("cannot create " + copy + ": " + std::strerror(errno));
    bool ok = ::write(fd, text->data(), text->size()) == static_cast<ssize_t>(text->size()) && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok) return permanent_error("cannot write " + copy + ": " + std::strerror(errno));
    return Backup{path, copy};
  }
  return permanent_error("cannot back up " + path + ": 99 backups of this second exist");
}

GatherOptions gather_options(const SetupOptions& o) {
  GatherOptions options;
  options.config_dir = o.config_dir, options.ca_file = o.ca_file, options.now = o.now;
  return options;
}

// A managed file as it was before setup wrote it, to put it back.
struct FileUndo {
  std::string path;
  bool existed = false;
  std::string text;
  unsigned mode = 0;
};

// "unchanged", or what writing the file would do, for the diff.
std::string file_change(const ManagedFile& file) {
  auto text = read_bounded_file(file.path, max_config_file);
  struct stat st {};
  if (!text || ::stat(file.path.c_str(), &st) != 0) return "(absent) -> new";
  if (*text != file.text) return "changed";
  if ((st.st_mode & 07777) != file.mode) return "mode changed";
  return "unchanged";
}

std::string files_text(const std::vector<ManagedFile>& files) {
  std::string out;
  for (const auto& f : files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", f.mode);
    out += "  file     " + f.path + ": " + file_change(f) + " (" + f.what + ", mode " + mode + ")\n";
  }
  return out;
}

bool files_unchanged(const std::vector<ManagedFile>& files) {
  return std::all_of(files.begin(), files.end(), [](const ManagedFile& f) { return file_change(f) == "unchanged"; });
}

// Writes each file atomically with its mode, its directory made if missing;
// `undo` receives what each was before, for roll_back.
Result<bool> write_managed_files(const std::vector<ManagedFile>& files, std::vector<FileUndo>& undo, std::ostream& out) {
  for (const auto& f : files) {
    FileUndo before{f.path, false, "", 0};
    struct stat st {};
    if (auto text = read_bounded_file(f.path, max_config_file); text && ::stat(f.path.c_str(), &st) == 0)
      before = {f.path, true, std::move(*text), static_cast<unsigned>(st.st_mode & 07777)};
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(f.path).parent_path(), ec);
    if (ec) return permanent_error("cannot create the directory of " + f.path + ": " + ec.message());
    undo.push_back(before);
    if (auto ok = write_file_atomically(f.path, f.text, f.mode); !ok) return ok.error();
    if (::chmod(f.path.c_str(), f.mode) != 0)
      return permanent_error("cannot chmod " + f.path + ": " + std::strerror(errno));
    out << "Wrote " << f.path << " (" << f.what << ").\n";
  }
  return true;
}

Result<bool> undo_files(const std::vector<FileUndo>& undo) {
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (!it->existed) {
      if (::unlink(it->path.c_str()) != 0 && errno != ENOENT)
        return permanent_error("cannot remove " + it->path + ": " + std::strerror(errno));
      continue;
    }
    if (auto ok = write_file_atomically(it->path, it->text, it->mode); !ok) return ok.error();
    if (::chmod(it->path.c_str(), it->mode) != 0) return permanent_error("cannot chmod " + it->path + ": " + std::strerror(errno));
  }
  return true;
}

Result<bool> restore(const std::vector<Backup>& backups) {
  for (const auto& b : backups) {
    auto text = read_bounded_file(b.copy, max_config_file);
    if (!text) return permanent_error("cannot read the backup " + b.copy + ": " + text.error().message);
    if (auto ok = write_file_atomically(b.original, *text); !ok) return ok.error();
  }
  return true;
}

// postfix -c DIR COMMAND: "" when it exited 0, otherwise what it said.
std::string run_postfix(const std::string& config_dir, const std::string& command) {
  auto run = run_program({"postfix", "-c", config_dir, command});
  if (!run) return run.error().message;
  if (run->exit_status == 0) return "";
  std::string said(trim(run->err + run->out));
  return said.empty() ? "exit status " + std::to_string(run->exit_status) : said;
}

bool is_running(const std::string& config_dir) { return run_postfix(config_dir, "status").empty(); }

// Where port 25 of this instance listens: the address of an "ADDR:25"
// service (postscreen's or smtpd's), else the first of inet_interfaces;
// 127.0.0.1 for all, loopback-only and localhost.
std::string port_25_address(const AuditFacts& facts) {
  for (const auto& s : facts.services)
    if (s.type == "inet" && (s.command == "smtpd" || s.command == "postscreen") && service_port(s) == 25) {
      size_t colon = s.name.rfind(':');
      if (colon != std::string::npos && colon > 0) {
        std::string host = s.name.substr(0, colon);
        if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
        return host;
      }
    }
  std::string interfaces = parameter(facts, "inet_interfaces");
  for (char& c : interfaces)
    if (c == ',') c = ' ';
  for (auto word : split(interfaces, ' ')) {
    if (word.empty()) continue;
    if (word == "all" || word == "loopback-only" || word == "localhost") break;
    return std::string(word);
  }
  return "127.0.0.1";
}

// A real STARTTLS handshake with port 25, as a sender does it. Tried for a
// few seconds: after a reload, master(8) replaces its smtpd processes.
Result<smtp::Session> probe_starttls(const AuditFacts& facts, const std::string& ca_file) {
  smtp::Options options;
  options.timeout = std::chrono::seconds(10);
  options.ca_file = ca_file;
  std::string address = port_25_address(facts);
  Result<smtp::Session> session = permanent_error("not probed");
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(750));
    session = smtp::probe(address, 25, facts.myhostname, smtp::TlsSettings{}, options);
    if (session && session->tls) return session;
  }
  if (!session) return permanent_error("no SMTP session with " + address + ":25: " + session.error().message);
  return permanent_error(address + ":25 " + (session->starttls_offered ? "offers STARTTLS, but the handshake failed: " +
                                                                              session->tls_error.value_or("unknown")
                                                                        : "does not offer STARTTLS"));
}

std::string describe(const smtp::Session& session, const AuditFacts& facts) {
  const auto& tls = *session.tls;
  std::string leaf = tls.chain.empty() ? "no certificate" : tls.chain.front().subject;
  return tls.protocol + ", " + tls.cipher + ", certificate " + leaf + " (" +
         (tls.verify_code == 0 ? "trusted" : "not trusted: " + tls.verify_error) +
         (tls.name_matches ? ", names " : ", does not name ") + facts.myhostname + ")";
}

// Error findings of the audit after setup that it did not raise before.
std::vector<std::string> new_errors(const AuditFacts& before, const AuditFacts& after) {
  Findings old_findings = audit(before), new_findings = audit(after);
  std::vector<std::string> out;
  for (const auto& f : new_findings.all())
    if (f.severity == Severity::error && !old_findings.has(f.id)) out.push_back(f.id + " (" + f.what + ")");
  return out;
}

// The steps after the backups: each failure is the reason to roll back.
struct Applied {
  bool ok = false;
  std::string failure;  // which step failed and what it said
  bool reloaded = false;
};

Applied apply_and_prove(const AuditFacts& facts, const SetupPlan& plan, const SetupOptions& o, std::ostream& out) {
  const std::string& dir = o.config_dir;
  auto postconf = [&](const char* flag, std::vector<std::string> args) -> std::string {
    if (args.empty()) return "";
    args.insert(args.begin(), flag);
    auto run = run_postconf(dir, args);
    return run ? "" : run.error().message;
  };
  if (auto e = postconf("-e", postconf_e_arguments(plan)); !e.empty()) return {false, e};
  if (auto e = postconf("-P", postconf_p_arguments(plan)); !e.empty()) return {false, e};
  out << "Applied " << plan.changes.size() << " change" << (plan.changes.size() == 1 ? "" : "s")
      << " with postconf -c " << dir << " -e/-P.\n";
  if (auto e = run_postfix(dir, "check"); !e.empty()) return {false, "postfix -c " + dir + " check failed: " + e};
  out << "postfix -c " << dir << " check: passed.\n";
  if (!is_running(dir)) {
    out << "Postfix (" << dir << ") is not running: not reloaded, no handshake tried. Start it with: postfix -c "
        << dir << " start\n";
    return {true, "", false};
  }
  if (auto e = run_postfix(dir, "reload"); !e.empty()) return {false, "postfix -c " + dir + " reload failed: " + e};
  out << "postfix -c " << dir << " reload: done.\n";
  auto after = gather_audit_facts(gather_options(o));
  if (!after) return {false, "cannot read the new configuration: " + after.error().message, true};
  auto session = probe_starttls(*after, o.ca_file);
  if (!session) return {false, "STARTTLS after the reload: " + session.error().message, true};
  out << "STARTTLS at " << port_25_address(*after) << ":25: " << describe(*session, *after) << "\n";
  if (o.post_check) {
    auto report = o.post_check();
    if (!report) return {false, report.error().message, true};
    out << *report;
  }
  if (auto caused = new_errors(facts, *after); !caused.empty())
    return {false, "the audit of the new configuration finds errors it did not find before: " + join(caused, ", "), true};
  return {true, "", true};
}

struct Prepared {
  AuditFacts facts;
  SetupInputs inputs;
  SetupPlan plan;
  ServerCertFacts next;  // the chain setup is about to serve
};

// Everything before the first change: the configuration, the certificate
// (judged by the audit), the resolver, the plan. Errors are bad input.
Result<Prepared> prepare(const SetupOptions& o, std::ostream& out) {
  auto facts = gather_audit_facts(gather_options(o));
  if (!facts) return facts.error();
  auto paths = certificate_paths(o);
  if (!paths) return paths.error();
  Prepared p{std::move(*facts), {}, {}, {}};
  p.inputs.key_file = paths->first, p.inputs.chain_file = paths->second;
  p.inputs.managed_chain_file = o.managed_chain_file;
  std::tie(p.inputs.validating_resolver, p.inputs.resolver_reason) = resolver_validates(o.resolv_conf);
  p.inputs.ca_bundle_exists = ::access(std::string(recommended::ca_bundle).c_str(), R_OK) == 0;
  p.plan = plan_setup(p.facts, p.inputs);
  p.plan.notes.insert(p.plan.notes.end(), o.notes.begin(), o.notes.end());
  AuditFacts predicted = with_certificate(p.facts, p.plan, p.inputs, o.ca_file);
  p.next = *predicted.server_cert;
  Findings cert = certificate_findings(predicted);
  std::vector<std::string> refused;
  for (const auto& f : cert.all()) {
    bool refuses = f.severity == Severity::error && refuses_setup(f, p.facts);
    (refuses ? refused : p.plan.notes)
        .push_back(f.id + ": " + f.what +
                   (refuses ? " " + f.why
                    : f.severity == Severity::error
                        ? " Installed anyway: no certificate senders that verify accept is served now, so they defer "
                          "today as they will after; opportunistic senders start to encrypt. " + f.fix
                        : ""));
  }
  if (!refused.empty())
    return invalid_error("the certificate and key are not usable, nothing was changed:\n  " + join(refused, "\n  "));
  out << "Postfix " << p.facts.mail_version << " in " << o.config_dir << ", myhostname " << p.facts.myhostname
      << "\nCertificate: " << p.inputs.chain_file << " (key " << p.inputs.key_file << "): key matches, chain complete.\n";
  return p;
}

// Before the diff: a new key or certificate under TLSA records (issue 12,
// RFC 7672 3.1). Skipped when Postfix serves nothing now or the same chain.
// Refused: every line on stderr, exit 1; cannot tell: exit 3. Otherwise its
// lines join the plan's notes.
int check_key_change(const SetupOptions& o, const AuditFacts& facts, const ServerCertFacts& next, SetupPlan& plan,
                     std::ostream& err) {
  if (!o.dane_check) return setup_done;
  if (served_chains_unknown(facts)) {
    err << "mxtls postfix setup: a certificate or key file Postfix reads cannot be read here, so whether DANE "
           "senders would accept the new certificate cannot be told; nothing was changed (run setup as root)\n";
    return setup_failed;
  }
  if (served_chains(facts).empty() || serves_same_chain(facts, next)) return setup_done;
  KeyChangeVerdict verdict = o.dane_check(facts, next);
  if (verdict.outcome == KeyChangeVerdict::Outcome::proceed) {
    plan.notes.insert(plan.notes.end(), verdict.lines.begin(), verdict.lines.end());
    return setup_done;
  }
  err << "mxtls postfix setup: "
      << (verdict.outcome == KeyChangeVerdict::Outcome::refuse
              ? "the new certificate would make DANE senders defer mail"
              : "whether DANE senders would accept the new certificate cannot be told")
      << "; nothing was changed:\n";
  for (const auto& line : verdict.lines) err << "  " << line << "\n";
  return verdict.outcome == KeyChangeVerdict::Outcome::refuse ? setup_refused : setup_failed;
}

int roll_back(const std::vector<Backup>& backups, const std::vector<FileUndo>& undo, const Applied& applied,
              const SetupOptions& o, std::ostream& out, std::ostream& err) {
  err << "mxtls postfix setup: " << applied.failure << "\n";
  auto ok = restore(backups);
  if (ok) ok = undo_files(undo);
  if (!ok) {
    err << "mxtls postfix setup: THE ROLLBACK FAILED: " << ok.error().message << "\nRestore by hand: ";
    for (const auto& b : backups) err << "cp " << b.copy << " " << b.original << "; ";
    err << "postfix -c " << o.config_dir << " reload\n";
    return setup_failed;
  }
  out << "Rolled back: main.cf and master.cf restored from their backups" << (undo.empty() ? "" : ", the files written put back");
  if (is_running(o.config_dir)) {
    std::string e = run_postfix(o.config_dir, "reload");
    out << (e.empty() ? ", Postfix reloaded" : ", but the reload failed: " + e);
  }
  out << ". Nothing of this setup is left in " << o.config_dir << ".\n";
  return setup_rolled_back;
}

}  // namespace

int run_setup(const SetupOptions& o, std::ostream& out, std::ostream& err) {
  auto prepared = prepare(o, out);
  if (!prepared) {
    err << "mxtls postfix setup: " << prepared.error().message << "\n";
    return prepared.error().kind == ErrorKind::invalid ? setup_bad_input : setup_failed;
  }
  auto& [facts, inputs, plan, next] = *prepared;
  if (int status = check_key_change(o, facts, next, plan, err); status != setup_done) return status;
  if (plan.changes.empty() && files_unchanged(o.files)) {
    out << "\nNothing to change: the TLS settings are already what setup would write.\n" << plan_text(plan)
        << files_text(o.files);
    return setup_done;
  }
  out << "\nChanges (postconf -n before -> after):\n" << plan_text(plan) << files_text(o.files);
  if (o.dry_run) {
    out << "\nDry run: nothing was changed.\n";
    return setup_done;
  }
  if (o.confirm && !o.confirm()) {
    err << "mxtls postfix setup: not confirmed, nothing was changed\n";
    return setup_bad_input;
  }
  if (auto e = run_postfix(o.config_dir, "check"); !e.empty()) {
    err << "mxtls postfix setup: postfix check fails before any change (" << e << "); fix that first, nothing was changed\n";
    return setup_failed;
  }
  std::vector<Backup> backups;
  for (const char* name : {"main.cf", "master.cf"}) {
    auto backup = back_up(o.config_dir + "/" + name, o.now);
    if (!backup) {
      err << "mxtls postfix setup: " << backup.error().message << "; nothing was changed\n";
      return setup_failed;
    }
    out << "Backup: " << backup->copy << "\n";
    backups.push_back(*backup);
  }
  std::vector<FileUndo> undo;
  Applied applied;
  if (auto written = write_managed_files(o.files, undo, out); !written) applied.failure = written.error().message;
  else applied = apply_and_prove(facts, plan, o, out);
  if (!applied.ok) return roll_back(backups, undo, applied, o, out, err);
  out << "Done. Then test what the world sees: mxtls check YOUR.DOMAIN\n";
  return setup_done;
}

}  // namespace mxtls::postfix
