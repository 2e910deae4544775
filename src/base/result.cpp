#include "base/result.hpp"

namespace mxtls {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::temporary: return "temporary";
    case ErrorKind::permanent: return "permanent";
    case ErrorKind::not_found: return "not-found";
    case ErrorKind::invalid: return "invalid";
  }
  return "unknown";
}

}  // namespace mxtls
