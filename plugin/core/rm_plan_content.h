/*
 * rm_plan_content.h — validation of the structured plan content (数字化预案),
 * the JSON document stored in riskmap.plan.content. The shape is documented
 * in docs/plan_content.md.
 *
 * rm_plan_content_check parses the text with json-c (bounded nesting depth,
 * strict mode, UTF-8 validation) and collects every problem as a
 * (path, message) pair, in document order, with paths like
 * "content.workflows[2].steps[0].within_minutes" (0-based indices).
 *
 * Plain C: no postgres.h. All memory is malloc'd and released by
 * rm_problems_free; the checker never aborts, whatever the input bytes.
 */
#ifndef RM_PLAN_CONTENT_H
#define RM_PLAN_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "rm_common.h"

/* Deepest JSON nesting accepted (the valid shape needs 5 levels). */
#define RM_PLAN_CONTENT_MAX_DEPTH 32
/* At most this many problems are listed; the rest are counted in `omitted`. */
#define RM_PLAN_CONTENT_MAX_PROBLEMS 1000
/* Longest key or value quoted in a path or message, in bytes (cut at a UTF-8 boundary). */
#define RM_PLAN_CONTENT_MAX_QUOTE 64

typedef struct rm_problem
{
	char	   *path;
	char	   *message;
} rm_problem;

typedef struct rm_problems
{
	rm_problem *items;
	size_t		count;
	size_t		capacity;
	size_t		omitted;		/* problems found beyond RM_PLAN_CONTENT_MAX_PROBLEMS */
} rm_problems;

/*
 * Check json[0..len) (need not be NUL-terminated). Returns RM_OK and fills
 * *out (which the caller zero-initialises) with the problems found, none when
 * the content is valid; returns RM_ENOMEM when memory ran out (*out then
 * holds what was collected and must still be freed).
 */
int			rm_plan_content_check(const char *json, size_t len, rm_problems *out);

void		rm_problems_free(rm_problems *p);

#endif							/* RM_PLAN_CONTENT_H */
