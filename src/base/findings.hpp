// A finding: what is wrong (or right), why it matters, and the exact fix. The
// one format of `mxtls check` and `mxtls postfix audit`.
#pragma once

#include <string>
#include <vector>

namespace mxtls {

enum class Severity { ok, info, warning, error };
const char* to_string(Severity severity);

struct Finding {
  Severity severity = Severity::info;
  std::string id;       // stable, for scripts: "starttls.missing"
  std::string subject;  // what it is about: a domain, "mx.example.com[192.0.2.1]"
  std::string what;     // one plain sentence
  std::string why;      // why it matters (empty for ok)
  std::string fix;      // the concrete change (empty for ok)
};

class Findings {
 public:
  void add(Severity severity, std::string id, std::string subject, std::string what, std::string why = {},
           std::string fix = {});
  const std::vector<Finding>& all() const { return items_; }
  Severity worst() const;
  bool has(const std::string& id) const;
  void append(const Findings& other);

 private:
  std::vector<Finding> items_;
};

}  // namespace mxtls
