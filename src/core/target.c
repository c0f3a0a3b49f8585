/* target.c — the accelerator description (nx_target): its field table, and
 * reading and writing fields by name as text and as JSON.
 *
 * Every field is reachable by name through one table, so the CLI's --set,
 * target JSON files, Lua and the TUI share a single parser and a single list
 * of what exists; an unknown name is an error that lists them all. Values
 * take the units a hardware person writes ("4MiB", "1.3GHz", "68GB/s",
 * "85us", "50%"); get() prints the stored figure exactly, so what it writes
 * reads back to the same bits. The presets live in target_presets.c, the
 * meaning of every field in docs/ne-model.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "nx.h"

#define F(nm, kind, member, unit, doc) {nm, kind, offsetof(nx_target, member), unit, doc}
static const nx_target_field fields[] = {
	F("name", NX_TF_STR, name, "", "preset or file the target came from"),
	F("cores", NX_TF_INT, cores, "", "NE cores, each one MAC array"),
	F("macs_fp16", NX_TF_INT, macs_fp16, "MAC/cycle/core", "fp16 MACs per cycle per core (f32, bf16 run as fp16)"),
	F("macs_int8", NX_TF_INT, macs_int8, "MAC/cycle/core", "int8 MACs per cycle per core"),
	F("array_cols", NX_TF_INT, array_cols, "", "MAC array columns (rows = macs / array_cols)"),
	F("dataflow", NX_TF_ENUM, dataflow, "", "array dataflow: ws, os or is (SCALE-Sim's)"),
	F("vec_elems", NX_TF_INT, vec_elems, "elem/cycle/core", "element ops per cycle per core of the vector unit"),
	F("clock", NX_TF_REAL, clock, "Hz", "NE clock"),
	F("sram", NX_TF_BYTES, sram, "bytes", "on-chip activation memory (tile L2)"),
	F("kmem", NX_TF_BYTES, kmem, "bytes", "kernel (weight) buffer"),
	F("sram_bw", NX_TF_REAL, sram_bw, "B/cycle", "on-chip memory bandwidth"),
	F("dram_bw", NX_TF_REAL, dram_bw, "B/cycle", "DRAM bandwidth of the whole SoC"),
	F("dram_share", NX_TF_FRACTION, dram_share, "", "share of dram_bw the NE gets"),
	F("task_overhead", NX_TF_REAL, task_overhead, "cycles", "fixed cost of each op (task)"),
	F("launch_overhead", NX_TF_REAL, launch_overhead, "us", "fixed cost of each program dispatch"),
	F("align", NX_TF_BYTES, align, "bytes", "NE layout: last axis padded to this"),
	F("buf_gran", NX_TF_BYTES, buf_gran, "bytes", "NE buffers come in units of this"),
	F("max_kernel", NX_TF_INT, max_kernel, "", "largest conv kernel dim"),
	F("max_pad", NX_TF_INT, max_pad, "", "largest conv/pool padding"),
	F("max_groups", NX_TF_INT, max_groups, "", "most conv groups"),
	F("max_hw", NX_TF_INT, max_hw, "", "largest H or W of a tensor"),
	F("max_c", NX_TF_INT, max_c, "", "largest channel count of a tensor"),
	F("max_pool_kernel", NX_TF_INT, max_pool_kernel, "", "largest pooling window dim"),
	F("max_pool_stride", NX_TF_INT, max_pool_stride, "", "largest pooling stride"),
	F("max_upsample", NX_TF_INT, max_upsample, "", "largest resize factor"),
	F("max_rank", NX_TF_INT, max_rank, "", "most non-unit dims the NE handles (B,C,H,W)"),
	F("cpu_ops", NX_TF_OPS, cpu_ops, "", "op kinds that always run on the CPU"),
	F("cpu_flops", NX_TF_REAL, cpu_flops, "FLOP/s", "CPU fallback throughput"),
	F("cpu_bw", NX_TF_REAL, cpu_bw, "B/s", "CPU fallback memory bandwidth"),
	F("cpu_op_overhead", NX_TF_REAL, cpu_op_overhead, "us", "fixed cost of each CPU fallback op"),
	F("e_mac_fp16", NX_TF_REAL, e_mac_fp16, "pJ", "energy per fp16 MAC (and per vector element op)"),
	F("e_mac_int8", NX_TF_REAL, e_mac_int8, "pJ", "energy per int8 MAC"),
	F("e_sram", NX_TF_REAL, e_sram, "pJ/B", "energy per byte of on-chip traffic"),
	F("e_dram", NX_TF_REAL, e_dram, "pJ/B", "energy per byte of DRAM traffic"),
	F("e_cpu_flop", NX_TF_REAL, e_cpu_flop, "pJ", "energy per CPU FLOP"),
	F("static_power", NX_TF_REAL, static_power, "W", "static power while the program runs"),
};
#undef F
#define N_FIELDS (sizeof fields / sizeof fields[0])

static const char *dataflows[NX_DF_COUNT] = {"ws", "os", "is"};

const char *nx_dataflow_name(int df)
{
	return df >= 0 && df < NX_DF_COUNT ? dataflows[df] : "?";
}

const nx_target_field *nx_target_fields(size_t *n)
{
	if (n)
		*n = N_FIELDS;
	return fields;
}

const nx_target_field *nx_target_field_find(const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static void list_fields(char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < N_FIELDS && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", fields[i].name);
}

static void list_presets(char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < nx_target_preset_count() && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "",
				      nx_target_preset_at(i)->name);
}

int nx_target_preset(const char *name, nx_target *t, nx_err *err)
{
	for (size_t i = 0; i < nx_target_preset_count(); i++)
		if (!strcmp(nx_target_preset_at(i)->name, name)) {
			*t = *nx_target_preset_at(i);
			return 0;
		}
	char list[512];
	list_presets(list, sizeof list);
	nx_err_set(err, "unknown target '%s' (presets: %s; or a .json file)", name, list);
	return -1;
}

int nx_target_resolve(const char *spec, nx_target *t, nx_err *err)
{
	size_t n = strlen(spec);
	if (n > 5 && !strcmp(spec + n - 5, ".json"))
		return nx_target_load(spec, t, err);
	return nx_target_preset(spec, t, err);
}

/* ---- derived figures ---- */

