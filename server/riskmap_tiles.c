/* riskmap-tiles: an HTTP tile server over riskmap.tile(), with a bounded LRU
 * cache that NOTIFY riskmap_tiles invalidates, a small JSON API for the map
 * viewer, and the viewer itself (web/). See docs/server.md. */
#include "rm_cache.h"
#include "rm_db.h"
#include "rm_guard.h"
#include "rm_listen.h"
#include "rm_parse.h"
#include "rm_print_routes.h"
#include "rm_wmts.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef RISKMAP_WEB_DIR
#define RISKMAP_WEB_DIR "/usr/local/share/riskmap/web"
#endif
#ifndef RISKMAP_VERSION
#define RISKMAP_VERSION "0.1.0"
#endif

#define MAX_STYLES 16

struct config {
    const char *conninfo;
    const char *read_conninfo; /* --read-db: tiles and API queries go there (a hot standby) */
    const char *listen;
    const char *web_dir;
    const char *public_url;
    size_t cache_mb;
    int threads, pool, max_age, minzoom, maxzoom, verbose;
    int per_ip, idle_timeout;
    struct rm_guard_limits limits;
    double margin_px;
    const char *styles[MAX_STYLES];
    int n_styles;
};

static struct config cfg;
static struct rm_pool *pool;
static struct rm_cache *cache;
static struct rm_guard *guard;
static char web_root[PATH_MAX], leaflet_root[PATH_MAX], maplibre_root[PATH_MAX];
static char cache_control_tiles[64];

/* ------------------------------------------------------------------ responses */

static void add_common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Server", "riskmap-tiles/" RISKMAP_VERSION);
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_object *obj, const char *cache_ctl)
{
    const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), (void *)s, MHD_RESPMEM_MUST_COPY);
    json_object_put(obj);
    if (!r)
        return MHD_NO;
    add_common_headers(r);
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", cache_ctl ? cache_ctl : "no-store");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, "Retry-After", "1");
    return queue(c, status, r);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *message)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_int((int)status));
    json_object_object_add(o, "error", json_object_new_string(message ? message : ""));
    return send_json(c, status, o, "no-store");
}

/* Maps a failed query to its HTTP status. */
static enum MHD_Result send_query_error(struct MHD_Connection *c, const struct rm_qresult *q)
{
    switch (q->status) {
    case RM_Q_DOWN:
    case RM_Q_BUSY:
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, q->message);
    case RM_Q_INVALID:
        return send_error(c, MHD_HTTP_BAD_REQUEST, q->message);
    default:
        /* 42883 undefined_function, 3F000 invalid_schema_name, 42P01 undefined_table:
         * the extension is not (yet) installed in this database. */
        if (!strcmp(q->sqlstate, "42883") || !strcmp(q->sqlstate, "3F000") || !strcmp(q->sqlstate, "42P01")) {
            char msg[320];
            snprintf(msg, sizeof msg, "riskmap extension not ready: %s", q->message);
            return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
        }
        fprintf(stderr, "riskmap-tiles: query failed: %s %s\n", q->sqlstate, q->message);
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
    }
}

/* ------------------------------------------------------------ JSON from rows */

#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_JSON 114
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700
#define OID_JSONB 3802

/* One value of a text-format result as JSON. json/jsonb (GeoJSON geometry from
 * ST_AsGeoJSON(...)::json, arrays from json_agg) go through json_tokener. */
static json_object *value_json(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    const char *v = PQgetvalue(res, row, col);
    switch (PQftype(res, col)) {
    case OID_BOOL:
        return json_object_new_boolean(v[0] == 't');
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        return json_object_new_int64(strtoll(v, NULL, 10));
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return json_object_new_double(strtod(v, NULL));
    case OID_JSON:
    case OID_JSONB: {
        json_tokener *tok = json_tokener_new_ex(64);
        json_object *o = json_tokener_parse_ex(tok, v, PQgetlength(res, row, col));
        if (json_tokener_get_error(tok) != json_tokener_success) {
            json_object_put(o);
            o = NULL;
        }
        json_tokener_free(tok);
        return o;
    }
    default:
        return json_object_new_string_len(v, PQgetlength(res, row, col));
    }
}

/* A GeoJSON Feature of one row: column "geometry" is the geometry, "bbox" the
 * feature's bbox, id_col its id, every other column a property. */
static json_object *feature_from_row(const PGresult *res, int row, const char *id_col)
{
    json_object *f = json_object_new_object(), *props = json_object_new_object(), *geom = NULL, *bbox = NULL;
    json_object_object_add(f, "type", json_object_new_string("Feature"));
    for (int col = 0; col < PQnfields(res); col++) {
        const char *name = PQfname(res, col);
        json_object *v = value_json(res, row, col);
        if (!strcmp(name, "geometry")) {
            geom = v;
        } else if (!strcmp(name, "bbox")) {
            bbox = v;
        } else {
            if (id_col && !strcmp(name, id_col))
                json_object_object_add(f, "id", json_object_get(v));
            json_object_object_add(props, name, v);
        }
    }
    if (bbox)
        json_object_object_add(f, "bbox", bbox);
    json_object_object_add(f, "geometry", geom);
    json_object_object_add(f, "properties", props);
    return f;
}

static json_object *feature_collection(const PGresult *res, const char *id_col)
{
    json_object *fc = json_object_new_object(), *features = json_object_new_array();
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    for (int row = 0; row < PQntuples(res); row++)
        json_object_array_add(features, feature_from_row(res, row, id_col));
    json_object_object_add(fc, "features", features);
    return fc;
}

/* --------------------------------------------------------------------- tiles */

static const char *SQL_TILE = "SELECT t, md5(t) FROM riskmap.tile($1::integer, $2::integer, $3::integer, $4::text, "
                              "$5::integer, $6::text) AS t";
static const char *SQL_MVT = "SELECT t, md5(t) FROM riskmap.tile_mvt($1::integer, $2::integer, $3::integer) AS t";
static struct rm_wmts_ctx wmts; /* WMTS, MVT TileJSON (rm_wmts.c) */

static void destroy_response(void *resp)
{
    MHD_destroy_response(resp);
}

static int style_index(const char *style)
{
    for (int i = 0; i < cfg.n_styles; i++)
        if (!strcmp(cfg.styles[i], style))
            return i;
    return -1;
}

static enum MHD_Result send_not_modified(struct MHD_Connection *c, const char *etag)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_common_headers(r);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Cache-Control", cache_control_tiles);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    return queue(c, MHD_HTTP_NOT_MODIFIED, r);
}

