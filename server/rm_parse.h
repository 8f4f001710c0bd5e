/* Pure request and message parsing for riskmap-tiles: no I/O, no globals, no
 * allocation. Every function here takes untrusted bytes and is meant to be
 * fuzzed (tests/server/test_parse.c has the unit tests). */
#ifndef RM_PARSE_H
#define RM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RM_MAX_Z 22
#define RM_STYLE_MAX 32
#define RM_STATIC_PATH_MAX 200

enum rm_route_kind {
    RM_ROUTE_NOT_FOUND = 0, /* 404 */
    RM_ROUTE_BAD_REQUEST,   /* 400: a known resource with malformed parameters */
    RM_ROUTE_TILE,          /* /tiles/{style}/{z}/{x}/{y}[@2x].png */
    RM_ROUTE_TILEJSON,      /* /tiles/{style}.json */
    RM_ROUTE_HEALTH,        /* /health */
    RM_ROUTE_UNCOVERED,     /* /api/uncovered */
    RM_ROUTE_DISTRICTS,     /* /api/districts */
    RM_ROUTE_SOURCE,        /* /api/source */
    RM_ROUTE_STYLES,        /* /api/styles */
    RM_ROUTE_COMPLIANCE,    /* /api/compliance */
    RM_ROUTE_CLEARANCE,     /* /api/clearance */
    RM_ROUTE_STATIC,        /* a file of the viewer, or of Leaflet's dist folder */
    /* rm_wmts_parse.c: */
    RM_ROUTE_MVTJSON,       /* /mvt.json */
    RM_ROUTE_WMTS_CAPS,     /* /wmts/1.0.0/WMTSCapabilities.xml */
    RM_ROUTE_WMTS_KVP,      /* /wmts?SERVICE=WMTS&REQUEST=... (the query decides) */
    RM_ROUTE_WMTS_ERROR,    /* a RESTful WMTS path in error: OGC exception report (ogc_*) */
};

/* Tile matrix sets / formats of RM_ROUTE_TILE (the cache key's tms). */
enum rm_route_tms { RM_ROUTE_TMS_WEBMERCATOR = 0, RM_ROUTE_TMS_CGCS2000 = 1, RM_ROUTE_TMS_MVT = 2 };

enum rm_static_root { RM_STATIC_WEB = 0, RM_STATIC_LEAFLET = 1, RM_STATIC_MAPLIBRE = 2 };

struct rm_route {
    enum rm_route_kind kind;
    const char *reason;            /* for RM_ROUTE_BAD_REQUEST / NOT_FOUND: a short static message */
    char style[RM_STYLE_MAX + 1];  /* TILE, TILEJSON: [a-z0-9_-]{1,32} */
    int z, x, y, scale;            /* TILE */
    int tms;                       /* TILE: enum rm_route_tms (0 for /tiles/{style}/{z}/{x}/{y}) */
    bool ogc;                      /* TILE via WMTS: errors are OGC exception reports */
    int ogc_status;                /* WMTS_ERROR: HTTP status */
    const char *ogc_code, *ogc_locator; /* WMTS_ERROR: exceptionCode, locator (static strings) */
    enum rm_static_root root;      /* STATIC */
    char path[RM_STATIC_PATH_MAX + 1]; /* STATIC: relative path, checked: no '..', no dot files */
};

/* Classifies a request path (already percent-decoded by the HTTP library; the
 * query string is not part of it). Never fails: anything it does not know is
 * RM_ROUTE_NOT_FOUND. `len` is the number of bytes of `path` (an embedded NUL
 * makes the path unknown). */
void rm_route_parse(const char *path, size_t len, struct rm_route *out);

/* A tile coordinate: 1..8 decimal digits, nothing else (not NUL-terminated: len bytes). */
bool rm_parse_coord(const char *s, size_t len, long *out);

/* A decimal number in [lo, hi], whole string, finite. */
bool rm_parse_double(const char *s, double lo, double hi, double *out);

/* A date YYYY-MM-DD with a plausible month/day (the database checks the rest). */
bool rm_parse_date(const char *s);

/* A year: exactly four decimal digits in RM_YEAR_MIN..RM_YEAR_MAX (the range
 * riskmap.drill.year allows). */
#define RM_YEAR_MIN 1949
#define RM_YEAR_MAX 2200
bool rm_parse_year(const char *s, int *out);

/* A district code as the district table allows it: [0-9A-Za-z_-]{1,32}. */
bool rm_valid_code(const char *s);

/* Payload of NOTIFY riskmap_tiles:
 *   "<minx> <miny> <maxx> <maxy>[ <style>...]"  lon/lat extent, optional styles
 *                                               whose tiles all go (global effects)
 *   "*"                                          everything
 * style_names lists the known styles (n_styles <= 32); a named style sets its bit
 * in all_styles; unknown style words are ignored. */
struct rm_notify {
    bool everything;
    bool has_box;
    double minx, miny, maxx, maxy;
    uint32_t all_styles;
};
bool rm_parse_notify(const char *payload, const char *const *style_names, int n_styles, struct rm_notify *out);

/* If-None-Match against a strong ETag (given with its quotes): true when the
 * header is "*" or lists the tag, weakly or strongly (RFC 9110 13.1.2 uses the
 * weak comparison). */
bool rm_etag_matches(const char *if_none_match, const char *etag);

/* Content type for a file name, by extension; NULL for types not served. */
const char *rm_mime_type(const char *path);

/* Web Mercator: lon/lat to world coordinates in [0,1] (x east, y south). */
void rm_lonlat_to_world(double lon, double lat, double *wx, double *wy);

#endif
