#include "socketmap/metrics.hpp"

namespace mxtls::socketmap {
namespace {

void counter(std::string& out, const char* name, const char* help, uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
         std::to_string(value) + "\n";
}

}  // namespace

std::string Metrics::render_prometheus() const {
  std::string out =
      "# HELP mxtls_lookups_total Socketmap lookups answered, by map and answer.\n"
      "# TYPE mxtls_lookups_total counter\n";
  for (const auto& [key, value] : lookups) {
    auto space = key.find(' ');
    out += "mxtls_lookups_total{map=\"" + key.substr(0, space) + "\",answer=\"" + key.substr(space + 1) + "\"} " +
           std::to_string(value) + "\n";
  }
  counter(out, "mxtls_cache_hits_total", "Lookups answered from the in-memory decision cache.", cache_hits);
  counter(out, "mxtls_lookup_timeouts_total", "Lookups answered TEMP because the work took too long.", timeouts);
  counter(out, "mxtls_bad_requests_total", "Requests that were not \"map key\" or named an unknown map.",
          bad_requests);
  counter(out, "mxtls_clients_accepted_total", "Client connections accepted.", clients_accepted);
  counter(out, "mxtls_clients_dropped_total", "Clients dropped: malformed input, too many clients, idle.",
          clients_dropped);
  counter(out, "mxtls_metrics_refused_total", "Metrics connections refused: more than 8 open at once.",
          metrics_refused);
  out += std::string("# HELP mxtls_policy_cache_lost 1 if the MTA-STS policy cache was found empty or gone at start: "
                     "domains publishing MTA-STS answer TEMP until their policy is fetched again.\n"
                     "# TYPE mxtls_policy_cache_lost gauge\nmxtls_policy_cache_lost ") +
         (cache_lost ? "1" : "0") + "\n";
  counter(out, "mxtls_lookups_abandoned_total",
          "Lookups dropped before they started: every client waiting for them timed out or left.", lookups_abandoned);
  counter(out, "mxtls_lookups_refused_total",
          "Lookups not queued: that client (address or user) had too many queued; answered TEMP.", lookups_refused);
  out += "# HELP mxtls_lookup_queue Lookups waiting for a worker now.\n# TYPE mxtls_lookup_queue gauge\nmxtls_lookup_queue " +
         std::to_string(lookup_queue) + "\n";
  if (preload_expires) {
    out += "# HELP mxtls_preload_list_expired 1 if the preload list in use has expired: it is ignored.\n"
           "# TYPE mxtls_preload_list_expired gauge\nmxtls_preload_list_expired " +
           std::string(preload_expired ? "1" : "0") + "\n";
    out += "# HELP mxtls_preload_list_expiry_timestamp_seconds When the preload list in use expires.\n"
           "# TYPE mxtls_preload_list_expiry_timestamp_seconds gauge\nmxtls_preload_list_expiry_timestamp_seconds " +
           std::to_string(*preload_expires) + "\n";
  }
  out += "# HELP mxtls_clients Client connections open now.\n# TYPE mxtls_clients gauge\nmxtls_clients " +
         std::to_string(clients_current) + "\n";
  out += "# HELP mxtls_lookup_seconds Time from request to answer.\n# TYPE mxtls_lookup_seconds summary\n";
  out += "mxtls_lookup_seconds_sum " + std::to_string(static_cast<double>(lookup_microseconds_sum) / 1e6) + "\n";
  out += "mxtls_lookup_seconds_count " + std::to_string(lookup_count) + "\n";
  return out;
}

}  // namespace mxtls::socketmap
