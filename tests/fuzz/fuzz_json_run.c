/* fuzz_json_run.c — libFuzzer target past the JSON loader: a JSON graph
 * that loads, with its "file" weights read from loaded.h's real folder
 * (confinement, symlinks, short files), goes through the interpreter, the
 * default pipeline and the simulator (loaded.h). Seeds: the golden JSON
 * cases. Errors are expected; crashes, sanitizer reports, leaks and a pass
 * that breaks the verifier are what it finds. */
#include "loaded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_fileroot root = {folder, false};
	nx_graph *g = nx_json_parse_in((const char *)data, size, "fuzz.json", &root, &err);
	if (g)
		run_loaded(g);
	return 0;
}