int64_t nx_target_macs(const nx_target *t, int dtype)
{
	return dtype == NX_I8 || dtype == NX_U8 ? t->macs_int8 : t->macs_fp16;
}

double nx_target_peak_macs(const nx_target *t, int dtype)
{
	return (double)t->cores * (double)nx_target_macs(t, dtype);
}

double nx_target_ne_dram_bw(const nx_target *t)
{
	return t->dram_bw * t->dram_share;
}

bool nx_target_cpu_op(const nx_target *t, int kind)
{
	if (kind < 0 || kind >= NX_OP_COUNT)
		return false;
	return (t->cpu_ops[kind / 64] >> (kind % 64)) & 1;
}

void nx_target_set_cpu_op(nx_target *t, int kind, bool on)
{
	if (kind < 0 || kind >= NX_OP_COUNT)
		return;
	uint64_t bit = 1ull << (kind % 64);
	if (on)
		t->cpu_ops[kind / 64] |= bit;
	else
		t->cpu_ops[kind / 64] &= ~bit;
}

int nx_target_validate(const nx_target *t, nx_err *err)
{
#define NEED(cond, ...) do { if (!(cond)) { nx_err_set(err, __VA_ARGS__); return -1; } } while (0)
	NEED(t->cores >= 1, "target %s: cores must be >= 1", t->name);
	NEED(t->array_cols >= 1, "target %s: array_cols must be >= 1", t->name);
	NEED(t->macs_fp16 >= t->array_cols && t->macs_fp16 % t->array_cols == 0,
	     "target %s: macs_fp16 (%lld) must be a multiple of array_cols (%lld)", t->name,
	     (long long)t->macs_fp16, (long long)t->array_cols);
	NEED(t->macs_int8 >= t->array_cols && t->macs_int8 % t->array_cols == 0,
	     "target %s: macs_int8 (%lld) must be a multiple of array_cols (%lld)", t->name,
	     (long long)t->macs_int8, (long long)t->array_cols);
	NEED(t->dataflow >= 0 && t->dataflow < NX_DF_COUNT, "target %s: bad dataflow", t->name);
	NEED(t->vec_elems >= 1, "target %s: vec_elems must be >= 1", t->name);
	NEED(t->clock > 0 && isfinite(t->clock), "target %s: clock must be > 0", t->name);
	NEED(t->sram >= 0 && t->kmem >= 0, "target %s: sram and kmem must be >= 0", t->name);
	NEED(t->sram_bw > 0 && t->dram_bw > 0 && isfinite(t->sram_bw) && isfinite(t->dram_bw),
	     "target %s: sram_bw and dram_bw must be > 0", t->name);
	NEED(t->dram_share > 0 && t->dram_share <= 1,
	     "target %s: dram_share must be in (0, 1], not %g", t->name, t->dram_share);
	NEED(t->task_overhead >= 0 && t->launch_overhead >= 0 && t->cpu_op_overhead >= 0,
	     "target %s: overheads must be >= 0", t->name);
	NEED(t->align >= 1 && t->buf_gran >= 1, "target %s: align and buf_gran must be >= 1",
	     t->name);
	NEED(t->max_kernel >= 1 && t->max_pad >= 0 && t->max_groups >= 1 && t->max_hw >= 1 &&
	     t->max_c >= 1 && t->max_pool_kernel >= 1 && t->max_pool_stride >= 1 &&
	     t->max_upsample >= 1 && t->max_rank >= 1,
	     "target %s: field limits must be >= 1 (max_pad >= 0)", t->name);
	NEED(t->cpu_flops > 0 && t->cpu_bw > 0, "target %s: cpu_flops and cpu_bw must be > 0",
	     t->name);
	NEED(t->e_mac_fp16 >= 0 && t->e_mac_int8 >= 0 && t->e_sram >= 0 && t->e_dram >= 0 &&
	     t->e_cpu_flop >= 0 && t->static_power >= 0,
	     "target %s: energies and static_power must be >= 0", t->name);
#undef NEED
	return 0;
}

