/*
 * riskmap-import — load a vector file (any format GDAL reads) or a population
 * raster (GeoTIFF) into a riskmap table, in one transaction, all or nothing.
 *
 *   riskmap-import [--db CONNINFO] --table TABLE FILE [--layer NAME]
 *                  [--field COLUMN=SOURCE_FIELD ...] [--srs EPSG:N] [--repair]
 *
 * Design (docs/import.md has the user's view):
 *  - The target table's columns, types, NOT NULL, defaults, primary key,
 *    CHECK constraints and single-column foreign keys are read from the
 *    catalog. Foreign-key targets are loaded into memory so that unknown keys
 *    are caught before sending.
 *  - Each feature is checked on the client first (required fields, numbers,
 *    booleans, UTF-8, geometry type, CRS, coordinate range, GEOS validity) and
 *    turned into one line of COPY text. Geometries go as hex EWKB with SRID 4326.
 *  - Good lines are sent with COPY in batches, each inside a SAVEPOINT. When a
 *    batch fails, the row is found from the error's COPY context (line N) or,
 *    when the error carries no line (foreign keys are checked at the end of the
 *    statement), by splitting the batch; the rows known good are sent again so
 *    that later rows are still checked against them (unique keys). Every
 *    rejected feature is reported; if any is, the transaction is rolled back.
 *  - Nothing is ever spliced into SQL: values travel in COPY data, and the
 *    only statements built are COPY/SELECT with catalog identifiers quoted by
 *    PQescapeIdentifier.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <geos_c.h>
#include <geodesic.h>
#include <libpq-fe.h>

#include "util.h"

enum {
    EXIT_OK       = 0,
    EXIT_USAGE    = 1,
    EXIT_OPEN     = 2,
    EXIT_REJECTED = 3,
    EXIT_DB       = 4
};

#define BATCH_ROWS  5000
#define RETRY_CHUNK 64

/* ------------------------------------------------------------------------ */
/* Options and global state                                                  */

typedef struct {
    char *column, *source;
} FieldMap;

static struct {
    const char *db;
    const char *table;
    const char *file;
    const char *layer;
    const char *srs;
    int         repair;
    FieldMap   *maps;
    int         nmaps;
    int         quiet;
    int         strict_crs;
} opt;

typedef struct {
    char   *name;
    char   *type;     /* format_type(), e.g. geometry(MultiPolygon,4326) */
    char   *typname;  /* int2, text, _text, geometry, ... */
    char    typcat;   /* pg_type.typcategory */
    int     notnull, hasdef, generated, pk;
    int     is_geom;
    int     gkind;    /* target OGR flat type, 0 = any (Geometry) */
    char   *gname;    /* MultiPolygon, Geometry, ... */
    int     src_field; /* attribute field index, -1 none */
    int     src_geom;  /* geometry field index, -1 none */
    char   *src_name;
    int     included;
    StrSet *fk;
    StrSet *uniq_db, *uniq_file;  /* single-column unique key: values in the table, in the file */
    char   *fk_table, *fk_column;
    char   *defval;   /* the column default, evaluated once (NULL: none or volatile) */
} Column;

typedef struct {
    char *name, *def;
} CheckCon;

typedef struct {
    char *line;   /* COPY text line, with newline */
    char *label;  /* how to name the feature in a report */
} Row;

static PGconn              *conn;
static GEOSContextHandle_t  gh;
static GEOSWKBReader       *wkb_reader;
static GEOSWKBWriter       *wkb_writer;
static struct geod_geodesic geod;
static OGRSpatialReferenceH srs4326;

static Column   *cols;
static int       ncols;
static CheckCon *checks;
static int       nchecks;
static char     *qtable;   /* "riskmap"."district" */
static Buf       copy_sql;

static Row *batch;
static int  nbatch;

static long n_read, n_rejected, n_repaired, n_sent, n_total = -1, n_crs_warned;
static const char *layer_name = "";
static char  gdal_msg[1024];
static char  geos_msg[1024];
static int   progress_tty;
static double t_start, t_last_progress;
static int   progress_shown;
static long  last_pct_line = -1;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

