/* WMTS 1.0.0 (capabilities, KVP GetTile, OGC exception reports) and the
 * vector tiles' TileJSON for riskmap-tiles. See docs/wmts.md. */
#ifndef RM_WMTS_H
#define RM_WMTS_H

#include "rm_db.h"
#include "rm_parse.h"

#include <microhttpd.h>

struct rm_wmts_ctx {
    const char *const *styles; /* served styles = WMTS layers */
    int n_styles;
    int minzoom, maxzoom;      /* tile matrices listed (CGCS2000Quad from max(1, minzoom)) */
    struct rm_pool *pool;      /* for the layers' bounding box (extent of riskmap.district) */
    const char *version;
    /* The absolute base URL of this server for this request, no trailing slash. */
    void (*base_url)(struct MHD_Connection *c, char *buf, size_t n);
    /* Serves a tile route (PNG of a style in a tile matrix set, or MVT): the
     * server's cached, ETag'd tile handler. */
    enum MHD_Result (*serve_tile)(struct MHD_Connection *c, const struct rm_route *rt);
    /* Adds the server's common headers (Server, X-Content-Type-Options). */
    void (*common_headers)(struct MHD_Response *r);
};

/* GET /wmts/1.0.0/WMTSCapabilities.xml */
enum MHD_Result rm_wmts_capabilities(struct MHD_Connection *c, const struct rm_wmts_ctx *x);
/* GET /wmts?SERVICE=WMTS&REQUEST=GetCapabilities|GetTile&... */
enum MHD_Result rm_wmts_kvp(struct MHD_Connection *c, const struct rm_wmts_ctx *x);
/* An OGC (OWS 1.1) ExceptionReport with one exception. */
enum MHD_Result rm_wmts_exception(struct MHD_Connection *c, const struct rm_wmts_ctx *x, unsigned status,
                                  const char *code, const char *locator, const char *text);
/* GET /mvt.json: TileJSON 3.0.0 with vector_layers. */
enum MHD_Result rm_mvt_tilejson(struct MHD_Connection *c, const struct rm_wmts_ctx *x);

/* Scale denominator of level z (0.28 mm pixels): WebMercatorQuad's
 * GoogleMapsCompatible values; CGCS2000Quad from 180 / 2^(z-1) / 256 degrees
 * per pixel and the CGCS2000 ellipsoid's metres per degree at the equator
 * (2 pi 6378137 / 360). */
double rm_wmts_scale_denominator(int tms, int z);

#endif