/* ---- parsing values ---- */

/* A number, or a/b; *end after it. */
static int parse_num(const char *s, double *v, const char **end)
{
	char *e;
	errno = 0;
	double a = strtod(s, &e);
	if (e == s || errno)
		return -1;
	if (*e == '/') {
		const char *s2 = e + 1;
		double b = strtod(s2, &e);
		if (e == s2 || b == 0)
			return -1;
		a /= b;
	}
	*v = a;
	*end = e;
	return 0;
}

/* Case-insensitive suffix match, spaces allowed before it. */
static bool suffix_is(const char *s, const char *suf)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(suf);
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)suf[i]))
			return false;
	return true;
}

typedef struct unit {
	const char *suf;
	double mul;
} unit;

static int apply_units(const char *rest, double v, const unit *u, double *out)
{
	for (; u->suf; u++)
		if (suffix_is(rest, u->suf)) {
			*out = v * u->mul;
			return 0;
		}
	return -1;
}

static const unit size_units[] = {
	{"", 1}, {"b", 1}, {"k", 1024.0}, {"kb", 1024.0}, {"kib", 1024.0},
	{"m", 1048576.0}, {"mb", 1048576.0}, {"mib", 1048576.0},
	{"g", 1073741824.0}, {"gb", 1073741824.0}, {"gib", 1073741824.0}, {NULL, 0}};
static const unit time_us_units[] = {
	{"", 1}, {"us", 1}, {"ns", 1e-3}, {"ms", 1e3}, {"s", 1e6}, {NULL, 0}};
static const unit hz_units[] = {
	{"", 1}, {"hz", 1}, {"khz", 1e3}, {"mhz", 1e6}, {"ghz", 1e9}, {NULL, 0}};
static const unit rate_units[] = { /* bytes/s or FLOP/s */
	{"", 1}, {"b/s", 1}, {"kb/s", 1e3}, {"mb/s", 1e6}, {"gb/s", 1e9}, {"tb/s", 1e12},
	{"flop/s", 1}, {"gflop/s", 1e9}, {"tflop/s", 1e12}, {"k", 1e3}, {"m", 1e6},
	{"g", 1e9}, {"t", 1e12}, {NULL, 0}};
static const unit watt_units[] = {{"", 1}, {"w", 1}, {"mw", 1e-3}, {NULL, 0}};
static const unit plain_units[] = {{"", 1}, {NULL, 0}};

/* A REAL field's value in the field's unit; clock converts bandwidths given
 * per second into bytes per cycle and times into cycles. */
