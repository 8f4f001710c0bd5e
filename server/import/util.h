/* util.h — small helpers of riskmap-import: growable strings, a string set. */
#ifndef RISKMAP_IMPORT_UTIL_H
#define RISKMAP_IMPORT_UTIL_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char  *s;
    size_t len, cap;
} Buf;

void  buf_init(Buf *b);
void  buf_free(Buf *b);
void  buf_reset(Buf *b);
void  buf_putn(Buf *b, const char *s, size_t n);
void  buf_puts(Buf *b, const char *s);
void  buf_putc(Buf *b, char c);
void  buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for COPY's text format (backslash, tab, newline, CR). */
void  buf_copy_escape(Buf *b, const char *s);
/* Appends s as an element of a PostgreSQL array literal (always quoted). */
void  buf_array_elem(Buf *b, const char *s);
char *xstrdup(const char *s);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* A set of strings (open addressing), for foreign-key pre-checks. */
typedef struct {
    char  **slot;
    size_t  cap, n;
} StrSet;

void strset_init(StrSet *s);
void strset_free(StrSet *s);
void strset_add(StrSet *s, const char *k);
int  strset_has(const StrSet *s, const char *k);

/* 1 when s is well-formed UTF-8. */
int utf8_valid(const char *s);

#endif
