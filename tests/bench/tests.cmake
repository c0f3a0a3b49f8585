# Benchmarks (DESIGN.md §9): programs that measure and print figures against
# their targets. They are not ctest tests (timings on a shared machine are no
# pass/fail signal); `make bench` builds them and runs run.sh, which runs
# every bench_* program from <build>/bench.
file(GLOB BENCH_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/bench_*.c)
foreach(src ${BENCH_SRC})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE ${NEX_LIBS})
  if(name STREQUAL "bench_tui")
    target_link_libraries(${name} PRIVATE nex_tui)
  endif()
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endforeach()

# The suite (suite.sh, `make bench`): its one-operation timer, and a smoke
# run of the whole suite at tiny sizes that make check runs.
add_executable(suite_op ${CMAKE_CURRENT_LIST_DIR}/suite_op.c)
target_link_libraries(suite_op PRIVATE ${NEX_LIBS} nex_tui)
set_target_properties(suite_op PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
add_test(NAME bench/smoke
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/suite.sh --smoke ${CMAKE_BINARY_DIR}
          ${CMAKE_BINARY_DIR}/bench-smoke.md)
set_tests_properties(bench/smoke PROPERTIES LABELS bench-smoke SKIP_RETURN_CODE 77 TIMEOUT 900)
