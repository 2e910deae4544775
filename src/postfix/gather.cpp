#include "postfix/gather.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/files.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "logs/reader.hpp"
#include "postfix/gather_ciphers.hpp"
#include "postfix/gather_mx.hpp"
#include "postfix/gather_pem.hpp"

namespace mxtls::postfix {

Result<std::string> run_postconf(const std::string& config_dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"postconf", "-c", config_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = run_program(argv, max_postconf_output);
  if (!run) return run.error();
  if (run->exit_status != 0)
    return invalid_error("postconf -c " + config_dir + " " + join(args, " ") + " failed: " +
                         std::string(trim(run->err.empty() ? "exit status " + std::to_string(run->exit_status) : run->err)));
  if (run->truncated) return invalid_error("postconf printed more than " + std::to_string(max_postconf_output) + " bytes");
  return std::move(run->out);
}

FileFacts file_facts(const std::string& parameter, const std::string& path) {
  FileFacts file;
  file.parameter = parameter, file.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    file.error_number = errno;
    file.error = std::strerror(errno);
    return file;
  }
  file.exists = true;
  file.mode = st.st_mode & 07777;
  file.modified = st.st_mtime;
  passwd* pw = ::getpwuid(st.st_uid);
  group* gr = ::getgrgid(st.st_gid);
  file.owner = pw ? pw->pw_name : std::to_string(st.st_uid);
  file.group = gr ? gr->gr_name : std::to_string(st.st_gid);
  file.readable = ::access(path.c_str(), R_OK) == 0;
  if (!file.readable) file.error_number = errno, file.error = std::strerror(errno);
  return file;
}

namespace {

// The first key of a policy map's source ("example.org  secure"): a key the
// table holds, so that its answer can be judged.
std::string first_key(const std::string& text) {
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    return std::string(line.substr(0, line.find_first_of(" \t")));
  }
  return "";
}

// postmap -c DIR -q KEY TYPE:NAME, as serve_postmap_test.sh reads it: exit 0
// found; 1 with nothing on stderr not found; "temporary error" (a socketmap
// TEMP); anything else a failure (unbuilt table, refused connection...).
PolicyProbe probe_table(const std::string& config_dir, const std::string& table, const std::string& key) {
  PolicyProbe probe;
  probe.key = key;
  auto run = run_program({"postmap", "-c", config_dir, "-q", key, table}, 1 << 20);
  if (!run) {
    probe.error = run.error().message;
    return probe;
  }
  std::string err(trim(run->err));
  if (size_t nl = err.rfind('\n'); nl != std::string::npos) err = err.substr(nl + 1);  // the last, fatal, line
  if (run->exit_status == 0) probe.outcome = PolicyProbe::Outcome::found, probe.answer = trim(run->out);
  else if (err.find("temporary error") != std::string::npos) probe.outcome = PolicyProbe::Outcome::temporary;
  else if (run->exit_status == 1 && err.empty()) probe.outcome = PolicyProbe::Outcome::not_found;
  probe.error = err.empty() && probe.outcome == PolicyProbe::Outcome::failed ? "exit status " + std::to_string(run->exit_status) : err;
  return probe;
}

// Whether proxymap(8) answers on queue_directory/private/proxymap: "" when
// a connection is accepted, else why not (no such file: Postfix is not
// running; connection refused: a stale socket; permission denied: not root).
// postmap -q proxy:... retries a missing proxymap for 100 seconds.
std::string proxymap_down(const std::string& queue_directory) {
  std::string path = queue_directory + "/private/proxymap";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (queue_directory.empty() || path.size() >= sizeof address.sun_path) return "no socket path for proxymap";
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  bool connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  std::string error = connected ? "" : path + ": " + std::strerror(errno);
  ::close(fd);
  return error;
}

// Each table of smtp_tls_policy_maps: for the indexed types (hash:, btree:,
// lmdb:, cdb:) the source and the file postmap(1) builds; for every table
// the answers of postmap -q for the probe key and a key of its source.
std::vector<PolicyMapFacts> policy_map_facts(const std::string& maps, const GatherOptions& options,
                                             const std::string& queue_directory,
                                             const std::optional<std::string>& proxy_read_maps) {
  std::vector<PolicyMapFacts> out;
  for (const std::string& name : table_names(maps)) {
    std::string_view word = name;
    PolicyMapFacts map;
    if (word.starts_with("proxy:")) {
      // proxy:TYPE:NAME (proxymap(8)): the table proxymap opens is TYPE:NAME.
      map.proxied = true, word.remove_prefix(6);
      map.proxy_error = proxymap_down(queue_directory);
      map.proxy_approved = !proxy_read_maps || proxy_read_approves(*proxy_read_maps, word);
    }
    size_t colon = word.find(':');
    if (colon == std::string_view::npos) continue;
    map.type = word.substr(0, colon), map.source = word.substr(colon + 1);
    std::string suffix = map.type == "hash" || map.type == "btree" ? ".db" : map.type == "lmdb" ? ".lmdb" : map.type == "cdb" ? ".cdb" : "";
    if (map.source.empty()) continue;
    map.indexed = !suffix.empty();
    std::vector<std::string> keys{options.probe_key};
    if (map.indexed || map.type == "texthash") {
      map.source_file = file_facts("smtp_tls_policy_maps", map.source);
      if (map.indexed) map.indexed_file = file_facts("smtp_tls_policy_maps", map.source + suffix);
      if (auto source = read_bounded_file(map.source, 64 << 20)) {
        map.uses_servername = source->find("servername=") != std::string::npos;
        if (std::string key = first_key(*source); !key.empty() && key != options.probe_key) keys.push_back(key);
      }
    }
    if (!map.indexed || map.indexed_file.exists)
      for (const auto& key : keys)
        // Through proxymap when it answers; otherwise TYPE:NAME, as proxymap would open it.
        map.probes.push_back(probe_table(options.config_dir,
                                         map.proxied && map.proxy_error.empty() ? name
                                                                                : table_for_postmap(word, queue_directory),
                                         key));
    out.push_back(std::move(map));
  }
  return out;
}

