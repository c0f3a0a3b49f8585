/* write.c — nex.write(path, text): the one way a sandboxed script writes a
 * file. The path must stay under the working directory: relative, no ".."
 * component, and its directory (symlinks resolved) inside the working
 * directory. The write is atomic (temp file, rename). --unsafe lifts the
 * path rule. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nxl_int.h"

void nxl_check_write_path(lua_State *L, const char *path)
{
	if (nxl_st(L)->lim.unsafe)
		return;
	if (!*path || path[0] == '/')
		luaL_error(L, "write '%s': only relative paths under the working directory "
			   "(--unsafe lifts it)", path);
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			luaL_error(L, "write '%s': '..' leaves the working directory "
				   "(--unsafe lifts it)", path);
		p += n;
		while (*p == '/')
			p++;
	}
	char cwd[PATH_MAX], dir[PATH_MAX], real[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		luaL_error(L, "write '%s': cannot read the working directory", path);
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof dir, ".");
	if (!realpath(dir, real))
		luaL_error(L, "write '%s': directory '%s' does not exist", path, dir);
	size_t n = strlen(cwd);
	if (strncmp(real, cwd, n) || (real[n] && real[n] != '/' && strcmp(cwd, "/")))
		luaL_error(L, "write '%s': '%s' is outside the working directory "
			   "(--unsafe lifts it)", path, real);
}

int nxl_write(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	size_t len;
	const char *text = luaL_checklstring(L, 2, &len);
	nxl_check_write_path(L, path);
	nx_err err;
	if (nx_write_file_atomic(path, text, len, &err) != 0)
		return luaL_error(L, "write: %s", err.msg);
	return 0;
}
