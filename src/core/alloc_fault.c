/* alloc_fault.c — allocation failure injection, for tests only: with
 * NEX_FAIL_ALLOC=N in the environment, the Nth allocation of the process
 * fails, as if memory had run out there. Every allocation nex makes goes
 * through nx_xmalloc and its siblings (util.c), and cJSON's and
 * protobuf-c's through the hooks below, so one counter sees them all; a
 * failure ends in nx_die ("out of memory", exit 2) wherever it happens. The
 * fault tests (tests/files/alloc_faults.sh) run a load, a pipeline and a
 * session save for many N and check that each run ends with that error,
 * no sanitizer report and the saved files intact.
 *
 * The counter is process state like die.c's hook: set once from
 * nx_process_init (main, benchmarks, tests) and only counted after that.
 * Without the variable it costs one predictable branch per allocation.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <cJSON.h>

#include "nx.h"
#include "onnx.pb-c.h"

static uint64_t fail_at;   /* 0: never */
/* allocations counted so far; atomic: the interpreter's threads allocate */
static _Atomic uint64_t n_allocs;

bool nx_alloc_fails(void)
{
	return fail_at && atomic_fetch_add(&n_allocs, 1) + 1 == fail_at;
}

/* cJSON's allocations die as nex's do (cJSON would otherwise report a
 * failed allocation as a parse error, blaming the file). */
static void *cjson_alloc(size_t n)
{
	return nx_xmalloc(n);
}

static void *pb_alloc(void *data, size_t n)
{
	(void)data;
	return nx_xmalloc(n);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* Read-only after this file's initialisation; non-const only because
 * protobuf-c's prototypes take it so. */
ProtobufCAllocator nx_pb_allocator = {pb_alloc, pb_free, NULL};

void nx_alloc_init(void)
{
	const char *e = getenv("NEX_FAIL_ALLOC");
	char *end;
	unsigned long long n = e ? strtoull(e, &end, 10) : 0;
	fail_at = e && *e && !*end ? n : 0;
	n_allocs = 0;
	cJSON_Hooks h = {cjson_alloc, free};
	cJSON_InitHooks(&h);
}
