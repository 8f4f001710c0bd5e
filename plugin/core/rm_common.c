/*
 * rm_common.c — status names and error messages (see rm_common.h).
 */
#include "rm_common.h"

#include <stdio.h>
#include <stdlib.h>

const char *
rm_status_name(int status)
{
	switch (status)
	{
		case RM_OK:
			return "RM_OK";
		case RM_ENOMEM:
			return "RM_ENOMEM";
		case RM_EINTERRUPTED:
			return "RM_EINTERRUPTED";
		case RM_EINVAL:
			return "RM_EINVAL";
		case RM_EGEOS:
			return "RM_EGEOS";
		case RM_ELIMIT:
			return "RM_ELIMIT";
		case RM_EINPUT:
			return "RM_EINPUT";
	}
	return "unknown status";
}

void
rm_set_error_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	if (!buf || size == 0)
		return;
	vsnprintf(buf, size, fmt, ap);
}

void
rm_set_error(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rm_set_error_v(buf, size, fmt, ap);
	va_end(ap);
}

/* The allocator (rm_common.h). */

static void *
malloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size ? size : 1);
}

static void
malloc_release(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

const rm_allocator rm_malloc_allocator = {malloc_alloc, malloc_release, NULL};

void *
rm_alloc(const rm_allocator *a, size_t size)
{
	return a->alloc(a->ctx, size ? size : 1);
}

void
rm_free(const rm_allocator *a, void *p)
{
	if (p && a->release)
		a->release(a->ctx, p);
}
