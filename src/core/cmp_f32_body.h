/* cmp_f32_body.h — the eight-wide body of nx_f32_cmp_run, included by
 * cmp_f32.c for its AVX-512 copy (CMP_NAME, CMP_TARGET defined before the
 * inclusion). Not a helper function: GCC lowers a vector comparison for the target of the
 * function it is written in, so an 8-double comparison written outside the
 * AVX-512 copy became eight scalar compares there even once inlined. */
CMP_TARGET static void CMP_NAME(const float *a, const float *b, int64_t n, double floor_abs, nx_f32_cmp *s)
{
#define SPLAT8(x) {x, x, x, x, x, x, x, x}
	const v8d big = SPLAT8(HALF_MAX), tiny = SPLAT8(HALF_TINY), fl = SPLAT8(floor_abs);
	const v8d t1 = SPLAT8(1e-3), t5 = SPLAT8(5e-3), zero = SPLAT8(0.0);
#undef SPLAT8
	v2d sab = {0}, saa = {0}, sbb = {0}, se = {0}, sae = {0};
	v8d bmax = zero, emax = zero, rm = zero;
	v8l ovf = {0}, flush = {0}, c1 = {0}, c5 = {0};
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		v8d x, y;
		load8(&x, a + i);
		load8(&y, b + i);
		v8d e = ABS8(x - y), ay = ABS8(y), xy = x * y, xx = x * x, yy = y * y, ee = e * e;
		add_pairs(&sab, &xy);
		add_pairs(&saa, &xx);
		add_pairs(&sbb, &yy);
		add_pairs(&se, &ee);
		add_pairs(&sae, &e);
		bmax = MAX8(ay, bmax);
		emax = MAX8(e, emax);
		ovf -= ay > big;   /* a true comparison is all ones: -1 */
		flush -= (ay > zero) & (ay < tiny);
		v8d den = MAX8(ay, fl), rel = e / den;
		rm = MAX8(rel, rm);
		c1 -= rel <= t1;
		c5 -= rel <= t5;
	}
	/* the pairs left (up to three), in the same two lanes */
	for (; i + 2 <= n; i += 2) {
		v2d x = load2(a + i), y = load2(b + i), e = vabs(x - y), ay = vabs(y);
		sab += x * y;
		saa += x * x;
		sbb += y * y;
		se += e * e;
		sae += e;
		v2d fl2 = {floor_abs, floor_abs}, rel = e / vmax(ay, fl2);
		for (int l = 0; l < 2; l++) {
			bmax[l] = max_of(ay[l], bmax[l]);
			emax[l] = max_of(e[l], emax[l]);
			rm[l] = max_of(rel[l], rm[l]);
			ovf[l] += ay[l] > HALF_MAX;
			flush[l] += ay[l] > 0 && ay[l] < HALF_TINY;
			c1[l] += rel[l] <= 1e-3;
			c5[l] += rel[l] <= 5e-3;
		}
	}
	s->sab = sab[0] + sab[1];
	s->saa = saa[0] + saa[1];
	s->sbb = sbb[0] + sbb[1];
	s->se = se[0] + se[1];
	s->sae = sae[0] + sae[1];
	s->bmax = s->emax = s->rmax = 0;
	s->ovf = s->flush = s->w01 = s->w05 = 0;
	for (int l = 0; l < 8; l++) {
		s->bmax = max_of(bmax[l], s->bmax);
		s->emax = max_of(emax[l], s->emax);
		s->rmax = max_of(rm[l], s->rmax);
		s->ovf += ovf[l];
		s->flush += flush[l];
		s->w01 += c1[l];
		s->w05 += c5[l];
	}
	cmp_tail(a, b, i, n, floor_abs, s);
}
