# onnx_check.py — the peer of nex's ONNX import for the benchmark suite
# (tests/bench/suite.sh): what a Python tool does first with a model, timed
# inside one process so that interpreter start-up and `import onnx` are not
# counted: onnx.load + onnx.checker.check_model +
# onnx.shape_inference.infer_shapes. One warm-up, then RUNS timed runs
# (0 = one run without warm-up); prints the suite's line
#   BENCH name=onnx-import runs=R median_ms=M min_ms=A max_ms=B rss_kb=K
# usage: python3 onnx_check.py MODEL.onnx [RUNS]
import resource
import statistics
import sys
import time

import onnx


def once(path):
    m = onnx.load(path)
    onnx.checker.check_model(m)
    onnx.shape_inference.infer_shapes(m)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python3 onnx_check.py MODEL.onnx [RUNS]")
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) == 3 else 5
    if runs > 0:
        once(path)
    times = []
    for _ in range(max(runs, 1)):
        t0 = time.perf_counter()
        once(path)
        times.append((time.perf_counter() - t0) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("BENCH name=onnx-import runs=%d median_ms=%.4f min_ms=%.4f max_ms=%.4f rss_kb=%d"
          % (len(times), statistics.median(times), min(times), max(times), rss))


main()
