/* memneed.c — what a model will need in memory, estimated before the heavy
 * work starts, so that work that cannot fit is refused at once with the
 * figure (exit 1) instead of dying minutes later with "out of memory"
 * (exit 2). The figures are the ones the work allocates: every weight
 * (blobs are generated or read into memory when first used), and for the
 * interpreter the most activation bytes alive at once in schedule order (it
 * frees a tensor after its last use), or all of them when it keeps every
 * intermediate. What is available is the smallest of the address-space and
 * data limits (ulimit -v, -d), less what the process holds already, and
 * MemAvailable plus free swap.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nx.h"

/* Bytes of every distinct blob the graph's constants hold (counted once
 * however many constants share one) and, of those, the ones not yet in
 * memory. */
static void weights(const nx_graph *g, uint64_t *all, uint64_t *lazy)
{
	*all = *lazy = 0;
	for (uint32_t i = 0; i < g->n_blobs; i++) {
		const nx_blob *b = g->blobs[i];
		if (!b)
			continue;
		uint64_t n = nx_blob_nbytes(b);
		*all += n;
		if (!b->data)
			*lazy += n;
	}
}

static uint64_t vbytes(const nx_graph *g, uint32_t v)
{
	int64_t n = nx_type_bytes(nx_vtype(g, v));
	return n < 0 ? UINT64_MAX / 4 : (uint64_t)n;
}

void nx_mem_need(const nx_graph *g, bool keep, nx_mem_estimate *m)
{
	memset(m, 0, sizeof *m);
	weights(g, &m->weights, &m->lazy_weights);
	/* uses left per value, as the interpreter counts them */
	uint32_t *left = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *left); /* freed below */
	NX_FOR_OPS(g, op) {
		const nx_op *p = nx_opp(g, op);
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			if (v != NX_NONE)
				left[v]++;
		}
	}
	for (uint32_t i = 0; i < g->n_outputs; i++)
		left[g->outputs[i]] = UINT32_MAX; /* pinned: never freed */
	uint64_t live = 0;
	for (uint32_t i = 0; i < g->n_inputs; i++)
		live += vbytes(g, g->inputs[i]);
	uint64_t peak = live;
	NX_FOR_OPS(g, op) {
		const nx_op *p = nx_opp(g, op);
		for (uint32_t i = 0; i < p->n_out; i++)
			live += vbytes(g, nx_result(g, op, i));
		if (live > peak)
			peak = live;
		if (keep)
			continue;
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			if (v == NX_NONE || nx_is_const(g, v) || left[v] == UINT32_MAX)
				continue;
			if (--left[v] == 0)
				live -= vbytes(g, v);
		}
	}
	free(left);
	m->run_peak = peak;
}

/* What the address-space and data limits leave (UINT64_MAX: none set), or
 * with memory too the smallest of that and MemAvailable + SwapFree. */
static uint64_t available(bool memory_too, const char **source)
{
	uint64_t best = UINT64_MAX;
	const char *src = "no limit found";
	bool by_as = false;
	struct rlimit r;
	if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < best) {
		best = r.rlim_cur;
		src = "what is left under the address-space limit (ulimit -v)";
		by_as = true;
	}
	if (getrlimit(RLIMIT_DATA, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < best) {
		best = r.rlim_cur;
		src = "what is left under the data limit (ulimit -d)";
		by_as = false;
	}
	/* The limits bound the whole process: what it already holds is not
	 * available (MemAvailable below is net of it already). */
	if (best != UINT64_MAX) {
		FILE *sf = fopen("/proc/self/statm", "r");
		unsigned long long vm = 0, rss = 0, shared = 0, text = 0, lib = 0, data = 0;
		if (sf && fscanf(sf, "%llu %llu %llu %llu %llu %llu", &vm, &rss, &shared, &text,
				 &lib, &data) == 6) {
			uint64_t used = (by_as ? vm : data) * (uint64_t)sysconf(_SC_PAGESIZE);
			best = used < best ? best - used : 0;
		}
		if (sf)
			fclose(sf);
	}
	FILE *f = memory_too ? fopen("/proc/meminfo", "r") : NULL;
	if (f) {
		char line[256];
		unsigned long long kb, avail = 0, swap = 0;
		bool found = false;
		while (fgets(line, sizeof line, f)) {
			if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
				avail = kb, found = true;
			else if (sscanf(line, "SwapFree: %llu kB", &kb) == 1)
				swap = kb;
		}
		fclose(f);
		if (found && (avail + swap) * 1024 < best) {
			best = (avail + swap) * 1024;
			src = "available memory (MemAvailable + SwapFree)";
		}
	}
	if (source)
		*source = src;
	return best;
}

uint64_t nx_mem_available(const char **source)
{
	return available(true, source);
}

static double gib(uint64_t n)
{
	return (double)n / (1024.0 * 1024.0 * 1024.0);
}

int nx_mem_fits(const char *what, uint64_t need, const char *detail, nx_err *err)
{
	const char *src;
	uint64_t have = nx_mem_available(&src);
	/* The process itself, the graph and the kernels' scratch need room
	 * too; a tenth of what is available is kept for them. */
	if (need <= have - have / 10)
		return 0;
	nx_err_set(err, "%s needs about %.2f GiB (%s), more than the %.2f GiB of %s; refused "
		   "before starting", what, gib(need), detail, gib(have), src);
	return -1;
}

int nx_mem_fits_lazy(const char *what, const nx_mem_estimate *m, uint64_t more,
		     const char *more_what, nx_err *err)
{
	char detail[160];
	snprintf(detail, sizeof detail, "%.2f GiB of weights to generate or read, %.2f GiB %s",
		 gib(m->lazy_weights), gib(more), more_what);
	return nx_mem_fits(what, m->lazy_weights + more, detail, err);
}

