/* fuzz_target.c — libFuzzer target for target description files (JSON): a
 * target that validates, or a located error; never a crash. A target that
 * loads is printed back and must load again to the same description. */
#include <stdlib.h>
#include <string.h>

#include "nx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_target t, u;
	if (nx_target_from_json((const char *)data, size, "fuzz.json", &t, &err) != 0)
		return 0;
	char *j = nx_target_to_json(&t);
	if (nx_target_from_json(j, strlen(j), "again.json", &u, &err) != 0)
		abort(); /* what nex prints it must read back */
	free(j);
	return 0;
}
