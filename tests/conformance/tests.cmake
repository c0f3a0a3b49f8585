# ONNX conformance (ctest label onnx).
#  - onnx/conformance: the ONNX backend tests (Debian's libonnx-testdata)
#    through nex's importer and reference interpreter. expected-skips.txt
#    lists every test that does not pass through the kernels: the skips and
#    the folds (reason "folded at import ..."). Fails on any failing test, on
#    a skip or fold missing from the list, and on a listed test whose status
#    changed; `nex conformance --list-skips` writes the list anew. Without
#    the test data it says "skipped: ..." and exits 77 (ctest: skipped).
#  - onnx/paddleocr-vs-ort: the three PaddleOCR models, nex's interpreter
#    against onnxruntime-node on the same synthetic page (rtol 1e-3). Says
#    "skipped: <why>" (ctest: skipped) when node, onnxruntime-node or the
#    models are missing (scripts/fetch-models.sh, which `make check` runs,
#    installs both).
set(NEX_ONNX_TESTDATA /usr/share/libonnx-testdata/data CACHE PATH
  "ONNX backend test data (Debian package libonnx-testdata)")
set(_conf_dirs)
foreach(sub node pytorch-converted pytorch-operator simple)
  if(IS_DIRECTORY ${NEX_ONNX_TESTDATA}/${sub})
    list(APPEND _conf_dirs ${NEX_ONNX_TESTDATA}/${sub})
  endif()
endforeach()
if(_conf_dirs)
  add_test(NAME onnx/conformance
    COMMAND nex conformance --check-skips ${CMAKE_CURRENT_LIST_DIR}/expected-skips.txt
            ${_conf_dirs})
else()
  add_test(NAME onnx/conformance
    COMMAND sh -c "echo 'skipped: no ONNX test data in ${NEX_ONNX_TESTDATA}'; exit 77")
endif()
set_tests_properties(onnx/conformance PROPERTIES LABELS onnx TIMEOUT 600
  SKIP_RETURN_CODE 77)

add_test(NAME onnx/paddleocr-vs-ort
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/paddleocr_vs_ort.sh $<TARGET_FILE:nex>)
set_tests_properties(onnx/paddleocr-vs-ort PROPERTIES LABELS onnx TIMEOUT 600
  SKIP_RETURN_CODE 77)

add_test(NAME onnx/silero-vs-ort
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/silero_vs_ort.sh $<TARGET_FILE:nex>)
set_tests_properties(onnx/silero-vs-ort PROPERTIES LABELS onnx TIMEOUT 300
  SKIP_RETURN_CODE 77)

add_test(NAME onnx/export-vs-ort
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/export_vs_ort.sh $<TARGET_FILE:nex>)
set_tests_properties(onnx/export-vs-ort PROPERTIES LABELS onnx TIMEOUT 120
  SKIP_RETURN_CODE 77)
