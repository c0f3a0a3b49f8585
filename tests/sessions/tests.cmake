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
