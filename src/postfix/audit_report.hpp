// The report of `mxtls postfix audit`: text for the terminal, JSON
// (docs/postfix-audit-json.md) for scripts.
#pragma once

#include <string>

#include "postfix/audit.hpp"

namespace mxtls::postfix {

std::string audit_text(const AuditFacts& facts, const Findings& findings, bool verbose);
std::string audit_json(const AuditFacts& facts, const Findings& findings);

}  // namespace mxtls::postfix