static enum MHD_Result serve_tile_entry(struct MHD_Connection *c, struct rm_tile *t)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    enum MHD_Result ret;
    if (inm && rm_etag_matches(inm, t->etag))
        ret = send_not_modified(c, t->etag);
    else
        ret = MHD_queue_response(c, MHD_HTTP_OK, t->resp);
    rm_cache_release(cache, t);
    return ret;
}

/* Single flight: when several requests miss the same tile at once (viewers
 * reloading after a change), one renders it and the others wait for the cache. */
#define INFLIGHT_MAX 64
static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_cv = PTHREAD_COND_INITIALIZER;
static struct rm_tile_key inflight[INFLIGHT_MAX];
static bool inflight_used[INFLIGHT_MAX];

static bool same_key(const struct rm_tile_key *a, const struct rm_tile_key *b)
{
    return a->x == b->x && a->y == b->y && a->z == b->z && a->scale == b->scale && a->style == b->style &&
           a->tms == b->tms;
}

/* >= 0: a slot, we render; -1: another request rendered it meanwhile, look in
 * the cache again; -2: render without coordination (no free slot, or waited
 * too long). */
static int inflight_begin(const struct rm_tile_key *k)
{
    bool waited = false;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    pthread_mutex_lock(&inflight_mu);
    for (;;) {
        int free_slot = -1;
        bool busy = false;
        for (int i = 0; i < INFLIGHT_MAX; i++) {
            if (inflight_used[i] && same_key(&inflight[i], k))
                busy = true;
            else if (!inflight_used[i] && free_slot < 0)
                free_slot = i;
        }
        if (busy) {
            waited = true;
            if (pthread_cond_timedwait(&inflight_cv, &inflight_mu, &deadline) == ETIMEDOUT) {
                pthread_mutex_unlock(&inflight_mu);
                return -2;
            }
            continue;
        }
        if (waited) {
            pthread_mutex_unlock(&inflight_mu);
            return -1;
        }
        if (free_slot >= 0) {
            inflight_used[free_slot] = true;
            inflight[free_slot] = *k;
        }
        pthread_mutex_unlock(&inflight_mu);
        return free_slot >= 0 ? free_slot : -2;
    }
}

static void inflight_end(int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&inflight_mu);
    inflight_used[slot] = false;
    pthread_cond_broadcast(&inflight_cv);
    pthread_mutex_unlock(&inflight_mu);
}

static enum MHD_Result handle_tile(struct MHD_Connection *c, const struct rm_route *rt)
{
    bool mvt = rt->tms == RM_ROUTE_TMS_MVT;
    int si = mvt ? 0 : style_index(rt->style);
    if (si < 0)
        return rt->ogc ? rm_wmts_exception(c, &wmts, MHD_HTTP_NOT_FOUND, "InvalidParameterValue", "layer",
                                           "unknown layer")
                       : send_error(c, MHD_HTTP_NOT_FOUND, "unknown style");
    struct rm_tile_key key = {.x = (uint32_t)rt->x, .y = (uint32_t)rt->y, .z = (uint8_t)rt->z,
                              .scale = (uint8_t)rt->scale, .style = (uint8_t)si, .tms = (uint8_t)rt->tms};
    struct rm_tile *t;
    int slot;
    for (int tries = 0;; tries++) {
        t = rm_cache_get(cache, &key);
        if (t)
            return serve_tile_entry(c, t);
        slot = cfg.cache_mb ? inflight_begin(&key) : -2; /* nothing to wait for without a cache */
        if (slot != -1 || tries >= 2)
            break;
    }

    uint64_t gen = rm_cache_generation(cache);
    char z[12], x[12], y[12], s[4];
    snprintf(z, sizeof z, "%d", rt->z);
    snprintf(x, sizeof x, "%d", rt->x);
    snprintf(y, sizeof y, "%d", rt->y);
    snprintf(s, sizeof s, "%d", rt->scale);
    const char *params[6] = {z, x, y, rt->style, s, rt->tms == RM_ROUTE_TMS_CGCS2000 ? "CGCS2000Quad" : "WebMercatorQuad"};
    struct rm_qresult q;
    rm_query(pool, mvt ? SQL_MVT : SQL_TILE, mvt ? 3 : 6, params, 1, &q);
    if (q.status != RM_Q_OK) {
        inflight_end(slot);
        return send_query_error(c, &q);
    }
    if (PQntuples(q.res) != 1 || PQgetisnull(q.res, 0, 0) || PQgetlength(q.res, 0, 1) != 32) {
        rm_qresult_clear(&q);
        inflight_end(slot);
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "riskmap.tile returned no image");
    }
    t = calloc(1, sizeof *t);
    size_t len = (size_t)PQgetlength(q.res, 0, 0);
    unsigned char *png = malloc(len ? len : 1);
    if (!t || !png) {
        free(t);
        free(png);
        rm_qresult_clear(&q);
        inflight_end(slot);
        return MHD_NO;
    }
    memcpy(png, PQgetvalue(q.res, 0, 0), len);
    t->key = key;
    t->len = len;
    snprintf(t->etag, sizeof t->etag, "\"%.32s\"", PQgetvalue(q.res, 0, 1));
    rm_qresult_clear(&q);
    /* The response owns the bytes: MHD frees them when the last connection
     * sending them is done, even if the cache dropped the tile before. */
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, png, free);
    if (!r) {
        free(png);
        free(t);
        inflight_end(slot);
        return MHD_NO;
    }
    add_common_headers(r);
    MHD_add_response_header(r, "Content-Type", mvt ? "application/vnd.mapbox-vector-tile" : "image/png");
    MHD_add_response_header(r, "ETag", t->etag);
    MHD_add_response_header(r, "Cache-Control", cache_control_tiles);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    t->resp = r;
    t = rm_cache_put(cache, t, gen);
    inflight_end(slot);
    return serve_tile_entry(c, t);
}

/* ------------------------------------------------------------------ TileJSON */

static bool host_ok(const char *h)
{
    if (!h || !*h || strlen(h) > 255)
        return false;
    for (const char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '-' || *p == ':' || *p == '[' || *p == ']'))
            return false;
    return true;
}

/* The absolute base URL for this request (--public-url, else the Host header), no trailing slash. */
static void base_url(struct MHD_Connection *c, char *base, size_t n)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (cfg.public_url)
        snprintf(base, n, "%s", cfg.public_url);
    else
        snprintf(base, n, "http://%s", host_ok(host) ? host : cfg.listen);
    size_t bl = strlen(base);
    if (bl && base[bl - 1] == '/')
        base[bl - 1] = '\0';
}