LogWhatIf what_if(const std::vector<logs::WhatIf>& entries, std::string_view setting) {
  LogWhatIf out;
  for (const auto& w : entries)
    if (w.setting == setting) out = {true, w.messages, w.domains.to_vector(), w.clients.to_vector()};
  return out;
}

Result<bool> add_log_facts(const std::vector<std::string>& files, AuditFacts& facts) {
  if (files.empty()) return true;
  logs::AnalyzeOptions options;
  options.threads = 1;
  auto analysis = logs::analyze(logs::order_rotated(files), options);
  if (analysis.input_errors())
    for (const auto& input : analysis.inputs)
      if (input.failed)
        return invalid_error("cannot read the log " + input.file + ": " +
                             (input.errors.empty() ? std::string("not a Postfix log") : input.errors.back()));
  facts.inbound_encrypt = what_if(analysis.report.what_if_inbound, "smtpd_tls_security_level = encrypt");
  facts.outbound_encrypt = what_if(analysis.report.what_if_outbound, "smtp_tls_security_level = encrypt");
  return true;
}

Result<bool> add_postconf_facts(const GatherOptions& options, AuditFacts& facts) {
  auto main = run_postconf(options.config_dir, {"-n", "-x"});
  if (!main) return main.error();
  auto parameters = parse_parameters(*main);
  if (!parameters) return parameters.error();
  facts.main = std::move(*parameters);
  auto master = run_postconf(options.config_dir, {"-M"});
  if (!master) return master.error();
  auto services = parse_services(*master);
  if (!services) return services.error();
  auto overrides = run_postconf(options.config_dir, {"-P"});
  if (!overrides) return overrides.error();
  if (auto ok = add_service_overrides(*overrides, *services); !ok) return ok.error();
  facts.services = std::move(*services);
  auto names = run_postconf(options.config_dir,
                            {"-h", "-x", "mail_version", "myhostname", "queue_directory", "proxy_read_maps"});
  if (!names) return names.error();
  auto lines = split(*names, '\n');
  if (!lines.empty()) facts.mail_version = trim(lines[0]);
  if (lines.size() > 1) facts.myhostname = trim(lines[1]);
  if (lines.size() > 2) facts.queue_directory = trim(lines[2]);
  if (lines.size() > 3) facts.proxy_read_maps = proxymap_read_maps(std::string(trim(lines[3])), facts.services);
  return true;
}

}  // namespace

Result<AuditFacts> gather_audit_facts(const GatherOptions& options) {
  struct stat st {};
  std::string main_cf = options.config_dir + "/main.cf";
  if (::stat(main_cf.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return invalid_error(options.config_dir + " is not a Postfix configuration directory: no main.cf there");
  AuditFacts facts;
  facts.config_dir = options.config_dir;
  facts.now = options.now;
  facts.as_root = ::geteuid() == 0;
  if (auto ok = add_postconf_facts(options, facts); !ok) return ok.error();
  if (auto ok = add_cipher_facts(options.config_dir, facts); !ok) return ok.error();
  auto files = server_cert_files(facts.main);
  if (!files.empty()) facts.server_cert = read_server_cert(files, options.ca_file);
  if (auto dh = facts.main.find("smtpd_tls_dh1024_param_file"); dh != facts.main.end() && !dh->second.empty())
    facts.dh = read_dh_params(dh->second);
  for (const char* name : {"smtp_tls_CAfile", "smtp_tls_CApath"})
    if (auto it = facts.main.find(name); it != facts.main.end() && !it->second.empty())
      facts.ca_files.push_back(file_facts(name, it->second));
  if (auto maps = facts.main.find("smtp_tls_policy_maps"); maps != facts.main.end())
    facts.policy_maps = policy_map_facts(maps->second, options, facts.queue_directory, facts.proxy_read_maps);
  if (auto ok = add_log_facts(options.log_files, facts); !ok) return ok.error();
  if (!options.domain.empty() && options.resolver)
    facts.domain_mx = gather_domain_mx(*options.resolver, options.domain, facts);
  return facts;
}

}  // namespace mxtls::postfix
