// What the documentation tests of docs/verdicts.md read it with (shared by
// src/check/check_test.cpp for `mxtls check` and src/postfix/audit_test.cpp
// for `mxtls postfix audit`): the rows of the verdict tables by finding id,
// the test names a text cites, the tests the source tree defines, and the
// finding ids written in the judges' source. Needs MXTLS_SOURCE_DIR (set for
// unit_tests in the top CMakeLists.txt).
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/text.hpp"

namespace mxtls::test_support {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string source_path(const std::string& relative) { return std::string(MXTLS_SOURCE_DIR) + "/" + relative; }

using Row = std::vector<std::string>;  // the cells of one table row

// The rows of the tables whose first cell names ids in backticks, by id.
inline std::map<std::string, Row> verdict_rows(const std::string& doc) {
  static const std::regex id_in_cell("`([a-z][a-z0-9._-]*)`");
  std::map<std::string, Row> rows;
  std::istringstream in(doc);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| `")) continue;
    Row cells;
    for (auto cell : split(std::string_view(line).substr(1), '|')) cells.emplace_back(trim(cell));
    if (!cells.empty() && cells.back().empty()) cells.pop_back();  // after the closing '|'
    for (std::sregex_iterator it(cells[0].begin(), cells[0].end(), id_in_cell), end; it != end; ++it)
      rows[(*it)[1]] = cells;
  }
  return rows;
}

// "`Suite.Name`": the GoogleTest names a text cites.
inline std::set<std::string> cited_tests(const std::string& text) {
  static const std::regex cited("`([A-Z][A-Za-z0-9]*\\.[A-Z][A-Za-z0-9_]*)`");
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), cited), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

// TEST(Suite, Name), TEST_F(...) and TEST_P(...) of one file, as "Suite.Name".
inline void add_tests_defined_in(const std::filesystem::path& file, std::set<std::string>& names) {
  static const std::regex defined(R"re(\bTEST(?:_F|_P)?\(\s*(\w+)\s*,\s*(\w+)\s*\))re");
  const std::string text = read_text(file.string());
  for (std::sregex_iterator it(text.begin(), text.end(), defined), end; it != end; ++it)
    names.insert((*it)[1].str() + "." + (*it)[2].str());
}

// Every test in src/**/*_test.cpp and tests/integration/*.cpp.
inline std::set<std::string> tests_in_the_source_tree() {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(source_path("src")))
    if (entry.path().filename().string().ends_with("_test.cpp")) add_tests_defined_in(entry.path(), names);
  for (const auto& entry : std::filesystem::directory_iterator(source_path("tests/integration")))
    if (entry.path().extension() == ".cpp") add_tests_defined_in(entry.path(), names);
  return names;
}

inline bool has_word(const std::string& text, const std::string& word) {
  static const std::regex words("[a-z]+");
  for (std::sregex_iterator it(text.begin(), text.end(), words), end; it != end; ++it)
    if ((*it)[0] == word) return true;
  return false;
}

// The finding ids a folder's judges write as literals: the string right after
// `Severity::x,` (findings.add(Severity::..., "id", ...)) or after one of the
// extra openings given (e.g. `webpki\.add\(`), in the .cpp files of
// src/FOLDER (not *_test.cpp) whose name passes `wanted`.
inline std::set<std::string> ids_in_sources(const std::string& folder, const std::function<bool(const std::string&)>& wanted,
                                            const std::string& extra_openings = "") {
  const std::regex id_argument("(?:Severity::\\w+\\s*,\\s*" + (extra_openings.empty() ? "" : "|" + extra_openings) +
                               ")\\s*\"([a-z][a-z0-9._-]*)\"");
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator(source_path("src/" + folder))) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".cpp") || name.ends_with("_test.cpp") || name.ends_with("_fuzz.cpp") || !wanted(name)) continue;
    const std::string text = read_text(entry.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), id_argument), end; it != end; ++it) ids.insert((*it)[1]);
  }
  return ids;
}

}  // namespace mxtls::test_support
