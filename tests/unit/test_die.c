/* test_die.c — nx_die, the one fatal-error path: it runs the installed hook
 * (the TUI restores the terminal there) before it prints and exits with 2,
 * once even if the hook dies in turn. Each case dies in a forked child and
 * the parent reads what the child left in a pipe. */
#define _POSIX_C_SOURCE 200809L
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"

#if defined(__SANITIZE_ADDRESS__)
/* ASan stops on a huge malloc unless told to return NULL as libc does */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

static int hook_fd = -1;

static void hook_mark(void)
{
	ssize_t w = write(hook_fd, "H", 1);
	(void)w;
}

static void hook_dies(void)
{
	hook_mark();
	nx_die("hook died too");
}

/* Forks; the child points stderr at the pipe too, installs hook, then runs
 * body. The parent returns the child's exit status and what it wrote. */
static int run_child(nx_die_hook hook, void (*body)(void), char *out, size_t cap)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		hook_fd = fd[1];
		dup2(fd[1], 2);
		nx_die_set_hook(hook);
		body();
		_exit(0); /* body returned: nx_die did not stop the process */
	}
	close(fd[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void die_plain(void)
{
	nx_die("internal error: %s %d", "seven", 7);
}

static void oom(void)
{
	/* nx_xmalloc's out-of-memory branch goes through nx_die too */
	void *p = nx_xmalloc((size_t)-1 / 2);
	free(p);
}

static void test_hook_runs_first(void)
{
	char out[256];
	CHECK_EQ_INT(run_child(hook_mark, die_plain, out, sizeof out), 2);
	CHECK_STR(out, "Hnex: internal error: seven 7\n");
}

static void test_no_hook(void)
{
	char out[256];
	CHECK_EQ_INT(run_child(NULL, die_plain, out, sizeof out), 2);
	CHECK_STR(out, "nex: internal error: seven 7\n");
}

static void test_hook_that_dies(void)
{
	char out[256];
	CHECK_EQ_INT(run_child(hook_dies, die_plain, out, sizeof out), 2);
	CHECK_STR(out, "Hnex: hook died too\n");
}

static void test_oom_uses_hook(void)
{
	char out[256];
	CHECK_EQ_INT(run_child(hook_mark, oom, out, sizeof out), 2);
	CHECK_CONTAINS(out, "Hnex: out of memory (");
}

static void test_set_hook_returns_old(void)
{
	CHECK(nx_die_set_hook(hook_mark) == NULL);
	CHECK(nx_die_set_hook(NULL) == hook_mark);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"hook_runs_first", test_hook_runs_first},
		{"no_hook", test_no_hook},
		{"hook_that_dies", test_hook_that_dies},
		{"oom_uses_hook", test_oom_uses_hook},
		{"set_hook_returns_old", test_set_hook_returns_old},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
