# Session files: the shipped examples in sessions/ replay exactly (every
# step's IR hash matches), and a tampered copy is reported with exit 1.
file(GLOB SESSION_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/sessions/*.nex.json)
foreach(f ${SESSION_FILES})
  get_filename_component(name ${f} NAME_WE)
  add_test(NAME sessions/replay-${name} COMMAND $<TARGET_FILE:nex> replay ${f})
  set_tests_properties(sessions/replay-${name} PROPERTIES LABELS sessions)
endforeach()
add_test(NAME sessions/replay-cli
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/replay_cli.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR})
set_tests_properties(sessions/replay-cli PROPERTIES LABELS sessions)
add_test(NAME sessions/report-cli
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/report_cli.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR})
set_tests_properties(sessions/report-cli PROPERTIES LABELS sessions)
add_test(NAME sessions/save-faults
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/save_faults.sh $<TARGET_FILE:nex>)
set_tests_properties(sessions/save-faults PROPERTIES LABELS sessions SKIP_RETURN_CODE 77)
# Valgrind over the demo pipeline with a session save and replay (memcheck:
# no invalid access, no leak). Not under ASan (label slow: the ASan run
# leaves it out); skipped where valgrind is missing.
find_program(VALGRIND valgrind)
if(VALGRIND AND NOT NEX_SANITIZE)
  add_test(NAME sessions/valgrind-demo
    COMMAND sh -c "d=$(mktemp -d) && ${VALGRIND} -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite $<TARGET_FILE:nex> opt demo --target m1 --save-session $d/s.nex.json >/dev/null && ${VALGRIND} -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite $<TARGET_FILE:nex> replay $d/s.nex.json; rc=$?; rm -rf $d; exit $rc")
  set_tests_properties(sessions/valgrind-demo PROPERTIES LABELS "sessions;slow")
endif()
add_test(NAME sessions/tui-session
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tui_session.sh $<TARGET_FILE:nex>)
set_tests_properties(sessions/tui-session PROPERTIES LABELS "sessions;tui")
