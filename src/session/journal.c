/* journal.c — crash recovery for session files. Next to SESSION.nex.json,
 * SESSION.nex.json.journal gets one line per state the session goes through
 * after an action (the session file's JSON on one line, without the IR
 * hashes), appended and fsync'd before the action is reported done. After a
 * crash or kill -9 the journal's last complete line is the state to recover:
 * at most the action in flight is lost. A save makes the file the newest
 * state and starts the journal afresh. */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nxw.h"

struct nxw_journal {
	int fd;
	char *path;
	char *last;   /* the last state written (owned), to skip repeats */
};

static char *journal_path(const char *session_path)
{
	size_t n = strlen(session_path) + sizeof ".journal";
	char *p = nx_xmalloc(n);
	snprintf(p, n, "%s.journal", session_path);
	return p;
}

int nxw_journal_open(nxw_session *s, const char *session_path, nx_err *err)
{
	nxw_journal_close(s);
	char *p = journal_path(session_path);
	/* O_APPEND: every record lands at the end even if two nex processes
	 * share a session by mistake; O_TRUNC: a fresh journal after a save. */
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		nx_err_set(err, "%s: cannot open the journal: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	nxw_journal *j = nx_xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = p;
	s->journal = j;
	return 0;
}

void nxw_journal_close(nxw_session *s)
{
	nxw_journal *j = s->journal;
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j->last);
	free(j);
	s->journal = NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int nxw_journal_record(nxw_session *s, nx_err *err)
{
	nxw_journal *j = s->journal;
	if (!j)
		return 0;
	char *pretty = nxw_session_json(s, false);
	cJSON *o = cJSON_Parse(pretty);
	free(pretty);
	char *line = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!line) {
		nx_err_set(err, "%s: cannot encode the session state", j->path);
		return -1;
	}
	if (j->last && !strcmp(j->last, line)) {
		cJSON_free(line);
		return 0;
	}
	size_t n = strlen(line);
	int rc = write_all(j->fd, line, n) || write_all(j->fd, "\n", 1) || fsync(j->fd);
	if (rc) {
		nx_err_set(err, "%s: journal write failed: %s", j->path, strerror(errno));
		cJSON_free(line);
		return -1;
	}
	free(j->last);
	j->last = nx_xstrdup(line);
	cJSON_free(line);
	return 0;
}

char *nxw_journal_last(const char *session_path)
{
	char *p = journal_path(session_path);
	nx_err err;
	size_t len;
	char *text = nx_read_file(p, &len, &err);
	free(p);
	if (!text)
		return NULL;
	/* The last line that ends in a newline and parses: a record cut short
	 * by a crash has no newline yet, or is not valid JSON. */
	char *best = NULL;
	char *line = text;
	while (*line) {
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		cJSON *o = cJSON_Parse(line);
		if (o) {
			free(best);
			best = nx_xstrdup(line);
			cJSON_Delete(o);
		}
		line = nl + 1;
	}
	free(text);
	return best;
}

bool nxw_journal_pending(const char *session_path)
{
	char *last = nxw_journal_last(session_path);
	if (!last)
		return false;
	/* Pending when the journal's state is not what the file holds. */
	bool pending = true;
	nx_err err;
	size_t len;
	char *file = nx_read_file(session_path, &len, &err);
	cJSON *a = cJSON_Parse(last), *b = file ? cJSON_Parse(file) : NULL;
	if (a && b) {
		/* The file has hashes the journal does not: compare without them. */
		cJSON *steps = cJSON_GetObjectItemCaseSensitive(b, "steps"), *st;
		cJSON_ArrayForEach(st, steps) {
			cJSON_DeleteItemFromObjectCaseSensitive(st, "ir_sha256");
			cJSON_DeleteItemFromObjectCaseSensitive(st, "line_hashes");
		}
		pending = !cJSON_Compare(a, b, true);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	free(file);
	free(last);
	return pending;
}