static void progress_clear(void)
{
    if (progress_tty && progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
    va_list ap;
    progress_clear();
    fputs("riskmap-import: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (conn) PQfinish(conn);  /* an open transaction is rolled back by the server */
    exit(code);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    if (opt.quiet) return;
    progress_clear();
    fputs("riskmap-import: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A report line on stdout: REJECTED or REPAIRED. */
static void report(const char *what, const char *label, const char *reason)
{
    progress_clear();
    printf("%s %s: %s\n", what, label, reason);
    fflush(stdout);
}

static void reject(const char *label, const char *reason)
{
    n_rejected++;
    report("REJECTED", label, reason);
}

static void progress(int final)
{
    if (opt.quiet) return;
    double t = now_s();
    if (!final && t - t_last_progress < (progress_tty ? 0.1 : 5.0)) return;
    long done = n_read;
    double rate = t - t_start > 0 ? done / (t - t_start) : 0;
    if (progress_tty) {
        char bar[41];
        int  pct = n_total > 0 ? (int)(100.0 * done / n_total) : -1;
        if (pct > 100) pct = 100;
        int fill = pct >= 0 ? pct * 40 / 100 : (int)(done / 1000 % 40);
        for (int i = 0; i < 40; i++) bar[i] = i < fill ? '#' : '.';
        bar[40] = '\0';
        if (pct >= 0)
            fprintf(stderr, "\r\033[K[%s] %3d%% %ld/%ld features, %.0f/s, %ld rejected", bar, pct, done, n_total,
                    rate, n_rejected);
        else
            fprintf(stderr, "\r\033[K[%s] %ld features, %.0f/s, %ld rejected", bar, done, rate, n_rejected);
        progress_shown = 1;
        if (final) { fputc('\n', stderr); progress_shown = 0; }
    } else {
        long pct = n_total > 0 ? 100 * done / n_total : -1;
        if (!final && pct >= 0 && pct / 10 == last_pct_line / 10 && t - t_last_progress < 30) return;
        last_pct_line = pct;
        if (pct >= 0)
            fprintf(stderr, "riskmap-import: progress %ld/%ld features (%ld%%), %ld rejected, %.1f s\n", done,
                    n_total, pct, n_rejected, t - t_start);
        else
            fprintf(stderr, "riskmap-import: progress %ld features, %ld rejected, %.1f s\n", done, n_rejected,
                    t - t_start);
    }
    t_last_progress = t;
}

static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
    (void)num;
    snprintf(gdal_msg, sizeof gdal_msg, "%s", msg ? msg : "");
    if (cls == CE_Warning && !opt.quiet) {
        progress_clear();
        fprintf(stderr, "riskmap-import: GDAL warning: %s\n", msg ? msg : "");
    }
}

static void geos_handler(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(geos_msg, sizeof geos_msg, fmt, ap);
    va_end(ap);
}

static void usage(FILE *f)
{
    fputs(
        "usage: riskmap-import [--db CONNINFO] --table TABLE FILE [--layer NAME]\n"
        "                      [--field COLUMN=SOURCE_FIELD ...] [--srs EPSG:N] [--repair]\n"
        "\n"
        "Loads a vector file GDAL can read (GeoJSON, Shapefile, GeoPackage, CSV with a\n"
        "WKT column, ...) into the riskmap table TABLE, or a population raster\n"
        "(GeoTIFF, one cell polygon per non-empty pixel) into table population.\n"
        "One transaction: if any feature is rejected, nothing is written.\n"
        "\n"
        "  --db CONNINFO          libpq connection string or URI (default: PG* variables)\n"
        "  --table TABLE          target table in schema riskmap (district, risk_source, ...)\n"
        "  --layer NAME           layer to read (needed when the file has several)\n"
        "  --field COLUMN=SOURCE  fill COLUMN from the source field SOURCE (repeatable);\n"
        "                         other columns are filled from fields of the same name;\n"
        "                         COLUMN= (empty source) leaves COLUMN to its default\n"
        "  --srs EPSG:N           CRS of the source (overrides the file's; needed when\n"
        "                         the file has none, e.g. CSV)\n"
        "  --repair               make invalid geometries valid (GEOS make-valid, same\n"
        "                         dimension) and report each change instead of rejecting\n"
        "  --strict-crs           reject features whose coordinates do not fit the source\n"
        "                         CRS (outside its area of use, or degrees in a projected\n"
        "                         CRS) instead of loading them with a WARNING\n"
        "  --quiet                no progress or notes on stderr\n"
        "  --help                 this text\n"
        "\n"
        "Reports go to stdout, one line each:\n"
        "  REJECTED FILE layer LAYER feature FID (KEY=VALUE): REASON\n"
        "  REPAIRED FILE layer LAYER feature FID (KEY=VALUE): REASON; area before/after\n"
        "  WARNING FILE layer LAYER feature FID (KEY=VALUE): coordinates that do not fit\n"
        "    the declared CRS (loaded anyway; rejected with --strict-crs)\n"
        "Exit status: 0 loaded, 1 usage error, 2 cannot open the file or connect,\n"
        "3 features rejected (nothing written), 4 database error (nothing written).\n",
        f);
}

/* ------------------------------------------------------------------------ */
/* Database helpers                                                          */

static PGresult *q(const char *sql, int n, const char *const *params, int want)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != (ExecStatusType)want) {
        char *msg = xstrdup(PQresultErrorMessage(r));
        PQclear(r);
        for (char *p = msg + strlen(msg); p > msg && (p[-1] == '\n'); p--) p[-1] = '\0';
        die(EXIT_DB, "database error: %s", msg);
    }
    return r;
}

static void exec_cmd(const char *sql) { PQclear(q(sql, 0, NULL, PGRES_COMMAND_OK)); }

static char *quote_ident(const char *s)
{
    char *e = PQescapeIdentifier(conn, s, strlen(s));
    if (!e) die(EXIT_DB, "cannot quote identifier: %s", PQerrorMessage(conn));
    char *d = xstrdup(e);
    PQfreemem(e);
    return d;
}

static int geom_kind_of(const char *name)
{
    static const struct { const char *n; int k; } k[] = {
        {"point", wkbPoint},           {"linestring", wkbLineString},
        {"polygon", wkbPolygon},       {"multipoint", wkbMultiPoint},
        {"multilinestring", wkbMultiLineString}, {"multipolygon", wkbMultiPolygon},
        {"geometrycollection", wkbGeometryCollection}, {"geometry", 0},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcasecmp(name, k[i].n) == 0) return k[i].k;
    return 0;
}

static void load_table(void)
{
    const char *t = opt.table;
    if (strncmp(t, "riskmap.", 8) == 0) t += 8;
    const char *p1[] = {t};
    PGresult   *r    = q("SELECT c.oid::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE n.nspname = 'riskmap' AND c.relname = $1 AND c.relkind IN ('r', 'p')",
                         1, p1, PGRES_TUPLES_OK);
    if (PQntuples(r) != 1) {
        PQclear(r);
        r = q("SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c "
              "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'riskmap' AND c.relkind IN ('r','p')",
              0, NULL, PGRES_TUPLES_OK);
        fprintf(stderr, "riskmap-import: no table riskmap.%s (tables: %s)\n", t,
                PQgetisnull(r, 0, 0) ? "none — is the riskmap extension installed?" : PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(conn);
        exit(EXIT_USAGE);
    }
    char *oid = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    {
        char *a = quote_ident("riskmap"), *b = quote_ident(t);
        Buf   qt;
        buf_init(&qt);
        buf_printf(&qt, "%s.%s", a, b);
        qtable = qt.s;
        free(a);
        free(b);
    }

    const char *p2[] = {oid};
    r = q("SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typcategory, a.attnotnull, "
          "       (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''), a.attgenerated <> '', "
          "       coalesce(a.attnum = ANY (i.indkey::int2[]), false) "
          "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
          "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
          "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
          1, p2, PGRES_TUPLES_OK);
    ncols = PQntuples(r);
    cols  = calloc(ncols, sizeof *cols);
    for (int i = 0; i < ncols; i++) {
        Column *c    = &cols[i];
        c->name      = xstrdup(PQgetvalue(r, i, 0));
        c->type      = xstrdup(PQgetvalue(r, i, 1));
        c->typname   = xstrdup(PQgetvalue(r, i, 2));
        c->typcat    = PQgetvalue(r, i, 3)[0];
        c->notnull   = PQgetvalue(r, i, 4)[0] == 't';
        c->hasdef    = PQgetvalue(r, i, 5)[0] == 't';
        c->generated = PQgetvalue(r, i, 6)[0] == 't';
        c->pk        = PQgetvalue(r, i, 7)[0] == 't';
        c->src_field = c->src_geom = -1;
        if (strcmp(c->typname, "geometry") == 0) {
            c->is_geom = 1;
            char gname[64] = "Geometry";
            const char *lp = strchr(c->type, '(');
            if (lp) {
                size_t n = strcspn(lp + 1, ",)");
                if (n < sizeof gname) { memcpy(gname, lp + 1, n); gname[n] = '\0'; }
            }
            /* PointZ etc.: the importer writes 2-D geometries. */
            size_t gl = strlen(gname);
            while (gl && (gname[gl - 1] == 'Z' || gname[gl - 1] == 'M') && geom_kind_of(gname) == 0 &&
                   strcasecmp(gname, "geometry") != 0) gname[--gl] = '\0';
            c->gname = xstrdup(gname);
            c->gkind = geom_kind_of(gname);
        }
    }
    PQclear(r);

    /* Defaults of NOT NULL columns, used when a feature leaves the field empty.
       The expression comes from the catalog, never from the data. */
    r = q("SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
          "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
          "WHERE d.adrelid = $1::oid AND a.attnotnull AND a.attgenerated = ''",
          1, p2, PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *expr = PQgetvalue(r, i, 1);
        if (strstr(expr, "nextval(")) continue;
        Buf sql;
        buf_init(&sql);
        buf_printf(&sql, "SELECT (%s)::text", expr);
        PGresult *v = q(sql.s, 0, NULL, PGRES_TUPLES_OK);
        for (int j = 0; j < ncols; j++)
            if (strcmp(cols[j].name, PQgetvalue(r, i, 0)) == 0 && !PQgetisnull(v, 0, 0)) {
                Buf e;
                buf_init(&e);
                buf_copy_escape(&e, PQgetvalue(v, 0, 0));
                cols[j].defval = e.s ? e.s : xstrdup("");
            }
        PQclear(v);
        buf_free(&sql);
    }
    PQclear(r);

    r = q("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'c'",
          1, p2, PGRES_TUPLES_OK);
    nchecks = PQntuples(r);
    checks  = calloc(nchecks + 1, sizeof *checks);
    for (int i = 0; i < nchecks; i++) {
        checks[i].name = xstrdup(PQgetvalue(r, i, 0));
        checks[i].def  = xstrdup(PQgetvalue(r, i, 1));
    }
    PQclear(r);

    /* Single-column foreign keys: load the referenced keys (small tables). */
    r = q("SELECT a.attname, fn.nspname, fc.relname, fa.attname, fc.reltuples "
          "FROM pg_constraint k "
          "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
          "JOIN pg_class fc ON fc.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
          "JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1] "
          "WHERE k.conrelid = $1::oid AND k.contype = 'f' AND cardinality(k.conkey) = 1",
          1, p2, PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(r); i++) {
        Column *c = NULL;
        for (int j = 0; j < ncols; j++)
            if (strcmp(cols[j].name, PQgetvalue(r, i, 0)) == 0) c = &cols[j];
        /* Very large referenced tables are left to the database's own check.
           RISKMAP_IMPORT_KEY_PRECHECK=0 does the same for all (tests use it). */
        const char *pre = getenv("RISKMAP_IMPORT_KEY_PRECHECK");
        if (!c || atof(PQgetvalue(r, i, 4)) > 2e6 || (pre && !strcmp(pre, "0"))) continue;
        char *ns = quote_ident(PQgetvalue(r, i, 1)), *tb = quote_ident(PQgetvalue(r, i, 2)),
             *co = quote_ident(PQgetvalue(r, i, 3));
        Buf sql;
        buf_init(&sql);
        buf_printf(&sql, "SELECT %s::text FROM %s.%s WHERE %s IS NOT NULL", co, ns, tb, co);
        PGresult *k = q(sql.s, 0, NULL, PGRES_TUPLES_OK);
        c->fk        = xmalloc(sizeof *c->fk);
        strset_init(c->fk);
        for (int j = 0; j < PQntuples(k); j++) strset_add(c->fk, PQgetvalue(k, j, 0));
        c->fk_table  = xstrdup(PQgetvalue(r, i, 2));
        c->fk_column = xstrdup(PQgetvalue(r, i, 3));
        PQclear(k);
        buf_free(&sql);
        free(ns); free(tb); free(co);
    }
    PQclear(r);

    /* Single-column unique keys (primary key, UNIQUE): the values already in
       the table, so that duplicates are caught before sending. */
    r = q("SELECT a.attname, c.reltuples FROM pg_index i "
          "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
          "JOIN pg_class c ON c.oid = i.indrelid "
          "WHERE i.indrelid = $1::oid AND i.indisunique AND i.indnatts = 1 "
          "  AND i.indexprs IS NULL AND i.indpred IS NULL",
          1, p2, PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(r); i++) {
        Column     *c   = NULL;
        const char *pre = getenv("RISKMAP_IMPORT_KEY_PRECHECK");
        for (int j = 0; j < ncols; j++)
            if (strcmp(cols[j].name, PQgetvalue(r, i, 0)) == 0) c = &cols[j];
        if (!c || c->uniq_db || c->is_geom || atof(PQgetvalue(r, i, 1)) > 2e6 || (pre && !strcmp(pre, "0"))) continue;
        char *co = quote_ident(c->name);
        Buf   sql;
        buf_init(&sql);
        buf_printf(&sql, "SELECT %s::text FROM %s WHERE %s IS NOT NULL", co, qtable, co);
        PGresult *k  = q(sql.s, 0, NULL, PGRES_TUPLES_OK);
        c->uniq_db   = xmalloc(sizeof *c->uniq_db);
        c->uniq_file = xmalloc(sizeof *c->uniq_file);
        strset_init(c->uniq_db);
        strset_init(c->uniq_file);
        for (int j = 0; j < PQntuples(k); j++) strset_add(c->uniq_db, PQgetvalue(k, j, 0));
        PQclear(k);
        buf_free(&sql);
        free(co);
    }
    PQclear(r);
    free(oid);
}

static void build_copy_sql(void)
{
    buf_init(&copy_sql);
    buf_printf(&copy_sql, "COPY %s (", qtable);
    int first = 1;
    for (int i = 0; i < ncols; i++) {
        if (!cols[i].included) continue;
        char *qi = quote_ident(cols[i].name);
        buf_printf(&copy_sql, "%s%s", first ? "" : ", ", qi);
        free(qi);
        first = 0;
    }
    buf_puts(&copy_sql, ") FROM STDIN");
}

/* ------------------------------------------------------------------------ */
/* Sending rows: COPY in batches inside savepoints, locating failing rows    */

static int is_row_error(const char *state, const char *msg)
{
    if (!state) return 0;
    static const char *row_classes[] = {"22", "23", "P0", "XX", "2F", "38", "39", "27", "09", "44"};
    for (size_t i = 0; i < sizeof row_classes / sizeof row_classes[0]; i++)
        if (strncmp(state, row_classes[i], 2) == 0) return 1;
    /* Refused for this row (a row-level security policy, a district guard
     * trigger), not for the whole table ("permission denied for table ..."). */
    if (strcmp(state, "42501") == 0 && msg && (strstr(msg, "row-level security") || strncmp(msg, "permission denied for ", 22) != 0))
        return 1;
    return 0;
}

/* Line number (1-based) of the COPY data that raised the error, or 0. */
static long copy_error_line(const PGresult *r)
{
    const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
    if (!ctx) return 0;
    const char *p = NULL, *s = ctx;
    while ((s = strstr(s, "COPY ")) != NULL) { p = s; s += 5; }
    if (!p) return 0;
    const char *l = strstr(p, ", line ");
    if (!l) return 0;
    return strtol(l + 7, NULL, 10);
}

/* The value of column index ci in a COPY line (escaped form), into out. */
static void line_value(const char *line, int ci, Buf *out)
{
    int k = 0;
    for (int i = 0; i < ci; i++)
        if (cols[i].included) k++;
    const char *p = line;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, '\t');
        if (p) p++;
    }
    buf_reset(out);
    if (!p) return;
    size_t n = strcspn(p, "\t\n");
    if (n > 60) { buf_putn(out, p, 57); buf_puts(out, "..."); }
    else buf_putn(out, p, n);
}

static int word_in(const char *hay, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = hay; (p = strstr(p, w)) != NULL; p++) {
        int before = p == hay || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after  = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after) return 1;
    }
    return 0;
}

static void reject_db(const Row *row, const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg   = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *det   = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *con   = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    const char *col   = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
    Buf         why, v;
    buf_init(&why);
    buf_init(&v);
    if (!state) state = "?????";
    if (!msg) msg = "(no message)";
    if (strcmp(state, "23502") == 0) {
        buf_printf(&why, "missing required field %s", col ? col : msg);
    } else if (strcmp(state, "23503") == 0) {
        buf_printf(&why, "unknown key: %s", det ? det : msg);
    } else if (strcmp(state, "23505") == 0) {
        buf_printf(&why, "duplicate key: %s", det ? det : msg);
    } else if (strcmp(state, "23514") == 0 && con) {
        const char *def = NULL;
        for (int i = 0; i < nchecks; i++)
            if (strcmp(checks[i].name, con) == 0) def = checks[i].def;
        buf_puts(&why, "out of range:");
        int shown = 0;
        for (int i = 0; def && i < ncols; i++) {
            if (!cols[i].included || cols[i].is_geom || !word_in(def, cols[i].name)) continue;
            line_value(row->line, i, &v);
            buf_printf(&why, "%s %s = %s", shown ? "," : "", cols[i].name, strcmp(v.s ? v.s : "", "\\N") ? v.s : "NULL");
            shown = 1;
        }
        buf_printf(&why, " violates %s %s", con, def ? def : "");
    } else if (strcmp(state, "23514") == 0 && strstr(msg, "invalid geometry")) {
        buf_printf(&why, "invalid geometry (database check): %s", msg);
    } else if (strncmp(state, "22", 2) == 0) {
        buf_printf(&why, "value not convertible: %s", msg);
    } else {
        buf_printf(&why, "rejected by the database: %s", msg);
        if (det) buf_printf(&why, " (%s)", det);
    }
    buf_printf(&why, " [SQLSTATE %s]", state);
    reject(row->label, why.s);
    buf_free(&why);
    buf_free(&v);
}

