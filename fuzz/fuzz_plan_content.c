/*
 * fuzz_plan_content — plan content JSON (riskmap.plan.content) into
 * rm_plan_content_check. Input: the JSON text (length given, no NUL).
 * Every problem must carry a path and a message; leaks are caught by
 * LeakSanitizer (rm_problems_free must release everything).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rm_plan_content.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rm_problems p;
	size_t		i;

	memset(&p, 0, sizeof p);
	(void) rm_plan_content_check((const char *) data, size, &p);
	if (p.count > RM_PLAN_CONTENT_MAX_PROBLEMS || (p.count > p.capacity && p.capacity))
		__builtin_trap();
	for (i = 0; i < p.count; i++)
		if (!p.items[i].path || !p.items[i].message ||
			strlen(p.items[i].message) == 0)
			__builtin_trap();
	rm_problems_free(&p);
	return 0;
}
