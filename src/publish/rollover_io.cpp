#include "publish/rollover_io.hpp"

#include <filesystem>

#include "base/files.hpp"
#include "base/text.hpp"
#include "publish/deploy.hpp"

namespace mxtls::publish {
namespace {

constexpr size_t max_pem_size = 1 << 20;

bool is_rollover_file(const std::filesystem::path& path) {
  return path.filename().string().rfind("rollover", 0) == 0 || path.filename().string().front() == '.';
}

Result<bool> save_rollover(const std::string& install_dir, const RolloverFile& file) {
  return write_file_atomically(rollover_paths(install_dir).state, format_rollover_file(file), 0644);
}

// A staged key is never replaced silently: its record may be published.
Result<bool> refuse_restage(const StageRequest& request, const RolloverPaths& paths) {
  if (request.force) return true;
  auto existing = load_rollover(request.install_dir);
  bool staged = (existing && !existing->next_key.empty()) || std::filesystem::exists(paths.next_key);
  if (!staged) return true;
  return invalid_error("a next key is already staged (" + paths.next_key +
                       (existing && !existing->next_key.empty()
                            ? ", 3 1 1 " + hex_encode(existing->next_key).substr(0, 16) + "..."
                            : std::string()) +
                       "): `mxtls postfix rollover status` shows where it stands; --force replaces it (its TLSA "
                       "record, if published, is then of no use)");
}

// The next key's PEM text: the operator's (checked) or a new one.
Result<std::string> next_key_text(const StageRequest& request, const ServedKey& served, bool& generated) {
  generated = request.key_file.empty();
  if (generated) return generate_key_like(served);
  auto text = read_bounded_file(request.key_file, max_pem_size);
  if (!text) return Error{text.error().kind, "--key: " + text.error().message};
  auto digest = private_key_spki(*text, request.key_file);
  if (!digest) return Error{digest.error().kind, "--key: " + digest.error().message};
  if (*digest == served.spki_sha256)
    return invalid_error("--key: " + request.key_file + " holds the key Postfix serves now: a rollover needs a new one");
  return text;
}

std::vector<HostProgress> hosts_of(const StageRequest& request, const ServedKey& served) {
  std::vector<HostProgress> hosts;
  for (const auto& name : request.mx_hosts.empty() ? served.dns_names : request.mx_hosts)
    if (!name.empty() && name.front() != '*') hosts.push_back({normalize_domain(name), 0, 0});
  return hosts;
}

}  // namespace

RolloverPaths rollover_paths(const std::string& install_dir) {
  return {install_dir + "/rollover.state", install_dir + "/rollover-next.key", install_dir + "/rollover-next.csr"};
}

Result<RolloverFile> load_rollover(const std::string& install_dir) {
  auto path = rollover_paths(install_dir).state;
  if (!std::filesystem::exists(path)) return not_found_error("no rollover is staged in " + install_dir + " (no " + path + ")");
  auto text = read_bounded_file(path, max_rollover_file_size);
  if (!text) return text.error();
  auto file = parse_rollover_file(*text);
  if (!file) return invalid_error(path + ": " + file.error().message);
  return file;
}

Result<std::string> find_chain_file(const std::string& install_dir, const std::string& chain_file) {
  if (!chain_file.empty()) return chain_file;
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(install_dir, error))
    if (entry.path().extension() == ".pem" && !is_rollover_file(entry.path())) found.push_back(entry.path().string());
  if (error) return not_found_error("cannot read the install dir " + install_dir + ": " + error.message());
  if (found.size() != 1)
    return invalid_error(std::to_string(found.size()) + " *.pem files in " + install_dir +
                         ": name the one Postfix reads (smtpd_tls_chain_files) with --chain-file");
  return found.front();
}

Result<StageOutcome> stage_rollover(const StageRequest& request) {
  auto paths = rollover_paths(request.install_dir);
  auto chain_file = find_chain_file(request.install_dir, request.chain_file);
  if (!chain_file) return chain_file.error();
  StageOutcome outcome;
  auto served = read_served_key(*chain_file);
  if (!served) return served.error();
  outcome.served = *served;
  if (auto allowed = refuse_restage(request, paths); !allowed) return allowed.error();
  auto key = next_key_text(request, *served, outcome.generated);
  if (!key) return key.error();
  auto csr = make_csr(*key, *served);
  if (!csr) return csr.error();
  auto next_key = private_key_spki(*key, paths.next_key);
  if (!next_key) return next_key.error();
  auto& file = outcome.file;
  file = RolloverFile{*chain_file, served->spki_sha256, *next_key, paths.next_key, paths.csr, request.ttl,
                      hosts_of(request, *served)};
  if (file.hosts.empty()) return invalid_error("no MX host name: the certificate names none; give --mx-host");
  auto written = write_file_atomically(paths.next_key, *key, 0600);
  if (written) written = write_file_atomically(paths.csr, *csr, 0644);
  if (written) written = save_rollover(request.install_dir, file);
  if (!written) return written.error();
  return outcome;
}

