# Reading ONNX models of opset 1 to 5 (src/core/onnx_old_opset.c), ctest label onnx:
#  - onnx/old-opset-table: the committed table equals what the generator
#    script writes from python3-onnx's schema history (77 without it).
#  - the op-by-op acceptance and refusal is test_onnx_old_opset (label unit).
add_test(NAME onnx/old-opset-table
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/check.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(onnx/old-opset-table PROPERTIES LABELS onnx SKIP_RETURN_CODE 77)
