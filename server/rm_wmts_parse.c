/* Pure parsing of the WMTS / matrix-set / MVT routes: see rm_wmts_parse.h. */
#include "rm_wmts_parse.h"

#include <string.h>
#include <strings.h>

static const char *const tms_names[2] = {"WebMercatorQuad", "CGCS2000Quad"};

int rm_tms_from_name(const char *s, size_t len)
{
    for (int i = 0; i < 2; i++)
        if (strlen(tms_names[i]) == len && memcmp(s, tms_names[i], len) == 0)
            return i;
    return -1;
}

const char *rm_tms_to_name(int tms)
{
    return tms == RM_ROUTE_TMS_CGCS2000 ? tms_names[1] : tms_names[0];
}

long rm_tms_width(int tms, int z)
{
    if (z < (tms == RM_ROUTE_TMS_CGCS2000 ? 1 : 0) || z > RM_MAX_Z)
        return 0;
    return 1L << z;
}

long rm_tms_height(int tms, int z)
{
    if (z < (tms == RM_ROUTE_TMS_CGCS2000 ? 1 : 0) || z > RM_MAX_Z)
        return 0;
    return tms == RM_ROUTE_TMS_CGCS2000 ? 1L << (z - 1) : 1L << z;
}

static bool name_ok(const char *s, size_t len, char *out)
{
    if (len == 0 || len > RM_STYLE_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* Splits s into at most max segments at '/'; returns the count, or max + 1 when there are more. */
static int split(const char *s, size_t len, const char **seg, size_t *seglen, int max)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            if (n == max)
                return max + 1;
            seg[n] = s + start;
            seglen[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static bool ends_with(const char *s, size_t len, const char *suf, size_t *stem)
{
    size_t n = strlen(suf);
    if (len < n || memcmp(s + len - n, suf, n) != 0)
        return false;
    *stem = len - n;
    return true;
}

static bool route(struct rm_route *r, enum rm_route_kind kind, const char *reason)
{
    r->kind = kind;
    r->reason = reason;
    return true;
}

static bool ogc_error(struct rm_route *r, int status, const char *code, const char *locator, const char *reason)
{
    r->ogc_status = status;
    r->ogc_code = code;
    r->ogc_locator = locator;
    return route(r, RM_ROUTE_WMTS_ERROR, reason);
}

/* z/x/y in the set, else a BAD_REQUEST reason. */
static const char *check_tile(int tms, long z, long x, long y)
{
    if (z > RM_MAX_Z || rm_tms_width(tms, (int)z) == 0)
        return tms == RM_ROUTE_TMS_CGCS2000 ? "z must be in 1..22 in CGCS2000Quad" : "z must be in 0..22";
    if (x >= rm_tms_width(tms, (int)z) || y >= rm_tms_height(tms, (int)z))
        return tms == RM_ROUTE_TMS_CGCS2000 ? "x must be below 2^z and y below 2^(z-1) in CGCS2000Quad"
                                      : "x and y must be below 2^z";
    return NULL;
}

/* "{style}/{tms}/{z}/{x}/{y}[@2x].png" after /tiles/ */
static bool tiles_tms(const char *s, size_t len, struct rm_route *r)
{
    const char *seg[5];
    size_t sl[5];
    if (split(s, len, seg, sl, 5) != 5)
        return false; /* the XYZ routes of rm_parse.c */
    int tms = rm_tms_from_name(seg[1], sl[1]);
    if (tms < 0)
        return route(r, RM_ROUTE_NOT_FOUND, "unknown tile matrix set (WebMercatorQuad, CGCS2000Quad)");
    if (!name_ok(seg[0], sl[0], r->style))
        return route(r, RM_ROUTE_NOT_FOUND, "unknown style");
    size_t ylen;
    if (!ends_with(seg[4], sl[4], ".png", &ylen))
        return route(r, RM_ROUTE_NOT_FOUND, "tiles are .png");
    int scale = 1;
    size_t stem;
    if (ends_with(seg[4], ylen, "@2x", &stem)) {
        scale = 2;
        ylen = stem;
    } else if (memchr(seg[4], '@', ylen)) {
        return route(r, RM_ROUTE_BAD_REQUEST, "scale must be @2x or none");
    }
    long z, x, y;
    if (!rm_parse_coord(seg[2], sl[2], &z) || !rm_parse_coord(seg[3], sl[3], &x) || !rm_parse_coord(seg[4], ylen, &y))
        return route(r, RM_ROUTE_BAD_REQUEST, "z, x and y must be non-negative integers");
    const char *bad = check_tile(tms, z, x, y);
    if (bad)
        return route(r, RM_ROUTE_BAD_REQUEST, bad);
    r->tms = tms;
    r->z = (int)z;
    r->x = (int)x;
    r->y = (int)y;
    r->scale = scale;
    return route(r, RM_ROUTE_TILE, NULL);
}

/* "{z}/{x}/{y}.mvt" after /mvt/ */
static bool mvt(const char *s, size_t len, struct rm_route *r)
{
    const char *seg[3];
    size_t sl[3], ylen;
    if (split(s, len, seg, sl, 3) != 3)
        return route(r, RM_ROUTE_NOT_FOUND, "no such resource");
    if (!ends_with(seg[2], sl[2], ".mvt", &ylen))
        return route(r, RM_ROUTE_NOT_FOUND, "vector tiles are .mvt");
    long z, x, y;
    if (!rm_parse_coord(seg[0], sl[0], &z) || !rm_parse_coord(seg[1], sl[1], &x) || !rm_parse_coord(seg[2], ylen, &y))
        return route(r, RM_ROUTE_BAD_REQUEST, "z, x and y must be non-negative integers");
    const char *bad = check_tile(RM_ROUTE_TMS_WEBMERCATOR, z, x, y);
    if (bad)
        return route(r, RM_ROUTE_BAD_REQUEST, bad);
    r->tms = RM_ROUTE_TMS_MVT;
    r->z = (int)z;
    r->x = (int)x;
    r->y = (int)y;
    r->scale = 1;
    return route(r, RM_ROUTE_TILE, NULL);
}

/* RESTful WMTS after /wmts/1.0.0/: "WMTSCapabilities.xml" or
 * "{layer}/{style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png".
 * Errors: a resource that does not exist is 404 (the transport's semantics,
 * WMTS 1.0.0 7.1.3 / 10.2), with an OGC exception report. */
static bool wmts_rest(const char *s, size_t len, struct rm_route *r)
{
    if (len == 20 && memcmp(s, "WMTSCapabilities.xml", 20) == 0)
        return route(r, RM_ROUTE_WMTS_CAPS, NULL);
    const char *seg[6];
    size_t sl[6], clen;
    if (split(s, len, seg, sl, 6) != 6)
        return ogc_error(r, 404, "InvalidParameterValue", NULL, "no such resource");
    if (!name_ok(seg[0], sl[0], r->style))
        return ogc_error(r, 404, "InvalidParameterValue", "layer", "unknown layer");
    if (!(sl[1] == 7 && memcmp(seg[1], "default", 7) == 0))
        return ogc_error(r, 404, "InvalidParameterValue", "style", "unknown style (default)");
    int tms = rm_tms_from_name(seg[2], sl[2]);
    if (tms < 0)
        return ogc_error(r, 404, "InvalidParameterValue", "tilematrixset",
                         "unknown tile matrix set (WebMercatorQuad, CGCS2000Quad)");
    if (!ends_with(seg[5], sl[5], ".png", &clen))
        return ogc_error(r, 404, "InvalidParameterValue", "format", "tiles are .png (image/png)");
    long z, row, col;
    if (!rm_parse_coord(seg[3], sl[3], &z) || z > RM_MAX_Z || rm_tms_width(tms, (int)z) == 0)
        return ogc_error(r, 404, "InvalidParameterValue", "tilematrix", "unknown tile matrix");
    if (!rm_parse_coord(seg[4], sl[4], &row))
        return ogc_error(r, 404, "InvalidParameterValue", "tilerow", "TileRow must be a non-negative integer");
    if (!rm_parse_coord(seg[5], clen, &col))
        return ogc_error(r, 404, "InvalidParameterValue", "tilecol", "TileCol must be a non-negative integer");
    if (row >= rm_tms_height(tms, (int)z))
        return ogc_error(r, 404, "TileOutOfRange", "tilerow", "TileRow is out of range");
    if (col >= rm_tms_width(tms, (int)z))
        return ogc_error(r, 404, "TileOutOfRange", "tilecol", "TileCol is out of range");
    r->tms = tms;
    r->z = (int)z;
    r->x = (int)col;
    r->y = (int)row;
    r->scale = 1;
    r->ogc = true;
    return route(r, RM_ROUTE_TILE, NULL);
}

bool rm_route_parse_wmts(const char *path, size_t len, struct rm_route *r)
{
    if (len > 7 && memcmp(path, "/tiles/", 7) == 0)
        return tiles_tms(path + 7, len - 7, r);
    if (len > 5 && memcmp(path, "/mvt/", 5) == 0)
        return mvt(path + 5, len - 5, r);
    if (len == 9 && memcmp(path, "/mvt.json", 9) == 0)
        return route(r, RM_ROUTE_MVTJSON, NULL);
    if ((len == 5 && memcmp(path, "/wmts", 5) == 0) || (len == 6 && memcmp(path, "/wmts/", 6) == 0))
        return route(r, RM_ROUTE_WMTS_KVP, NULL);
    if (len > 12 && memcmp(path, "/wmts/1.0.0/", 12) == 0)
        return wmts_rest(path + 12, len - 12, r);
    return false;
}

/* ------------------------------------------------------------------ KVP */

static const char *kv(const char *const *keys, const char *const *vals, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (keys[i] && strcasecmp(keys[i], name) == 0)
            return vals[i] ? vals[i] : "";
    return NULL;
}

static void kvp_error(struct rm_wmts_req *o, int status, const char *code, const char *locator)
{
    o->ok = false;
    o->status = status;
    o->code = code;
    o->locator = locator;
}

/* A required parameter: NULL (and the error set) when absent or empty. */
static const char *need(const char *const *keys, const char *const *vals, int n, const char *name,
                        const char *locator, struct rm_wmts_req *o)
{
    const char *v = kv(keys, vals, n, name);
    if (!v || !*v) {
        kvp_error(o, 400, "MissingParameterValue", locator);
        return NULL;
    }
    return v;
}

void rm_wmts_kvp_parse(const char *const *keys, const char *const *vals, int n, const char *const *layers,
                       int n_layers, int minzoom, int maxzoom, struct rm_wmts_req *o)
{
    memset(o, 0, sizeof *o);
    const char *v;
    if (!(v = need(keys, vals, n, "SERVICE", "service", o)))
        return;
    if (strcasecmp(v, "WMTS") != 0)
        return kvp_error(o, 400, "InvalidParameterValue", "service");
    if (!(v = need(keys, vals, n, "REQUEST", "request", o)))
        return;
    if (strcasecmp(v, "GetCapabilities") == 0) {
        const char *av = kv(keys, vals, n, "ACCEPTVERSIONS");
        if (av && *av && !strstr(av, "1.0.0"))
            return kvp_error(o, 400, "VersionNegotiationFailed", "acceptversions");
        o->op = RM_WMTS_GETCAPABILITIES;
        o->ok = true;
        return;
    }
    if (strcasecmp(v, "GetTile") != 0)
        return kvp_error(o, 501, "OperationNotSupported", "request");
    o->op = RM_WMTS_GETTILE;
    if (!(v = need(keys, vals, n, "VERSION", "version", o)))
        return;
    if (strcmp(v, "1.0.0") != 0)
        return kvp_error(o, 400, "InvalidParameterValue", "version");
    if (!(v = need(keys, vals, n, "LAYER", "layer", o)))
        return;
    bool known = false;
    for (int i = 0; i < n_layers; i++)
        if (strcmp(layers[i], v) == 0)
            known = true;
    if (!known || !name_ok(v, strlen(v), o->layer))
        return kvp_error(o, 400, "InvalidParameterValue", "layer");
    /* STYLE is required by the standard; an empty value means the default */
    v = kv(keys, vals, n, "STYLE");
    if (!v)
        return kvp_error(o, 400, "MissingParameterValue", "style");
    if (*v && strcmp(v, "default") != 0)
        return kvp_error(o, 400, "InvalidParameterValue", "style");
    if (!(v = need(keys, vals, n, "FORMAT", "format", o)))
        return;
    if (strcmp(v, "image/png") != 0)
        return kvp_error(o, 400, "InvalidParameterValue", "format");
    if (!(v = need(keys, vals, n, "TILEMATRIXSET", "tilematrixset", o)))
        return;
    if ((o->tms = rm_tms_from_name(v, strlen(v))) < 0)
        return kvp_error(o, 400, "InvalidParameterValue", "tilematrixset");
    long z, row, col;
    if (!(v = need(keys, vals, n, "TILEMATRIX", "tilematrix", o)))
        return;
    int lo = (o->tms == RM_ROUTE_TMS_CGCS2000 && minzoom < 1) ? 1 : minzoom;
    if (!rm_parse_coord(v, strlen(v), &z) || z < lo || z > maxzoom)
        return kvp_error(o, 400, "InvalidParameterValue", "tilematrix");
    if (!(v = need(keys, vals, n, "TILEROW", "tilerow", o)))
        return;
    if (!rm_parse_coord(v, strlen(v), &row))
        return kvp_error(o, 400, "InvalidParameterValue", "tilerow");
    if (!(v = need(keys, vals, n, "TILECOL", "tilecol", o)))
        return;
    if (!rm_parse_coord(v, strlen(v), &col))
        return kvp_error(o, 400, "InvalidParameterValue", "tilecol");
    /* WMTS 1.0.0 Table 24: TileOutOfRange is 400 in the KVP binding */
    if (row >= rm_tms_height(o->tms, (int)z))
        return kvp_error(o, 400, "TileOutOfRange", "tilerow");
    if (col >= rm_tms_width(o->tms, (int)z))
        return kvp_error(o, 400, "TileOutOfRange", "tilecol");
    o->z = (int)z;
    o->row = (int)row;
    o->col = (int)col;
    o->ok = true;
}