/*
 * The COPY stream. Rows are sent as they are made, so that the server inserts
 * while the client reads and checks the next features; each batch is kept in
 * memory until its COPY has succeeded, to locate failing rows if it has not.
 */
static int copy_active, copy_broken;

/* Starts COPY; NULL, or the error result when the statement itself failed. */
static PGresult *copy_begin(void)
{
    PGresult *r = PQexec(conn, copy_sql.s);
    if (PQresultStatus(r) == PGRES_COPY_IN) {
        PQclear(r);
        copy_active = 1;
        copy_broken = 0;
        return NULL;
    }
    return r;
}

static void copy_put(const char *line)
{
    if (!copy_active || copy_broken) return;
    /* -1: the server has already refused this COPY; the error comes at the end. */
    if (PQputCopyData(conn, line, (int)strlen(line)) != 1) copy_broken = 1;
}

/* Ends COPY; NULL on success, else the error result. */
static PGresult *copy_end(void)
{
    copy_active = 0;
    PQputCopyEnd(conn, NULL);
    PGresult *res = NULL, *x;
    while ((x = PQgetResult(conn)) != NULL) {
        if (!res && PQresultStatus(x) != PGRES_COMMAND_OK) res = x;
        else PQclear(x);
    }
    if (PQstatus(conn) != CONNECTION_OK) die(EXIT_DB, "database connection lost: %s", PQerrorMessage(conn));
    return res;
}

/*
 * Row-level security refuses COPY FROM ("COPY FROM not supported with
 * row-level security", 0A000) for roles it applies to, e.g. riskmap_district.
 * Then rows go as parameterised multi-row INSERTs, in the same transaction
 * and savepoints: the error has no line number, and send_rows finds a refused
 * row by splitting the attempt, as for errors raised at the end of a COPY.
 */
static int use_insert;

/* Splits a COPY text line into its values (NULL for \N), unescaped in place. */
static int split_copy_line(char *line, char **vals, int max)
{
    int k = 0;
    char *p = line;
    for (;;) {
        char *end = p + strcspn(p, "\t\n");
        char  stop = *end;
        *end = '\0';
        if (k < max) vals[k++] = strcmp(p, "\\N") == 0 ? NULL : p;
        /* unescape \\ \t \n \r in place */
        char *w = p;
        for (char *r = p; *r; r++) {
            if (*r == '\\' && r[1]) {
                r++;
                *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
            } else {
                *w++ = *r;
            }
        }
        *w = '\0';
        if (stop != '\t') break;
        p = end + 1;
    }
    return k;
}

static PGresult *insert_rows(Row **rows, int n)
{
    int k = 0;
    for (int i = 0; i < ncols; i++) k += cols[i].included;
    int per = 60000 / (k ? k : 1);
    if (per > 500) per = 500;
    if (per < 1) per = 1;
    for (int start = 0; start < n; start += per) {
        int   m = n - start < per ? n - start : per;
        Buf   sql;
        char **vals = xmalloc(sizeof *vals * (size_t)m * (size_t)k);
        char **copies = xmalloc(sizeof *copies * (size_t)m);
        buf_init(&sql);
        buf_printf(&sql, "INSERT INTO %s (", qtable);
        int first = 1;
        for (int i = 0; i < ncols; i++) {
            if (!cols[i].included) continue;
            char *qi = quote_ident(cols[i].name);
            buf_printf(&sql, "%s%s", first ? "" : ", ", qi);
            free(qi);
            first = 0;
        }
        buf_puts(&sql, ") OVERRIDING SYSTEM VALUE VALUES ");
        for (int r = 0; r < m; r++) {
            copies[r] = xstrdup(rows[start + r]->line);
            int got = split_copy_line(copies[r], vals + (size_t)r * k, k);
            for (int j = got; j < k; j++) vals[(size_t)r * k + j] = NULL;
            buf_printf(&sql, "%s(", r ? ", " : "");
            int j = 0;
            for (int i = 0; i < ncols; i++) {
                if (!cols[i].included) continue;
                buf_printf(&sql, "%s$%d::%s", j ? ", " : "", r * k + j + 1, cols[i].type);
                j++;
            }
            buf_putc(&sql, ')');
        }
        PGresult *res = PQexecParams(conn, sql.s, m * k, NULL, (const char *const *)vals, NULL, NULL, 0);
        for (int r = 0; r < m; r++) free(copies[r]);
        free(copies);
        free(vals);
        buf_free(&sql);
        if (PQstatus(conn) != CONNECTION_OK) die(EXIT_DB, "database connection lost: %s", PQerrorMessage(conn));
        if (PQresultStatus(res) != PGRES_COMMAND_OK) return res;
        PQclear(res);
    }
    return NULL;
}

/* COPY rows[0..n) in one go. Returns NULL on success, else the error result. */
static PGresult *copy_rows(Row **rows, int n)
{
    if (use_insert) return insert_rows(rows, n);
    PGresult *r = copy_begin();
    if (r) return r;
    for (int i = 0; i < n; i++) copy_put(rows[i]->line);
    return copy_end();
}

/*
 * Sends rows[0..n) in order, each attempt inside SAVEPOINT riskmap_import,
 * reporting every row the server refuses. err0, when given, is the error of
 * an attempt at all n rows already made (its savepoint still open).
 *
 * L holds the rows of the next attempt: rows known good (they passed before
 * the last failure; they are sent again so that later rows are still checked
 * against them, e.g. for duplicates) followed by untested rows taken in order
 * from rows[next - ...]. After a failure at COPY line k, row k is reported,
 * the rows after it are put back, and the attempt goes on with the good
 * prefix plus a small chunk, which doubles after each success. A long good
 * prefix is sent on its own first, so that it is not re-sent many times. An
 * error without a line (foreign keys are checked at the end of the
 * statement) splits the attempt in halves.
 */
static void send_rows(Row **rows, int n, PGresult *err0)
{
    if (n <= 0) { if (err0) PQclear(err0); return; }
    Row     **L     = xmalloc(sizeof *L * n);
    int       nl    = 0, next = 0, chunk = RETRY_CHUNK;
    PGresult *err   = err0;
    int       sp    = err0 != NULL;  /* our savepoint is open (kept across failed attempts) */
    while (next < n) L[nl++] = rows[next++];
    while (nl > 0) {
        if (!err) {
            if (!sp) exec_cmd("SAVEPOINT riskmap_import");
            sp  = 1;
            err = copy_rows(L, nl);
            if (!err) {
                exec_cmd("RELEASE SAVEPOINT riskmap_import");
                sp = 0;
                n_sent += nl;
                nl = 0;
                if (chunk < BATCH_ROWS) chunk *= 2;
                while (nl < chunk && next < n) L[nl++] = rows[next++];
                continue;
            }
        }
        const char *state = PQresultErrorField(err, PG_DIAG_SQLSTATE);
        const char *msg   = PQresultErrorField(err, PG_DIAG_MESSAGE_PRIMARY);
        if (!is_row_error(state, msg)) {
            char *m = xstrdup(PQresultErrorMessage(err));
            for (char *p = m + strlen(m); p > m && p[-1] == '\n'; p--) p[-1] = '\0';
            die(EXIT_DB, "database error (nothing written): %s", m);
        }
        exec_cmd("ROLLBACK TO SAVEPOINT riskmap_import");  /* the savepoint stays for the next attempt */
        long k = copy_error_line(err);
        if (nl == 1) {
            reject_db(L[0], err);
            nl = 0;
        } else if (k >= 1 && k <= nl) {
            reject_db(L[k - 1], err);
            next -= nl - (int)k;     /* the rows after row k are untested: put them back */
            int ngood = (int)k - 1;
            nl = 0;
            if (ngood > RETRY_CHUNK) {
                /* Rows sent by the inner call must not be undone by our savepoint. */
                exec_cmd("RELEASE SAVEPOINT riskmap_import");
                sp = 0;
                send_rows(L, ngood, NULL);
            } else {
                nl = ngood;
            }
            chunk = RETRY_CHUNK;
            int lim = nl + chunk;
            while (nl < lim && next < n) L[nl++] = rows[next++];
        } else {
            int h = nl / 2;
            exec_cmd("RELEASE SAVEPOINT riskmap_import");
            sp = 0;
            send_rows(L, h, NULL);
            send_rows(L + h, nl - h, NULL);
            nl = 0;
        }
        PQclear(err);
        err = NULL;
        if (nl == 0)
            while (nl < chunk && next < n) L[nl++] = rows[next++];
    }
    if (sp) exec_cmd("RELEASE SAVEPOINT riskmap_import");
    free(L);
}

static void flush_batch(void)
{
    if (nbatch) {
        Row **p = xmalloc(sizeof *p * nbatch);
        for (int i = 0; i < nbatch; i++) p[i] = &batch[i];
        if (copy_active) {          /* the batch was streamed inside its savepoint */
            PGresult *err = copy_end();
            if (!err) {
                exec_cmd("RELEASE SAVEPOINT riskmap_import");
                n_sent += nbatch;
            } else {
                send_rows(p, nbatch, err);
            }
        } else {
            exec_cmd("RELEASE SAVEPOINT riskmap_import");
            send_rows(p, nbatch, NULL);
        }
        free(p);
    }
    for (int i = 0; i < nbatch; i++) {
        free(batch[i].line);
        free(batch[i].label);
    }
    nbatch = 0;
}

static void add_row(const char *line, const char *label)
{
    if (!batch) batch = xmalloc(sizeof *batch * BATCH_ROWS);
    if (nbatch == 0) {
        exec_cmd("SAVEPOINT riskmap_import");
        PGresult *err = use_insert ? NULL : copy_begin();
        if (err && PQresultStatus(err) == PGRES_FATAL_ERROR &&
            strcmp(PQresultErrorField(err, PG_DIAG_SQLSTATE) ? PQresultErrorField(err, PG_DIAG_SQLSTATE) : "", "0A000") == 0 &&
            strstr(PQresultErrorMessage(err), "row-level security")) {
            PQclear(err);
            err = NULL;
            exec_cmd("ROLLBACK TO SAVEPOINT riskmap_import");
            use_insert = 1;
            note("row-level security applies to this role: COPY is refused, sending INSERTs instead (same transaction)");
        }
        if (err) {
            const char *st = PQresultErrorField(err, PG_DIAG_SQLSTATE);
            char       *m  = xstrdup(PQresultErrorMessage(err));
            for (char *p = m + strlen(m); p > m && p[-1] == '\n'; p--) p[-1] = '\0';
            (void)st;
            die(EXIT_DB, "database error (nothing written): %s", m);
        }
    }
    batch[nbatch].line  = xstrdup(line);
    batch[nbatch].label = xstrdup(label);
    copy_put(line);
    if (++nbatch == BATCH_ROWS) flush_batch();
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                  */

static double ring_area(const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, ring);
    unsigned int             n  = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(gh, cs, &n) || n < 4) return 0;
    struct geod_polygon p;
    geod_polygon_init(&p, 0);
    for (unsigned int i = 0; i + 1 < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(gh, cs, i, &x, &y);
        if (!isfinite(x) || !isfinite(y) || y < -90 || y > 90) return 0;
        geod_polygon_addpoint(&geod, &p, y, x);
    }
    double a = 0, per = 0;
    geod_polygon_compute(&geod, &p, 0, 1, &a, &per);
    return fabs(a);
}

