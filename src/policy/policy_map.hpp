// `mxtls policy build`: Postfix TLS policy maps and SQL rows from decisions,
// and the diff against the previous map. Pure: no I/O.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "policy/decision.hpp"

namespace mxtls::policy {

// domain -> Postfix policy string ("secure match=... servername=hostname")
using PolicyMap = std::map<std::string, std::string, std::less<>>;

struct MapEntryNote {
  std::string domain;
  std::string comment;  // why (source and reason), written above the entry
};

// A map file for `postmap` (hash:, lmdb:, texthash:): sorted, one
// "domain<TAB>policy" per line, each preceded by a "# why" comment.
std::string render_map(const PolicyMap& map, const std::map<std::string, std::string>& comments,
                       std::string_view header);

// Reads a map file back (comments and blank lines skipped); bounded.
Result<PolicyMap> parse_map(std::string_view text);

// "+ domain policy", "- domain policy", "~ domain old -> new", sorted by domain.
std::vector<std::string> diff_maps(const PolicyMap& before, const PolicyMap& after);

// SQL for a table tlspolicies(domain, policy, params) as in seed 004, valid
// for SQLite and PostgreSQL: upserts for `map`, deletes for `removed`, in one
// transaction.
std::string render_sql(const PolicyMap& map, const std::vector<std::string>& removed);

// One build's decisions folded into the previous map: OK answers replace
// their entry (with "source: reason" as its comment), NOTFOUND removes it,
// TEMP keeps whatever the previous map had (a lookup that failed for now must
// not drop protection). Domains not decided keep their entries.
struct MapUpdate {
  PolicyMap next;                               // the map to write
  std::map<std::string, std::string> comments;  // domain -> why, for the entries decided now
  PolicyMap decided;                            // the OK answers alone (the SQL upserts)
  std::vector<std::string> removed;             // NOTFOUND domains (the SQL deletes)
  struct Temp {
    std::string domain;
    std::string reason;
    bool kept_previous = false;  // the previous map had an entry, still in `next`
  };
  std::vector<Temp> temp;
};
// decisions[i] is the decision for domains[i].
MapUpdate merge_decisions(const PolicyMap& previous, const std::vector<std::string>& domains,
                          const std::vector<Decision>& decisions);

}  // namespace mxtls::policy