Result<StatusOutcome> rollover_status_now(dns::Resolver& resolver, RolloverFile file, const std::string& install_dir,
                                          int64_t now) {
  StatusOutcome outcome;
  auto served = read_served_key(file.chain_file);
  if (!served) return served.error();
  for (auto& host : file.hosts) {
    auto rrset = read_tlsa_rrset(resolver, host.mx);
    // The resolver's TTL is what is left in its cache, capped by its own
    // cache-max-ttl: a lower bound on what other caches may hold at most.
    // The operator's TTL (stage --ttl) is never undercut.
    RolloverFacts facts{host.mx, rrset.security, rrset.error, rrset.tlsa, std::max(rrset.ttl, file.ttl),
                        served->spki_sha256};
    auto state = observe(state_of(file, host), facts, now);
    host = progress_of(host.mx, state);
    outcome.hosts.push_back({facts, rollover_status(state, facts, now)});
  }
  std::vector<RolloverStatus> statuses;
  for (const auto& host : outcome.hosts) statuses.push_back(host.status);
  outcome.phase = file.next_key.empty() ? RolloverPhase::not_staged : combined_phase(statuses);
  if (auto saved = save_rollover(install_dir, file); !saved) return saved.error();
  outcome.file = std::move(file);
  return outcome;
}

}  // namespace mxtls::publish

namespace mxtls::publish {
namespace {

// The certificate (and --chain) text, and the file switch would install.
Result<std::string> switch_text(const SwitchRequest& request, const RolloverFile& file) {
  auto cert = read_bounded_file(request.cert_file, max_pem_size);
  if (!cert) return Error{cert.error().kind, "--cert: " + cert.error().message};
  std::string certs = *cert;
  std::string source = request.cert_file;
  if (!request.chain_file.empty()) {
    auto chain = read_bounded_file(request.chain_file, max_pem_size);
    if (!chain) return Error{chain.error().kind, "--chain: " + chain.error().message};
    if (!certs.empty() && certs.back() != '\n') certs += '\n';
    certs += *chain;
    source += " + " + request.chain_file;
  }
  auto key = read_bounded_file(file.next_key_file, max_pem_size);
  if (!key) return Error{key.error().kind, "the staged key: " + key.error().message};
  std::vector<std::string> hosts;
  for (const auto& host : file.hosts) hosts.push_back(host.mx);
  return switchable_chain(*key, file.next_key, certs, source, hosts);
}

// Postfix did not take the new file: the previous one goes back, and
// Postfix is reloaded with it.
Error roll_back(const SwitchRequest& request, const std::string& path, const std::string& previous,
                const Error& failure) {
  auto restored = write_file_atomically(path, previous, 0600);
  if (!restored)
    return permanent_error(failure.message + "; COULD NOT put the previous " + path + " back (" +
                           restored.error().message + "): Postfix would load the new file on its next reload");
  auto reloaded = reload_postfix(request.postfix_program, request.config_dir);
  if (!reloaded)
    return permanent_error(failure.message + "; put the previous " + path +
                           " back, but reloading Postfix failed again (" + reloaded.error().message +
                           "): it runs with what it loaded before");
  return permanent_error(failure.message + "; put the previous " + path + " back and reloaded Postfix: it serves "
                         "the current key, the rollover stays ready");
}

void forget_staged(RolloverFile& file) {
  file.current_key = file.next_key;
  file.next_key.clear();
  file.next_key_file.clear();
  file.csr_file.clear();
  file.hosts.clear();
}

}  // namespace

Result<SwitchOutcome> switch_rollover(const SwitchRequest& request, const StatusOutcome& ready) {
  if (ready.phase != RolloverPhase::ready)
    return invalid_error(std::string("the rollover is ") + to_string(ready.phase) + ", not ready");
  auto file = ready.file;
  auto text = switch_text(request, file);
  if (!text) return text.error();
  auto previous = read_bounded_file(file.chain_file, max_pem_size);
  if (!previous) return previous.error();
  auto installed = install_chain(file.chain_file, *text);
  if (!installed) return installed.error();
  if (auto reloaded = reload_postfix(request.postfix_program, request.config_dir); !reloaded)
    return roll_back(request, file.chain_file, *previous, reloaded.error());
  SwitchOutcome outcome{file.chain_file, {}, {}};
  for (const auto& host : ready.hosts)
    if (!host.status.record.empty()) {
      outcome.old_records.push_back(host.status.record);
      outcome.old_nsupdate.push_back(nsupdate_delete(host.facts.mx, host.facts.current_key));
    }
  // The state first, then the files: a crash in between leaves stray files,
  // never a state that names a staged key whose file is gone.
  auto staged_files = {file.next_key_file, file.csr_file};
  forget_staged(file);
  if (auto saved = save_rollover(request.install_dir, file); !saved)
    return Error{saved.error().kind, "switched and reloaded, but " + saved.error().message};
  std::error_code ignored;  // the key lives on in the installed file
  for (const auto& path : staged_files) std::filesystem::remove(path, ignored);
  return outcome;
}

}  // namespace mxtls::publish