static enum MHD_Result handle_tilejson(struct MHD_Connection *c, const struct rm_route *rt)
{
    if (style_index(rt->style) < 0)
        return send_error(c, MHD_HTTP_NOT_FOUND, "unknown style");
    struct rm_qresult q;
    rm_query(pool,
             "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
             "FROM (SELECT ST_Extent(geom) AS e FROM riskmap.district) s",
             0, NULL, 0, &q);
    if (q.status != RM_Q_OK)
        return send_query_error(c, &q);
    double b[4] = {105.28, 28.16, 110.20, 32.21}; /* Chongqing, when the district table is empty */
    if (PQntuples(q.res) == 1 && !PQgetisnull(q.res, 0, 0))
        for (int i = 0; i < 4; i++)
            b[i] = strtod(PQgetvalue(q.res, 0, i), NULL);
    rm_qresult_clear(&q);

    char base[512];
    base_url(c, base, sizeof base);
    char url[800];
    snprintf(url, sizeof url, "%s/tiles/%s/{z}/{x}/{y}.png", base, rt->style);

    json_object *o = json_object_new_object(), *tiles = json_object_new_array(), *bounds = json_object_new_array(),
                *center = json_object_new_array();
    json_object_object_add(o, "tilejson", json_object_new_string("3.0.0"));
    json_object_object_add(o, "name", json_object_new_string(rt->style));
    json_object_object_add(o, "description",
                           json_object_new_string(!strcmp(rt->style, "evacuation")
                                                      ? "riskmap: evacuation catchments, shelters, unserved population"
                                                      : "riskmap: impact zones by risk level, undrilled high-risk zones "
                                                        "(#7F0000 hatch), sources, shelters, districts"));
    json_object_object_add(o, "version", json_object_new_string(RISKMAP_VERSION));
    json_object_object_add(o, "scheme", json_object_new_string("xyz"));
    json_object_array_add(tiles, json_object_new_string(url));
    json_object_object_add(o, "tiles", tiles);
    json_object_object_add(o, "minzoom", json_object_new_int(cfg.minzoom));
    json_object_object_add(o, "maxzoom", json_object_new_int(cfg.maxzoom));
    for (int i = 0; i < 4; i++)
        json_object_array_add(bounds, json_object_new_double(b[i]));
    json_object_object_add(o, "bounds", bounds);
    json_object_array_add(center, json_object_new_double((b[0] + b[2]) / 2));
    json_object_array_add(center, json_object_new_double((b[1] + b[3]) / 2));
    json_object_array_add(center, json_object_new_int(cfg.minzoom > 8 ? cfg.minzoom : 8));
    json_object_object_add(o, "center", center);
    json_object_object_add(o, "attribution",
                           json_object_new_string("riskmap · 应急预案与演练 · boundaries: district table"));
    return send_json(c, MHD_HTTP_OK, o, "no-cache");
}

/* ----------------------------------------------------------------------- API */

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result handle_uncovered(struct MHD_Connection *c)
{
    const char *district = arg(c, "district"), *as_of = arg(c, "as_of");
    if (district && !*district)
        district = NULL;
    if (district && !rm_valid_code(district))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "district must be a district code such as 500103");
    if (as_of && !*as_of)
        as_of = NULL;
    if (as_of && !rm_parse_date(as_of))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "as_of must be a date YYYY-MM-DD");
    const char *params[2] = {district, as_of};
    struct rm_qresult q;
    rm_query(pool,
             "SELECT u.source_id, u.name, u.district_code, u.risk_level, "
             "       array_to_json(array_agg(u.reason ORDER BY u.reason)) AS reasons, "
             "       rs.kind, rs.category, rs.impact_radius_m, rs.population_exposed, "
             "       ST_AsGeoJSON(rs.geom, 7)::json AS geometry "
             "FROM riskmap.uncovered_sources($1::text, coalesce($2::date, current_date)) u "
             "JOIN riskmap.risk_source rs ON rs.id = u.source_id "
             "GROUP BY u.source_id, u.name, u.district_code, u.risk_level, rs.id "
             "ORDER BY u.risk_level, u.source_id",
             2, params, 0, &q);
    if (q.status != RM_Q_OK)
        return send_query_error(c, &q);
    json_object *fc = feature_collection(q.res, "source_id");
    rm_qresult_clear(&q);
    if (district)
        json_object_object_add(fc, "district", json_object_new_string(district));
    return send_json(c, MHD_HTTP_OK, fc, "no-store");
}

static enum MHD_Result handle_districts(struct MHD_Connection *c)
{
    struct rm_qresult q;
    rm_query(pool,
             "SELECT d.code, d.name, d.parent_code, "
             "       ST_AsGeoJSON(ST_PointOnSurface(d.geom), 6)::json AS geometry, "
             "       CASE WHEN d.geom IS NOT NULL THEN json_build_array(ST_XMin(d.geom), ST_YMin(d.geom), "
             "            ST_XMax(d.geom), ST_YMax(d.geom)) END AS bbox, "
             "       (SELECT count(*) FROM riskmap.risk_source rs WHERE rs.district_code = d.code) AS sources "
             "FROM riskmap.district d ORDER BY d.code",
             0, NULL, 0, &q);
    if (q.status != RM_Q_OK)
        return send_query_error(c, &q);
    json_object *fc = feature_collection(q.res, "code");
    rm_qresult_clear(&q);
    return send_json(c, MHD_HTTP_OK, fc, "no-cache");
}

