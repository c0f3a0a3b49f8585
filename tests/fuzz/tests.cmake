# libFuzzer targets: every tests/fuzz/fuzz_*.c, built only with -DNEX_FUZZ=ON
# (clang). `make fuzz` builds the `fuzzers` target and runs each for 30 s
# (tests/fuzz/run.sh).
if(NEX_FUZZ)
  file(GLOB FUZZ_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)
  add_custom_target(fuzzers)
  foreach(src ${FUZZ_SRC})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE ${NEX_LIBS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzzers ${name})
  endforeach()
endif()
