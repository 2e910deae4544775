#include "tlsrpt/dkim.hpp"

#include <array>
#include <utility>

#include "base/text.hpp"

namespace mxtls::tlsrpt {
namespace {

constexpr std::array<std::pair<DkimStatus, std::string_view>, 4> status_names{{
    {DkimStatus::not_checked, "not-checked"},
    {DkimStatus::unsigned_mail, "unsigned"},
    {DkimStatus::verified, "verified"},
    {DkimStatus::failed, "failed"},
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

}  // namespace mxtls::tlsrpt
