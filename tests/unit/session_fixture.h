/* session_fixture.h — the model the session tests step through: `pairs`
 * conv + batch_norm pairs on f32[1,4,8,8] (one weight and one set of
 * batch-norm constants shared by all) and a relu, so that fold-batchnorm
 * makes exactly `pairs` rewrites, each removing one op, and fuse-activation
 * one. Header-only: each test is its own executable. */
#ifndef SESSION_FIXTURE_H
#define SESSION_FIXTURE_H
#include "nx.h"
#include "nxw.h"

/* The graph (caller frees with nx_graph_free), or NULL with the parser's
 * message printed. */
static inline nx_graph *chain_graph(int pairs)
{
	nx_strbuf b = {0};
	nx_strbuf_puts(&b, "graph @chain(%x: f32[1,4,8,8]) -> (%y: f32[1,4,8,8]) {\n"
		       "  %w = const f32[4,4,1,1] fill(random, seed=1)\n"
		       "  %s = const f32[4] fill(random, seed=2)\n"
		       "  %b = const f32[4] fill(random, seed=3)\n"
		       "  %m = const f32[4] fill(random, seed=4)\n"
		       "  %v = const f32[4] fill(random, seed=5)\n");
	for (int i = 1; i <= pairs; i++) {
		if (i == 1)
			nx_strbuf_puts(&b, "  %c1 = conv(%x, %w) : f32[1,4,8,8]\n");
		else
			nx_strbuf_printf(&b, "  %%c%d = conv(%%n%d, %%w) : f32[1,4,8,8]\n", i, i - 1);
		nx_strbuf_printf(&b, "  %%n%d = batch_norm(%%c%d, %%s, %%b, %%m, %%v) : f32[1,4,8,8]\n",
			     i, i);
	}
	nx_strbuf_printf(&b, "  %%y = relu(%%n%d) : f32[1,4,8,8]\n  return %%y\n}\n", pairs);
	nx_err err;
	nx_graph *g = nx_parse(b.s, b.n, "chain.nex", NULL, &err);
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	free(b.s);
	return g;
}

/* A session on chain_graph(pairs) with pipeline set; caller frees with
 * nxw_session_free. NULL with the message printed on failure. */
static inline nxw_session *chain_session(int pairs, const char *pipeline)
{
	nx_graph *g = chain_graph(pairs);
	if (!g)
		return NULL;
	nxw_session *s = nxw_session_new(g);
	nx_err err;
	if (nxw_set_pipeline(s, pipeline, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		nxw_session_free(s);
		return NULL;
	}
	return s;
}
#endif
