# TUI tests (ctest label tui): the real binary in tmux (tests/tui/tmux.sh,
# skipped with 77 when tmux or the det model is missing), and test_tui, the
# layer's own checks (docs/tui.md against the actions table, the canvas).
add_test(NAME tui/tmux-demo COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tmux.sh $<TARGET_FILE:nex> demo)
add_test(NAME tui/tmux-det COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tmux.sh $<TARGET_FILE:nex> det)
add_test(NAME tui/tmux-sigterm COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tmux.sh $<TARGET_FILE:nex> sigterm)
set_tests_properties(tui/tmux-demo tui/tmux-det tui/tmux-sigterm PROPERTIES LABELS tui SKIP_RETURN_CODE 77
  TIMEOUT 600)

add_executable(test_tui ${CMAKE_CURRENT_LIST_DIR}/test_tui.c)
target_include_directories(test_tui PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(test_tui PRIVATE nex_tui ${NEX_LIBS})
add_test(NAME tui/test_tui COMMAND test_tui)
set_tests_properties(tui/test_tui PROPERTIES LABELS "tui;unit"
  ENVIRONMENT "NEX_SRC=${CMAKE_SOURCE_DIR};NEX_BIN=$<TARGET_FILE:nex>")
# The monkey: 2000 seeded random keys and resizes (issue 15's hardening).
add_test(NAME tui/monkey COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/monkey.sh $<TARGET_FILE:nex> 2000)
set_tests_properties(tui/monkey PROPERTIES LABELS tui SKIP_RETURN_CODE 77 TIMEOUT 900
  ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/readline.supp")
# Long work with progress and Ctrl-c, the recovery question, :open.
foreach(case cancel recover open complete)
  add_test(NAME tui/tmux-${case} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tmux_work.sh $<TARGET_FILE:nex> ${case})
  set_tests_properties(tui/tmux-${case} PROPERTIES LABELS tui SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/readline.supp")
endforeach()
