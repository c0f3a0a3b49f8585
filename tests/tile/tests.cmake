# The tile pass on the real models and the generated transformer
# (det_tiles.sh): det's tilings through the default pipeline at the default
# SRAM and at 64 KiB, and the tile count the cost bound leaves on the
# 2000-op transformer at 64 KiB. Without the det model it exits 77 (skip).
add_test(NAME golden/tile-models
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/det_tiles.sh $<TARGET_FILE:nex> ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(golden/tile-models PROPERTIES LABELS golden SKIP_RETURN_CODE 77)
