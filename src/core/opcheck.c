/* opcheck.c — the registry checks that every reader of ops makes: operand and
 * result counts against the op table, which operands may be absent, and a
 * declared result type against the inferred one. The text parser, the JSON
 * reader, shape inference and the verifier all call these, so one fault reads
 * the same whichever door it came in by; each caller only puts its own
 * location in front (file:line:col, ops[12] (...), op %x (kind)). */
#include <string.h>

#include "nx_int.h"

static const char *count_range(char *buf, size_t n, unsigned lo, unsigned hi)
{
	if (hi == NX_VARIADIC)
		snprintf(buf, n, "at least %u", lo);
	else if (lo == hi)
		snprintf(buf, n, "%u", lo);
	else
		snprintf(buf, n, "%u to %u", lo, hi);
	return buf;
}

int nx_check_count(int kind, bool results, uint32_t n, nx_err *err)
{
	const nx_opinfo *k = &nx_ops[kind];
	unsigned lo = results ? k->out_min : k->in_min, hi = results ? k->out_max : k->in_max;
	if (n >= lo && (hi == NX_VARIADIC || n <= hi))
		return 0;
	char range[48];
	/* "1 operand", "at least 1 operand", but "2 operands", "1 to 3 operands" */
	bool one = lo == 1 && (hi == 1 || hi == NX_VARIADIC);
	nx_err_set(err, "%s %s %s %s%s, got %u", k->name, results ? "gives" : "takes",
		   count_range(range, sizeof range, lo, hi), results ? "result" : "operand",
		   one ? "" : "s", n);
	return -1;
}

int nx_check_absent(int kind, uint32_t i, nx_err *err)
{
	const nx_opinfo *k = &nx_ops[kind];
	if (i < k->in_min) {
		nx_err_set(err, "operand %u of %s is required, but absent", i, k->name);
		return -1;
	}
	/* Only the optional tail may be absent; a variadic list (concat, max,
	 * min) has none, but an opaque op keeps whatever its source had. */
	if (k->in_max == NX_VARIADIC && !(k->flags & NX_F_OPAQUE)) {
		nx_err_set(err, "operand %u of %s is absent: every operand of %s must be given", i,
			   k->name, k->name);
		return -1;
	}
	return 0;
}

bool nx_type_same_shape(const nx_type *a, const nx_type *b)
{
	return a->dtype == b->dtype && a->rank == b->rank &&
	       !memcmp(a->dims, b->dims, (size_t)a->rank * sizeof a->dims[0]);
}

int nx_check_declared(const char *name, const nx_type *declared, const nx_type *inferred,
		      nx_err *err)
{
	if (nx_type_same_shape(declared, inferred))
		return 0;
	char a[160], b[160];
	nx_type_str(declared, a, sizeof a);
	nx_type_str(inferred, b, sizeof b);
	nx_err_set(err, "result %%%s: declared %s, inferred %s", name, a, b);
	return -1;
}
