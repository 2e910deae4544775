#include "base/findings.hpp"

#include <algorithm>

namespace mxtls {

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::ok: return "ok";
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "info";
}

void Findings::add(Severity severity, std::string id, std::string subject, std::string what, std::string why,
                   std::string fix) {
  items_.push_back({severity, std::move(id), std::move(subject), std::move(what), std::move(why), std::move(fix)});
}

Severity Findings::worst() const {
  Severity worst = Severity::ok;
  for (const auto& f : items_) worst = std::max(worst, f.severity);
  return worst;
}

bool Findings::has(const std::string& id) const {
  return std::any_of(items_.begin(), items_.end(), [&](const Finding& f) { return f.id == id; });
}

void Findings::append(const Findings& other) { items_.insert(items_.end(), other.items_.begin(), other.items_.end()); }

}  // namespace mxtls
