/*
 * rm_common.h — the conventions every core module follows.
 *
 * Plain C (no postgres.h), shared by the extension, the programs and the unit
 * tests. A core function never longjmps and never exits:
 *   - it returns an rm_status (RM_OK or the reason it failed), after
 *     releasing everything it allocated;
 *   - the message of a failure is written into the caller's error buffer
 *     (rm_set_error): plain text without the SQLSTATE, naming the offending
 *     value or row ("source 12: radius -1 m is out of range [0, 2e+06]");
 *   - memory comes from an rm_allocator when the caller wants to own it
 *     (e.g. a PostgreSQL memory context), else from malloc/free;
 *   - long loops poll an rm_interrupt; when it answers non-zero the function
 *     cleans up and returns RM_EINTERRUPTED.
 * The glue turns a status into an error of its own (plugin/pg/rm_pg.c holds
 * the only status -> SQLSTATE table of the extension).
 */
#ifndef RM_COMMON_H
#define RM_COMMON_H

#include <stdarg.h>
#include <stddef.h>

typedef enum rm_status
{
	RM_OK = 0,
	RM_ENOMEM = 1,       /* out of memory */
	RM_EINTERRUPTED = 2, /* the interrupt callback said stop */
	RM_EINVAL = 3,       /* a bad argument (the message names it) */
	RM_EGEOS = 4,        /* GEOS or PROJ failed (the message is theirs) */
	RM_ELIMIT = 5,       /* a configured size limit was exceeded */
	RM_EINPUT = 6        /* bad input data (the message names the row) */
} rm_status;

/* A name for messages and tests: "RM_ENOMEM", ... */
const char *rm_status_name(int status);

/* The error buffer's size the glue uses; any size works. */
#define RM_ERRMSG_SIZE 512

/* printf into buf (truncated, always terminated; buf may be NULL). */
void rm_set_error(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void rm_set_error_v(char *buf, size_t size, const char *fmt, va_list ap);

/* Returns non-zero when the caller wants the computation stopped. */
typedef int (*rm_interrupt_fn)(void *arg);

typedef struct rm_interrupt
{
	rm_interrupt_fn fn;
	void *arg;
} rm_interrupt;

static inline int
rm_interrupted(const rm_interrupt *in)
{
	return in && in->fn && in->fn(in->arg);
}

/* Where a module's long-lived memory comes from. */
typedef struct rm_allocator
{
	void *(*alloc)(void *ctx, size_t size); /* NULL on failure */
	void (*release)(void *ctx, void *ptr);  /* may be a no-op */
	void *ctx;
} rm_allocator;

/* malloc/free */
extern const rm_allocator rm_malloc_allocator;

/* a->alloc (size 0 counts as 1) and a->release (NULL is fine). */
void *rm_alloc(const rm_allocator *a, size_t size);
void rm_free(const rm_allocator *a, void *p);

#endif
