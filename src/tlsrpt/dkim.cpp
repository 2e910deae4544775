#include "tlsrpt/dkim.hpp"

#include <array>
#include <utility>

#include "base/text.hpp"

namespace mxtls::tlsrpt {
namespace {

constexpr std::array<std::pair<DkimStatus, std::string_view>, 6> status_names{{
    {DkimStatus::not_checked, "not-checked"},
    {DkimStatus::unsigned_mail, "unsigned"},
    {DkimStatus::verified, "verified"},
    {DkimStatus::failed, "failed"},
    {DkimStatus::temperror, "temperror"},
    {DkimStatus::over_limit, "over-limit"},
}};

constexpr std::array<std::pair<DkimTrust, std::string_view>, 5> trust_names{{
    {DkimTrust::broken, "broken"},
    {DkimTrust::unauthenticated, "unauthenticated"},
    {DkimTrust::pending, "pending"},
    {DkimTrust::foreign, "foreign"},
    {DkimTrust::authentic, "authentic"},
}};

bool same_or_nested(std::string_view a, std::string_view b) {
  return !a.empty() && !b.empty() && (in_domain(a, b) || in_domain(b, a));
}

// "smtp-tls-reporting@google.com" -> "google.com"; a mailto: URI the same; "" without an @.
std::string_view contact_domain(std::string_view contact) {
  auto at = contact.rfind('@');
  if (at == std::string_view::npos) return {};
  auto domain = contact.substr(at + 1);
  auto end = domain.find_first_of(" \t>?,;");
  return domain.substr(0, end);
}

}  // namespace

std::string_view to_string(DkimStatus status) {
  for (const auto& [value, name] : status_names)
    if (value == status) return name;
  return "not-checked";
}

std::optional<DkimStatus> parse_dkim_status(std::string_view name) {
  for (const auto& [value, text] : status_names)
    if (text == name) return value;
  return std::nullopt;
}

bool dkim_domain_related(std::string_view signer, std::string_view submitter, std::string_view contact_info) {
  return same_or_nested(signer, submitter) || same_or_nested(signer, contact_domain(contact_info));
}

DkimTrust dkim_trust(const DkimResult& dkim, std::string_view submitter, std::string_view contact_info) {
  switch (dkim.status) {
    case DkimStatus::verified:
      return dkim_domain_related(dkim.domain, submitter, contact_info) ? DkimTrust::authentic : DkimTrust::foreign;
    case DkimStatus::temperror: return DkimTrust::pending;
    case DkimStatus::not_checked:
    case DkimStatus::unsigned_mail: return DkimTrust::unauthenticated;
    case DkimStatus::failed:
    case DkimStatus::over_limit: break;
  }
  return DkimTrust::broken;
}

std::string_view to_string(DkimTrust trust) {
  for (const auto& [value, name] : trust_names)
    if (value == trust) return name;
  return "broken";
}

}  // namespace mxtls::tlsrpt
