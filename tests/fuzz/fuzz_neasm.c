/* fuzz_neasm.c — libFuzzer target for the NE program readers: the .neasm
 * text parser and the binary reader. Any input must give a program or a
 * located error, never a crash or a leak; a program that reads must pass
 * or fail the static checker cleanly, and print, parse back and print to
 * the same text. Programs refer to a graph: the fuzzer's is the demo after
 * the default pipeline on m1, built once, which is what the seeds
 * (tests/fuzz/seeds/prog-demo.*, `nex codegen demo`) were lowered from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nxg.h"
#include "nxw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nxw_session *sess;   /* the fuzzer's process-wide fixture */
static nx_target tgt;

static const nx_graph *fixture(void)
{
	if (sess)
		return nxw_cur(sess)->snap;
	nx_err err;
	nx_graph *g = nx_demo(&err);
	if (!g || nx_target_preset("m1", &tgt, &err))
		abort();
	sess = nxw_session_new(g); /* takes g; lives as long as the process */
	nxw_set_target(sess, &tgt);
	if (nxw_set_pipeline(sess, "default", &err) || nxw_apply_all(sess, -1, &err))
		abort();
	return nxw_cur(sess)->snap;
}

static void round_trip(const nxg_prog *p, const nx_graph *g)
{
	nx_err err;
	/* the checker walks every descriptor: only for spaces it can afford */
	if (p->space[NXG_SRAM] + p->space[NXG_DRAM] + p->space[NXG_KMEM] < ((int64_t)1 << 28))
		nxg_check(p, g, &tgt, &err);
	char *t1 = nxg_print(p, g);
	nxg_prog *q = nxg_parse(t1, strlen(t1), "fuzz2.neasm", g, &err);
	if (!q)
		{ fprintf(stderr, "%s\n%s", err.msg, t1); abort(); } /* a program that printed must read back */
	char *t2 = nxg_print(q, g);
	if (strcmp(t1, t2))
		abort(); /* round trip broken */
	free(t1);
	free(t2);
	nxg_prog_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const nx_graph *g = fixture();
	nx_err err;
	nxg_prog *p = nxg_parse((const char *)data, size, "fuzz.neasm", g, &err);
	if (p) {
		round_trip(p, g);
		nxg_prog_free(p);
	}
	p = nxg_bin_read(data, size, "fuzz.bin", g, &err);
	if (p) {
		round_trip(p, g);
		nxg_prog_free(p);
	}
	return 0;
}
