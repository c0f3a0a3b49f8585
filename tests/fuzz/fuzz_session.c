/* fuzz_session.c — libFuzzer target for the session-file loader: a session
 * (every step replayed) or a located error, never a crash or a leak. Model
 * paths resolve under a directory that does not exist, so only the built-in
 * demo loads. */
#include <stdlib.h>

#include "nxw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nxw_load_report rep;
	nxw_session *s = nxw_load_mem("/nonexistent/fuzz.nex.json", (const char *)data, size,
				      NULL, &rep, &err);
	if (s) {
		char *j = nxw_session_json(s, false);
		free(j);
		nxw_session_free(s);
	}
	free(rep.m);
	return 0;
}
