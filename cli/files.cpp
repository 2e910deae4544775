#include "files.hpp"

#include <fstream>

namespace mxtls::cli {

std::optional<std::string> read_file(const std::string& path, size_t max_size, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  std::string text(max_size + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_size) {
    error = path + " is too large";
    return std::nullopt;
  }
  return text;
}

}  // namespace mxtls::cli
