#include "publish/deploy.hpp"

#include <filesystem>

#include "base/files.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "dane/tlsa.hpp"

namespace mxtls::publish {
namespace {

constexpr size_t max_pem_size = 1 << 20;

}  // namespace

TlsaRRset read_tlsa_rrset(dns::Resolver& resolver, const std::string& mx) {
  TlsaRRset rrset;
  const auto owner = dane::tlsa_name(mx);
  auto answer = resolver.query(owner, dns::Type::TLSA);
  if (!answer) {
    rrset.error = answer.error();
    return rrset;
  }
  rrset.security = answer->security;
  rrset.ttl = answer->ttl;
  rrset.original_ttl = answer->original_ttl;
  rrset.signer = answer->signer;
  if (answer->security == dns::Security::bogus) {
    rrset.error = temporary_error("bogus (" + answer->why_bogus + ")");
    return rrset;
  }
  for (const auto& rdata : answer->rdata)
    if (auto record = dane::parse_rdata(rdata)) rrset.tlsa.push_back(std::move(*record));
  if (answer->nxdomain || answer->empty()) rrset.error = not_found_error("no TLSA records at " + owner);
  return rrset;
}

RenewalFacts gather_renewal_facts(dns::Resolver& resolver, const std::string& mx, const LocalKeys& renewed,
                                  uint32_t ttl) {
  RenewalFacts facts;
  facts.mx = mx;
  facts.renewed_key = renewed.current;
  facts.renewed_issuer = renewed.issuer;
  facts.ttl = ttl;
  auto rrset = read_tlsa_rrset(resolver, mx);
  facts.tlsa_error = std::move(rrset.error);
  facts.tlsa_security = rrset.security;
  facts.tlsa = std::move(rrset.tlsa);
  return facts;
}

std::vector<RenewalDecision> decide_key_change_at(dns::Resolver& resolver, const std::vector<std::string>& hosts,
                                                  const std::vector<dane::ChainAssociations>& served,
                                                  const dane::ChainAssociations& next, uint32_t ttl) {
  std::vector<RenewalDecision> decisions;
  for (const auto& host : hosts) {
    KeyChangeFacts facts{gather_renewal_facts(resolver, host, {}, ttl), served, next};
    decisions.push_back(decide_key_change(facts));
  }
  return decisions;
}

std::string installed_chain_path(const std::string& install_dir, const std::string& lineage) {
  auto name = std::filesystem::path(lineage).lexically_normal().filename().string();
  if (name.empty()) name = std::filesystem::path(lineage).lexically_normal().parent_path().filename().string();
  return install_dir + "/" + name + ".pem";
}

Result<std::string> installable_chain(const std::string& lineage) {
  auto files = cert_dir_files(lineage);
  if (auto keys = read_cert_files(files); !keys) return keys.error();
  auto key = read_bounded_file(files.key, max_pem_size);
  if (!key) return key.error();
  auto chain = read_bounded_file(files.chain, max_pem_size);
  if (!chain) return chain.error();
  std::string text = *key;
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + *chain;
}

Result<bool> install_chain(const std::string& path, const std::string& text) {
  if (auto current = read_bounded_file(path, max_pem_size); current && *current == text) return false;
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  auto written = write_file_atomically(path, text, 0600);
  if (!written) return written.error();
  return true;
}

Result<bool> reload_postfix(const std::string& postfix_program, const std::string& config_dir) {
  auto ran = run_program({postfix_program, "-c", config_dir, "reload"});
  if (!ran) return ran.error();
  if (ran->exit_status != 0)
    return permanent_error(postfix_program + " -c " + config_dir + " reload failed (exit " +
                           std::to_string(ran->exit_status) + "): " + std::string(trim(ran->err + ran->out)));
  return true;
}

}  // namespace mxtls::publish
