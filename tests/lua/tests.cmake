# Lua tests (ctest label lua; docs/lua-api.md):
#  - lua/embed: the C embedding API (test_nxl.c): print callback, nex.session,
#    a Lua pass that breaks a limit leaves the history as it was.
#  - lua/scripts: every tests/lua/*.lua under `nex script` (run.sh): the API
#    (graph, passes, sessions, sim) and the sandbox (io and os.execute absent,
#    bytecode refused, infinite loop, memory bomb, deep recursion, stale
#    handles, writes outside the working directory).
#  - lua/fuse-hardswish: scripts/passes/fuse_hardswish.lua gives the same IR
#    as the C fuse-patterns HardSwish rule (demo, golden fixtures, det).
#  - lua/step-bisect: a Lua pass stepped with --into and bisected.
#  - lua/doc: docs/lua-api.md names every function of the module and nothing
#    else.
#  - lua/shipped: the scripts under scripts/ run.
add_executable(test_nxl ${CMAKE_CURRENT_LIST_DIR}/test_nxl.c)
target_include_directories(test_nxl PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(test_nxl PRIVATE ${NEX_LIBS})
add_test(NAME lua/embed COMMAND test_nxl)
add_test(NAME lua/scripts
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run.sh $<TARGET_FILE:nex> ${CMAKE_CURRENT_LIST_DIR})
if(DEFINED ENV{NEX_MODELS})
  set(_lua_models $ENV{NEX_MODELS})
else()
  set(_lua_models $ENV{HOME}/.cache/nex/models)
endif()
add_test(NAME lua/fuse-hardswish
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fuse_hardswish.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR}
          ${_lua_models})
add_test(NAME lua/step-bisect
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/step_bisect.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR})
add_test(NAME lua/doc
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run.sh $<TARGET_FILE:nex> ${CMAKE_CURRENT_LIST_DIR}
          doc/doc_check.lua)
add_test(NAME lua/shipped
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/shipped.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR})
set_tests_properties(lua/embed lua/scripts lua/fuse-hardswish lua/step-bisect lua/doc
  lua/shipped PROPERTIES LABELS lua SKIP_RETURN_CODE 77 TIMEOUT 600)
