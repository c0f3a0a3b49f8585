/* systolic.c — the MAC array: a conv or matmul as a GEMM on a rows x cols
 * systolic array, counted as SCALE-Sim v2 counts it.
 *
 * Mapping (Samajdar et al., arXiv:1811.02883): a conv is a GEMM with
 * N_ofmap output pixels, a window of R x S x C/groups and M filters. The
 * dataflow picks which operand stays in the array:
 *     WS: S_R = window,  S_C = M,       T = N_ofmap
 *     OS: S_R = N_ofmap, S_C = M,       T = window
 *     IS: S_R = window,  S_C = N_ofmap, T = M
 * The operand matrix is cut into ceil(S_R/rows) x ceil(S_C/cols) folds; each
 * fold streams T rows after a fill and before a drain. The cycle count is
 * the tool's, not the paper's: scalesim/compute/systolic_compute_{ws,os,is}.py
 * build per-fold demand matrices of (fill + T) rows with fill = 2R + C - 2
 * for WS and IS (R prefix rows, C - 1 suffix rows, R - 1 of skew) and
 * R + C - 2 for OS (no prefix), and the run reports one cycle less than
 * their total (NE-MODEL.md §5, checked against the AlexNet conv1 golden).
 * The SRAM access counts are the ones those files accumulate, including
 * OS's ofmap count, which adds rows + cols per fold on top of the real
 * writes.
 */
#include <math.h>

#include "nxs.h"

static int64_t cdiv(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

void nxs_systolic_gemm(int dataflow, int64_t rows, int64_t cols, int64_t n_ofmap,
		       int64_t window, int64_t filters, nxs_systolic *o)
{
	int64_t sr, sc, t, fill;
	switch (dataflow) {
	case NX_DF_OS:
		sr = n_ofmap, sc = filters, t = window, fill = rows + cols - 2;
		break;
	case NX_DF_IS:
		sr = window, sc = n_ofmap, t = filters, fill = 2 * rows + cols - 2;
		break;
	default:
		sr = window, sc = filters, t = n_ofmap, fill = 2 * rows + cols - 2;
		break;
	}
	o->rows = rows, o->cols = cols, o->sr = sr, o->sc = sc, o->t = t;
	o->row_folds = cdiv(sr, rows);
	o->col_folds = cdiv(sc, cols);
	double folds = (double)o->row_folds * (double)o->col_folds;
	o->cycles = (double)(fill + t) * folds - 1;
	o->mapping_eff = (double)sr * (double)sc / (folds * (double)rows * (double)cols);
	double macs = (double)sr * (double)sc * (double)t;
	o->util = macs / (o->cycles * (double)rows * (double)cols);
	switch (dataflow) {
	case NX_DF_OS:
		o->ifmap_reads = sr * t * o->col_folds;
		o->filter_reads = t * sc * o->row_folds;
		o->ofmap_writes = sr * sc + o->row_folds * o->col_folds * (rows + cols);
		break;
	case NX_DF_IS:
		o->ifmap_reads = sr * sc;
		o->filter_reads = sr * t * o->col_folds;
		o->ofmap_writes = sc * t * o->row_folds;
		break;
	default:
		o->ifmap_reads = t * sr * o->col_folds;
		o->filter_reads = sr * sc;
		o->ofmap_writes = t * sc * o->row_folds;
		break;
	}
}

double nxs_array_cycles(const nx_target *t, int dtype, int64_t batch, int64_t n_ofmap,
			int64_t window, int64_t filters, double *mapping)
{
	int64_t cols = t->array_cols;
	int64_t rows = nx_target_macs(t, dtype) / cols;
	if (n_ofmap < 1 || window < 1 || filters < 1 || batch < 1) {
		if (mapping)
			*mapping = 0;
		return 0;
	}
	/* The cores share out the folds of every GEMM in the batch; when that
	 * leaves cores idle or unevenly loaded, the output pixels are split p
	 * ways too (each part is a GEMM with fewer pixels, so more fill per
	 * pixel). The compiler is assumed to take the cheapest p. The folds
	 * and per-fold cycles are nxs_systolic_gemm's, inlined: this runs once
	 * per MAC op on every re-cost. */
	int64_t cores = t->cores, div[64], n_div = 0;
	for (int64_t d = 1; d * d <= cores && n_div < 62; d++)
		if (cores % d == 0) {
			div[n_div++] = d;
			if (d * d != cores)
				div[n_div++] = cores / d;
		}
	/* ascending, small: insertion sort */
	for (int64_t i = 1; i < n_div; i++)
		for (int64_t j = i; j > 0 && div[j - 1] > div[j]; j--) {
			int64_t x = div[j];
			div[j] = div[j - 1];
			div[j - 1] = x;
		}
	int df = (int)t->dataflow;
	int64_t fill = df == NX_DF_OS ? rows + cols - 2 : 2 * rows + cols - 2;
	/* WS folds do not depend on the pixel split: only T does. */
	double ws_folds = (double)cdiv(window, rows) * (double)cdiv(filters, cols);
	double best = -1;
	int64_t best_p = 1;
	for (int64_t k = 0; k < n_div; k++) {
		int64_t p = div[k];
		if (p > 1 && p > n_ofmap)
			break;
		int64_t px = cdiv(n_ofmap, p), tt;
		double folds;
		switch (df) {
		case NX_DF_OS:
			folds = (double)cdiv(px, rows) * (double)cdiv(filters, cols), tt = window;
			break;
		case NX_DF_IS:
			folds = (double)cdiv(window, rows) * (double)cdiv(px, cols), tt = filters;
			break;
		default:
			folds = ws_folds, tt = px;
			break;
		}
		double units = (double)batch * folds * (double)p;
		double cyc = ceil(units / (double)cores) * (double)(fill + tt) - 1;
		if (best < 0 || cyc < best) {
			best = cyc;
			best_p = p;
		}
		if (units >= 64.0 * (double)cores || fmod(units, (double)cores) == 0)
			break; /* balanced already: more splits only add fill */
	}
	if (mapping) {
		nxs_systolic s;
		nxs_systolic_gemm((int)t->dataflow, rows, cols, cdiv(n_ofmap, best_p), window, filters,
				  &s);
		*mapping = s.mapping_eff;
	}
	return best;
}
