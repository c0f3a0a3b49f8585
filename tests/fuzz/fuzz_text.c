/* fuzz_text.c — libFuzzer target for the .nex text parser: any input must
 * give a graph or a located error, never a crash or a leak; a graph that
 * parses must print and parse back to the same text. */
#include <stdlib.h>
#include <string.h>

#include "nx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_graph *g = nx_parse((const char *)data, size, "fuzz.nex", "/nonexistent", &err);
	if (!g)
		return 0;
	size_t n1, n2;
	char *t1 = nx_print_str(g, &nx_print_defaults, &n1);
	nx_graph *h = nx_parse(t1, n1, "fuzz2.nex", "/nonexistent", &err);
	if (h) {
		char *t2 = nx_print_str(h, &nx_print_defaults, &n2);
		if (n1 != n2 || memcmp(t1, t2, n1))
			abort(); /* round trip broken */
		free(t2);
		nx_graph_free(h);
	}
	free(t1);
	nx_graph_free(g);
	return 0;
}