static const char *SQL_SOURCE =
    "WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326) AS g), "
    "c AS (SELECT rs.* FROM riskmap.risk_source rs, p ORDER BY rs.geom <-> p.g, rs.id LIMIT 16), "
    "n AS (SELECT c.*, ST_Distance(c.geom::geography, p.g::geography) AS dist FROM c, p) "
    "SELECT n.id, n.kind, n.name, n.category, n.risk_level, n.district_code, d.name AS district_name, "
    "       n.impact_radius_m, n.population_exposed, round(n.dist::numeric, 1) AS distance_m, "
    "       ST_AsGeoJSON(n.geom, 7)::json AS geometry, "
    "       (SELECT coalesce(json_agg(json_build_object('event_type', l.event_type, 'plan_id', pl.id, "
    "               'code', pl.code, 'title', pl.title, 'plan_type', pl.plan_type, 'status', pl.status, "
    "               'in_force', pl.status IN ('published', 'filed'), "
    "               'last_revised', greatest(pl.revised_on, pl.published_on, pl.approved_on)) "
    "               ORDER BY l.event_type), '[]'::json) "
    "        FROM riskmap.plan_link l JOIN riskmap.plan pl ON pl.id = l.plan_id WHERE l.source_id = n.id) AS plans, "
    "       (SELECT coalesce(json_agg(x ORDER BY x.scheduled_on NULLS LAST, x.id), '[]'::json) FROM ("
    "          SELECT dr.id, dr.title, dr.year, dr.status, dr.drill_class, dr.form, dr.scheduled_on, "
    "                 dr.completed_on, 'target' AS via "
    "          FROM riskmap.drill_target t JOIN riskmap.drill dr ON dr.id = t.drill_id "
    "          WHERE t.source_id = n.id AND dr.year = extract(year FROM current_date)::integer "
    "          UNION "
    "          SELECT dr.id, dr.title, dr.year, dr.status, dr.drill_class, dr.form, dr.scheduled_on, "
    "                 dr.completed_on, 'area' "
    "          FROM riskmap.drill dr WHERE dr.area && n.geom AND ST_Intersects(dr.area, n.geom) "
    "            AND dr.year = extract(year FROM current_date)::integer) x) AS drills, "
    "       (SELECT coalesce(json_agg(u.reason ORDER BY u.reason), '[]'::json) "
    "        FROM riskmap.uncovered_sources(n.district_code) u WHERE u.source_id = n.id) AS reasons "
    "FROM n LEFT JOIN riskmap.district d ON d.code = n.district_code "
    "WHERE $3::float8 IS NULL OR n.dist <= $3::float8 "
    "ORDER BY n.dist, n.id LIMIT 1";

static enum MHD_Result handle_source(struct MHD_Connection *c)
{
    double lon, lat, max_m;
    const char *slon = arg(c, "lon"), *slat = arg(c, "lat"), *smax = arg(c, "max_m");
    if (!rm_parse_double(slon, -180, 180, &lon) || !rm_parse_double(slat, -90, 90, &lat))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "lon and lat must be numbers (degrees, EPSG:4326)");
    if (smax && *smax && !rm_parse_double(smax, 0, 1e7, &max_m))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "max_m must be a distance in metres");
    char a[32], b[32];
    snprintf(a, sizeof a, "%.9f", lon);
    snprintf(b, sizeof b, "%.9f", lat);
    const char *params[3] = {a, b, smax && *smax ? smax : NULL};
    struct rm_qresult q;
    rm_query(pool, SQL_SOURCE, 3, params, 0, &q);
    if (q.status != RM_Q_OK)
        return send_query_error(c, &q);
    if (PQntuples(q.res) == 0) {
        rm_qresult_clear(&q);
        return send_error(c, MHD_HTTP_NOT_FOUND, "no risk source there");
    }
    json_object *f = feature_from_row(q.res, 0, "id");
    rm_qresult_clear(&q);
    return send_json(c, MHD_HTTP_OK, f, "no-store");
}

/* Evacuation clearance of one source (riskmap.clearance_report's row, at
 * the defaults: 1.2 m/s, 4 h), for the source popup; people 0 and no times
 * when its zone holds nobody, 404 for an unknown source. Computed per request: it depends on roads, cells, shelters and
 * plans, and a zone's solve takes milliseconds to a second. */
static const char *SQL_CLEARANCE =
    "SELECT rs.id AS source_id, coalesce(c.people, 0) AS people, coalesce(c.unserved, 0) AS unserved, "
    "       c.clearance_s, c.lower_bound_s, c.plan_id, pl.code AS plan_code, c.plan_limit_s, c.meets_plan, "
    "       (SELECT coalesce(json_agg(json_build_object('id', r.id, 'capacity_pph', r.capacity_pph) ORDER BY b.o), '[]'::json) "
    "        FROM unnest(c.bottleneck_edges) WITH ORDINALITY AS b(id, o) JOIN riskmap.road r ON r.id = b.id) AS bottlenecks, "
    "       ST_AsGeoJSON(rs.geom, 7)::json AS geometry "
    "FROM riskmap.risk_source rs "
    "LEFT JOIN riskmap._clearance_checked(4, NULL, 1.2, 14400, ARRAY[$1::bigint]) c ON c.source_id = rs.id "
    "LEFT JOIN riskmap.plan pl ON pl.id = c.plan_id WHERE rs.id = $1::bigint";

static enum MHD_Result handle_clearance(struct MHD_Connection *c)
{
    double id;
    const char *sid = arg(c, "id");
    if (!rm_parse_double(sid, 1, 9e15, &id) || id != (double) (long long) id)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "id must be a risk source id");
    char a[32];
    snprintf(a, sizeof a, "%.0f", id);
    const char *params[1] = {a};
    struct rm_qresult q;
    rm_query(pool, SQL_CLEARANCE, 1, params, 0, &q);
    if (q.status != RM_Q_OK)
        return send_query_error(c, &q);
    if (PQntuples(q.res) == 0) {
        rm_qresult_clear(&q);
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such risk source");
    }
    json_object *f = feature_from_row(q.res, 0, "source_id");
    rm_qresult_clear(&q);
    return send_json(c, MHD_HTTP_OK, f, "no-store");
}

/* The supervision view: riskmap.compliance(year, as_of) for every district
 * and department, with the open and overdue improvement actions of each
 * organisation (riskmap.open_actions(as_of), counted by the organiser of the
 * action's drill) and, for districts, the polygon simplified for the web.
 * Computed per request (a few ms): compliance also depends on drill_material
 * and improvement_action, which send no NOTIFY, so a cached answer could not
 * be kept exact. */