static int parse_real(const nx_target *t, const nx_target_field *f, const char *s, double *out)
{
	double v;
	const char *rest;
	if (parse_num(s, &v, &rest))
		return -1;
	const char *u = f->unit;
	if (!strcmp(u, "Hz"))
		return apply_units(rest, v, hz_units, out);
	if (!strcmp(u, "us"))
		return apply_units(rest, v, time_us_units, out);
	if (!strcmp(u, "W"))
		return apply_units(rest, v, watt_units, out);
	if (!strcmp(u, "B/s") || !strcmp(u, "FLOP/s"))
		return apply_units(rest, v, rate_units, out);
	if (!strcmp(u, "B/cycle")) {
		if (!apply_units(rest, v, plain_units, out) || suffix_is(rest, "b/cycle")) {
			*out = v;
			return 0;
		}
		double per_s;
		if (apply_units(rest, v, rate_units, &per_s))
			return -1;
		*out = per_s / t->clock;
		return 0;
	}
	if (!strcmp(u, "cycles")) {
		if (!apply_units(rest, v, plain_units, out) || suffix_is(rest, "cycles")) {
			*out = v;
			return 0;
		}
		double us;
		if (apply_units(rest, v, time_us_units, &us))
			return -1;
		*out = us * 1e-6 * t->clock;
		return 0;
	}
	return apply_units(rest, v, plain_units, out);
}

static int parse_ops(nx_target *t, const char *s, nx_err *err)
{
	bool edit = *s == '+' || *s == '-';
	if (!edit)
		memset(t->cpu_ops, 0, sizeof t->cpu_ops);
	while (*s) {
		while (*s == ',' || *s == ' ')
			s++;
		if (!*s)
			break;
		bool on = true;
		if (*s == '+' || *s == '-') {
			on = *s == '+';
			s++;
		} else if (edit) {
			nx_err_set(err, "cpu_ops: mix of a list and +/- edits (write \"a,b\" or \"+a,-b\")");
			return -1;
		}
		size_t n = strcspn(s, ", ");
		int k = nx_op_lookup(s, n);
		if (k < 0) {
			nx_err_set(err, "cpu_ops: unknown op kind '%.*s'", (int)n, s);
			return -1;
		}
		nx_target_set_cpu_op(t, k, on);
		s += n;
	}
	return 0;
}

static int set_field(nx_target *t, const nx_target_field *f, const char *value, nx_err *err)
{
	char *p = (char *)t + f->off;
	double v;
	const char *rest;
	switch (f->kind) {
	case NX_TF_STR:
		if (strlen(value) >= sizeof t->name) {
			nx_err_set(err, "%s: '%s' is longer than %zu characters", f->name, value,
				   sizeof t->name - 1);
			return -1;
		}
		strcpy(p, value);
		return 0;
	case NX_TF_INT:
		if (parse_num(value, &v, &rest) || !suffix_is(rest, "") || v != floor(v) ||
		    fabs(v) > 9e18)
			goto bad;
		*(int64_t *)p = (int64_t)v;
		return 0;
	case NX_TF_BYTES:
		if (parse_num(value, &v, &rest) || apply_units(rest, v, size_units, &v) ||
		    v < 0 || v > 9e18)
			goto bad;
		*(int64_t *)p = (int64_t)llround(v);
		return 0;
	case NX_TF_FRACTION:
		if (parse_num(value, &v, &rest))
			goto bad;
		if (suffix_is(rest, "%"))
			v /= 100.0;
		else if (!suffix_is(rest, ""))
			goto bad;
		*(double *)p = v;
		return 0;
	case NX_TF_REAL:
		if (parse_real(t, f, value, &v) || !isfinite(v))
			goto bad;
		*(double *)p = v;
		return 0;
	case NX_TF_ENUM:
		for (int i = 0; i < NX_DF_COUNT; i++)
			if (!strcmp(value, dataflows[i])) {
				*(int64_t *)p = i;
				return 0;
			}
		nx_err_set(err, "%s: '%s' is not ws, os or is", f->name, value);
		return -1;
	case NX_TF_OPS:
		return parse_ops(t, value, err);
	}
bad:
	nx_err_set(err, "%s: cannot read '%s' as %s%s%s", f->name, value,
		   f->kind == NX_TF_BYTES ? "a size (e.g. 4MiB)" :
		   f->kind == NX_TF_FRACTION ? "a fraction (0.5, 50% or 1/2)" :
		   f->kind == NX_TF_INT ? "a whole number" : "a number",
		   f->unit[0] && f->kind == NX_TF_REAL ? " in " : "",
		   f->kind == NX_TF_REAL ? f->unit : "");
	return -1;
}

