/* Pure parsing for riskmap-tiles: see rm_parse.h. */
#include "rm_parse.h"
#include "rm_wmts_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RM_PATH_MAX 1024

static bool starts_with(const char *s, size_t len, const char *prefix, size_t *plen)
{
    size_t n = strlen(prefix);
    if (len < n || memcmp(s, prefix, n) != 0)
        return false;
    *plen = n;
    return true;
}

static bool equals(const char *s, size_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

static bool style_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool copy_style(const char *s, size_t len, char *out)
{
    if (len == 0 || len > RM_STYLE_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!style_char(s[i]))
            return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* A tile coordinate: 1..8 decimal digits (2^22 has 7), nothing else. */
bool rm_parse_coord(const char *s, size_t len, long *out)
{
    if (len == 0 || len > 8)
        return false;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static void set(struct rm_route *r, enum rm_route_kind kind, const char *reason)
{
    r->kind = kind;
    r->reason = reason;
}

static void parse_tile(const char *s, size_t len, struct rm_route *r)
{
    /* s = "{style}.json" or "{style}/{z}/{x}/{y}[@2x].png" */
    const char *seg[4];
    size_t seglen[4];
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            if (n == 4)
                return set(r, RM_ROUTE_NOT_FOUND, "no such resource");
            seg[n] = s + start;
            seglen[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    if (n == 1) {
        if (seglen[0] > 5 && memcmp(seg[0] + seglen[0] - 5, ".json", 5) == 0 &&
            copy_style(seg[0], seglen[0] - 5, r->style))
            return set(r, RM_ROUTE_TILEJSON, NULL);
        return set(r, RM_ROUTE_NOT_FOUND, "no such resource");
    }
    if (n != 4)
        return set(r, RM_ROUTE_NOT_FOUND, "no such resource");
    if (!copy_style(seg[0], seglen[0], r->style))
        return set(r, RM_ROUTE_NOT_FOUND, "unknown style");
    const char *yf = seg[3];
    size_t ylen = seglen[3];
    if (ylen < 4 || memcmp(yf + ylen - 4, ".png", 4) != 0)
        return set(r, RM_ROUTE_NOT_FOUND, "tiles are .png");
    ylen -= 4;
    int scale = 1;
    const char *at = memchr(yf, '@', ylen);
    if (at) {
        if ((size_t)(yf + ylen - at) == 3 && memcmp(at, "@2x", 3) == 0)
            scale = 2;
        else
            return set(r, RM_ROUTE_BAD_REQUEST, "scale must be @2x or none");
        ylen = (size_t)(at - yf);
    }
    long z, x, y;
    if (!rm_parse_coord(seg[1], seglen[1], &z) || !rm_parse_coord(seg[2], seglen[2], &x) ||
        !rm_parse_coord(yf, ylen, &y))
        return set(r, RM_ROUTE_BAD_REQUEST, "z, x and y must be non-negative integers");
    if (z > RM_MAX_Z)
        return set(r, RM_ROUTE_BAD_REQUEST, "z must be in 0..22");
    long n_tiles = 1L << z;
    if (x >= n_tiles || y >= n_tiles)
        return set(r, RM_ROUTE_BAD_REQUEST, "x and y must be below 2^z");
    r->z = (int)z;
    r->x = (int)x;
    r->y = (int)y;
    r->scale = scale;
    set(r, RM_ROUTE_TILE, NULL);
}

static bool static_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

/* A relative file path: segments of [A-Za-z0-9._-], none empty, none starting
 * with '.', (so no '.', '..' and no dot files), none "node_modules". */
static bool parse_static(const char *s, size_t len, enum rm_static_root root, struct rm_route *r)
{
    if (len == 0 || len > RM_STATIC_PATH_MAX)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            size_t sl = i - start;
            if (sl == 0 || s[start] == '.')
                return false;
            if (sl == 12 && memcmp(s + start, "node_modules", 12) == 0)
                return false;
            start = i + 1;
        } else if (!static_char(s[i])) {
            return false;
        }
    }
    memcpy(r->path, s, len);
    r->path[len] = '\0';
    if (!rm_mime_type(r->path))
        return false;
    r->root = root;
    return true;
}

void rm_route_parse(const char *path, size_t len, struct rm_route *r)
{
    size_t plen;
    memset(r, 0, sizeof *r);
    set(r, RM_ROUTE_NOT_FOUND, "no such resource");
    if (!path || len == 0 || len > RM_PATH_MAX || path[0] != '/' || memchr(path, '\0', len))
        return;
    if (equals(path, len, "/")) {
        strcpy(r->path, "index.html");
        r->root = RM_STATIC_WEB;
        return set(r, RM_ROUTE_STATIC, NULL);
    }
    if (equals(path, len, "/health"))
        return set(r, RM_ROUTE_HEALTH, NULL);
    if (equals(path, len, "/api/uncovered"))
        return set(r, RM_ROUTE_UNCOVERED, NULL);
    if (equals(path, len, "/api/districts"))
        return set(r, RM_ROUTE_DISTRICTS, NULL);
    if (equals(path, len, "/api/source"))
        return set(r, RM_ROUTE_SOURCE, NULL);
    if (equals(path, len, "/api/styles"))
        return set(r, RM_ROUTE_STYLES, NULL);
    if (equals(path, len, "/api/compliance"))
        return set(r, RM_ROUTE_COMPLIANCE, NULL);
    if (equals(path, len, "/api/clearance"))
        return set(r, RM_ROUTE_CLEARANCE, NULL);
    if (rm_route_parse_wmts(path, len, r)) /* /tiles/{style}/{tms}/..., /mvt, /wmts */
        return;
    if (starts_with(path, len, "/tiles/", &plen))
        return parse_tile(path + plen, len - plen, r);
    if (starts_with(path, len, "/leaflet/", &plen)) {
        if (parse_static(path + plen, len - plen, RM_STATIC_LEAFLET, r))
            set(r, RM_ROUTE_STATIC, NULL);
        return;
    }
    if (starts_with(path, len, "/maplibre/", &plen)) { /* web/node_modules/maplibre-gl/dist */
        if (parse_static(path + plen, len - plen, RM_STATIC_MAPLIBRE, r))
            set(r, RM_ROUTE_STATIC, NULL);
        return;
    }
    if (parse_static(path + 1, len - 1, RM_STATIC_WEB, r))
        set(r, RM_ROUTE_STATIC, NULL);
}

bool rm_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E'))
            return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool rm_parse_date(const char *s)
{
    if (!s || strlen(s) != 10)
        return false;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool rm_parse_year(const char *s, int *out)
{
    if (!s || strlen(s) != 4)
        return false;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < RM_YEAR_MIN || v > RM_YEAR_MAX)
        return false;
    *out = v;
    return true;
}

bool rm_valid_code(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    return p;
}

bool rm_parse_notify(const char *payload, const char *const *style_names, int n_styles, struct rm_notify *out)
{
    memset(out, 0, sizeof *out);
    if (!payload || strlen(payload) > 8000)
        return false;
    const char *p = skip_spaces(payload);
    if (p[0] == '*' && *skip_spaces(p + 1) == '\0') {
        out->everything = true;
        return true;
    }
    double v[4];
    for (int i = 0; i < 4; i++) {
        char tok[65];
        size_t n = 0;
        p = skip_spaces(p);
        while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
            n++;
        if (n == 0 || n >= sizeof tok)
            return false;
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (!rm_parse_double(tok, -1e6, 1e6, &v[i]))
            return false;
        p += n;
    }
    if (v[0] > v[2] || v[1] > v[3])
        return false;
    out->has_box = true;
    out->minx = v[0];
    out->miny = v[1];
    out->maxx = v[2];
    out->maxy = v[3];
    for (;;) {
        p = skip_spaces(p);
        if (!*p)
            break;
        size_t n = 0;
        while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
            n++;
        for (int i = 0; i < n_styles && i < 32; i++)
            if (strlen(style_names[i]) == n && memcmp(style_names[i], p, n) == 0)
                out->all_styles |= 1u << i;
        p += n;
    }
    return true;
}

bool rm_etag_matches(const char *h, const char *etag)
{
    if (!h || !etag || !*etag)
        return false;
    const char *p = skip_spaces(h);
    if (p[0] == '*' && *skip_spaces(p + 1) == '\0')
        return true;
    size_t n = strlen(etag);
    for (const char *q = strstr(h, etag); q; q = strstr(q + 1, etag)) {
        const char *before = q;
        if (before - h >= 2 && before[-2] == 'W' && before[-1] == '/')
            before -= 2;
        bool ok_before = before == h || before[-1] == ',' || before[-1] == ' ' || before[-1] == '\t';
        char after = q[n];
        bool ok_after = after == '\0' || after == ',' || after == ' ' || after == '\t';
        if (ok_before && ok_after)
            return true;
    }
    return false;
}

const char *rm_mime_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".png", "image/png"}, {".svg", "image/svg+xml"}, {".ico", "image/x-icon"},
        {".map", "application/json"}, {".webp", "image/webp"}, {".woff2", "font/woff2"},
    };
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && strcmp(path + n - e, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

void rm_lonlat_to_world(double lon, double lat, double *wx, double *wy)
{
    const double max_lat = 85.0511287798066;
    if (lat > max_lat)
        lat = max_lat;
    if (lat < -max_lat)
        lat = -max_lat;
    if (lon < -180)
        lon = -180;
    if (lon > 180)
        lon = 180;
    double phi = lat * M_PI / 180.0;
    *wx = (lon + 180.0) / 360.0;
    *wy = (1.0 - log(tan(phi) + 1.0 / cos(phi)) / M_PI) / 2.0;
}
