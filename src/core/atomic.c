/* atomic.c — replacing files so that a failure never leaves a mix: each
 * new file is written to a temporary in its own directory and fsynced; only
 * when every one is complete are they renamed into place, in the order they
 * were added, and the directories fsynced so the renames survive a crash.
 * Any failure before the renames (a full disk, EFBIG, an I/O error, Ctrl-C)
 * removes the temporaries and leaves the old files as they were.
 *
 * SIGINT, SIGTERM and SIGHUP are blocked while a set is open and looked for
 * between chunks of a write: a pending one aborts the set, removes the
 * temporaries, and is delivered when the old signal mask comes back, so an
 * interrupted save dies as it would have, minus the litter. Blocking instead
 * of a handler keeps the state on the caller's stack, not in globals.
 *
 * New files get 0666 less the umask, as open(2) would give them (mkstemp
 * alone gives 0600). A symlink keeps pointing where it did: the file it
 * names is replaced. A device or FIFO is written directly (add_direct).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nx.h"

#define CHUNK (4u << 20) /* bytes per write between looks for a signal */

static void stop_signals(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
}

void nx_atomic_begin(nx_atomic *a)
{
	memset(a, 0, sizeof *a);
	sigset_t s;
	stop_signals(&s);
	sigprocmask(SIG_BLOCK, &s, &a->old_mask);
}

/* The signal waiting to stop us, or 0. */
static int pending_stop(void)
{
	sigset_t p;
	if (sigpending(&p) != 0)
		return 0;
	int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (int i = 0; i < 3; i++)
		if (sigismember(&p, sigs[i]))
			return sigs[i];
	return 0;
}

static mode_t file_mode(void)
{
	mode_t m = umask(022); /* umask can only be read by setting it */
	umask(m);
	return 0666 & ~m;
}

/* Writes all of data to fd, looking for a pending stop between chunks. */
static int write_all(int fd, const char *path, const void *data, size_t len, nx_err *err)
{
	const char *p = data;
	size_t left = len;
	while (left) {
		int sig = pending_stop();
		if (sig) {
			nx_err_set(err, "%s: interrupted (%s) while writing; nothing was replaced",
				   path, sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
			return -1;
		}
		ssize_t w = write(fd, p, left < CHUNK ? left : CHUNK);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			nx_err_set(err, "%s: write failed: %s; nothing was replaced", path,
				   w < 0 ? strerror(errno) : "no progress");
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	return 0;
}

/* A path that names a device, a FIFO or a socket (`-o /dev/null`,
 * `-o /dev/stdout` on a terminal or a pipe) is written as it is: there is
 * no file to replace, and renaming a temporary onto it would put a
 * regular file in its place (as root, /dev/null itself). Written at once,
 * so an abort later in the set cannot take it back. */
static int add_direct(nx_atomic *a, const char *path, const void *data, size_t len, nx_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		nx_err_set(err, "%s: cannot open it: %s", path, strerror(errno));
		return -1;
	}
	a->f[a->n].tmp = NULL; /* nothing to rename */
	a->f[a->n].path = nx_xstrdup(path);
	a->n++;
	int rc = write_all(fd, path, data, len, err);
	if (close(fd) != 0 && rc == 0) {
		nx_err_set(err, "%s: write failed: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int nx_atomic_add(nx_atomic *a, const char *path, const void *data, size_t len, nx_err *err)
{
	if (a->n >= NX_ATOMIC_MAX) {
		nx_err_set(err, "%s: internal: more than %d files in one atomic set", path,
			   NX_ATOMIC_MAX);
		return -1;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			nx_err_set(err, "%s: is a directory", path);
			return -1;
		}
		return add_direct(a, path, data, len, err);
	}
	/* A symlink to a file: replace the file it points at and keep the
	 * link (a rename onto the link would replace the link). */
	char *real = NULL; /* freed below */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		real = realpath(path, NULL);
	const char *target = real ? real : path;
	size_t pl = strlen(target);
	char *tmp = nx_xmalloc(pl + 16); /* freed by commit or abort */
	snprintf(tmp, pl + 16, "%s.tmpXXXXXX", target);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		nx_err_set(err, "%s: cannot create a temporary file: %s", path, strerror(errno));
		free(tmp);
		free(real);
		return -1;
	}
	a->f[a->n].tmp = tmp;
	a->f[a->n].path = nx_xstrdup(target);
	a->n++;
	free(real);
	if (write_all(fd, path, data, len, err)) {
		close(fd);
		return -1;
	}
	if (fchmod(fd, file_mode()) != 0 || fsync(fd) != 0) {
		nx_err_set(err, "%s: write failed: %s; nothing was replaced", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		nx_err_set(err, "%s: write failed: %s; nothing was replaced", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* fsync the directory holding path, so a rename in it is on disk. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? nx_xmalloc((size_t)(slash - path) + 2) : NULL;
	if (dir) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		memcpy(dir, path, n);
		dir[n] = 0;
	}
	int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd); /* some file systems refuse it on directories: best effort */
		close(fd);
	}
	free(dir);
}

static void release(nx_atomic *a)
{
	for (int i = 0; i < a->n; i++) {
		if (a->f[i].tmp)
			unlink(a->f[i].tmp);
		free(a->f[i].tmp);
		free(a->f[i].path);
	}
	a->n = 0;
	sigprocmask(SIG_SETMASK, &a->old_mask, NULL);
}

int nx_atomic_commit(nx_atomic *a, nx_err *err)
{
	int sig = pending_stop();
	if (sig) {
		nx_err_set(err, "%s: interrupted before the rename; nothing was replaced",
			   a->n ? a->f[0].path : "(nothing)");
		release(a);
		return -1;
	}
	for (int i = 0; i < a->n; i++) {
		if (!a->f[i].tmp)
			continue; /* a device or FIFO, written already */
		if (rename(a->f[i].tmp, a->f[i].path) != 0) {
			nx_err_set(err, "%s: cannot replace it: %s%s", a->f[i].path, strerror(errno),
				   i ? "" : "; nothing was replaced");
			release(a);
			return -1;
		}
		free(a->f[i].tmp);
		a->f[i].tmp = NULL;
		sync_dir(a->f[i].path);
	}
	release(a);
	return 0;
}

void nx_atomic_abort(nx_atomic *a)
{
	release(a);
}