/* OpenBLAS (0.3.21, pthreads build) maps one work buffer of BUFFER_SIZE
 * bytes (32 << 22, 128 MiB, on x86-64: strace shows mmap(NULL, 134217728,
 * ...)) for each thread inside sgemm at the same time, keeps it, and hands
 * it to the next caller once free; each of its own server threads maps
 * one when the library loads (so those are in what the process holds
 * already). nex sets OpenBLAS to 1 thread and calls sgemm from the pieces
 * its pool runs, so every run thread may be inside sgemm at once: whether
 * a worker joins a job depends on timing (pool.c wakes workers for jobs
 * measured long), not on the graph. When the mmap fails,
 * blas_memory_alloc tries again forever: a run that cannot map it hangs,
 * spinning, instead of failing. Measured with `ulimit -v` (KiB, the
 * smallest that runs, 2 cores, OpenBLAS's server thread present): cls
 * 1x3x48x192 318750 at 1 thread, 339062 at 2 when the worker happened to
 * stay out of sgemm (and at 345000 one run in six hung with two busy loops
 * beside it: the worker had joined); a 512x512 matmul, whose worker always
 * joins, 320312 at 1 and 459375 at 2: 136 MiB more, a buffer and the
 * worker's 8 MiB stack. */
#define BLAS_BUFFER (128ull << 20)
/* A worker's first malloc makes glibc reserve it an arena: a heap of
 * HEAP_MAX_SIZE, 64 MiB on 64-bit (strace: a 128 MiB PROT_NONE mmap,
 * trimmed to 64 MiB aligned). det at 2 threads needs 200 MiB more than at
 * 1 (359375 -> 564062 KiB): buffer, arena and stack; at 535000 it hung. */
#define MALLOC_ARENA (64ull << 20)
/* Beyond the buffers, the weights and activations: the kernels' scratch
 * (im2col panels, packed weights) and malloc's per-thread arenas. */
#define BLAS_SLACK (16ull << 20)

/* Address space a pool worker's stack takes: the default pthread stack
 * (RLIMIT_STACK's soft value when the process started, 8 MiB here). */
static uint64_t thread_stack(void)
{
	pthread_attr_t a;
	size_t n = 8u << 20;
	if (pthread_attr_init(&a) == 0) {
		if (pthread_attr_getstacksize(&a, &n) != 0)
			n = 8u << 20;
		pthread_attr_destroy(&a);
	}
	return n;
}

bool nx_graph_calls_blas(const nx_graph *g)
{
	NX_FOR_OPS(g, op) {
		nx_opkind k = nx_opp(g, op)->kind;
		if ((nx_ops[k].flags & NX_F_MAC) || k == NX_OP_LSTM || k == NX_OP_GRU ||
		    k == NX_OP_RNN)
			return true;
	}
	return false;
}

static double mib(uint64_t n)
{
	return (double)n / (1024.0 * 1024.0);
}

int nx_blas_fits(const nx_graph *g, int threads, uint64_t more, nx_err *err)
{
	/* the limits first: without one (the common case) the graph is not
	 * walked */
	const char *src;
	uint64_t have = available(false, &src);
	if (have == UINT64_MAX || !nx_graph_calls_blas(g))
		return 0;
	/* Every thread of the run may be inside sgemm at once, and each
	 * worker brings its stack and malloc arena; a buffer OpenBLAS holds
	 * already (from an earlier run in this process) is counted again, as
	 * is a pool that exists already (`nex exec` opens its pool first),
	 * which errs on the side of refusing by those. */
	int nt = threads > 0 ? threads : 1;
	uint64_t blas = (uint64_t)nt * BLAS_BUFFER;
	uint64_t stacks = (uint64_t)(nt - 1) * (thread_stack() + MALLOC_ARENA);
	/* Only the limits: the buffers are address space, mostly never
	 * touched, so MemAvailable does not bound them (nx_mem_fits has
	 * checked `more` against it). The slack is a fixed few MiB plus a
	 * tenth of the weights and activations, not a tenth of what is left:
	 * that had refused cls at 2 threads under 487500 KiB, 28 MB above the
	 * most it can need. */
	uint64_t slack = BLAS_SLACK + more / 10;
	if (blas + stacks + more + slack <= have)
		return 0;
	char limit[96] = "";
	struct rlimit r;
	if (strstr(src, "ulimit -v") && getrlimit(RLIMIT_AS, &r) == 0)
		snprintf(limit, sizeof limit, ", set to %llu KiB", (unsigned long long)r.rlim_cur / 1024);
	else if (strstr(src, "ulimit -d") && getrlimit(RLIMIT_DATA, &r) == 0)
		snprintf(limit, sizeof limit, ", set to %llu KiB", (unsigned long long)r.rlim_cur / 1024);
	nx_err_set(err, "running the model needs about %.0f MiB (%.0f MiB of OpenBLAS work "
		   "buffers, 128 MiB for each of %d thread%s, %.0f MiB of worker stacks and malloc "
		   "arenas, %.1f "
		   "MiB of weights and activations and %.0f MiB to spare), more than the %.0f "
		   "MiB of %s%s; refused before starting (OpenBLAS would retry its failed mmap "
		   "forever): raise the limit or use fewer threads",
		   mib(blas + stacks + more + slack), mib(blas), nt, nt == 1 ? "" : "s",
		   mib(stacks), mib(more), mib(slack), mib(have), src, limit);
	return -1;
}
