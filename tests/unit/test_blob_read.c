/* test_blob_read.c — the two shortcuts `nex opt` takes on a large graph:
 * nx_blob_read generates a fill blob into the caller's buffer with the bytes
 * nx_blob_data would cache, without caching them (fold-batchnorm reads its
 * parameters that way), and the full verifier, which now infers types on
 * the graph itself instead of a clone, still catches a stale type and
 * leaves every value's type as it found it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"

static void test_fill_read_not_cached(void)
{
	int64_t dims[2] = {4, 8};
	nx_type t = nx_type_make(NX_F32, 2, dims);
	nx_blob *a = nx_blob_new_fill(&t, NX_FILL_RANDOM, 7);
	nx_blob *b = nx_blob_new_fill(&t, NX_FILL_RANDOM, 7);
	size_t n = nx_blob_nbytes(a);
	CHECK_EQ_INT(n, 4 * 8 * sizeof(float));
	float *tmp = calloc(1, n);
	const void *r = nx_blob_read(a, tmp);
	CHECK(r == tmp);
	CHECK(a->data == NULL); /* generated into tmp, nothing cached */
	const void *d = nx_blob_data(b);
	CHECK(d != NULL && !memcmp(d, tmp, n));
	/* a blob that has its bytes hands them out, scratch untouched */
	memset(tmp, 0, n);
	CHECK(nx_blob_read(b, tmp) == d);
	CHECK(((const float *)tmp)[0] == 0.0f);
	free(tmp);
	nx_blob_unref(a);
	nx_blob_unref(b);
}

static const char src[] =
	"graph @t(%x: f32[2,3]) -> (%y: f32[3,2]) {\n"
	"  %r = relu(%x) : f32[2,3]\n"
	"  %y = reshape(%r) {shape=[3,2]} : f32[3,2]\n"
	"  return %y\n"
	"}\n";

static void test_full_verify_in_place(void)
{
	nx_err err;
	nx_graph *g = nx_parse(src, strlen(src), "t.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK(nx_verify(g, &err) == 0);
	uint32_t y = nx_value_by_name(g, "y", 1), r = nx_value_by_name(g, "r", 1);
	uint32_t ty = nx_val(g, y)->type, tr = nx_val(g, r)->type;
	CHECK(nx_verify(g, &err) == 0);
	CHECK_EQ_INT(nx_val(g, y)->type, ty);
	CHECK_EQ_INT(nx_val(g, r)->type, tr);
	/* a stale type on the last op: caught, and the stale type left as is */
	nx_attr_set_ints(g, nx_val(g, y)->producer, "shape", (int64_t[]){6}, 1);
	CHECK(nx_verify(g, &err) != 0);
	CHECK_CONTAINS(err.msg, "(reshape)");
	CHECK_CONTAINS(err.msg, "declared f32[3,2], inferred f32[6]");
	CHECK_EQ_INT(nx_val(g, y)->type, ty);
	CHECK_EQ_INT(nx_val(g, r)->type, tr);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"fill_read_not_cached", test_fill_read_not_cached},
		{"full_verify_in_place", test_full_verify_in_place},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
