// `mxtls check`: everything about one domain's inbound mail transport
// security, gathered through the DNS, SMTP and HTTPS interfaces (gather.hpp)
// and then judged into findings and a recommended Postfix policy for its
// peers (judge.hpp).
#pragma once

#include <string>

#include "check/gather.hpp"
#include "check/judge.hpp"

namespace mxtls::check {

// gather_domain, then judge_domain at env.now().
DomainReport check_domain(const std::string& domain, Environment& env);

}  // namespace mxtls::check
