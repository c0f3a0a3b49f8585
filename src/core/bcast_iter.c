/* bcast_iter.c — a walker over the elements of a broadcasting op's result
 * that keeps, for each of up to NX_BC_MAX operands, the flat index of the
 * element numpy broadcasting pairs with it. The comparison, logic, Where,
 * Mod and variadic Sum/Mean kernels read operands of any dtype element by
 * element through it; advancing costs O(1) amortized (an odometer with
 * per-operand strides, 0 on a broadcast dim), not a division per dim per
 * element.
 */
#include <string.h>

#include "nx_int.h"

void nx_bc_init(nx_bc_iter *it, const nx_type *out, const nx_type *const *ops, int n)
{
	memset(it, 0, sizeof *it);
	it->rank = out->rank;
	it->n = n;
	for (int d = 0; d < out->rank; d++)
		it->dims[d] = out->dims[d];
	for (int k = 0; k < n; k++) {
		const nx_type *t = ops[k];
		int64_t s = 1;
		for (int d = out->rank - 1; d >= 0; d--) {
			int td = d - (out->rank - t->rank);
			int64_t dim = td >= 0 ? t->dims[td] : 1;
			it->st[k][d] = dim == 1 ? 0 : s;
			s *= dim;
		}
	}
}

void nx_bc_next(nx_bc_iter *it)
{
	for (int d = it->rank - 1; d >= 0; d--) {
		for (int k = 0; k < it->n; k++)
			it->off[k] += it->st[k][d];
		if (++it->idx[d] < it->dims[d])
			return;
		for (int k = 0; k < it->n; k++)
			it->off[k] -= it->st[k][d] * it->dims[d];
		it->idx[d] = 0;
	}
}

int nx_bc_check(const nx_type *out, const nx_type *t)
{
	if (t->rank > out->rank)
		return -1;
	for (int d = 0; d < t->rank; d++) {
		int64_t od = out->dims[out->rank - t->rank + d];
		if (t->dims[d] != 1 && t->dims[d] != od)
			return -1;
	}
	return 0;
}
