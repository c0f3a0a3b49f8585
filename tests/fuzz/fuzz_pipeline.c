/* fuzz_pipeline.c — libFuzzer target past the loaders: a .nex text that
 * parses is run through the reference interpreter, the default pipeline
 * (verifying after every pass: a pass that leaves an invalid graph is a
 * bug, abort) and the simulator on the m1 target. Only small graphs go on
 * (at most 64 ops and 4096 elements per value), so an input costs
 * milliseconds, not the fuzzer's time budget.
 *
 * The parser resolves file(...) in the real folder loaded.h makes, so the
 * confinement and length checks of confine.c are fuzzed too (seeds:
 * tests/golden, examples). Errors are expected; crashes, sanitizer reports
 * and leaks are what the target finds. */
#include "loaded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_fileroot root = {folder, false};
	nx_graph *g = nx_parse_in((const char *)data, size, "fuzz.nex", &root, &err);
	if (g)
		run_loaded(g);
	return 0;
}