static const char *SQL_COMPLIANCE =
    "WITH p AS (SELECT coalesce($2::date, current_date) AS as_of), "
    "y AS (SELECT coalesce($1::integer, extract(year FROM p.as_of)::integer) AS year, p.as_of FROM p), "
    "a AS (SELECT CASE WHEN d.organizer_district IS NOT NULL THEN 'district' ELSE 'department' END AS kind, "
    "             o.org_code AS code, count(*) AS n, count(*) FILTER (WHERE o.days_overdue > 0) AS late "
    "      FROM y CROSS JOIN LATERAL riskmap.open_actions(y.as_of) o JOIN riskmap.drill d ON d.id = o.drill_id "
    "      GROUP BY 1, 2) "
    "SELECT c.org_kind, c.org_code AS code, c.org_name AS name, c.comprehensive, c.special, "
    "       c.required_comprehensive, c.required_special, c.quota_met, c.materials_overdue, c.overall_plan_filed, "
    "       coalesce(a.n, 0) AS open_actions, coalesce(a.late, 0) AS overdue_actions, "
    "       CASE WHEN c.org_kind = 'district' AND dg.geom IS NOT NULL "
    "            THEN ST_AsGeoJSON(ST_SimplifyPreserveTopology(dg.geom, $3::float8), 5)::json END AS geometry, "
    "       y.year, y.as_of::text AS as_of "
    "FROM y CROSS JOIN LATERAL riskmap.compliance(y.year, y.as_of) WITH ORDINALITY "
    "       AS c(org_kind, org_code, org_name, comprehensive, special, required_comprehensive, required_special, "
    "            quota_met, materials_overdue, overall_plan_filed, n) "
    "LEFT JOIN a ON a.kind = c.org_kind AND a.code = c.org_code "
    "LEFT JOIN riskmap.district dg ON c.org_kind = 'district' AND dg.code = c.org_code "
    "ORDER BY c.n";

/* Degrees: about 100 m in Chongqing, a pixel at zoom 11; the viewer's
 * district shapes need no more. */
#define COMPLIANCE_SIMPLIFY_DEG "0.001"

static enum MHD_Result handle_compliance(struct MHD_Connection *c)
{
    const char *syear = arg(c, "year"), *as_of = arg(c, "as_of");
    int year;
    if (syear && !*syear)
        syear = NULL;
    if (syear && !rm_parse_year(syear, &year))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "year must be a year YYYY in 1949..2200");
    if (as_of && !*as_of)
        as_of = NULL;
    if (as_of && !rm_parse_date(as_of))
        return send_error(c, MHD_HTTP_BAD_REQUEST, "as_of must be a date YYYY-MM-DD");
    const char *params[3] = {syear, as_of, COMPLIANCE_SIMPLIFY_DEG};
    struct rm_qresult q;
    rm_query(pool, SQL_COMPLIANCE, 3, params, 0, &q);
    if (q.status != RM_Q_OK)
        return send_query_error(c, &q);
    json_object *fc = json_object_new_object(), *features = json_object_new_array(),
                *departments = json_object_new_array(), *summary = json_object_new_object();
    int n_d = 0, met_d = 0, n_p = 0, met_p = 0;
    int c_kind = PQfnumber(q.res, "org_kind"), c_code = PQfnumber(q.res, "code"), c_geom = PQfnumber(q.res, "geometry"),
        c_year = PQfnumber(q.res, "year"), c_asof = PQfnumber(q.res, "as_of"), c_met = PQfnumber(q.res, "quota_met");
    for (int row = 0; row < PQntuples(q.res); row++) {
        json_object *props = json_object_new_object();
        for (int col = 0; col < PQnfields(q.res); col++)
            if (col != c_kind && col != c_geom && col != c_year && col != c_asof)
                json_object_object_add(props, PQfname(q.res, col), value_json(q.res, row, col));
        bool met = !PQgetisnull(q.res, row, c_met) && PQgetvalue(q.res, row, c_met)[0] == 't';
        if (!strcmp(PQgetvalue(q.res, row, c_kind), "district")) {
            json_object *f = json_object_new_object();
            json_object_object_add(f, "type", json_object_new_string("Feature"));
            json_object_object_add(f, "id", value_json(q.res, row, c_code));
            json_object_object_add(f, "geometry", value_json(q.res, row, c_geom));
            json_object_object_add(f, "properties", props);
            json_object_array_add(features, f);
            n_d++;
            met_d += met;
        } else {
            json_object_array_add(departments, props);
            n_p++;
            met_p += met;
        }
    }
    /* year and as_of as the database resolved them (its current_date) */
    json_object *year_j = NULL, *asof_j = NULL;
    if (PQntuples(q.res) > 0) {
        year_j = value_json(q.res, 0, c_year);
        asof_j = value_json(q.res, 0, c_asof);
    }
    rm_qresult_clear(&q);
    if (!year_j && !asof_j) { /* no district and no department: still say which year */
        rm_query(pool, "SELECT coalesce($1::integer, extract(year FROM coalesce($2::date, current_date))::integer), "
                       "coalesce($2::date, current_date)::text",
                 2, params, 0, &q);
        if (q.status != RM_Q_OK) {
            json_object_put(fc);
            json_object_put(features);
            json_object_put(departments);
            json_object_put(summary);
            return send_query_error(c, &q);
        }
        year_j = json_object_new_int64(strtoll(PQgetvalue(q.res, 0, 0), NULL, 10));
        asof_j = json_object_new_string(PQgetvalue(q.res, 0, 1));
        rm_qresult_clear(&q);
    }
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    json_object_object_add(fc, "year", year_j);
    json_object_object_add(fc, "as_of", asof_j);
    json_object_object_add(summary, "districts", json_object_new_int(n_d));
    json_object_object_add(summary, "districts_quota_met", json_object_new_int(met_d));
    json_object_object_add(summary, "departments", json_object_new_int(n_p));
    json_object_object_add(summary, "departments_quota_met", json_object_new_int(met_p));
    json_object_object_add(fc, "summary", summary);
    json_object_object_add(fc, "features", features);
    json_object_object_add(fc, "departments", departments);
    return send_json(c, MHD_HTTP_OK, fc, "no-store");
}

/* The styles the renderer draws with (riskmap.tile_style, when the renderer
 * has one), for the viewer's legend. Only the served styles. */
static enum MHD_Result handle_styles(struct MHD_Connection *c)
{
    struct rm_qresult q;
    rm_query(pool, "SELECT s.name, s.spec FROM riskmap.tile_style s ORDER BY s.name", 0, NULL, 0, &q);
    json_object *o = json_object_new_object(), *styles = json_object_new_object();
    json_object_object_add(o, "styles", styles);
    if (q.status == RM_Q_OK) {
        for (int row = 0; row < PQntuples(q.res); row++)
            if (style_index(PQgetvalue(q.res, row, 0)) >= 0)
                json_object_object_add(styles, PQgetvalue(q.res, row, 0), value_json(q.res, row, 1));
        rm_qresult_clear(&q);
    } else if (q.status == RM_Q_ERROR && !strcmp(q.sqlstate, "42P01")) {
        /* no tile_style table: the viewer uses its built-in legend */
    } else {
        json_object_put(o);
        return send_query_error(c, &q);
    }
    return send_json(c, MHD_HTTP_OK, o, "no-cache");
}

