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
