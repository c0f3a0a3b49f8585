# The NE back end (src/codegen; docs/backend.md), ctest label `codegen`:
# programs run on the executor must give the interpreter's outputs bit for
# bit; the listing round-trips; an overlapping allocation, a missing wait and
# a wait that can never be met are caught; the in-place forms of exec.c
# (inplace.sh) equal the interpreter at 1 and 2 threads. models.sh needs the PaddleOCR
# models (~/.cache/nex/models): missing, it exits 77 (skip).
foreach(t exec roundtrip faults models threads tiles tiles-mm tiles-convt inplace tiles-min)
  add_test(NAME codegen/${t}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR})
  set_tests_properties(codegen/${t} PROPERTIES LABELS codegen SKIP_RETURN_CODE 77)
endforeach()
add_test(NAME golden/codegen-errors
  COMMAND sh ${CMAKE_SOURCE_DIR}/tests/golden/run.sh $<TARGET_FILE:nex>
          ${CMAKE_CURRENT_LIST_DIR}/errors)
set_tests_properties(golden/codegen-errors PROPERTIES LABELS "codegen;golden")
# `nex alloc --intervals` on XLA's heap-simulator vectors (NE-MODEL.md §6.2)
# and a capacity that forces spills.
add_test(NAME golden/codegen-alloc
  COMMAND sh ${CMAKE_SOURCE_DIR}/tests/golden/run.sh $<TARGET_FILE:nex>
          ${CMAKE_CURRENT_LIST_DIR}/alloc)
set_tests_properties(golden/codegen-alloc PROPERTIES LABELS "codegen;golden")
# Transpose and reshape-family tiles, one move task each (tile_move.c).
add_test(NAME codegen/tiles-move
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tiles-move.sh $<TARGET_FILE:nex> ${CMAKE_SOURCE_DIR})
set_tests_properties(codegen/tiles-move PROPERTIES LABELS codegen SKIP_RETURN_CODE 77)
