/* confine.c — reading the files a model names: `file("w.bin", offset=N)`
 * in .nex, "file" in JSON and ONNX external data. A model is data someone
 * else may have written, so a reference is resolved to its real path
 * (symlinks and ".." followed) and refused unless it lands on a regular file
 * inside the model's own directory: a model cannot make nex copy
 * /etc/passwd into a converted .bin or read /dev/zero forever.
 * nx_fileroot.allow_outside (`--allow-outside`) lifts the directory rule for
 * a user who means it; the regular-file rule stays, since a device or pipe
 * is never a weights file.
 *
 * The file's length is checked against what the type needs before anything
 * is allocated, so `f32[2^40]` over 16 bytes reads "file too short", not
 * "out of memory".
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nx.h"

/* The path name refers to before resolution: dir/name, or name itself when
 * it is absolute or dir is the current directory. Caller frees. */
static char *joined(const char *dir, const char *name)
{
	if (!dir || !*dir || name[0] == '/')
		return nx_xstrdup(name);
	size_t k = strlen(dir) + strlen(name) + 2;
	char *p = nx_xmalloc(k);
	snprintf(p, k, "%s/%s", dir, name);
	return p;
}

/* True if path (canonical) is root (canonical) or lies below it. */
static bool inside(const char *root, const char *path)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return true;
	return !strncmp(root, path, n) && (path[n] == '/' || path[n] == 0);
}

int nx_open_ref(const nx_fileroot *root, const char *name, const char *what, uint64_t *size,
		nx_err *err)
{
	const char *dir = root ? root->dir : NULL;
	bool allow = root && root->allow_outside;
	char *full = joined(dir, name);
	char *real = realpath(full, NULL); /* freed below */
	const char *sep = *what ? ": " : "";
	int fd = -1;
	if (!real) {
		if (strcmp(full, name))
			nx_err_set(err, "%s%sfile \"%s\" (%s): %s", what, sep, name, full,
				   strerror(errno));
		else
			nx_err_set(err, "%s%sfile \"%s\": %s", what, sep, name, strerror(errno));
		goto out;
	}
	if (!allow) {
		char *top = realpath(dir && *dir ? dir : ".", NULL);
		bool ok = top && inside(top, real);
		if (!ok)
			nx_err_set(err, "%s%sfile \"%s\" resolves to %s, outside the model's directory "
				   "%s; nex reads only files inside it (--allow-outside lifts this)",
				   what, sep, name, real, top ? top : (dir && *dir ? dir : "."));
		free(top);
		if (!ok)
			goto out;
	}
	/* O_NONBLOCK so a FIFO cannot hang the open; fstat then refuses it. */
	fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		nx_err_set(err, "%s%sfile \"%s\" (%s): %s", what, sep, name, real, strerror(errno));
	} else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		nx_err_set(err, "%s%sfile \"%s\" (%s) is not a regular file", what, sep, name, real);
		close(fd);
		fd = -1;
	} else {
		*size = (uint64_t)st.st_size;
	}
out:
	free(real);
	free(full);
	return fd;
}

void *nx_read_ref(const nx_fileroot *root, const char *name, uint64_t offset, size_t n,
		  const char *what, nx_err *err)
{
	uint64_t size;
	int fd = nx_open_ref(root, name, what, &size, err);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	if (offset > size || n > size - offset) {
		nx_err_set(err, "%s%sfile \"%s\" is too short: it holds %llu bytes, and %zu are "
			   "needed at offset %llu", what, *what ? ": " : "", name, (unsigned long long)size, n,
			   (unsigned long long)offset);
		goto out;
	}
	buf = nx_xmalloc(n); /* caller frees */
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got > (1u << 30) ? (1u << 30) : n - got,
				  (off_t)(offset + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			nx_err_set(err, "%s%sfile \"%s\": read failed at offset %llu: %s", what,
				   *what ? ": " : "", name,
				   (unsigned long long)(offset + got),
				   r < 0 ? strerror(errno) : "the file shrank while being read");
			free(buf);
			buf = NULL;
			break;
		}
		got += (size_t)r;
	}
out:
	close(fd);
	return buf;
}