/* Area on the ellipsoid (m²) of the polygons of g (lon/lat). */
static double geodesic_area(const GEOSGeometry *g)
{
    int t = GEOSGeomTypeId_r(gh, g);
    if (t == GEOS_POLYGON) {
        double a = ring_area(GEOSGetExteriorRing_r(gh, g));
        int    h = GEOSGetNumInteriorRings_r(gh, g);
        for (int i = 0; i < h; i++) a -= ring_area(GEOSGetInteriorRingN_r(gh, g, i));
        return a;
    }
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        double a = 0;
        int    n = GEOSGetNumGeometries_r(gh, g);
        for (int i = 0; i < n; i++) a += geodesic_area(GEOSGetGeometryN_r(gh, g, i));
        return a;
    }
    return 0;
}

static void collect_dim(const GEOSGeometry *g, int dim, GEOSGeometry ***parts, int *n, int *cap)
{
    int t = GEOSGeomTypeId_r(gh, g);
    if (t == GEOS_MULTIPOINT || t == GEOS_MULTILINESTRING || t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(gh, g);
        for (int i = 0; i < k; i++) collect_dim(GEOSGetGeometryN_r(gh, g, i), dim, parts, n, cap);
        return;
    }
    if (GEOSisEmpty_r(gh, g) || GEOSGeom_getDimensions_r(gh, g) != dim) return;
    if (*n == *cap) {
        *cap   = *cap ? *cap * 2 : 8;
        *parts = xrealloc(*parts, sizeof **parts * *cap);
    }
    (*parts)[(*n)++] = GEOSGeom_clone_r(gh, g);
}

static int is_multi_kind(int k) { return k == wkbMultiPoint || k == wkbMultiLineString || k == wkbMultiPolygon; }

/*
 * Make g valid, keeping its dimension, shaped for a column of kind gkind.
 * Returns a new geometry or NULL (reason in why).
 */
static GEOSGeometry *repair(const GEOSGeometry *g, int gkind, Buf *why)
{
    int           dim = GEOSGeom_getDimensions_r(gh, g);
    GEOSGeometry *mv  = NULL;
    GEOSMakeValidParams *p = GEOSMakeValidParams_create_r(gh);
    if (p) {
        GEOSMakeValidParams_setMethod_r(gh, p, GEOS_MAKE_VALID_STRUCTURE);
        GEOSMakeValidParams_setKeepCollapsed_r(gh, p, 0);
        mv = GEOSMakeValidWithParams_r(gh, g, p);
        GEOSMakeValidParams_destroy_r(gh, p);
    }
    if (!mv) mv = GEOSMakeValid_r(gh, g);
    if (!mv) {
        buf_printf(why, "make-valid failed: %s", geos_msg);
        return NULL;
    }
    GEOSGeometry **parts = NULL;
    int            n = 0, cap = 0;
    collect_dim(mv, dim, &parts, &n, &cap);
    GEOSGeom_destroy_r(gh, mv);
    if (n == 0) {
        free(parts);
        buf_puts(why, "make-valid left nothing of the geometry's dimension (collapsed)");
        return NULL;
    }
    int           ot         = GEOSGeomTypeId_r(gh, g);
    int           orig_multi = ot == GEOS_MULTIPOLYGON || ot == GEOS_MULTILINESTRING || ot == GEOS_MULTIPOINT;
    int           want_multi = is_multi_kind(gkind) || (gkind == 0 && (orig_multi || n > 1));
    GEOSGeometry *out;
    if (!want_multi) {
        if (n > 1) {
            for (int i = 0; i < n; i++) GEOSGeom_destroy_r(gh, parts[i]);
            free(parts);
            buf_printf(why, "make-valid split the geometry into %d parts; the column takes a single %s", n,
                       dim == 2 ? "Polygon" : dim == 1 ? "LineString" : "Point");
            return NULL;
        }
        out = parts[0];
    } else {
        int type = dim == 2 ? GEOS_MULTIPOLYGON : dim == 1 ? GEOS_MULTILINESTRING : GEOS_MULTIPOINT;
        out      = GEOSGeom_createCollection_r(gh, type, parts, n);
    }
    free(parts);
    return out;
}

static const char *ogr_type_name(int t)
{
    return OGRGeometryTypeToName((OGRwkbGeometryType)t);
}

/*
 * What the source CRS says about plausible coordinates: its area of use
 * (PROJ's, through OSRGetAreaOfUse: lon/lat degrees, west > east across the
 * antimeridian) and whether it is projected (metres, feet: coordinates that
 * all fit in +-180 x +-90 there are degrees declared with the wrong CRS, e.g.
 * lon/lat labelled EPSG:3857, which would land near (0, 0)).
 */
typedef struct {
    OGRCoordinateTransformationH ct;
    int    projected, has_area;
    double west, south, east, north;
    char   name[160];
} CrsInfo;
static CrsInfo crs_infos[16];
static int     n_crs_infos;

static void crs_info_add(OGRCoordinateTransformationH ct, OGRSpatialReferenceH s)
{
    if (!ct || n_crs_infos == (int)(sizeof crs_infos / sizeof crs_infos[0])) return;
    CrsInfo    *ci   = &crs_infos[n_crs_infos++];
    const char *area = NULL, *auth = OSRGetAuthorityName(s, NULL), *code = OSRGetAuthorityCode(s, NULL);
    memset(ci, 0, sizeof *ci);
    ci->ct        = ct;
    ci->projected = OSRIsProjected(s);
    ci->has_area  = OSRGetAreaOfUse(s, &ci->west, &ci->south, &ci->east, &ci->north, &area) &&
                   ci->west > -1000 && ci->south > -1000;
    if (auth && code)
        snprintf(ci->name, sizeof ci->name, "%s:%s%s%.100s%s", auth, code, area ? " (" : "", area ? area : "",
                 area ? ")" : "");
    else
        snprintf(ci->name, sizeof ci->name, "%.100s", OSRGetName(s) ? OSRGetName(s) : "the source CRS");
}

static const CrsInfo *crs_info_of(OGRCoordinateTransformationH ct)
{
    for (int i = 0; ct && i < n_crs_infos; i++)
        if (crs_infos[i].ct == ct) return &crs_infos[i];
    return NULL;
}

/* Why the source envelope src / lon-lat envelope ll do not fit ci, or 0. */
static int crs_misfit(const CrsInfo *ci, const OGREnvelope *src, const OGREnvelope *ll, Buf *why)
{
    if (ci->projected && fabs(src->MinX) <= 180 && fabs(src->MaxX) <= 180 && fabs(src->MinY) <= 90 &&
        fabs(src->MaxY) <= 90 && (src->MaxX - src->MinX) < 5 && (src->MaxY - src->MinY) < 5) {
        buf_printf(why, "coordinates look like degrees (x %.6g..%.6g, y %.6g..%.6g) but %s is projected: "
                        "they land at lon %.6g, lat %.6g; wrong CRS or --srs?",
                   src->MinX, src->MaxX, src->MinY, src->MaxY, ci->name, ll->MinX, ll->MinY);
        return 1;
    }
    if (!ci->has_area) return 0;
    const double m = 0.5; /* degrees of slack around the area of use */
    int lat_ok = ll->MinY >= ci->south - m && ll->MaxY <= ci->north + m;
    int lon_ok = ci->west <= ci->east
                     ? ll->MinX >= ci->west - m && ll->MaxX <= ci->east + m
                     : (ll->MinX >= ci->west - m || ll->MaxX <= ci->east + m); /* across the antimeridian */
    if (lat_ok && lon_ok) return 0;
    buf_printf(why, "coordinates outside the area of use of %s (lon %.6g..%.6g, lat %.6g..%.6g; "
                    "area lon %.6g..%.6g, lat %.6g..%.6g): wrong CRS or --srs?",
               ci->name, ll->MinX, ll->MaxX, ll->MinY, ll->MaxY, ci->west, ci->east, ci->south, ci->north);
    return 1;
}

/*
 * Checks and converts one geometry for column c. ct: transformation to EPSG:4326
 * (NULL when the source is EPSG:4326 already); no_crs: the source has no CRS.
 * On success appends hex EWKB to out and returns 1; else appends the reason to
 * why and returns 0. Repairs are reported through label.
 */
