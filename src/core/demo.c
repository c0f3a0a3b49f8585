/* demo.c — the built-in demo model: examples/demo.nex, a small
 * MobileNetV2-like CNN that gives every pass of the catalogue something to
 * do (DESIGN.md §3). CMake embeds the file's text as nx_demo_text, so `nex`
 * with no argument needs no file on disk; it is parsed like any .nex file. */
#include <string.h>

#include "nx.h"

nx_graph *nx_demo(nx_err *err)
{
	nx_graph *g = nx_parse(nx_demo_text, strlen(nx_demo_text), "demo.nex", NULL, err);
	if (!g)
		return NULL;
	/* The demo ships inside the binary: if it breaks a rule, say so now
	 * rather than at the first pass. */
	if (nx_verify(g, err) != 0) {
		nx_err_prefix(err, "demo.nex: ");
		nx_graph_free(g);
		return NULL;
	}
	return g;
}
