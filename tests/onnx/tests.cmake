# ONNX import/export and MLIR export checks that need files (ctest label
# onnx); each says "skipped: <why>" and exits 77 (ctest: skipped) when its
# data or tools are absent.
#  - onnx/roundtrip-nodes: every ONNX node test model that nex imports is
#    exported and re-imported; the printed IR must not change (and at least
#    550 must import: a guard against silently refusing more).
#  - onnx/roundtrip-paddleocr: the three PaddleOCR models import, verify and
#    round-trip ($NEX_MODELS, default ~/.cache/nex/models; scripts/fetch-models.sh).
#  - onnx/mlir-fixtures: small graphs covering every TOSA lowering are
#    exported, parsed and lowered by mlir-opt-14, run by mlir-cpu-runner-14,
#    and their checksum compared with nex's interpreter.
#  - onnx/mlir-paddleocr: the det model at 640x640 parses and lowers; the
#    three models at small sizes also run and match the interpreter.
add_executable(onnx_check ${CMAKE_CURRENT_LIST_DIR}/onnx_check.c)
target_link_libraries(onnx_check PRIVATE ${NEX_LIBS})
# MLIR's memrefCopy for mlir-cpu-runner-14; no sanitizers (the runner has none)
add_library(nex_memref_copy SHARED ${CMAKE_CURRENT_LIST_DIR}/memref_copy.c)
set_target_properties(nex_memref_copy PROPERTIES COMPILE_OPTIONS "-O2" LINK_OPTIONS "")

set(NEX_ONNX_TESTDATA /usr/share/libonnx-testdata/data CACHE PATH
  "ONNX backend test data (Debian package libonnx-testdata)")
if(DEFINED ENV{NEX_MODELS})
  set(_nex_models $ENV{NEX_MODELS})
else()
  set(_nex_models $ENV{HOME}/.cache/nex/models)
endif()

add_test(NAME onnx/roundtrip-nodes
  COMMAND onnx_check nodes ${NEX_ONNX_TESTDATA}/node 550)
add_test(NAME onnx/roundtrip-paddleocr
  COMMAND sh -c "$0 roundtrip $1/ch_PP-OCRv4_det_infer.onnx x=1,3,640,640 && \
$0 roundtrip $1/ch_PP-OCRv4_rec_infer.onnx x=1,3,48,320 && \
$0 roundtrip $1/ch_ppocr_mobile_v2.0_cls_infer.onnx x=1,3,48,192"
    $<TARGET_FILE:onnx_check> ${_nex_models})

set(_mlir_fixtures)
foreach(f conv depthwise conv_transpose conv_transpose_oshape pools resize norms matmul shapes unary quant quant_int)
  list(APPEND _mlir_fixtures fixture:${f} --)
endforeach()
add_test(NAME onnx/mlir-fixtures
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/mlir_check.sh $<TARGET_FILE:onnx_check>
          ${CMAKE_CURRENT_BINARY_DIR}/mlir-fixtures run ${_mlir_fixtures})
add_test(NAME onnx/mlir-paddleocr
  COMMAND sh -c "sh $0 $1 $2/big $3/ch_PP-OCRv4_det_infer.onnx x=1,3,640,640 && \
sh $0 $1 $2/small run $3/ch_PP-OCRv4_det_infer.onnx x=1,3,64,64 -- \
$3/ch_PP-OCRv4_rec_infer.onnx x=1,3,48,64 -- $3/ch_ppocr_mobile_v2.0_cls_infer.onnx x=1,3,48,64"
    ${CMAKE_CURRENT_LIST_DIR}/mlir_check.sh $<TARGET_FILE:onnx_check>
    ${CMAKE_CURRENT_BINARY_DIR}/mlir-paddleocr ${_nex_models})
set_tests_properties(onnx/roundtrip-nodes onnx/roundtrip-paddleocr onnx/mlir-fixtures
  onnx/mlir-paddleocr PROPERTIES LABELS onnx TIMEOUT 900 SKIP_RETURN_CODE 77)
set_tests_properties(onnx/mlir-fixtures onnx/mlir-paddleocr PROPERTIES
  ENVIRONMENT "NEX_MLIR_SHLIB=$<TARGET_FILE:nex_memref_copy>")
