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
