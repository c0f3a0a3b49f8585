/* kern_tfidf.c — the tf_idf_vectorizer op (ONNX TfIdfVectorizer, integer
 * pools only): counts the n-grams of each row of X ([C] or [N, C], i32 or
 * i64) that appear in a pool, into [out] or [N, out] f32. Shape inference
 * and kernel.
 *
 * The pool (pool_int64s) holds the 1-grams, then the 2-grams, ...;
 * ngram_counts[k] is where the (k+1)-grams start, ngram_indexes gives each
 * pool n-gram (in pool order) its output column, and out is the largest
 * index + 1. An n-gram is n items `skip + 1` apart for skip in 0 ..
 * max_skip_count (1-grams are counted once per position, not once per skip,
 * as onnxruntime does); n-grams never cross rows. Only lengths min_gram_length
 * .. max_gram_length count. mode TF gives the counts, IDF the weight (1
 * without `weights`) where the count is nonzero, TFIDF count x weight.
 * Each n-gram is compared with the pool's n-grams of its length in turn: a
 * reference, linear in the pool size.
 */
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

enum { TF, IDF, TFIDF };

typedef struct pool_geom {
	const int64_t *pool, *counts, *indexes;
	uint32_t n_pool, n_counts, n_indexes;
	int64_t min_n, max_n, max_skip, out;
	int mode;
} pool_geom;

/* Checks the attributes against each other; -1 + err naming the first that
 * does not fit. */
static int pool_check(const nx_graph *g, uint32_t o, pool_geom *p, nx_err *err)
{
	const char *mode = nx_attr_s(g, o, "mode", "TF");
	if (!strcmp(mode, "TF"))
		p->mode = TF;
	else if (!strcmp(mode, "IDF"))
		p->mode = IDF;
	else if (!strcmp(mode, "TFIDF"))
		p->mode = TFIDF;
	else
		return nx_infer_fail(g, o, err, "mode \"%s\" is unknown (TF, IDF, TFIDF)", mode);
	p->min_n = nx_attr_i(g, o, "min_gram_length", 1);
	p->max_n = nx_attr_i(g, o, "max_gram_length", 1);
	p->max_skip = nx_attr_i(g, o, "max_skip_count", 0);
	p->pool = nx_attr_ints(g, o, "pool_int64s", &p->n_pool);
	p->counts = nx_attr_ints(g, o, "ngram_counts", &p->n_counts);
	p->indexes = nx_attr_ints(g, o, "ngram_indexes", &p->n_indexes);
	if (p->min_n < 1 || p->max_n < p->min_n)
		return nx_infer_fail(g, o, err, "gram lengths %lld..%lld are not 1 <= min <= max",
				     (long long)p->min_n, (long long)p->max_n);
	if (p->max_n > 64)
		return nx_infer_fail(g, o, err, "max_gram_length %lld: nex counts n-grams of up "
				     "to 64 items", (long long)p->max_n);
	if (p->max_skip < 0)
		return nx_infer_fail(g, o, err, "max_skip_count is negative");
	if ((int64_t)p->n_counts != p->max_n)
		return nx_infer_fail(g, o, err, "ngram_counts has %u entries; it needs one per "
				     "n-gram length up to max_gram_length %lld", p->n_counts,
				     (long long)p->max_n);
	uint32_t grams = 0;
	for (uint32_t k = 0; k < p->n_counts; k++) {
		int64_t s = p->counts[k], e = k + 1 < p->n_counts ? p->counts[k + 1]
								  : (int64_t)p->n_pool;
		if (s < 0 || e < s || e > (int64_t)p->n_pool || (e - s) % (int64_t)(k + 1))
			return nx_infer_fail(g, o, err, "ngram_counts[%u] = %lld does not split the "
					     "pool of %u into %u-grams", k, (long long)s, p->n_pool,
					     k + 1);
		grams += (uint32_t)((e - s) / (int64_t)(k + 1));
	}
	if (grams != p->n_indexes)
		return nx_infer_fail(g, o, err, "the pool holds %u n-grams, ngram_indexes %u",
				     grams, p->n_indexes);
	p->out = 0;
	for (uint32_t j = 0; j < p->n_indexes; j++) {
		if (p->indexes[j] < 0)
			return nx_infer_fail(g, o, err, "ngram_indexes[%u] is negative", j);
		if (p->indexes[j] + 1 > p->out)
			p->out = p->indexes[j] + 1;
	}
	if (p->out < 1)
		return nx_infer_fail(g, o, err, "the pool is empty: no output columns");
	uint32_t nw;
	if (nx_attr_floats(g, o, "weights", &nw) && nw != p->n_indexes)
		return nx_infer_fail(g, o, err, "weights has %u entries, ngram_indexes %u", nw,
				     p->n_indexes);
	return 0;
}

int nx_infer_tf_idf(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, (1u << NX_I32) | (1u << NX_I64), err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (x.rank != 1 && x.rank != 2)
		return nx_infer_fail(g, o, err, "X must be [C] or [N, C]");
	pool_geom p;
	if (pool_check(g, o, &p, err))
		return -1;
	nx_type y = x.rank == 1 ? nx_type_make(NX_F32, 1, &p.out)
				: nx_type_make(NX_F32, 2, (int64_t[]){x.dims[0], p.out});
	return nx_infer_set(g, o, 0, &y, err);
}

int nx_kern_tf_idf(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	pool_geom p;
	if (pool_check(k->g, k->op, &p, k->err))
		return -1;
	int64_t rows = x->type.rank == 2 ? x->type.dims[0] : 1;
	int64_t C = x->type.dims[x->type.rank - 1];
	double *cnt = nx_xcalloc((size_t)p.out, sizeof *cnt);
	int64_t item[64];
	for (int64_t r = 0; r < rows; r++) {
		memset(cnt, 0, (size_t)p.out * sizeof *cnt);
		for (int64_t n = p.min_n; n <= p.max_n && n <= 64; n++) {
			int64_t s0 = p.counts[n - 1];
			int64_t e0 = n < (int64_t)p.n_counts ? p.counts[n] : (int64_t)p.n_pool;
			/* the first pool n-gram of length n is number first */
			int64_t first = 0;
			for (int64_t q = 0; q < n - 1; q++) {
				int64_t a = p.counts[q], b = p.counts[q + 1];
				first += (b - a) / (q + 1);
			}
			int64_t dmax = n == 1 ? 1 : p.max_skip + 1;
			for (int64_t d = 1; d <= dmax; d++)
				for (int64_t i = 0; i + (n - 1) * d < C; i++) {
					for (int64_t q = 0; q < n; q++)
						item[q] = nx_tensor_get_int(x, r * C + i + q * d);
					for (int64_t s = s0, j = first; s < e0; s += n, j++)
						if (!memcmp(p.pool + s, item, (size_t)n * sizeof *item))
							cnt[p.indexes[j]] += 1;
				}
		}
		uint32_t nw;
		const float *w = nx_attr_floats(k->g, k->op, "weights", &nw);
		for (int64_t c = 0; c < p.out; c++) {
			double v = cnt[c];
			if (p.mode != TF) {
				double wt = 1;
				if (w)
					for (uint32_t j = 0; j < p.n_indexes; j++)
						if (p.indexes[j] == c)
							wt = w[j];
				v = p.mode == IDF ? (v > 0 ? wt : 0) : v * wt;
			}
			nx_tensor_set(y, r * p.out + c, v);
		}
	}
	free(cnt);
	return 0;
}
