# Files and memory (docs/reliability.md): shell tests that drive the nex
# binary where the condition needs the whole process: a full disk (a small
# tmpfs, mounted in a private user+mount namespace; skipped, exit 77, where
# the machine allows none) and memory limits (ulimit -v).
file(GLOB FILES_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.sh)
foreach(t ${FILES_TESTS})
  get_filename_component(name ${t} NAME_WE)
  add_test(NAME files/${name} COMMAND sh ${t} $<TARGET_FILE:nex>)
  set_tests_properties(files/${name} PROPERTIES LABELS files SKIP_RETURN_CODE 77)
endforeach()
# ASan reserves terabytes of address space for its shadow memory, so a
# process under `ulimit -v` cannot start: the memory-limit test says it is
# skipped there (it runs in the release build).
if(NEX_SANITIZE)
  set_tests_properties(files/memory PROPERTIES ENVIRONMENT "NEX_SANITIZED=1")
  set_tests_properties(files/blas_limit PROPERTIES ENVIRONMENT "NEX_SANITIZED=1")
  set_tests_properties(files/blas_limit_det PROPERTIES ENVIRONMENT "NEX_SANITIZED=1")
endif()
