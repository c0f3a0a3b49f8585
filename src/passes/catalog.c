/* catalog.c — passes defined at run time (Lua passes) next to the static
 * built-in table: lookup by name over both, and registration that refuses
 * a name already taken, so a pipeline string always names one pass. The
 * catalog is an object its owner passes around, not a global. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

const nxp_pass *nxp_catalog_find(const nxp_catalog *c, const char *name)
{
	const nxp_pass *p = nxp_find(name);
	for (uint32_t i = 0; !p && c && i < c->n; i++)
		if (!strcmp(c->extra[i]->name, name))
			p = c->extra[i];
	return p;
}

int nxp_catalog_add(nxp_catalog *c, const nxp_pass *p, nx_err *err)
{
	const nxp_pass *old = nxp_catalog_find(c, p->name);
	if (old) {
		if (old->file)
			nx_err_set(err, "pass '%s' is already defined (in %s)", p->name, old->file);
		else
			nx_err_set(err, "pass '%s' is a built-in pass: pick another name", p->name);
		return -1;
	}
	nx_grow((void **)&c->extra, &c->cap, c->n + 1, sizeof *c->extra);
	c->extra[c->n++] = p;
	return 0;
}

void nxp_catalog_free(nxp_catalog *c)
{
	free(c->extra);
	memset(c, 0, sizeof *c);
}
