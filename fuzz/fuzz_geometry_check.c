/*
 * fuzz_geometry_check — EWKB into the geometry guard (rm_geometry_problem),
 * as riskmap.geometry_problem() / the table checks hand it bytes.
 * Input: the raw EWKB. Both nesting modes are tried (nesting_checked=true
 * only for inputs short enough that GEOS's recursive reader cannot overflow).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rm_geometry_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		msg[256];
	rm_geom_status st;

	memset(msg, 0x55, sizeof msg);
	st = rm_geometry_problem(data, size, false, msg, sizeof msg);
	if (st < RM_GEOM_FINE || st > RM_GEOM_FAILED || !memchr(msg, '\0', sizeof msg))
		__builtin_trap();
	if (st == RM_GEOM_FINE && msg[0] != '\0')
		__builtin_trap();
	/* A tiny message buffer must still be NUL-terminated, never overrun. */
	st = rm_geometry_problem(data, size, false, msg, 1);
	if (msg[0] != '\0')
		__builtin_trap();
	return 0;
}
