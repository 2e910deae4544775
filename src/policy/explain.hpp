// `mxtls policy explain`: a decision and the evidence behind it, as text
// for people and as JSON (one object per domain). Pure: the evidence is
// gathered, and the decision made, by the caller.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "policy/decision.hpp"
#include "policy/evidence.hpp"

namespace mxtls::policy {

// The TLSA state in words, e.g. "usable TLSA", "TLSA lookup failed".
const char* tlsa_text(DaneEvidence::Tlsa tlsa);

// {"domain", "answer", "policy", "source", "rule", "reason", "evidence": {...}}.
nlohmann::json explain_json(const GatheredEvidence& gathered, const Decision& decision);

// The domain, then indented "answer:", "because:", "rule:" and "evidence:" lines.
void explain_text(std::ostream& out, const GatheredEvidence& gathered, const Decision& decision);

}  // namespace mxtls::policy
