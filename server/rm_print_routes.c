/* rm_print_routes.c — map sheets (PDF) and ledgers (XLSX) over HTTP; see
 * rm_print_routes.h and docs/print.md.
 *
 * Cache: a small LRU of whole responses, keyed by the normalised request
 * (the date filled in when as_of is absent). Each entry remembers the tile
 * cache's generation when its query started; any NOTIFY riskmap_tiles bumps
 * that generation, so every entry made before it is stale (the simplest sound
 * rule: a sheet or a ledger may show any table). A render that saw the
 * generation change while it ran is served but not stored.
 * At most RM_PRINT_MAX_INFLIGHT renders run at once; more get 503. */
#include "rm_print_routes.h"

#include "rm_ledger.h"
#include "rm_parse.h"

#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RM_PRINT_SLOTS 16
#define RM_PRINT_MAX_BYTES (96u << 20)
#define RM_PRINT_MAX_INFLIGHT 2

struct entry {
    char key[160];
    uint64_t gen, used;
    unsigned char *body;
    size_t len;
    char etag[40];
    const char *ctype;
    char disposition[512];
};

static struct {
    struct rm_pool *pool;
    struct rm_cache *cache;
    const char *conninfo;
    struct rm_print_hooks h;
    pthread_mutex_t mu;
    struct entry e[RM_PRINT_SLOTS];
    uint64_t clock;
    int inflight;
    unsigned vsimem_seq;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_init(void) { GDALAllRegister(); }

void rm_print_init(struct rm_pool *pool, struct rm_cache *cache, const char *conninfo,
                   const struct rm_print_hooks *hooks)
{
    P.pool = pool;
    P.cache = cache;
    P.conninfo = conninfo ? conninfo : "";
    P.h = *hooks;
}

void rm_print_shutdown(void)
{
    pthread_mutex_lock(&P.mu);
    for (int i = 0; i < RM_PRINT_SLOTS; i++) {
        free(P.e[i].body);
        memset(&P.e[i], 0, sizeof P.e[i]);
    }
    pthread_mutex_unlock(&P.mu);
}

/* ------------------------------------------------------------------ parsing */

static bool style_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

enum rm_print_kind rm_print_route(const char *url)
{
    size_t n = strlen(url);
    if (strcmp(url, "/export/ledger.xlsx") == 0)
        return RM_PRINT_LEDGER;
    if (strcmp(url, "/print/atlas.pdf") == 0)
        return RM_PRINT_ATLAS;
    if (n > 11 && strncmp(url, "/print/", 7) == 0 && strcmp(url + n - 4, ".pdf") == 0 &&
        style_ok(url + 7, n - 11))
        return RM_PRINT_SHEET;
    return RM_PRINT_NONE;
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

/* Fills r from the URL and query; NULL or the message of a 400. */
static const char *parse_request(struct MHD_Connection *c, const char *url, struct rm_print_req *r)
{
    const char *v;
    memset(r, 0, sizeof *r);
    r->kind = rm_print_route(url);
    if (r->kind == RM_PRINT_SHEET)
        snprintf(r->style, sizeof r->style, "%.*s", (int)(strlen(url) - 11), url + 7);
    else if (r->kind == RM_PRINT_ATLAS) {
        v = arg(c, "style");
        if (v && !style_ok(v, strlen(v)))
            return "style must be a style name such as risk";
        snprintf(r->style, sizeof r->style, "%s", v ? v : "risk");
    }
    v = arg(c, "district");
    if (v && (r->kind == RM_PRINT_ATLAS || !rm_valid_code(v) || strlen(v) >= sizeof r->district))
        return r->kind == RM_PRINT_ATLAS ? "the atlas has every district: no district parameter"
                                         : "district must be a district code such as 500103";
    if (v)
        snprintf(r->district, sizeof r->district, "%s", v);
    v = arg(c, "paper");
    if (r->kind != RM_PRINT_LEDGER) {
        if (v && !(strlen(v) == 2 && v[0] == 'A' && v[1] >= '0' && v[1] <= '4'))
            return "paper must be A4, A3, A2, A1 or A0";
        snprintf(r->paper, sizeof r->paper, "%s", v ? v : "A3");
        v = arg(c, "landscape");
        if (!v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
            r->landscape = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
            r->landscape = false;
        else
            return "landscape must be true or false";
    }
    v = arg(c, "as_of");
    if (v && (!rm_parse_date(v) || strlen(v) != 10))
        return "as_of must be a date YYYY-MM-DD";
    if (v)
        snprintf(r->as_of, sizeof r->as_of, "%s", v);
    return NULL;
}

/* ------------------------------------------------------------------ headers */

void rm_content_disposition(const char *ascii_name, const char *utf8_name, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = (size_t)snprintf(out, outlen, "attachment; filename=\"%s\"; filename*=UTF-8''", ascii_name);
    for (const unsigned char *p = (const unsigned char *)utf8_name; *p && o + 4 < outlen; p++) {
        /* RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~" */
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p))
            out[o++] = (char)*p;
        else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o < outlen)
        out[o] = '\0';
}

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ------------------------------------------------------------------- cache */

static enum MHD_Result send_entry(struct MHD_Connection *c, const struct entry *e)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (inm && rm_etag_matches(inm, e->etag)) {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else
        r = MHD_create_response_from_buffer(e->len, e->body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    P.h.add_common_headers(r);
    MHD_add_response_header(r, "ETag", e->etag);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    if (status == MHD_HTTP_OK) {
        MHD_add_response_header(r, "Content-Type", e->ctype);
        MHD_add_response_header(r, "Content-Disposition", e->disposition);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Serves a valid cached entry of key; MHD_NO with *found false if none. */
static bool serve_cached(struct MHD_Connection *c, const char *key, enum MHD_Result *ret)
{
    uint64_t gen = rm_cache_generation(P.cache);
    bool found = false;
    pthread_mutex_lock(&P.mu);
    for (int i = 0; i < RM_PRINT_SLOTS; i++) {
        struct entry *e = &P.e[i];
        if (!e->body || strcmp(e->key, key) != 0)
            continue;
        if (e->gen != gen) { /* a change since: drop it */
            free(e->body);
            memset(e, 0, sizeof *e);
            continue;
        }
        e->used = ++P.clock;
        *ret = send_entry(c, e); /* copies the body */
        found = true;
        break;
    }
    pthread_mutex_unlock(&P.mu);
    return found;
}

/* Stores e (taking its body) when nothing changed since gen; else frees it. */
static void store(struct entry *e)
{
    pthread_mutex_lock(&P.mu);
    size_t total = e->len;
    int victim = 0;
    for (int i = 0; i < RM_PRINT_SLOTS; i++) {
        if (P.e[i].body && P.e[i].gen != e->gen) { /* stale */
            free(P.e[i].body);
            memset(&P.e[i], 0, sizeof P.e[i]);
        }
        total += P.e[i].len;
        if (!P.e[i].body || (P.e[victim].body && P.e[i].used < P.e[victim].used))
            victim = i;
    }
    if (e->gen == rm_cache_generation(P.cache) && e->len <= RM_PRINT_MAX_BYTES) {
        /* evict least recently used entries until it fits */
        while (total > RM_PRINT_MAX_BYTES) {
            int lru = -1;
            for (int i = 0; i < RM_PRINT_SLOTS; i++)
                if (P.e[i].body && (lru < 0 || P.e[i].used < P.e[lru].used))
                    lru = i;
            if (lru < 0)
                break;
            total -= P.e[lru].len;
            free(P.e[lru].body);
            memset(&P.e[lru], 0, sizeof P.e[lru]);
            victim = lru;
        }
        free(P.e[victim].body);
        P.e[victim] = *e;
        P.e[victim].used = ++P.clock;
        e->body = NULL;
    }
    pthread_mutex_unlock(&P.mu);
    free(e->body);
    e->body = NULL;
}

static bool inflight_enter(void)
{
    pthread_mutex_lock(&P.mu);
    bool ok = P.inflight < RM_PRINT_MAX_INFLIGHT;
    if (ok)
        P.inflight++;
    pthread_mutex_unlock(&P.mu);
    return ok;
}

static void inflight_leave(void)
{
    pthread_mutex_lock(&P.mu);
    P.inflight--;
    pthread_mutex_unlock(&P.mu);
}

/* ------------------------------------------------------------------ renders */

/* PDF via SQL; 0, or an HTTP response already queued in *ret. */
static int render_pdf(struct MHD_Connection *c, const struct rm_print_req *r, struct entry *e, enum MHD_Result *ret)
{
    struct rm_qresult q;
    const char *land = r->landscape ? "true" : "false";
    const char *as_of = r->as_of[0] ? r->as_of : NULL;
    if (r->kind == RM_PRINT_SHEET) {
        const char *params[5] = {r->district[0] ? r->district : NULL, r->style, r->paper, land, as_of};
        rm_query(P.pool,
                 "SELECT t, md5(t) FROM riskmap.map_pdf($1::text, $2::text, $3::text, $4::boolean, "
                 "coalesce($5::date, current_date)) t",
                 5, params, 1, &q);
    } else {
        const char *params[4] = {r->style, r->paper, land, as_of};
        rm_query(P.pool,
                 "SELECT t, md5(t) FROM riskmap.atlas_pdf($1::text, $2::text, $3::boolean, "
                 "coalesce($4::date, current_date)) t",
                 4, params, 1, &q);
    }
    if (q.status != RM_Q_OK) {
        *ret = P.h.send_query_error(c, &q);
        rm_qresult_clear(&q);
        return -1;
    }
    if (PQntuples(q.res) != 1 || PQgetisnull(q.res, 0, 0) || PQgetlength(q.res, 0, 1) != 32) {
        rm_qresult_clear(&q);
        *ret = P.h.send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no PDF");
        return -1;
    }
    e->len = (size_t)PQgetlength(q.res, 0, 0);
    e->body = malloc(e->len ? e->len : 1);
    if (!e->body) {
        rm_qresult_clear(&q);
        *ret = MHD_NO;
        return -1;
    }
    memcpy(e->body, PQgetvalue(q.res, 0, 0), e->len);
    snprintf(e->etag, sizeof e->etag, "\"%.32s\"", PQgetvalue(q.res, 0, 1));
    rm_qresult_clear(&q);
    e->ctype = "application/pdf";
    {
        char ascii[160], utf8[240];
        const char *who = r->kind == RM_PRINT_ATLAS ? "atlas" : (r->district[0] ? r->district : "city");
        snprintf(ascii, sizeof ascii, "riskmap-%s-%s-%s.pdf", r->style, who, r->paper);
        snprintf(utf8, sizeof utf8, "%s-%s-%s-%s.pdf", r->kind == RM_PRINT_ATLAS ? "地图集" : "挂图",
                 r->kind == RM_PRINT_ATLAS ? "全市及各区县" : (r->district[0] ? r->district : "全市"), r->style,
                 r->paper);
        rm_content_disposition(ascii, utf8, e->disposition, sizeof e->disposition);
    }
    return 0;
}

/* The ledger workbook through rm_ledger into /vsimem/, on its own connection. */
static int render_ledger(struct MHD_Connection *c, const struct rm_print_req *r, struct entry *e,
                         enum MHD_Result *ret)
{
    char path[64], err[1024];
    unsigned seq;
    pthread_once(&gdal_once, gdal_init);
    pthread_mutex_lock(&P.mu);
    seq = ++P.vsimem_seq;
    pthread_mutex_unlock(&P.mu);
    snprintf(path, sizeof path, "/vsimem/riskmap-ledger-%u.xlsx", seq);
    PGconn *conn = PQconnectdb(P.conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        *ret = P.h.send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable");
        return -1;
    }
    rm_ledger_opts o = {.as_of = r->as_of[0] ? r->as_of : NULL, .district = r->district[0] ? r->district : NULL};
    int rc = rm_ledger_write(conn, path, "XLSX", &o, NULL, err, sizeof err);
    PQfinish(conn);
    if (rc) {
        VSIUnlink(path);
        *ret = P.h.send_error(c, rc == RM_LEDGER_USAGE ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
                              err);
        return -1;
    }
    vsi_l_offset len = 0;
    GByte *buf = VSIGetMemFileBuffer(path, &len, TRUE);
    if (!buf) {
        *ret = P.h.send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no workbook");
        return -1;
    }
    e->body = malloc(len ? (size_t)len : 1);
    if (!e->body) {
        CPLFree(buf);
        *ret = MHD_NO;
        return -1;
    }
    memcpy(e->body, buf, (size_t)len);
    e->len = (size_t)len;
    CPLFree(buf);
    /* a strong validator: FNV-1a 64 of the bytes, twice seeded */
    {
        uint64_t h1 = 1469598103934665603ULL, h2 = 1099511628211ULL * 31;
        for (size_t i = 0; i < e->len; i++) {
            h1 = (h1 ^ e->body[i]) * 1099511628211ULL;
            h2 = (h2 ^ e->body[i]) * 1099511628211ULL + 7;
        }
        snprintf(e->etag, sizeof e->etag, "\"%016llx%016llx\"", (unsigned long long)h1, (unsigned long long)h2);
    }
    e->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    {
        char ascii[160], utf8[240];
        const char *who = r->district[0] ? r->district : "city";
        snprintf(ascii, sizeof ascii, "riskmap-ledger-%s-%s.xlsx", who, r->as_of);
        snprintf(utf8, sizeof utf8, "应急台账-%s-%s.xlsx", r->district[0] ? r->district : "全市", r->as_of);
        rm_content_disposition(ascii, utf8, e->disposition, sizeof e->disposition);
    }
    return 0;
}

enum MHD_Result rm_print_handle(struct MHD_Connection *c, const char *url)
{
    struct rm_print_req r;
    const char *bad = parse_request(c, url, &r);
    if (bad)
        return P.h.send_error(c, MHD_HTTP_BAD_REQUEST, bad);
    /* the date is part of the key: today's sheet is not tomorrow's */
    bool dated = r.as_of[0] != '\0';
    if (!dated && r.kind == RM_PRINT_LEDGER)
        today(r.as_of); /* the ledger's file name carries it too */
    char day[11];
    if (dated || r.kind == RM_PRINT_LEDGER)
        snprintf(day, sizeof day, "%s", r.as_of);
    else
        today(day);
    struct entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.key, sizeof e.key, "%d|%s|%s|%s|%d|%s", (int)r.kind, r.style, r.district, r.paper, r.landscape, day);
    enum MHD_Result ret;
    if (serve_cached(c, e.key, &ret))
        return ret;
    if (!inflight_enter())
        return P.h.send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy printing: try again shortly");
    e.gen = rm_cache_generation(P.cache);
    int rc = r.kind == RM_PRINT_LEDGER ? render_ledger(c, &r, &e, &ret) : render_pdf(c, &r, &e, &ret);
    inflight_leave();
    if (rc)
        return ret;
    ret = send_entry(c, &e);
    store(&e);
    return ret;
}