static enum MHD_Result handle_health(struct MHD_Connection *c)
{
    struct rm_qresult q;
    rm_query(pool, "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'riskmap'), now()", 0, NULL, 0, &q);
    struct rm_cache_stats st;
    rm_cache_get_stats(cache, &st);
    json_object *o = json_object_new_object(), *co = json_object_new_object();
    bool up = q.status == RM_Q_OK;
    json_object_object_add(o, "status", json_object_new_string(up ? "ok" : "unavailable"));
    json_object_object_add(o, "db", json_object_new_string(up ? "up" : "down"));
    if (up) {
        json_object_object_add(o, "extension", value_json(q.res, 0, 0));
        json_object_object_add(o, "db_time", value_json(q.res, 0, 1));
    } else {
        json_object_object_add(o, "error", json_object_new_string(q.message));
    }
    rm_qresult_clear(&q);
    json_object_object_add(o, "invalidation", json_object_new_string(st.live ? "live" : "down"));
    json_object_object_add(co, "entries", json_object_new_int64((int64_t)st.entries));
    json_object_object_add(co, "bytes", json_object_new_int64((int64_t)st.bytes));
    json_object_object_add(co, "max_bytes", json_object_new_int64((int64_t)st.max_bytes));
    json_object_object_add(co, "hits", json_object_new_int64((int64_t)st.hits));
    json_object_object_add(co, "misses", json_object_new_int64((int64_t)st.misses));
    json_object_object_add(co, "stored", json_object_new_int64((int64_t)st.stores));
    json_object_object_add(co, "not_stored", json_object_new_int64((int64_t)st.refused));
    json_object_object_add(co, "evicted", json_object_new_int64((int64_t)st.evicted));
    json_object_object_add(co, "invalidated", json_object_new_int64((int64_t)st.invalidated));
    json_object_object_add(co, "notifications", json_object_new_int64((int64_t)st.notifications));
    json_object_object_add(co, "generation", json_object_new_int64((int64_t)st.generation));
    json_object_object_add(o, "cache", co);
    struct rm_guard_stats gs;
    rm_guard_get_stats(guard, &gs);
    json_object *cn = json_object_new_object();
    json_object_object_add(cn, "open", json_object_new_int64((int64_t)gs.open));
    json_object_object_add(cn, "max", json_object_new_int64((int64_t)cfg.limits.max_conns));
    json_object_object_add(cn, "dropped_slow", json_object_new_int64((int64_t)gs.dropped_slow));
    json_object_object_add(cn, "evicted", json_object_new_int64((int64_t)gs.evicted));
    json_object_object_add(o, "connections", cn);
    return send_json(c, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, o, "no-store");
}

/* -------------------------------------------------------------- static files */

static enum MHD_Result handle_static(struct MHD_Connection *c, const struct rm_route *rt)
{
    const char *root = rt->root == RM_STATIC_LEAFLET    ? leaflet_root
                       : rt->root == RM_STATIC_MAPLIBRE ? maplibre_root
                                                        : web_root;
    if (!*root)
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such file");
    char full[PATH_MAX], real[PATH_MAX];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", root, rt->path) >= sizeof full)
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such file");
    /* The route parser already refused '..' and dot files; this also refuses
     * symbolic links that lead out of the folder. */
    size_t rl = strlen(root);
    if (!realpath(full, real) || strncmp(real, root, rl) != 0 || real[rl] != '/')
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such file");
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such file");
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return send_error(c, MHD_HTTP_NOT_FOUND, "no such file");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    add_common_headers(r);
    MHD_add_response_header(r, "Content-Type", rm_mime_type(rt->path));
    MHD_add_response_header(r, "Cache-Control", rt->root != RM_STATIC_WEB ? "public, max-age=86400" : "no-cache");
    return queue(c, MHD_HTTP_OK, r);
}

/* ------------------------------------------------------------------ dispatch */

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)version;
    (void)upload_data;
    /* First call: headers only. Answer on a later call, once the request is
     * complete: a response queued during the first call makes libmicrohttpd
     * close the connection afterwards (no keep-alive). */
    if (*req_cls == NULL) {
        *req_cls = (void *)1;
        rm_guard_body(c); /* headers complete: the body's time limit runs */
        return MHD_YES;
    }
    if (*upload_data_size != 0) { /* a body we do not want: discard it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    rm_guard_respond(c); /* request complete: the response's time limit runs */
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_int(405));
        json_object_object_add(o, "error", json_object_new_string("only GET and HEAD"));
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), (void *)s, MHD_RESPMEM_MUST_COPY);
        json_object_put(o);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Allow", "GET, HEAD");
        MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
        return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    }
    if (cfg.verbose)
        fprintf(stderr, "riskmap-tiles: %s %s\n", method, url);
    if (rm_print_route(url) != RM_PRINT_NONE) /* map sheets and ledgers: rm_print_routes.c */
        return rm_print_handle(c, url);
    struct rm_route rt;
    rm_route_parse(url, strlen(url), &rt);
    switch (rt.kind) {
    case RM_ROUTE_TILE:
        return handle_tile(c, &rt);
    case RM_ROUTE_TILEJSON:
        return handle_tilejson(c, &rt);
    case RM_ROUTE_HEALTH:
        return handle_health(c);
    case RM_ROUTE_UNCOVERED:
        return handle_uncovered(c);
    case RM_ROUTE_DISTRICTS:
        return handle_districts(c);
    case RM_ROUTE_SOURCE:
        return handle_source(c);
    case RM_ROUTE_STYLES:
        return handle_styles(c);
    case RM_ROUTE_COMPLIANCE:
        return handle_compliance(c);
    case RM_ROUTE_CLEARANCE:
        return handle_clearance(c);
    case RM_ROUTE_STATIC:
        return handle_static(c, &rt);
    case RM_ROUTE_MVTJSON:
        return rm_mvt_tilejson(c, &wmts);
    case RM_ROUTE_WMTS_CAPS:
        return rm_wmts_capabilities(c, &wmts);
    case RM_ROUTE_WMTS_KVP:
        return rm_wmts_kvp(c, &wmts);
    case RM_ROUTE_WMTS_ERROR:
        return rm_wmts_exception(c, &wmts, (unsigned)rt.ogc_status, rt.ogc_code, rt.ogc_locator, rt.reason);
    case RM_ROUTE_BAD_REQUEST:
        return send_error(c, MHD_HTTP_BAD_REQUEST, rt.reason);
    case RM_ROUTE_NOT_FOUND:
    default:
        return send_error(c, MHD_HTTP_NOT_FOUND, rt.reason ? rt.reason : "no such resource");
    }
}

