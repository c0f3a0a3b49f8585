/* memref_copy.c — the one runtime hook that MLIR 14's memref-to-llvm
 * lowering calls and mlir-cpu-runner-14 needs from a library (Debian ships
 * the runner without libmlir_c_runner_utils): memrefCopy(elem_size, src,
 * dst) over strided views, as MLIR's CRunnerUtils defines it. Loaded by
 * mlir_check.sh through -shared-libs; built without sanitizers, since the
 * runner is not. */
#include <stdint.h>
#include <string.h>

typedef struct unranked {
	int64_t rank;
	void *desc; /* allocated ptr, aligned ptr, offset, sizes[rank], strides[rank] */
} unranked;

void memrefCopy(int64_t es, unranked *src, unranked *dst);

void memrefCopy(int64_t es, unranked *src, unranked *dst)
{
	int64_t rank = src->rank;
	char *sp = ((char **)src->desc)[1], *dp = ((char **)dst->desc)[1];
	const int64_t *sm = (const int64_t *)((char **)src->desc + 2);
	const int64_t *dm = (const int64_t *)((char **)dst->desc + 2);
	sp += sm[0] * es;
	dp += dm[0] * es;
	if (rank == 0) {
		memcpy(dp, sp, (size_t)es);
		return;
	}
	const int64_t *sizes = sm + 1, *ss = sm + 1 + rank, *ds = dm + 1 + rank;
	int64_t idx[16] = {0};
	if (rank > 16)
		return;
	for (int64_t d = 0; d < rank; d++)
		if (sizes[d] == 0)
			return;
	for (;;) {
		int64_t so = 0, doff = 0;
		for (int64_t d = 0; d < rank; d++) {
			so += idx[d] * ss[d];
			doff += idx[d] * ds[d];
		}
		memcpy(dp + doff * es, sp + so * es, (size_t)es);
		int64_t d = rank - 1;
		while (d >= 0 && ++idx[d] == sizes[d])
			idx[d--] = 0;
		if (d < 0)
			return;
	}
}