static int convert_geometry(OGRGeometryH src, const Column *c, OGRCoordinateTransformationH ct, int no_crs,
                            const char *label, Buf *out, Buf *why)
{
    if (OGR_G_IsEmpty(src)) {
        buf_printf(why, "empty geometry for column %s", c->name);
        return 0;
    }
    if (no_crs) {
        buf_puts(why, "no CRS: the source has no coordinate reference system and no --srs was given");
        return 0;
    }
    OGRGeometryH g = OGR_G_HasCurveGeometry(src, TRUE) ? OGR_G_GetLinearGeometry(src, 0, NULL) : OGR_G_Clone(src);
    if (!g) {
        buf_puts(why, "cannot read the geometry");
        return 0;
    }
    OGR_G_FlattenTo2D(g);
    int t = wkbFlatten(OGR_G_GetGeometryType(g));
    int k = c->gkind;
    if (k != 0 && t != k) {
        if (is_multi_kind(k) && t == k - 3) {
            g = k == wkbMultiPolygon ? OGR_G_ForceToMultiPolygon(g)
              : k == wkbMultiLineString ? OGR_G_ForceToMultiLineString(g) : OGR_G_ForceToMultiPoint(g);
        } else if (is_multi_kind(t) && t == k + 3 && OGR_G_GetGeometryCount(g) == 1) {
            OGRGeometryH part = OGR_G_Clone(OGR_G_GetGeometryRef(g, 0));
            OGR_G_DestroyGeometry(g);
            g = part;
        } else {
            buf_printf(why, "wrong geometry type: %s, but column %s takes %s", ogr_type_name(t), c->name, c->gname);
            OGR_G_DestroyGeometry(g);
            return 0;
        }
    }
    OGREnvelope src_env;
    OGR_G_GetEnvelope(g, &src_env);
    if (ct) {
        gdal_msg[0] = '\0';
        if (OGR_G_Transform(g, ct) != OGRERR_NONE) {
            buf_printf(why, "cannot reproject to EPSG:4326%s%s", gdal_msg[0] ? ": " : "", gdal_msg);
            OGR_G_DestroyGeometry(g);
            return 0;
        }
    }
    OGREnvelope env;
    OGR_G_GetEnvelope(g, &env);
    if (!(isfinite(env.MinX) && isfinite(env.MaxX) && isfinite(env.MinY) && isfinite(env.MaxY))) {
        buf_puts(why, "invalid geometry: coordinates are not finite numbers");
        OGR_G_DestroyGeometry(g);
        return 0;
    }
    if (env.MinX < -180 || env.MaxX > 180 || env.MinY < -90 || env.MaxY > 90) {
        buf_printf(why, "coordinates out of range for EPSG:4326 (lon %.6g..%.6g, lat %.6g..%.6g): wrong CRS or --srs?",
                   env.MinX, env.MaxX, env.MinY, env.MaxY);
        OGR_G_DestroyGeometry(g);
        return 0;
    }
    const CrsInfo *ci = crs_info_of(ct);
    if (ci) {
        Buf misfit;
        buf_init(&misfit);
        if (crs_misfit(ci, &src_env, &env, &misfit)) {
            if (opt.strict_crs) {
                buf_puts(why, misfit.s);
                buf_free(&misfit);
                OGR_G_DestroyGeometry(g);
                return 0;
            }
            n_crs_warned++;
            report("WARNING", label, misfit.s);
        }
        buf_free(&misfit);
    }
    int            wkblen = OGR_G_WkbSize(g);
    unsigned char *wkb    = xmalloc(wkblen);
    OGR_G_ExportToIsoWkb(g, wkbNDR, wkb);
    OGR_G_DestroyGeometry(g);
    GEOSGeometry *gg = GEOSWKBReader_read_r(gh, wkb_reader, wkb, wkblen);
    free(wkb);
    if (!gg) {
        buf_printf(why, "invalid geometry: %s", geos_msg);
        return 0;
    }
    char valid = GEOSisValid_r(gh, gg);
    if (valid != 1) {
        char *reason = valid == 0 ? GEOSisValidReason_r(gh, gg) : NULL;
        Buf   r;
        buf_init(&r);
        buf_puts(&r, reason ? reason : geos_msg);
        if (reason) GEOSFree_r(gh, reason);
        if (!opt.repair || valid != 0) {
            buf_printf(why, "invalid geometry: %s", r.s);
            buf_free(&r);
            GEOSGeom_destroy_r(gh, gg);
            return 0;
        }
        double        before = geodesic_area(gg);
        GEOSGeometry *fixed  = repair(gg, c->gkind, why);
        GEOSGeom_destroy_r(gh, gg);
        if (!fixed) {
            buf_printf(why, " (invalid geometry: %s)", r.s);
            buf_free(&r);
            return 0;
        }
        if (GEOSisValid_r(gh, fixed) != 1) {
            buf_printf(why, "invalid geometry: %s; make-valid did not make it valid", r.s);
            buf_free(&r);
            GEOSGeom_destroy_r(gh, fixed);
            return 0;
        }
        gg           = fixed;
        double after = geodesic_area(gg);
        Buf    rep;
        buf_init(&rep);
        buf_printf(&rep, "column %s: %s; made valid (%s, %d part%s)", c->name, r.s, GEOSGeomType_r(gh, gg),
                   GEOSGetNumGeometries_r(gh, gg), GEOSGetNumGeometries_r(gh, gg) == 1 ? "" : "s");
        if (GEOSGeom_getDimensions_r(gh, gg) == 2)
            buf_printf(&rep, "; area before %.0f m², after %.0f m² (%+.4f%%)", before, after,
                       before > 0 ? 100.0 * (after - before) / before : 0.0);
        report("REPAIRED", label, rep.s);
        n_repaired++;
        buf_free(&rep);
        buf_free(&r);
    }
    GEOSSetSRID_r(gh, gg, 4326);
    size_t         hl  = 0;
    unsigned char *hex = GEOSWKBWriter_writeHEX_r(gh, wkb_writer, gg, &hl);
    GEOSGeom_destroy_r(gh, gg);
    if (!hex) {
        buf_printf(why, "cannot write the geometry: %s", geos_msg);
        return 0;
    }
    buf_putn(out, (const char *)hex, hl);
    GEOSFree_r(gh, hex);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

static int is_int_type(const char *t) { return !strcmp(t, "int2") || !strcmp(t, "int4") || !strcmp(t, "int8"); }
static int is_float_type(const char *t) { return !strcmp(t, "float4") || !strcmp(t, "float8") || !strcmp(t, "numeric"); }

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i])) i++;
    if (i) memmove(s, s + i, n - i + 1);
}

/*
 * OGR's text form of a list field, "(N:a,b,...)" (OGR_F_GetFieldAsString of a
 * list; what ogr2ogr writes into formats without list types, e.g. GeoPackage:
 * label_point [104.117022, 30.598158] becomes "(2:104.117022,30.598158)").
 * Splits s into its N elements (malloc'ed copies in elems[], at most max);
 * returns N, or -1 when s is not in that form or the count does not match.
 */
static int ogr_list_text(const char *s, char **elems, int max)
{
    while (isspace((unsigned char)*s)) s++;
    if (*s != '(' || !isdigit((unsigned char)s[1])) return -1;
    char *end;
    long  n = strtol(s + 1, &end, 10);
    if (*end != ':' || n < 0 || n > max) return -1;
    const char *body = end + 1;
    const char *close = strrchr(body, ')');
    if (!close) return -1;
    for (const char *t = close + 1; *t; t++)
        if (!isspace((unsigned char)*t)) return -1;
    int k = 0;
    if (n == 0) return close == body ? 0 : -1;
    const char *p = body;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(close - p));
        const char *e = c ? c : close;
        if (k == n) { for (int i = 0; i < k; i++) free(elems[i]); return -1; }
        elems[k++] = strndup(p, (size_t)(e - p));
        if (!c) break;
        p = c + 1;
    }
    if (k != n) { for (int i = 0; i < k; i++) free(elems[i]); return -1; }
    return k;
}

/*
 * Converts text v for column c into its COPY form in out. Returns 1, or 0 with
 * the reason in why.
 */
static int convert_text(const Column *c, char *v, Buf *out, Buf *why, int *is_null)
{
    *is_null = 0;
    if (!utf8_valid(v)) {
        buf_printf(why, "value not convertible: column %s: text is not valid UTF-8", c->name);
        return 0;
    }
    if (c->typcat != 'S') trim(v);
    /* A blank field is a missing value, whatever the type. */
    const char *w = v;
    while (isspace((unsigned char)*w)) w++;
    if (*w == '\0') { *is_null = 1; return 1; }
    if (is_int_type(c->typname)) {
        char     *end;
        errno         = 0;
        long long x   = strtoll(v, &end, 10);
        int       bad = errno || *end;
        if (bad) {  /* 3.0 from a real column is fine */
            double d = strtod(v, &end);
            if (!*end && isfinite(d) && d == floor(d) && fabs(d) < 9.2e18) { x = (long long)d; bad = 0; }
        }
        long long lo = !strcmp(c->typname, "int2") ? -32768 : !strcmp(c->typname, "int4") ? -2147483648LL : LLONG_MIN;
        long long hi = !strcmp(c->typname, "int2") ? 32767 : !strcmp(c->typname, "int4") ? 2147483647LL : LLONG_MAX;
        if (bad || x < lo || x > hi) {
            buf_printf(why, "value not convertible: column %s (%s): '%.60s' is not an integer%s", c->name, c->type, v,
                       bad ? "" : " in range");
            return 0;
        }
        buf_printf(out, "%lld", x);
        return 1;
    }
    if (is_float_type(c->typname)) {
        char *end;
        errno    = 0;
        double d = strtod(v, &end);
        if (*end || (errno == ERANGE && fabs(d) > 1)) {
            buf_printf(why, "value not convertible: column %s (%s): '%.60s' is not a number", c->name, c->type, v);
            return 0;
        }
        buf_copy_escape(out, v);
        return 1;
    }
    if (!strcmp(c->typname, "bool")) {
        static const char *yes[] = {"t", "true", "y", "yes", "on", "1", "是"};
        static const char *no[]  = {"f", "false", "n", "no", "off", "0", "否"};
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
            if (!strcasecmp(v, yes[i])) { buf_putc(out, 't'); return 1; }
            if (!strcasecmp(v, no[i])) { buf_putc(out, 'f'); return 1; }
        }
        buf_printf(why, "value not convertible: column %s (boolean): '%.60s'", c->name, v);
        return 0;
    }
    if (c->typcat == 'A') {
        /* OGR's list text "(N:a,b)" becomes the array {a,b}. */
        char *el[1024];
        int   n = ogr_list_text(v, el, 1024);
        if (n >= 0) {
            Buf arr;
            buf_init(&arr);
            buf_putc(&arr, '{');
            for (int i = 0; i < n; i++) {
                if (i) buf_putc(&arr, ',');
                buf_array_elem(&arr, el[i]);
                free(el[i]);
            }
            buf_putc(&arr, '}');
            buf_copy_escape(out, arr.s);
            buf_free(&arr);
            return 1;
        }
    }
    buf_copy_escape(out, v);
    return 1;
}

/* The text of field i of f (NULL when null/unset); malloc'ed. */
static char *field_text(OGRFeatureH f, int i, const Column *c)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i)) return NULL;
    OGRFieldDefnH fd = OGR_F_GetFieldDefnRef(f, i);
    Buf           b;
    buf_init(&b);
    switch (OGR_Fld_GetType(fd)) {
    case OFTReal:
        buf_printf(&b, "%.17g", OGR_F_GetFieldAsDouble(f, i));
        break;
    case OFTInteger:
        buf_printf(&b, "%d", OGR_F_GetFieldAsInteger(f, i));
        break;
    case OFTInteger64:
        buf_printf(&b, "%lld", (long long)OGR_F_GetFieldAsInteger64(f, i));
        break;
    case OFTDate:
    case OFTDateTime:
    case OFTTime: {
        int   y, m, d, hh, mm, tz;
        float ss;
        OGR_F_GetFieldAsDateTimeEx(f, i, &y, &m, &d, &hh, &mm, &ss, &tz);
        if (OGR_Fld_GetType(fd) != OFTTime) buf_printf(&b, "%04d-%02d-%02d", y, m, d);
        if (OGR_Fld_GetType(fd) != OFTDate) {
            buf_printf(&b, "%s%02d:%02d:%09.6f", OGR_Fld_GetType(fd) == OFTDateTime ? " " : "", hh, mm, (double)ss);
            if (tz > 1) {
                int off = (tz - 100) * 15;
                buf_printf(&b, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
            }
        }
        break;
    }
    case OFTStringList:
    case OFTIntegerList:
    case OFTInteger64List:
    case OFTRealList: {
        /* A PostgreSQL array literal. */
        buf_putc(&b, '{');
        OGRFieldType ft = OGR_Fld_GetType(fd);
        int          n  = 0;
        if (ft == OFTStringList) {
            char **l = OGR_F_GetFieldAsStringList(f, i);
            for (int k = 0; l && l[k]; k++) {
                if (k) buf_putc(&b, ',');
                buf_array_elem(&b, l[k]);
            }
        } else if (ft == OFTRealList) {
            const double *l = OGR_F_GetFieldAsDoubleList(f, i, &n);
            for (int k = 0; k < n; k++) buf_printf(&b, "%s%.17g", k ? "," : "", l[k]);
        } else if (ft == OFTIntegerList) {
            const int *l = OGR_F_GetFieldAsIntegerList(f, i, &n);
            for (int k = 0; k < n; k++) buf_printf(&b, "%s%d", k ? "," : "", l[k]);
        } else {
            const GIntBig *l = OGR_F_GetFieldAsInteger64List(f, i, &n);
            for (int k = 0; k < n; k++) buf_printf(&b, "%s%lld", k ? "," : "", (long long)l[k]);
        }
        buf_putc(&b, '}');
        break;
    }
    case OFTBinary: {
        int            n = 0;
        const GByte   *p = OGR_F_GetFieldAsBinary(f, i, &n);
        buf_puts(&b, "\\x");
        for (int k = 0; k < n; k++) buf_printf(&b, "%02x", p[k]);
        break;
    }
    default:
        buf_puts(&b, OGR_F_GetFieldAsString(f, i));
    }
    (void)c;
    return b.s ? b.s : xstrdup("");
}