int nx_target_set(nx_target *t, const char *field, const char *value, nx_err *err)
{
	const nx_target_field *f = nx_target_field_find(field);
	if (!f) {
		char list[1024];
		list_fields(list, sizeof list);
		nx_err_set(err, "unknown target field '%s' (fields: %s)", field, list);
		return -1;
	}
	nx_target tmp = *t;
	if (set_field(&tmp, f, value, err))
		return -1;
	if (nx_target_validate(&tmp, err))
		return -1;
	*t = tmp;
	return 0;
}

int nx_target_set_kv(nx_target *t, const char *kv, nx_err *err)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv) {
		nx_err_set(err, "expected FIELD=VALUE, got '%s'", kv);
		return -1;
	}
	char name[64];
	size_t n = (size_t)(eq - kv);
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, kv, n);
	name[n] = 0;
	return nx_target_set(t, name, eq + 1, err);
}

/* Shortest %g that reads back to the same double. */
static void fmt_real(char *buf, size_t n, double v)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

int nx_target_get(const nx_target *t, const char *field, char *buf, size_t n)
{
	const nx_target_field *f = nx_target_field_find(field);
	if (!f || !n)
		return -1;
	const char *p = (const char *)t + f->off;
	switch (f->kind) {
	case NX_TF_STR:
		snprintf(buf, n, "%s", p);
		break;
	case NX_TF_INT:
	case NX_TF_BYTES:
		snprintf(buf, n, "%lld", (long long)*(const int64_t *)p);
		break;
	case NX_TF_REAL:
	case NX_TF_FRACTION:
		fmt_real(buf, n, *(const double *)p);
		break;
	case NX_TF_ENUM:
		snprintf(buf, n, "%s", nx_dataflow_name((int)*(const int64_t *)p));
		break;
	case NX_TF_OPS: {
		size_t k = 0;
		buf[0] = 0;
		for (int op = 0; op < NX_OP_COUNT && k < n; op++)
			if (nx_target_cpu_op(t, op))
				k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? "," : "",
						      nx_ops[op].name);
		break;
	}
	}
	return 0;
}

/* ---- JSON ---- */

char *nx_target_to_json(const nx_target *t)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < N_FIELDS; i++) {
		const nx_target_field *f = &fields[i];
		const char *p = (const char *)t + f->off;
		switch (f->kind) {
		case NX_TF_STR:
			cJSON_AddStringToObject(o, f->name, p);
			break;
		case NX_TF_INT:
		case NX_TF_BYTES:
			cJSON_AddNumberToObject(o, f->name, (double)*(const int64_t *)p);
			break;
		case NX_TF_REAL:
		case NX_TF_FRACTION:
			cJSON_AddNumberToObject(o, f->name, *(const double *)p);
			break;
		case NX_TF_ENUM:
			cJSON_AddStringToObject(o, f->name, nx_dataflow_name((int)*(const int64_t *)p));
			break;
		case NX_TF_OPS: {
			cJSON *a = cJSON_AddArrayToObject(o, f->name);
			for (int k = 0; k < NX_OP_COUNT; k++)
				if (nx_target_cpu_op(t, k))
					cJSON_AddItemToArray(a, cJSON_CreateString(nx_ops[k].name));
			break;
		}
		}
	}
	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	if (!s)
		nx_die("out of memory printing a target");
	/* cJSON's allocator is malloc: the caller's free() matches. */
	return s;
}

/* One JSON member into the field it names: numbers are stored directly
 * (exactly, for round trips), strings go through nx_target_set's parser. */
