/* util.c — small helpers of riskmap-import. */
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("riskmap-import: out of memory\n", stderr);
        exit(4);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("riskmap-import: out of memory\n", stderr);
        exit(4);
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s ? s : "");
    char  *d = xmalloc(n + 1);
    memcpy(d, s ? s : "", n + 1);
    return d;
}

void buf_init(Buf *b) { b->s = NULL; b->len = b->cap = 0; }
void buf_free(Buf *b) { free(b->s); buf_init(b); }
void buf_reset(Buf *b) { b->len = 0; if (b->s) b->s[0] = '\0'; }

static void buf_grow(Buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->s   = xrealloc(b->s, cap);
    b->cap = cap;
}

void buf_putn(Buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_putn(b, s, strlen(s)); }
void buf_putc(Buf *b, char c) { buf_putn(b, &c, 1); }

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_copy_escape(Buf *b, const char *s)
{
    buf_grow(b, strlen(s));
    for (; *s; s++) {
        switch (*s) {
        case '\\': buf_putn(b, "\\\\", 2); break;
        case '\t': buf_putn(b, "\\t", 2); break;
        case '\n': buf_putn(b, "\\n", 2); break;
        case '\r': buf_putn(b, "\\r", 2); break;
        default: buf_putc(b, *s);
        }
    }
}

void buf_array_elem(Buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_putc(b, '\\');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void strset_init(StrSet *s) { s->slot = NULL; s->cap = s->n = 0; }

void strset_free(StrSet *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->slot[i]);
    free(s->slot);
    strset_init(s);
}

static void strset_insert(char **slot, size_t cap, char *k)
{
    size_t i = hash_str(k) & (cap - 1);
    while (slot[i]) i = (i + 1) & (cap - 1);
    slot[i] = k;
}

void strset_add(StrSet *s, const char *k)
{
    if (strset_has(s, k)) return;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap  = s->cap ? s->cap * 2 : 64;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) { fputs("riskmap-import: out of memory\n", stderr); exit(4); }
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) strset_insert(slot, cap, s->slot[i]);
        free(s->slot);
        s->slot = slot;
        s->cap  = cap;
    }
    strset_insert(s->slot, s->cap, xstrdup(k));
    s->n++;
}

int strset_has(const StrSet *s, const char *k)
{
    if (!s->cap) return 0;
    size_t i = hash_str(k) & (s->cap - 1);
    while (s->slot[i]) {
        if (strcmp(s->slot[i], k) == 0) return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}

int utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        int      n;
        uint32_t cp;
        if (c < 0x80) { s++; continue; }
        else if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
        else return 0;
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        s += n + 1;
    }
    return 1;
}
