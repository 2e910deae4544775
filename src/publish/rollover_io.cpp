#include "publish/rollover_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

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

// The names whose _25._tcp TLSA records status watches: the MX hosts that
// point here (RFC 7672 3.1: the record is at the MX host's name). Taken
// from the certificate only when it names hosts: a wildcard names none.
}  // namespace

Result<std::vector<HostProgress>> stage_hosts(const StageRequest& request, const ServedKey& served) {
  std::vector<HostProgress> hosts;
  if (request.mx_hosts.empty())
    for (const auto& name : served.dns_names)
      if (!name.empty() && name.front() == '*')
        return invalid_error("the certificate names " + name +
                             ", a wildcard, not the MX hosts whose TLSA records change: give them with --mx-host "
                             "(or --domain, for its MX hosts that point at this server)");
  for (const auto& name : request.mx_hosts.empty() ? served.dns_names : request.mx_hosts)
    if (!name.empty()) hosts.push_back({normalize_domain(name), 0, 0});
  if (hosts.empty()) return invalid_error("no MX host name: the certificate names none; give --mx-host");
  return hosts;
}

RolloverPaths rollover_paths(const std::string& install_dir) {
  return {install_dir + "/rollover.state", install_dir + "/rollover-next.key", install_dir + "/rollover-next.csr"};
}

RolloverLock::~RolloverLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<RolloverLock> lock_rollover(const std::string& install_dir) {
  const auto& path = install_dir;
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    auto message = "cannot open the install dir " + path + ": " + std::strerror(error);
    return error == ENOENT ? not_found_error(message) : permanent_error(message);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK)
      return temporary_error("another `mxtls postfix rollover` is running in " + install_dir +
                             " (it holds the lock on the directory): try again when it is done");
    return permanent_error("cannot lock " + path + ": " + std::strerror(error));
  }
  return RolloverLock(fd);
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
  auto hosts = stage_hosts(request, *served);
  if (!hosts) return hosts.error();
  auto& file = outcome.file;
  file = RolloverFile{*chain_file, served->spki_sha256, *next_key, paths.next_key, paths.csr, request.ttl, *hosts};
  auto written = write_file_atomically(paths.next_key, *key, 0600);
  if (written) written = write_file_atomically(paths.csr, *csr, 0644);
  if (written) written = save_rollover(request.install_dir, file);
  if (!written) return written.error();
  return outcome;
}

namespace {

// The authoritative servers of one zone, asked once per status run.
struct ZoneServers {
  std::optional<Error> error;
  std::vector<dns::NameServer> servers;
};

ZoneServers zone_servers(dns::Resolver& resolver, const std::string& zone) {
  if (zone.empty()) return {not_found_error("the answer carried no RRSIG naming the zone"), {}};
  auto servers = dns::lookup_name_servers(resolver, zone);
  if (!servers) return {servers.error(), {}};
  return {std::nullopt, std::move(*servers)};
}

// Each authoritative server's own answer for _25._tcp.<mx> (RFC 7671 8.1:
// the new RRset must be visible everywhere, and a resolver may ask any of
// them); `ttl` grows to the largest TTL a server gave.
std::vector<ServerView> ask_servers(const ZoneServers& zone, const std::string& zone_name, const std::string& mx,
                                    const DirectResolvers& direct, uint32_t& ttl) {
  std::vector<ServerView> views;
  for (const auto& server : zone.servers) {
    if (server.addresses.empty()) views.push_back({server.name, "no address", temporary_error(server.error), {}});
    for (const auto& address : server.addresses) {
      ServerView view{server.name, address, std::nullopt, {}};
      auto resolver = direct(zone_name, address);
      if (!resolver) view.error = resolver.error();
      else {
        auto rrset = read_tlsa_rrset(**resolver, mx);
        view.error = rrset.error, view.tlsa = rrset.tlsa;
        ttl = std::max(ttl, rrset.ttl);
      }
      views.push_back(std::move(view));
    }
  }
  return views;
}

RolloverFacts host_facts(dns::Resolver& resolver, const DirectResolvers& direct, const RolloverFile& file,
                         const std::string& mx, const std::string& served_key,
                         std::map<std::string, ZoneServers>& zones) {
  auto rrset = read_tlsa_rrset(resolver, mx);
  // The resolver's TTL is what is left in its cache, capped by its own
  // cache-max-ttl; the RRSIG's original TTL is the zone's (RFC 4034 3.1.4),
  // what any cache may have been given. The operator's TTL (stage --ttl)
  // is never undercut.
  uint32_t ttl = std::max(rrset.original_ttl ? rrset.original_ttl : rrset.ttl, file.ttl);
  RolloverFacts facts{mx,         rrset.security, rrset.error,        rrset.tlsa, ttl,
                      served_key, rrset.signer,   rrset.original_ttl, std::nullopt, {}};
  if (rrset.security != dns::Security::secure || (rrset.error && rrset.error->kind != ErrorKind::not_found))
    return facts;  // cannot tell already; no zone to ask
  auto zone = zones.find(rrset.signer);
  if (zone == zones.end()) zone = zones.emplace(rrset.signer, zone_servers(resolver, rrset.signer)).first;
  facts.servers_error = zone->second.error;
  facts.servers = ask_servers(zone->second, rrset.signer, mx, direct, facts.ttl);
  return facts;
}

}  // namespace

Result<StatusOutcome> rollover_status_now(dns::Resolver& resolver, const DirectResolvers& direct, RolloverFile file,
                                          const std::string& install_dir, int64_t now) {
  if (auto sane = check_sightings(file, now); !sane)
    return invalid_error(rollover_paths(install_dir).state + ": " + sane.error().message);
  StatusOutcome outcome;
  auto served = read_served_key(file.chain_file);
  if (!served) return served.error();
  std::map<std::string, ZoneServers> zones;
  for (auto& host : file.hosts) {
    auto facts = host_facts(resolver, direct, file, host.mx, served->spki_sha256, zones);
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

// MTA-STS senders verify the chain against the WebPKI (RFC 8461 4.2) and
// defer when it fails: a served chain that verifies is never replaced by
// one that does not. --allow-untrusted only where nothing can get worse.
Result<bool> check_webpki(const SwitchRequest& request, const RolloverFile& file, const std::string& served,
                          const std::string& next) {
  std::vector<std::string> hosts;
  for (const auto& host : file.hosts) hosts.push_back(host.mx);
  auto next_ok = webpki_verifies(next, hosts);
  if (next_ok) return true;
  auto served_ok = webpki_verifies(served, hosts);
  std::string why = "the new chain does not verify against the system trust store (" + next_ok.error().message + ")";
  if (served_ok)
    return invalid_error(why + ", while the one Postfix serves (" + file.chain_file +
                         ") does: MTA-STS senders would defer mail to this server (RFC 8461 4.2); nothing installed"
                         " (--allow-untrusted does not apply: get a certificate from a publicly trusted CA)");
  if (!request.allow_untrusted)
    return invalid_error(why + "; neither does the one Postfix serves (" + served_ok.error().message +
                         "), so --allow-untrusted may install it (DANE senders check the TLSA record, not the CA); "
                         "nothing installed");
  return true;
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
  if (auto trusted = check_webpki(request, file, *previous, *text); !trusted) return trusted.error();
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