/* Percent-decoding is libmicrohttpd's (MHD_http_unescape). A decoded NUL
 * would silently cut the string short ("/index.html%00.png"): such a path or
 * argument becomes "\x7f", which every parser here refuses. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    size_t n = MHD_http_unescape(s);
    if (strlen(s) != n) {
        s[0] = '\x7f';
        s[1] = '\0';
        return 1;
    }
    return n;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("riskmap-tiles: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---------------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: riskmap-tiles [--db CONNINFO] [--listen HOST:PORT] [options]\n"
            "  --db CONNINFO     libpq connection string (default: the PG* environment)\n"
            "  --read-db CONNINFO  send tile and API queries to this database (a hot standby\n"
            "                    of --db); invalidation LISTENs on --db and waits for its replay\n"
            "  --listen H:P      address to serve on (default 127.0.0.1:8080; [::1]:8080 for IPv6)\n"
            "  --web DIR         the viewer's folder (default %s)\n"
            "  --cache-mb N      tile cache size in MiB, 0 = no cache (default 256)\n"
            "  --threads N       HTTP worker threads (default 8)\n"
            "  --pool N          database connections (default: --threads)\n"
            "  --styles A,B      styles riskmap.tile knows (default risk,evacuation,clearance)\n"
            "  --margin-px N     pixels around a changed extent whose tiles also go (default 128)\n"
            "  --max-age S       browser cache lifetime of tiles in seconds (default 0: revalidate)\n"
            "  --minzoom N --maxzoom N   TileJSON zoom range (default 0..20)\n"
            "  --public-url URL  base URL for TileJSON (default http://<Host header>)\n"
            "  --verbose         log requests and invalidations\n"
            "slow and abusive clients (seconds; see docs/server.md):\n"
            "  --max-connections N  open connections in all (default 1024); above 7/8 of it\n"
            "                    a new connection evicts the one waiting longest for its headers\n"
            "  --per-ip N        open connections per client address (default 64)\n"
            "  --header-timeout S   whole request line and headers (default 10; 2 when busy)\n"
            "  --body-timeout S  whole request body (default 10)\n"
            "  --response-timeout S from the complete request to the response sent (default 120)\n"
            "  --idle-timeout S  no byte either way (default 30)\n",
            RISKMAP_WEB_DIR);
}

static bool parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, bool *v6)
{
    char host[256], port[16];
    const char *colon;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host)
            return false;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host)
            return false;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
    }
    if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port)
        return false;
    strcpy(port, colon + 1);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *ai = NULL;
    if (getaddrinfo(*host ? host : NULL, port, &hints, &ai) != 0 || !ai)
        return false;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sl = ai->ai_addrlen;
    *v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    return true;
}

static int int_arg(const char *s, int lo, int hi, const char *name)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "riskmap-tiles: %s must be an integer in %d..%d\n", name, lo, hi);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    static char styles_buf[512] = "risk,evacuation,clearance";
    cfg.conninfo = "";
    cfg.listen = "127.0.0.1:8080";
    cfg.web_dir = RISKMAP_WEB_DIR;
    cfg.cache_mb = 256;
    cfg.threads = 8;
    cfg.pool = 0;
    cfg.margin_px = 128;
    cfg.minzoom = 0;
    cfg.maxzoom = 20;
    cfg.per_ip = 64;
    cfg.idle_timeout = 30;
    cfg.limits = (struct rm_guard_limits){
        .header_s = 10, .body_s = 10, .response_s = 120, .busy_header_s = 2, .max_conns = 1024};
    enum { O_WEB = 256, O_CACHE, O_THREADS, O_POOL, O_STYLES, O_MARGIN, O_MAXAGE, O_MINZ, O_MAXZ, O_PUBLIC, O_VERSION, O_READDB,
           O_MAXCONN, O_PERIP, O_HDRTO, O_BODYTO, O_RESPTO, O_IDLETO };
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},          {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, O_WEB},       {"cache-mb", required_argument, NULL, O_CACHE},
        {"threads", required_argument, NULL, O_THREADS}, {"pool", required_argument, NULL, O_POOL},
        {"styles", required_argument, NULL, O_STYLES}, {"margin-px", required_argument, NULL, O_MARGIN},
        {"max-age", required_argument, NULL, O_MAXAGE}, {"minzoom", required_argument, NULL, O_MINZ},
        {"maxzoom", required_argument, NULL, O_MAXZ},  {"public-url", required_argument, NULL, O_PUBLIC},
        {"verbose", no_argument, NULL, 'v'},           {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, 'h'},              {"read-db", required_argument, NULL, O_READDB},
        {"max-connections", required_argument, NULL, O_MAXCONN}, {"per-ip", required_argument, NULL, O_PERIP},
        {"header-timeout", required_argument, NULL, O_HDRTO}, {"body-timeout", required_argument, NULL, O_BODYTO},
        {"response-timeout", required_argument, NULL, O_RESPTO}, {"idle-timeout", required_argument, NULL, O_IDLETO},
        {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "d:l:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': cfg.conninfo = optarg; break;
        case 'l': cfg.listen = optarg; break;
        case O_WEB: cfg.web_dir = optarg; break;
        case O_CACHE: cfg.cache_mb = (size_t)int_arg(optarg, 0, 1 << 20, "--cache-mb"); break;
        case O_THREADS: cfg.threads = int_arg(optarg, 1, 256, "--threads"); break;
        case O_POOL: cfg.pool = int_arg(optarg, 1, 256, "--pool"); break;
        case O_STYLES: snprintf(styles_buf, sizeof styles_buf, "%s", optarg); break;
        case O_MARGIN: cfg.margin_px = int_arg(optarg, 0, 4096, "--margin-px"); break;
        case O_MAXAGE: cfg.max_age = int_arg(optarg, 0, 86400 * 365, "--max-age"); break;
        case O_MINZ: cfg.minzoom = int_arg(optarg, 0, RM_MAX_Z, "--minzoom"); break;
        case O_MAXZ: cfg.maxzoom = int_arg(optarg, 0, RM_MAX_Z, "--maxzoom"); break;
        case O_PUBLIC: cfg.public_url = optarg; break;
        case O_READDB: cfg.read_conninfo = optarg; break;
        case O_MAXCONN: cfg.limits.max_conns = (unsigned)int_arg(optarg, 8, 1 << 20, "--max-connections"); break;
        case O_PERIP: cfg.per_ip = int_arg(optarg, 1, 1 << 20, "--per-ip"); break;
        case O_HDRTO: cfg.limits.header_s = int_arg(optarg, 1, 3600, "--header-timeout"); break;
        case O_BODYTO: cfg.limits.body_s = int_arg(optarg, 1, 3600, "--body-timeout"); break;
        case O_RESPTO: cfg.limits.response_s = int_arg(optarg, 1, 86400, "--response-timeout"); break;
        case O_IDLETO: cfg.idle_timeout = int_arg(optarg, 1, 86400, "--idle-timeout"); break;
        case 'v': cfg.verbose = 1; break;
        case O_VERSION: printf("riskmap-tiles %s\n", RISKMAP_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (cfg.pool == 0)
        cfg.pool = cfg.threads;
    if (cfg.limits.busy_header_s > cfg.limits.header_s)
        cfg.limits.busy_header_s = cfg.limits.header_s;
    /* Each connection is a descriptor: make room for the limit (plus the
     * database connections, files being sent, epoll) or lower the limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = (rlim_t)cfg.limits.max_conns + (rlim_t)cfg.pool + 256;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
            unsigned fit = rl.rlim_cur > (rlim_t)cfg.pool + 512 ? (unsigned)(rl.rlim_cur - cfg.pool - 256) : 256u;
            fprintf(stderr, "riskmap-tiles: warning: descriptor limit %llu: --max-connections lowered to %u\n",
                    (unsigned long long)rl.rlim_cur, fit);
            cfg.limits.max_conns = fit;
        }
    }
    for (char *save = NULL, *tok = strtok_r(styles_buf, ",", &save); tok && cfg.n_styles < MAX_STYLES;
         tok = strtok_r(NULL, ",", &save)) {
        struct rm_route probe;
        char path[64];
        snprintf(path, sizeof path, "/tiles/%.32s.json", tok);
        rm_route_parse(path, strlen(path), &probe);
        if (probe.kind != RM_ROUTE_TILEJSON || strcmp(probe.style, tok) != 0) {
            fprintf(stderr, "riskmap-tiles: bad style name '%s'\n", tok);
            return 2;
        }
        cfg.styles[cfg.n_styles++] = tok;
    }
    snprintf(cache_control_tiles, sizeof cache_control_tiles,
             cfg.max_age ? "public, max-age=%d" : "public, no-cache", cfg.max_age);
    if (!realpath(cfg.web_dir, web_root)) {
        fprintf(stderr, "riskmap-tiles: warning: viewer folder %s: %s (only tiles and API served)\n", cfg.web_dir,
                strerror(errno));
        web_root[0] = '\0';
    } else {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof p, "%s/node_modules/leaflet/dist", web_root);
        if (!realpath(p, leaflet_root)) {
            fprintf(stderr, "riskmap-tiles: warning: %s missing (run npm ci in the web folder)\n", p);
            leaflet_root[0] = '\0';
        }
        snprintf(p, sizeof p, "%s/node_modules/maplibre-gl/dist", web_root);
        if (!realpath(p, maplibre_root)) {
            fprintf(stderr, "riskmap-tiles: warning: %s missing (run npm ci in the web folder)\n", p);
            maplibre_root[0] = '\0';
        }
    }

    struct sockaddr_storage ss;
    socklen_t sl;
    bool v6;
    if (!parse_listen(cfg.listen, &ss, &sl, &v6)) {
        fprintf(stderr, "riskmap-tiles: --listen wants HOST:PORT, got '%s'\n", cfg.listen);
        return 2;
    }

    /* Signals go to the main thread only (sigwait below). */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    wmts = (struct rm_wmts_ctx){.styles = cfg.styles, .n_styles = cfg.n_styles, .minzoom = cfg.minzoom,
                                .maxzoom = cfg.maxzoom, .version = RISKMAP_VERSION, .base_url = base_url,
                                .serve_tile = handle_tile, .common_headers = add_common_headers};
    cache = rm_cache_new(cfg.cache_mb * 1024 * 1024, destroy_response);
    pool = rm_pool_new(cfg.read_conninfo ? cfg.read_conninfo : cfg.conninfo, cfg.pool);
    wmts.pool = pool;
    if (!cache || !pool) {
        fprintf(stderr, "riskmap-tiles: out of memory\n");
        return 1;
    }
    const struct rm_print_hooks print_hooks = {send_error, send_query_error, add_common_headers};
    rm_print_init(pool, cache, cfg.read_conninfo ? cfg.read_conninfo : cfg.conninfo, &print_hooks);
    struct rm_listener *listener =
        rm_listener_start(cfg.conninfo, cache, cfg.styles, cfg.n_styles, cfg.margin_px, cfg.verbose,
                          cfg.read_conninfo ? rm_replica_new(cfg.read_conninfo, 10000, cfg.verbose) : NULL);

    guard = rm_guard_start(&cfg.limits, cfg.verbose);
    if (!guard) {
        fprintf(stderr, "riskmap-tiles: out of memory\n");
        return 1;
    }
    /* Internal polling threads (epoll where there is one), each with its share
     * of the connection limit; a thread busy rendering does not stop the
     * others from accepting and answering. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (v6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg.idle_timeout,
        MHD_OPTION_CONNECTION_LIMIT, cfg.limits.max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg.per_ip,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_CONNECTION, rm_guard_on_connection, guard,
        MHD_OPTION_NOTIFY_COMPLETED, rm_guard_on_completed, guard, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "riskmap-tiles: cannot listen on %s\n", cfg.listen);
        rm_listener_stop(listener);
        rm_guard_stop(guard);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "riskmap-tiles %s: serving http://%s/ (port %u), %d threads, %d db connections, cache %zu MiB\n",
            RISKMAP_VERSION, cfg.listen, info ? info->port : 0, cfg.threads, cfg.pool, cfg.cache_mb);
    fprintf(stderr, "riskmap-tiles: at most %u connections, %d per address; headers %d s (%d s busy), body %d s, "
            "response %d s, idle %d s\n", cfg.limits.max_conns, cfg.per_ip, cfg.limits.header_s,
            cfg.limits.busy_header_s, cfg.limits.body_s, cfg.limits.response_s, cfg.idle_timeout);
    if (cfg.read_conninfo)
        fprintf(stderr, "riskmap-tiles: reads go to --read-db; invalidation follows --db after the read database's replay\n");

    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "riskmap-tiles: signal %d, stopping\n", sig);
    MHD_stop_daemon(d);
    rm_guard_stop(guard);
    rm_listener_stop(listener);
    rm_print_shutdown();
    rm_cache_free(cache);
    rm_pool_free(pool);
    return 0;
}