/* A geometry held in an attribute field: WKT, GeoJSON or a [x, y] list. */
static OGRGeometryH field_geometry(OGRFeatureH f, int i, Buf *why, const Column *c)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i)) return NULL;
    OGRFieldDefnH fd = OGR_F_GetFieldDefnRef(f, i);
    OGRFieldType  ft = OGR_Fld_GetType(fd);
    OGRGeometryH  g  = NULL;
    if (ft == OFTRealList || ft == OFTIntegerList || ft == OFTInteger64List) {
        int           n = 0;
        const double *l = ft == OFTRealList ? OGR_F_GetFieldAsDoubleList(f, i, &n) : NULL;
        double        xy[2];
        if (!l) {
            const int *il = ft == OFTIntegerList ? OGR_F_GetFieldAsIntegerList(f, i, &n) : NULL;
            if (il && n == 2) { xy[0] = il[0]; xy[1] = il[1]; l = xy; }
            else if (!il) {
                const GIntBig *ll = OGR_F_GetFieldAsInteger64List(f, i, &n);
                if (ll && n == 2) { xy[0] = (double)ll[0]; xy[1] = (double)ll[1]; l = xy; }
            }
        }
        if (!l || n != 2) {
            buf_printf(why, "value not convertible: column %s: a list of %d numbers is not a point", c->name, n);
            return (OGRGeometryH)-1;
        }
        g = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(g, 0, l[0], l[1]);
        return g;
    }
    const char *s = OGR_F_GetFieldAsString(f, i);
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return NULL;
    if (*s == '(') { /* OGR's list text "(2:x,y)", e.g. after ogr2ogr into GeoPackage */
        char *el[3];
        int   n = ogr_list_text(s, el, 3);
        if (n >= 0) {
            double xy[2];
            int    ok = n == 2;
            for (int k = 0; k < n; k++) {
                char *end;
                if (ok) {
                    xy[k] = strtod(el[k], &end);
                    while (isspace((unsigned char)*end)) end++;
                    ok = end != el[k] && !*end && isfinite(xy[k]);
                }
                free(el[k]);
            }
            if (!ok) {
                buf_printf(why, "value not convertible: column %s: '%.40s' is not a list of two numbers (x, y)", c->name, s);
                return (OGRGeometryH)-1;
            }
            g = OGR_G_CreateGeometry(wkbPoint);
            OGR_G_SetPoint_2D(g, 0, xy[0], xy[1]);
            return g;
        }
    }
    if (*s == '{') g = OGR_G_CreateGeometryFromJson(s);
    else {
        char *p = (char *)s;
        if (OGR_G_CreateFromWkt(&p, NULL, &g) != OGRERR_NONE) g = NULL;
    }
    if (!g) {
        buf_printf(why, "value not convertible: column %s: '%.40s' is not WKT or GeoJSON", c->name, s);
        return (OGRGeometryH)-1;
    }
    return g;
}

/* ------------------------------------------------------------------------ */
/* CRS                                                                       */

static OGRSpatialReferenceH user_srs;

/* Transformation from src to EPSG:4326 (NULL when src is EPSG:4326). */
static OGRCoordinateTransformationH make_ct(OGRSpatialReferenceH src, int *no_crs, const char *what)
{
    *no_crs = 0;
    if (user_srs) src = user_srs;
    if (!src) { *no_crs = 1; return NULL; }
    OGRSpatialReferenceH s = OSRClone(src);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRIsSame(s, srs4326)) {
        OSRDestroySpatialReference(s);
        return NULL;
    }
    gdal_msg[0] = '\0';
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(s, srs4326);
    if (!ct) die(EXIT_OPEN, "%s: cannot transform its CRS to EPSG:4326: %s", what, gdal_msg);
    crs_info_add(ct, s);
    OSRDestroySpatialReference(s);
    return ct;
}

/* ------------------------------------------------------------------------ */
/* Vector import                                                             */

static int find_col(const char *name)
{
    for (int i = 0; i < ncols; i++)
        if (strcmp(cols[i].name, name) == 0) return i;
    return -1;
}

static void map_fields(OGRLayerH layer)
{
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(layer);
    for (int m = 0; m < opt.nmaps; m++) {
        int ci = find_col(opt.maps[m].column);
        if (ci < 0) {
            fprintf(stderr, "riskmap-import: --field %s=%s: table riskmap.%s has no column %s\n", opt.maps[m].column,
                    opt.maps[m].source, opt.table, opt.maps[m].column);
            exit(EXIT_USAGE);
        }
        Column *c = &cols[ci];
        c->src_name = xstrdup(opt.maps[m].source);
        if (!opt.maps[m].source[0]) { c->src_field = c->src_geom = -2; continue; }  /* excluded */
        int gi = c->is_geom ? OGR_FD_GetGeomFieldIndex(fd, opt.maps[m].source) : -1;
        int fi = OGR_FD_GetFieldIndex(fd, opt.maps[m].source);
        if (gi >= 0) c->src_geom = gi;
        else if (fi >= 0) c->src_field = fi;
        else {
            Buf l;
            buf_init(&l);
            for (int i = 0; i < OGR_FD_GetFieldCount(fd); i++)
                buf_printf(&l, "%s%s", i ? ", " : "", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)));
            fprintf(stderr, "riskmap-import: --field %s=%s: layer %s has no field %s (fields: %s)\n",
                    opt.maps[m].column, opt.maps[m].source, OGR_L_GetName(layer), opt.maps[m].source,
                    l.s ? l.s : "none");
            exit(EXIT_USAGE);
        }
    }
    /* The layer's (first) geometry goes to the table's first geometry column,
       unless --field maps it elsewhere; other geometry columns take a geometry
       or attribute field of their own name. */
    int first_geom_col = -1, geom0_taken = 0;
    for (int i = 0; i < ncols; i++) {
        if (cols[i].is_geom && first_geom_col < 0) first_geom_col = i;
        if (cols[i].is_geom && cols[i].src_geom == 0) geom0_taken = 1;
    }
    for (int i = 0; i < ncols; i++) {
        Column *c = &cols[i];
        if (c->src_field == -2) { c->src_field = c->src_geom = -1; continue; }
        if (c->src_field >= 0 || c->src_geom >= 0 || c->generated) continue;
        if (c->is_geom) {
            int gi = OGR_FD_GetGeomFieldIndex(fd, c->name);
            if (gi > 0 || (gi == 0 && !geom0_taken)) c->src_geom = gi;
            else if (i == first_geom_col && !geom0_taken && OGR_FD_GetGeomFieldCount(fd) > 0) c->src_geom = 0;
            if (c->src_geom == 0) geom0_taken = 1;
            if (c->src_geom < 0) {
                int fi = OGR_FD_GetFieldIndex(fd, c->name);
                if (fi >= 0) c->src_field = fi;
            }
            if (c->src_geom >= 0 || c->src_field >= 0) c->src_name = xstrdup(c->name);
            continue;
        }
        int fi = OGR_FD_GetFieldIndex(fd, c->name);
        if (fi >= 0) { c->src_field = fi; c->src_name = xstrdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, fi))); }
    }
    for (int i = 0; i < ncols; i++) cols[i].included = cols[i].src_field >= 0 || cols[i].src_geom >= 0;

    /* Tell what goes where, and what is left out. */
    Buf m, u;
    buf_init(&m);
    buf_init(&u);
    for (int i = 0; i < ncols; i++) {
        Column *c = &cols[i];
        if (c->src_geom >= 0) {
            const char *gn = OGR_GFld_GetNameRef(OGR_FD_GetGeomFieldDefn(fd, c->src_geom));
            buf_printf(&m, "%s%s<-geometry%s%s", m.len ? ", " : "", c->name, gn && *gn ? ":" : "", gn ? gn : "");
        } else if (c->src_field >= 0)
            buf_printf(&m, "%s%s<-%s", m.len ? ", " : "", c->name,
                       OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, c->src_field)));
    }
    for (int i = 0; i < OGR_FD_GetFieldCount(fd); i++) {
        int used = 0;
        for (int j = 0; j < ncols; j++) if (cols[j].src_field == i) used = 1;
        if (!used) buf_printf(&u, "%s%s", u.len ? ", " : "", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)));
    }
    note("columns: %s", m.s ? m.s : "(none)");
    if (u.len) note("source fields not loaded: %s", u.s);
    buf_free(&m);
    buf_free(&u);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void feature_label(OGRFeatureH f, long seq, Buf *label)
{
    buf_reset(label);
    GIntBig fid = OGR_F_GetFID(f);
    buf_printf(label, "%s layer %s feature %lld", base_name(opt.file), layer_name,
               fid == OGRNullFID ? (long long)seq : (long long)fid);
    int shown = 0;
    for (int i = 0; i < ncols; i++) {
        Column *c = &cols[i];
        if (c->src_field < 0 || !(c->pk || !strcmp(c->name, "name") || !strcmp(c->name, "code"))) continue;
        if (!OGR_F_IsFieldSetAndNotNull(f, c->src_field) || !*OGR_F_GetFieldAsString(f, c->src_field)) continue;
        buf_printf(label, "%s%s=%.60s", shown ? ", " : " (", c->name, OGR_F_GetFieldAsString(f, c->src_field));
        shown = 1;
    }
    if (shown) buf_putc(label, ')');
}