static int json_field(nx_target *t, const cJSON *it, const char *file, nx_err *err)
{
	const nx_target_field *f = nx_target_field_find(it->string);
	if (!f) {
		char list[1024];
		list_fields(list, sizeof list);
		nx_err_set(err, "%s: unknown target field \"%s\" (fields: preset, %s)", file,
			   it->string, list);
		return -1;
	}
	char *p = (char *)t + f->off;
	if (cJSON_IsNumber(it) && f->kind != NX_TF_STR && f->kind != NX_TF_ENUM &&
	    f->kind != NX_TF_OPS) {
		double v = it->valuedouble;
		if (f->kind == NX_TF_INT || f->kind == NX_TF_BYTES) {
			if (v != floor(v) || fabs(v) > 9e18) {
				nx_err_set(err, "%s: \"%s\": %g is not a whole number", file, f->name, v);
				return -1;
			}
			*(int64_t *)p = (int64_t)v;
		} else {
			*(double *)p = v;
		}
		return 0;
	}
	if (cJSON_IsString(it)) {
		if (set_field(t, f, it->valuestring, err)) {
			nx_err_prefix(err, "%s: ", file);
			return -1;
		}
		return 0;
	}
	if (cJSON_IsArray(it) && f->kind == NX_TF_OPS) {
		memset(t->cpu_ops, 0, sizeof t->cpu_ops);
		const cJSON *e;
		cJSON_ArrayForEach(e, it) {
			int k = cJSON_IsString(e) ? nx_op_lookup(e->valuestring, strlen(e->valuestring)) : -1;
			if (k < 0) {
				nx_err_set(err, "%s: \"cpu_ops\": %s is not an op kind", file,
					   cJSON_IsString(e) ? e->valuestring : "a non-string");
				return -1;
			}
			nx_target_set_cpu_op(t, k, true);
		}
		return 0;
	}
	nx_err_set(err, "%s: \"%s\" has the wrong JSON type", file, f->name);
	return -1;
}

int nx_target_from_json(const char *text, size_t len, const char *file, nx_target *t,
			nx_err *err)
{
	cJSON *o = cJSON_ParseWithLength(text, len);
	if (!o) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
		int line = 1;
		for (size_t i = 0; i < off; i++)
			line += text[i] == '\n';
		nx_err_set(err, "%s:%d: not valid JSON", file, line);
		return -1;
	}
	int rc = -1;
	nx_target tmp;
	memset(&tmp, 0, sizeof tmp);
	bool seen[N_FIELDS] = {false};
	if (!cJSON_IsObject(o)) {
		nx_err_set(err, "%s: a target is a JSON object", file);
		goto out;
	}
	const cJSON *pre = cJSON_GetObjectItemCaseSensitive(o, "preset");
	if (pre) {
		if (!cJSON_IsString(pre) || nx_target_preset(pre->valuestring, &tmp, err)) {
			if (!cJSON_IsString(pre))
				nx_err_set(err, "%s: \"preset\" must be a preset name", file);
			else
				nx_err_prefix(err, "%s: ", file);
			goto out;
		}
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, o) {
		if (!strcmp(it->string, "preset"))
			continue;
		if (json_field(&tmp, it, file, err))
			goto out;
		seen[nx_target_field_find(it->string) - fields] = true;
	}
	if (!pre) {
		char missing[1024];
		size_t k = 0;
		missing[0] = 0;
		for (size_t i = 0; i < N_FIELDS; i++)
			if (!seen[i] && k < sizeof missing)
				k += (size_t)snprintf(missing + k, sizeof missing - k, "%s%s",
						      k ? ", " : "", fields[i].name);
		if (k) {
			nx_err_set(err, "%s: no \"preset\" to start from, and fields are missing: %s",
				   file, missing);
			goto out;
		}
	}
	if (nx_target_validate(&tmp, err)) {
		nx_err_prefix(err, "%s: ", file);
		goto out;
	}
	*t = tmp;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int nx_target_load(const char *path, nx_target *t, nx_err *err)
{
	size_t len;
	char *text = nx_read_file(path, &len, err);
	if (!text)
		return -1;
	int rc = nx_target_from_json(text, len, path, t, err);
	free(text);
	return rc;
}

int nx_target_save(const nx_target *t, const char *path, nx_err *err)
{
	char *s = nx_target_to_json(t);
	size_t n = strlen(s);
	char *buf = nx_xmalloc(n + 2);
	memcpy(buf, s, n);
	buf[n] = '\n';
	free(s);
	int rc = nx_write_file_atomic(path, buf, n + 1, err);
	free(buf);
	return rc;
}
