// The order in which to read a rotated set of log files: oldest first, so
// that the aggregator sees events in time order. Pure: names only, no I/O.
#pragma once

#include <string>
#include <vector>

namespace mxtls::logs {

// Sorts a rotated set oldest first: mail.log.3.gz mail.log.2.gz mail.log.1 mail.log
// (also dated names: mail.log-20261101.gz before mail.log). Files of one set
// are grouped where the set's first file was given; other files keep their
// order. Always a permutation of `paths`.
std::vector<std::string> order_rotated(std::vector<std::string> paths);

}  // namespace mxtls::logs