static void import_vector(GDALDatasetH ds)
{
    OGRLayerH layer;
    int       nl = GDALDatasetGetLayerCount(ds);
    if (opt.layer) {
        layer = GDALDatasetGetLayerByName(ds, opt.layer);
        if (!layer) {
            fprintf(stderr, "riskmap-import: %s has no layer %s (layers:", opt.file, opt.layer);
            for (int i = 0; i < nl; i++) fprintf(stderr, " %s", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
            fputs(")\n", stderr);
            exit(EXIT_USAGE);
        }
    } else if (nl == 1) {
        layer = GDALDatasetGetLayer(ds, 0);
    } else {
        fprintf(stderr, "riskmap-import: %s has %d layers; choose one with --layer (layers:", opt.file, nl);
        for (int i = 0; i < nl; i++) fprintf(stderr, " %s", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
        fputs(")\n", stderr);
        exit(EXIT_USAGE);
    }
    layer_name = OGR_L_GetName(layer);
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(layer);
    map_fields(layer);
    build_copy_sql();

    int ngf = OGR_FD_GetGeomFieldCount(fd);
    OGRCoordinateTransformationH *ct     = calloc(ngf + 1, sizeof *ct);
    int                          *no_crs = calloc(ngf + 1, sizeof *no_crs);
    for (int i = 0; i < ngf; i++)
        ct[i] = make_ct(OGR_GFld_GetSpatialRef(OGR_FD_GetGeomFieldDefn(fd, i)), &no_crs[i], opt.file);
    /* Geometries in attribute fields use the CRS of the layer (or --srs). */
    OGRCoordinateTransformationH ct_attr;
    int                          no_crs_attr;
    ct_attr = ngf > 0 ? ct[0] : make_ct(NULL, &no_crs_attr, opt.file);
    no_crs_attr = ngf > 0 ? no_crs[0] : (user_srs ? 0 : 1);

    n_total = OGR_L_GetFeatureCount(layer, FALSE);
    OGR_L_ResetReading(layer);

    Buf line, why, label, val;
    buf_init(&line);
    buf_init(&why);
    buf_init(&label);
    buf_init(&val);
    struct { Column *c; char *k; } *pending_keys = xmalloc(sizeof *pending_keys * (ncols + 1));
    int npending = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        n_read++;
        buf_reset(&line);
        buf_reset(&why);
        feature_label(f, n_read - 1, &label);
        int first = 1;
        for (int i = 0; i < ncols; i++) {
            Column *c = &cols[i];
            if (!c->included) continue;
            if (!first) buf_putc(&line, '\t');
            first = 0;
            size_t mark = why.len;
            if (why.len) buf_puts(&why, "; ");
            size_t after_sep = why.len;
            int    ok = 1, is_null = 0;
            if (c->is_geom) {
                OGRGeometryH g = NULL, own = NULL;
                OGRCoordinateTransformationH t = ct_attr;
                int                          nc = no_crs_attr;
                if (c->src_geom >= 0) {
                    g  = OGR_F_GetGeomFieldRef(f, c->src_geom);
                    t  = ct[c->src_geom];
                    nc = no_crs[c->src_geom];
                } else {
                    own = field_geometry(f, c->src_field, &why, c);
                    if (own == (OGRGeometryH)-1) { ok = 0; own = NULL; }
                    g = own;
                }
                if (ok && !g) {
                    is_null = 1;
                    if (c->notnull) {
                        buf_printf(&why, "missing required field %s (no geometry)", c->name);
                        ok = 0;
                    }
                } else if (ok) {
                    ok = convert_geometry(g, c, t, nc, label.s, &line, &why);
                }
                if (own) OGR_G_DestroyGeometry(own);
            } else {
                char *v = field_text(f, c->src_field, c);
                if (v) {
                    buf_reset(&val);
                    ok = convert_text(c, v, &val, &why, &is_null);
                    /* Keys compare as the server would: text as is, numbers canonical. */
                    if (ok && !is_null && c->fk &&
                        !strset_has(c->fk, c->typcat == 'S' ? v : (val.s ? val.s : ""))) {
                        buf_printf(&why, "unknown %s: no riskmap.%s row has %s = '%.60s'", c->name, c->fk_table,
                                   c->fk_column, v);
                        ok = 0;
                    }
                    if (ok && !is_null && c->uniq_db) {
                        const char *key = c->typcat == 'S' ? v : (val.s ? val.s : "");
                        if (strset_has(c->uniq_db, key)) {
                            buf_printf(&why, "duplicate key: %s = '%.60s' already exists in riskmap.%s", c->name, v,
                                       opt.table);
                            ok = 0;
                        } else if (strset_has(c->uniq_file, key)) {
                            buf_printf(&why, "duplicate key: %s = '%.60s' appears earlier in the file", c->name, v);
                            ok = 0;
                        } else {
                            pending_keys[npending].c = c;
                            pending_keys[npending].k = xstrdup(key);
                            npending++;
                        }
                    }
                    if (ok && !is_null) buf_puts(&line, val.s ? val.s : "");
                    free(v);
                } else {
                    is_null = 1;
                }
                if (ok && is_null && c->notnull && c->defval) {
                    buf_puts(&line, c->defval);
                    is_null = 0;
                } else if (ok && is_null && c->notnull) {
                    buf_printf(&why, "missing required field %s (source field %s is empty)", c->name, c->src_name);
                    ok = 0;
                }
            }
            if (ok && is_null) buf_puts(&line, "\\N");
            if (ok) { why.len = mark; if (why.s) why.s[mark] = '\0'; }
            else if (why.len == after_sep) buf_puts(&why, "rejected");
        }
        /* Required columns the file does not provide at all. */
        for (int i = 0; i < ncols; i++) {
            Column *c = &cols[i];
            if (c->included || !c->notnull || c->hasdef) continue;
            buf_printf(&why, "%smissing required field %s (the file has no field %s; map one with --field %s=FIELD)",
                       why.len ? "; " : "", c->name, c->name, c->name);
        }
        buf_putc(&line, '\n');
        if (why.len) reject(label.s, why.s);
        else add_row(line.s, label.s);
        for (int i = 0; i < npending; i++) {
            if (!why.len) strset_add(pending_keys[i].c->uniq_file, pending_keys[i].k);
            free(pending_keys[i].k);
        }
        npending = 0;
        OGR_F_Destroy(f);
        progress(0);
    }
    if (nbatch) flush_batch();
    progress(1);
    for (int i = 0; i < ngf; i++) if (ct[i]) OCTDestroyCoordinateTransformation(ct[i]);
    if (ngf == 0 && ct_attr) OCTDestroyCoordinateTransformation(ct_attr);
    free(ct);
    free(no_crs);
    free(pending_keys);
    buf_free(&line);
    buf_free(&why);
    buf_free(&label);
    buf_free(&val);
}

/* ------------------------------------------------------------------------ */
/* Raster import (population)                                                */

typedef struct {
    char                        **code;
    GEOSGeometry                **geom;
    const GEOSPreparedGeometry  **prep;
    int                           n;
    GEOSSTRtree                  *tree;
} Districts;

static void load_districts(Districts *d)
{
    PGresult *r = PQexecParams(conn,
                               "SELECT code, ST_AsBinary(geom) FROM riskmap.district WHERE geom IS NOT NULL ORDER BY code",
                               0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) die(EXIT_DB, "cannot read riskmap.district: %s", PQresultErrorMessage(r));
    d->n    = PQntuples(r);
    d->code = calloc(d->n + 1, sizeof *d->code);
    d->geom = calloc(d->n + 1, sizeof *d->geom);
    d->prep = calloc(d->n + 1, sizeof *d->prep);
    d->tree = GEOSSTRtree_create_r(gh, 10);
    for (int i = 0; i < d->n; i++) {
        d->code[i] = xstrdup(PQgetvalue(r, i, 0));
        d->geom[i] = GEOSWKBReader_read_r(gh, wkb_reader, (const unsigned char *)PQgetvalue(r, i, 1),
                                          PQgetlength(r, i, 1));
        if (!d->geom[i]) die(EXIT_DB, "cannot read the geometry of district %s", d->code[i]);
        d->prep[i] = GEOSPrepare_r(gh, d->geom[i]);
        GEOSSTRtree_insert_r(gh, d->tree, d->geom[i], (void *)(intptr_t)(i + 1));
    }
    PQclear(r);
}

typedef struct {
    Districts          *d;
    const GEOSGeometry *pt;
    int                 best;
} Hit;

static void hit_cb(void *item, void *ud)
{
    Hit *h = ud;
    int  i = (int)(intptr_t)item - 1;
    if (h->best >= 0 && i > h->best) return;
    if (GEOSPreparedIntersects_r(gh, h->d->prep[i], h->pt) == 1) h->best = i;
}

static void import_raster(GDALDatasetH ds)
{
    if (strcmp(opt.table, "population") && strcmp(opt.table, "riskmap.population")) {
        fprintf(stderr, "riskmap-import: %s is a raster; rasters load into table population only\n", opt.file);
        exit(EXIT_USAGE);
    }
    if (opt.nmaps) note("--field is ignored for rasters (columns district_code, people, geom)");
    layer_name = "band 1";
    int ci_d = find_col("district_code"), ci_p = find_col("people"), ci_g = find_col("geom");
    if (ci_d < 0 || ci_p < 0 || ci_g < 0) die(EXIT_USAGE, "table population lacks district_code, people or geom");
    cols[ci_d].included = cols[ci_p].included = cols[ci_g].included = 1;
    build_copy_sql();

    double gt[6];
    if (GDALGetGeoTransform(ds, gt) != CE_None)
        die(EXIT_OPEN, "%s: the raster has no georeferencing (geotransform)", opt.file);
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    int             W = GDALGetRasterXSize(ds), H = GDALGetRasterYSize(ds);
    int             has_nodata = 0;
    double          nodata     = GDALGetRasterNoDataValue(band, &has_nodata);
    int             no_crs;
    OGRCoordinateTransformationH ct = make_ct(GDALGetSpatialRef(ds), &no_crs, opt.file);

    Districts d;
    load_districts(&d);
    if (d.n == 0) note("riskmap.district has no geometries: every cell will be rejected (load districts first)");

    n_total = (long)W * H;
    double *v   = xmalloc(sizeof *v * W);
    double *cx  = xmalloc(sizeof *cx * (W + 1) * 2), *cy = xmalloc(sizeof *cy * (W + 1) * 2);
    double *mx  = xmalloc(sizeof *mx * W), *my = xmalloc(sizeof *my * W);
    int    *okc = xmalloc(sizeof *okc * (W + 1) * 2), *okm = xmalloc(sizeof *okm * W);
    Buf     line, why, label;
    buf_init(&line);
    buf_init(&why);
    buf_init(&label);
    long empty = 0;
    for (int row = 0; row < H; row++) {
        if (GDALRasterIO(band, GF_Read, 0, row, W, 1, v, W, 1, GDT_Float64, 0, 0) != CE_None)
            die(EXIT_OPEN, "%s: cannot read raster row %d: %s", opt.file, row, gdal_msg);
        /* Corners of this row (top: 0..W, bottom: W+1..2W+1) and cell centres. */
        for (int k = 0; k <= W; k++) {
            for (int e = 0; e < 2; e++) {
                cx[e * (W + 1) + k] = gt[0] + k * gt[1] + (row + e) * gt[2];
                cy[e * (W + 1) + k] = gt[3] + k * gt[4] + (row + e) * gt[5];
            }
        }
        for (int k = 0; k < W; k++) {
            mx[k] = gt[0] + (k + 0.5) * gt[1] + (row + 0.5) * gt[2];
            my[k] = gt[3] + (k + 0.5) * gt[4] + (row + 0.5) * gt[5];
        }
        for (int k = 0; k < 2 * (W + 1); k++) okc[k] = 1;
        for (int k = 0; k < W; k++) okm[k] = 1;
        if (ct) {
            OCTTransformEx(ct, 2 * (W + 1), cx, cy, NULL, okc);
            OCTTransformEx(ct, W, mx, my, NULL, okm);
        }
        for (int col = 0; col < W; col++) {
            double x = v[col];
            n_read++;
            if (isnan(x) || (has_nodata && (x == nodata || (isnan(nodata) && isnan(x)))) || x == 0) { empty++; continue; }
            buf_reset(&label);
            buf_printf(&label, "%s layer %s feature %ld (pixel x=%d, y=%d)", base_name(opt.file), layer_name,
                       (long)row * W + col, col, row);
            buf_reset(&why);
            if (no_crs) {
                reject(label.s, "no CRS: the raster has no coordinate reference system and no --srs was given");
                continue;
            }
            if (!(x >= 0) || !isfinite(x)) {
                buf_printf(&why, "out of range: people = %g (must be a finite number >= 0)", x);
                reject(label.s, why.s);
                continue;
            }
            int a = col, b = col + 1, c2 = W + 1 + col + 1, d2 = W + 1 + col;
            if (!okc[a] || !okc[b] || !okc[c2] || !okc[d2] || !okm[col]) {
                reject(label.s, "cannot reproject the cell to EPSG:4326");
                continue;
            }
            double px[5] = {cx[a], cx[d2], cx[c2], cx[b], cx[a]};
            double py[5] = {cy[a], cy[d2], cy[c2], cy[b], cy[a]};
            int    bad   = 0;
            for (int k = 0; k < 5; k++)
                if (!(px[k] >= -180 && px[k] <= 180 && py[k] >= -90 && py[k] <= 90)) bad = 1;
            if (bad) {
                buf_printf(&why, "coordinates out of range for EPSG:4326 (%.6g, %.6g): wrong CRS or --srs?", px[0], py[0]);
                reject(label.s, why.s);
                continue;
            }
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, 5, 2);
            for (int k = 0; k < 5; k++) GEOSCoordSeq_setXY_r(gh, cs, k, px[k], py[k]);
            GEOSGeometry *ring = GEOSGeom_createLinearRing_r(gh, cs);
            GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(gh, ring, NULL, 0) : NULL;
            if (!poly) {
                reject(label.s, "cannot build the cell polygon");
                continue;
            }
            if (GEOSisValid_r(gh, poly) != 1) {
                char *rs = GEOSisValidReason_r(gh, poly);
                buf_printf(&why, "invalid geometry: %s", rs ? rs : geos_msg);
                if (rs) GEOSFree_r(gh, rs);
                reject(label.s, why.s);
                GEOSGeom_destroy_r(gh, poly);
                continue;
            }
            /* The district holding the centroid of the cell (as ST_Centroid sees it). */
            GEOSGeometry *pt = GEOSGetCentroid_r(gh, poly);
            double        ptx = mx[col], pty = my[col];
            if (pt) {
                GEOSGeomGetX_r(gh, pt, &ptx);
                GEOSGeomGetY_r(gh, pt, &pty);
            } else {
                pt = GEOSGeom_createPointFromXY_r(gh, ptx, pty);
            }
            Hit h = {&d, pt, -1};
            GEOSSTRtree_query_r(gh, d.tree, pt, hit_cb, &h);
            GEOSGeom_destroy_r(gh, pt);
            if (h.best < 0) {
                buf_printf(&why, "unknown district: the cell centre (%.6f, %.6f) lies in no district of riskmap.district",
                           ptx, pty);
                reject(label.s, why.s);
                GEOSGeom_destroy_r(gh, poly);
                continue;
            }
            GEOSSetSRID_r(gh, poly, 4326);
            size_t         hl  = 0;
            unsigned char *hex = GEOSWKBWriter_writeHEX_r(gh, wkb_writer, poly, &hl);
            GEOSGeom_destroy_r(gh, poly);
            buf_reset(&line);
            /* COPY column order follows the table's column order. */
            for (int i = 0, first = 1; i < ncols; i++) {
                if (!cols[i].included) continue;
                if (!first) buf_putc(&line, '\t');
                first = 0;
                if (i == ci_d) buf_copy_escape(&line, d.code[h.best]);
                else if (i == ci_p) buf_printf(&line, "%.17g", x);
                else buf_putn(&line, (const char *)hex, hl);
            }
            buf_putc(&line, '\n');
            GEOSFree_r(gh, hex);
            add_row(line.s, label.s);
        }
        progress(0);
    }
    if (nbatch) flush_batch();
    progress(1);
    note("%ld empty pixels (nodata or 0) skipped", empty);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    free(v); free(cx); free(cy); free(mx); free(my); free(okc); free(okm);
    buf_free(&line);
    buf_free(&why);
    buf_free(&label);
    GEOSSTRtree_destroy_r(gh, d.tree);
    for (int i = 0; i < d.n; i++) {
        GEOSPreparedGeom_destroy_r(gh, d.prep[i]);
        GEOSGeom_destroy_r(gh, d.geom[i]);
        free(d.code[i]);
    }
    free(d.code); free(d.geom); free(d.prep);
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"db", required_argument, NULL, 'd'},    {"table", required_argument, NULL, 't'},
        {"layer", required_argument, NULL, 'l'}, {"field", required_argument, NULL, 'f'},
        {"srs", required_argument, NULL, 's'},   {"repair", no_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {"strict-crs", no_argument, NULL, 'S'},  {NULL, 0, NULL, 0}};
    int ch;
    opt.maps = xmalloc(sizeof *opt.maps * (argc + 1));
    while ((ch = getopt_long(argc, argv, "d:t:l:f:s:rqh", lo, NULL)) != -1) {
        switch (ch) {
        case 'd': opt.db = optarg; break;
        case 't': opt.table = optarg; break;
        case 'l': opt.layer = optarg; break;
        case 's': opt.srs = optarg; break;
        case 'r': opt.repair = 1; break;
        case 'q': opt.quiet = 1; break;
        case 'S': opt.strict_crs = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'f': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg) {
                fprintf(stderr, "riskmap-import: --field wants COLUMN=SOURCE_FIELD, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            opt.maps[opt.nmaps].column = strndup(optarg, eq - optarg);
            opt.maps[opt.nmaps].source = xstrdup(eq + 1);
            opt.nmaps++;
            break;
        }
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) opt.file = argv[optind++];
    if (optind < argc || !opt.file || !opt.table) {
        if (optind < argc) fprintf(stderr, "riskmap-import: one FILE only (extra: %s)\n", argv[optind]);
        else fprintf(stderr, "riskmap-import: %s\n", !opt.table ? "--table is required" : "FILE is required");
        usage(stderr);
        return EXIT_USAGE;
    }
    progress_tty = isatty(STDERR_FILENO);

    GDALAllRegister();
    CPLSetErrorHandler(gdal_handler);
    srs4326 = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs4326, 4326);
    OSRSetAxisMappingStrategy(srs4326, OAMS_TRADITIONAL_GIS_ORDER);
    if (opt.srs) {
        user_srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(user_srs, opt.srs) != OGRERR_NONE) {
            fprintf(stderr, "riskmap-import: --srs %s: not a CRS GDAL knows (use EPSG:N)\n", opt.srs);
            return EXIT_USAGE;
        }
        OSRSetAxisMappingStrategy(user_srs, OAMS_TRADITIONAL_GIS_ORDER);
    }

    gh = GEOS_init_r();
    GEOSContext_setNoticeHandler_r(gh, geos_handler);
    GEOSContext_setErrorHandler_r(gh, geos_handler);
    wkb_reader = GEOSWKBReader_create_r(gh);
    wkb_writer = GEOSWKBWriter_create_r(gh);
    GEOSWKBWriter_setIncludeSRID_r(gh, wkb_writer, 1);
    GEOSWKBWriter_setOutputDimension_r(gh, wkb_writer, 2);
    GEOSWKBWriter_setByteOrder_r(gh, wkb_writer, GEOS_WKB_NDR);
    geod_init(&geod, 6378137.0, 1 / 298.257223563);

    /* Open the file first: a file that cannot be read needs no database. */
    const char *oo_csv[] = {"GEOM_POSSIBLE_NAMES=WKT,wkt,geom,geometry,the_geom,GEOM,WKT_GEOM",
                            "X_POSSIBLE_NAMES=lon,lng,longitude,经度",
                            "Y_POSSIBLE_NAMES=lat,latitude,纬度",
                            "KEEP_GEOM_COLUMNS=NO", NULL};
    GDALDatasetH ds = GDALOpenEx(opt.file, GDAL_OF_VECTOR | GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (ds && GDALGetDatasetDriver(ds) && !strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "CSV")) {
        /* CSV: take a WKT column (named WKT, geom, geometry, ...) or lon/lat
           (经度/纬度) columns as the geometry. */
        GDALClose(ds);
        ds = GDALOpenEx(opt.file, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, oo_csv, NULL);
    }
    if (!ds) {
        fprintf(stderr, "riskmap-import: cannot open %s: %s\n", opt.file, gdal_msg[0] ? gdal_msg : "not a file GDAL can read");
        return EXIT_OPEN;
    }
    int is_raster = GDALDatasetGetLayerCount(ds) == 0 && GDALGetRasterCount(ds) > 0;
    if (!is_raster && GDALDatasetGetLayerCount(ds) == 0) {
        fprintf(stderr, "riskmap-import: %s has neither vector layers nor raster bands\n", opt.file);
        return EXIT_OPEN;
    }

    const char *kw[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
    const char *vv[] = {opt.db ? opt.db : "", "riskmap-import", "UTF8", NULL};
    conn = PQconnectdbParams(kw, vv, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "riskmap-import: cannot connect to the database: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return EXIT_OPEN;
    }
    exec_cmd("BEGIN");
    load_table();

    t_start = t_last_progress = now_s();
    if (is_raster) import_raster(ds);
    else import_vector(ds);
    GDALClose(ds);

    double secs = now_s() - t_start;
    if (n_rejected) {
        exec_cmd("ROLLBACK");
        PQfinish(conn);
        progress_clear();
        fprintf(stderr, "riskmap-import: %ld of %ld features rejected; nothing written to riskmap.%s (%.2f s)\n",
                n_rejected, is_raster ? n_rejected + n_sent : n_read, opt.table, secs);
        return EXIT_REJECTED;
    }
    if (n_crs_warned)
        fprintf(stderr,
                "riskmap-import: warning: %ld features have coordinates that do not fit the declared CRS (WARNING "
                "lines above); loaded anyway: check --srs, or use --strict-crs to refuse them\n",
                n_crs_warned);
    PGresult *r = PQexec(conn, "COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "riskmap-import: COMMIT failed, nothing written: %s", PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(conn);
        return EXIT_DB;
    }
    PQclear(r);
    PQfinish(conn);
    note("loaded %ld rows into riskmap.%s%s in %.2f s (%.0f rows/s)%s", n_sent, opt.table,
         opt.repair ? "" : "", secs, secs > 0 ? n_sent / secs : 0.0, "");
    if (n_repaired) note("%ld geometries repaired", n_repaired);
    return EXIT_OK;
}
