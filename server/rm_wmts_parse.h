/* Pure parsing for the WMTS, matrix-set and vector-tile routes of riskmap-tiles
 * (no I/O, no allocation): the paths /tiles/{style}/{tms}/{z}/{x}/{y}[@2x].png,
 * /mvt/{z}/{x}/{y}.mvt, /mvt.json, /wmts/1.0.0/..., and the KVP parameters of
 * /wmts?SERVICE=WMTS&REQUEST=... Unit tests in tests/server/test_parse.c. */
#ifndef RM_WMTS_PARSE_H
#define RM_WMTS_PARSE_H

#include "rm_parse.h"

/* Called by rm_route_parse(): true when the path is one of the routes above
 * (then *r is filled: TILE with tms, MVTJSON, WMTS_CAPS, WMTS_KVP,
 * WMTS_ERROR, BAD_REQUEST or NOT_FOUND). */
bool rm_route_parse_wmts(const char *path, size_t len, struct rm_route *r);

/* "WebMercatorQuad" -> RM_ROUTE_TMS_WEBMERCATOR, "CGCS2000Quad" -> RM_ROUTE_TMS_CGCS2000, else -1. */
int rm_tms_from_name(const char *s, size_t len);
const char *rm_tms_to_name(int tms);
/* Tiles across and down at level z (0 when z is not a level of the set:
 * CGCS2000Quad starts at 1, 天地图's _c layers). MVT: WebMercatorQuad's. */
long rm_tms_width(int tms, int z);
long rm_tms_height(int tms, int z);

/* A parsed KVP request. On error: ok == false and the OGC exception to send. */
enum rm_wmts_op { RM_WMTS_GETCAPABILITIES = 1, RM_WMTS_GETTILE = 2 };
struct rm_wmts_req {
    bool ok;
    enum rm_wmts_op op;
    char layer[RM_STYLE_MAX + 1];
    int tms, z, row, col;
    int status;                   /* error: HTTP status */
    const char *code, *locator;   /* error: exceptionCode, locator (static strings) */
};

/* keys/vals: the query arguments (names compared case-insensitively, values
 * as given). layers: the served styles; levels minzoom..maxzoom are served
 * (CGCS2000Quad from max(1, minzoom)). */
void rm_wmts_kvp_parse(const char *const *keys, const char *const *vals, int n, const char *const *layers,
                       int n_layers, int minzoom, int maxzoom, struct rm_wmts_req *out);

#endif
