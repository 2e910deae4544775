# Builds the fixed parts of an HTML page (the `mxtls logs` report, the
# `mxtls tlsrpt read` overview) into a C++ header, constants in NAMESPACE:
#   cmake -DSOURCE_DIR=src/logs/html -DOUTPUT=.../page_assets.hpp
#         -DNAMESPACE=mxtls::logs::page -P cmake/embed_page.cmake
# (mxtls_embed_page() in cmake/mxtls.cmake runs it.)
#
# page.html is the page's skeleton with two kinds of placeholder, each used
# exactly once:
#   @STYLE@ @SCRIPT@            replaced here by src/base/page/report.css then
#                               style.css, src/base/page/report.js then
#                               script.js (the shared look and table sorting
#                               first, the page's own rules after);
#   @STYLE_HASH@ @SCRIPT_HASH@  replaced here by 'sha256-...' of the exact text
#                               between <style> and </style> (<script> and
#                               </script>), for the Content-Security-Policy
#                               (CSP Level 3, "hash-source"), so the page allows
#                               its own style and script and nothing else;
#   @TITLE@ @HEADER@ @MAIN@     the run-time slots: the header splits the page
#                               there into page::before_title, before_header,
#                               before_main and end, and the renderer writes
#                               the escaped report between them.
# Doing the hashing here keeps OpenSSL out of the renderer (a pure library).

if(NOT NAMESPACE OR NOT SHARED_DIR)
  message(FATAL_ERROR "embed_page.cmake needs -DNAMESPACE=... and -DSHARED_DIR=src/base/page")
endif()

set(build_time_placeholders @STYLE@ @SCRIPT@ @STYLE_HASH@ @SCRIPT_HASH@)
set(run_time_slots @TITLE@ @HEADER@ @MAIN@)

file(READ "${SOURCE_DIR}/page.html" page)
file(READ "${SHARED_DIR}/report.css" shared_style)
file(READ "${SHARED_DIR}/report.js" shared_script)
file(READ "${SOURCE_DIR}/style.css" own_style)
file(READ "${SOURCE_DIR}/script.js" own_script)
set(style "${shared_style}${own_style}")
set(script "${shared_script}${own_script}")

function(require_once text token what)
  string(FIND "${text}" "${token}" first)
  string(FIND "${text}" "${token}" last REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR "${what} must contain ${token} exactly once")
  endif()
endfunction()

# Case-insensitive, as HTML tag names are.
function(require_absent text token what)
  string(TOLOWER "${text}" lower_text)
  string(TOLOWER "${token}" lower_token)
  string(FIND "${lower_text}" "${lower_token}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${what} must not contain ${token}")
  endif()
endfunction()

foreach(token ${build_time_placeholders} ${run_time_slots})
  require_once("${page}" "${token}" page.html)
  require_absent("${style}" "${token}" style.css)
  require_absent("${script}" "${token}" script.js)
endforeach()
# Text that would end the element early or switch the parser's state.
foreach(token "</style" "<!--")
  require_absent("${style}" "${token}" style.css)
endforeach()
foreach(token "</script" "<!--")
  require_absent("${script}" "${token}" script.js)
endforeach()

# Hex digest -> base64 (RFC 4648 section 4), three bytes (six hex digits) at a time.
function(hex_to_base64 hex out)
  set(alphabet "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
  string(LENGTH "${hex}" length)
  set(result "")
  set(pos 0)
  while(pos LESS length)
    string(SUBSTRING "${hex}" ${pos} 6 group)
    string(LENGTH "${group}" group_length)
    math(EXPR bytes "${group_length} / 2")
    while(group_length LESS 6)
      string(APPEND group "0")
      string(LENGTH "${group}" group_length)
    endwhile()
    math(EXPR value "0x${group}")
    # n bytes give n + 1 characters, then '=' up to four.
    math(EXPR characters "${bytes} + 1")
    foreach(index RANGE 1 4)
      if(index GREATER characters)
        string(APPEND result "=")
      else()
        math(EXPR sextet "(${value} >> (24 - 6 * ${index})) & 63")
        string(SUBSTRING "${alphabet}" ${sextet} 1 character)
        string(APPEND result "${character}")
      endif()
    endforeach()
    math(EXPR pos "${pos} + 6")
  endwhile()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# 'sha256-<base64>' of the text between OPEN and CLOSE, which occur once.
function(csp_hash text open close out)
  require_once("${text}" "${open}" "the page")
  require_once("${text}" "${close}" "the page")
  string(FIND "${text}" "${open}" start)
  string(FIND "${text}" "${close}" stop)
  string(LENGTH "${open}" open_length)
  math(EXPR start "${start} + ${open_length}")
  math(EXPR length "${stop} - ${start}")
  string(SUBSTRING "${text}" ${start} ${length} content)
  string(SHA256 digest "${content}")
  hex_to_base64(${digest} base64)
  set(${out} "'sha256-${base64}'" PARENT_SCOPE)
endfunction()

hex_to_base64("" check_empty)
hex_to_base64("666f6f62" check_foob)
if(NOT check_empty STREQUAL "" OR NOT check_foob STREQUAL "Zm9vYg==")
  message(FATAL_ERROR "hex_to_base64 is broken: '${check_empty}' '${check_foob}'")
endif()

string(REPLACE "@STYLE@" "${style}" page "${page}")
string(REPLACE "@SCRIPT@" "${script}" page "${page}")
csp_hash("${page}" "<style>" "</style>" style_hash)
csp_hash("${page}" "<script>" "</script>" script_hash)
string(REPLACE "@STYLE_HASH@" "${style_hash}" page "${page}")
string(REPLACE "@SCRIPT_HASH@" "${script_hash}" page "${page}")

# The page as C++ raw strings, split at the run-time slots (in page order).
set(delimiter "page")
require_absent("${page}" ")${delimiter}\"" "the page")
set(names before_title before_header before_main)
set(constants "")
foreach(slot name IN ZIP_LISTS run_time_slots names)
  string(FIND "${page}" "${slot}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "page.html must have the slots in the order ${run_time_slots}")
  endif()
  string(SUBSTRING "${page}" 0 ${at} part)
  string(LENGTH "${slot}" slot_length)
  math(EXPR at "${at} + ${slot_length}")
  string(SUBSTRING "${page}" ${at} -1 page)
  string(APPEND constants "inline constexpr std::string_view ${name} = R\"${delimiter}(${part})${delimiter}\";\n")
endforeach()
string(APPEND constants "inline constexpr std::string_view end = R\"${delimiter}(${page})${delimiter}\";\n")

file(WRITE "${OUTPUT}.tmp" "// Generated by cmake/embed_page.cmake from ${SOURCE_DIR}/page.html,
// style.css and script.js: edit those, not this file.
#pragma once

#include <string_view>

namespace ${NAMESPACE} {

${constants}
}  // namespace ${NAMESPACE}
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
