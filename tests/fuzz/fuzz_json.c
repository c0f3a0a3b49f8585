/* fuzz_json.c — libFuzzer target for the JSON loader: a graph or a located
 * error, never a crash or a leak. */
#include <stdlib.h>

#include "nx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_graph *g = nx_json_parse((const char *)data, size, "fuzz.json", "/nonexistent", &err);
	if (g) {
		char *s = nx_json_print(g, &nx_print_defaults);
		free(s);
		nx_graph_free(g);
	}
	return 0;
}
