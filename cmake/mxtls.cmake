# Helpers for the per-folder CMake files under src/.
#
# Every folder builds a pure library (parsers and decisions: no OpenSSL,
# curl, asio, SQLite, hiredis or zlib) and, when it has any, an I/O library
# named <pure>_io. The fuzz build (MXTLS_FUZZ) configures only the pure
# libraries and does not even look for the I/O dependencies, so a pure
# library that used one would fail to link there: the build proves the rule.

# mxtls_unit_tests(FILE...): adds test sources to the one unit_tests binary.
function(mxtls_unit_tests)
  if(TARGET unit_tests)
    target_sources(unit_tests PRIVATE ${ARGN})
  endif()
endfunction()

# mxtls_fuzz(NAME SOURCE LIB...): a libFuzzer target fuzz_NAME beside the
# parser it feeds, built only in the fuzz build, into build-fuzz/fuzz/.
function(mxtls_fuzz name source)
  if(NOT MXTLS_FUZZ)
    return()
  endif()
  add_executable(fuzz_${name} ${source})
  target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
  target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endfunction()

# mxtls_embed_page(TARGET NAMESPACE): TARGET's folder holds page.html,
# style.css and script.js; cmake/embed_page.cmake inlines them (after the
# shared src/base/page/report.css and report.js), with the CSP
# hashes of the style and script, into page_assets.hpp in the build tree
# (constants in NAMESPACE, included as "<folder>/page_assets.hpp"). Editing
# any of them regenerates the header and rebuilds TARGET.
function(mxtls_embed_page target namespace)
  set(assets ${CMAKE_CURRENT_BINARY_DIR}/page_assets.hpp)
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  set(shared ${PROJECT_SOURCE_DIR}/src/base/page)  # the look and script both pages share
  add_custom_command(
    OUTPUT ${assets}
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${dir} -DSHARED_DIR=${shared} -DOUTPUT=${assets} -DNAMESPACE=${namespace}
      -P ${PROJECT_SOURCE_DIR}/cmake/embed_page.cmake
    DEPENDS ${dir}/page.html ${dir}/style.css ${dir}/script.js ${shared}/report.css ${shared}/report.js
      ${PROJECT_SOURCE_DIR}/cmake/embed_page.cmake
    COMMENT "Embedding the page, style and script of ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE ${assets})
  target_include_directories(${target} PRIVATE ${PROJECT_BINARY_DIR}/src)
endfunction()
