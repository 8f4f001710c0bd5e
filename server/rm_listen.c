#include "rm_listen.h"

#include "rm_parse.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rm_listener {
    pthread_t thread;
    atomic_bool stop;
    char *conninfo;
    struct rm_cache *cache;
    const char *const *styles;
    int n_styles;
    double margin_px;
    int verbose;
    struct rm_replica *replica;
};

static void handle_payload(struct rm_listener *l, const char *payload)
{
    struct rm_notify n;
    if (!rm_parse_notify(payload, l->styles, l->n_styles, &n)) {
        fprintf(stderr, "riskmap-tiles: malformed riskmap.tile_change row (dropping every tile to be safe)\n");
        rm_cache_invalidate_all(l->cache);
        return;
    }
    size_t dropped;
    if (n.everything) {
        dropped = rm_cache_invalidate_all(l->cache);
    } else {
        double wx0, wy0, wx1, wy1;
        rm_lonlat_to_world(n.minx, n.maxy, &wx0, &wy0); /* north-west */
        rm_lonlat_to_world(n.maxx, n.miny, &wx1, &wy1); /* south-east */
        dropped = rm_cache_invalidate(l->cache, wx0, wy0, wx1, wy1, l->margin_px, n.all_styles);
    }
    if (l->verbose)
        fprintf(stderr, "riskmap-tiles: tile_change '%s': %zu tiles dropped\n", payload, dropped);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The rows of riskmap.tile_change committed since the snapshot `snap` (rows
 * whose transaction was not visible in it), in one statement whose first row
 * carries that statement's own snapshot: the next read starts there. Commit
 * order, not insert order: a transaction that inserted early and committed
 * late is still read. Aborted transactions' rows are never visible. */
static const char *const changes_sql =
    "SELECT 0 AS k, '0'::xid8 AS x, pg_catalog.pg_current_snapshot()::text "
    "UNION ALL "
    "SELECT 1, c.xid, c.payload FROM riskmap.tile_change c "
    "WHERE c.xid >= pg_catalog.pg_snapshot_xmin($1::pg_snapshot) "
    "AND NOT pg_catalog.pg_visible_in_snapshot(c.xid, $1::pg_snapshot) "
    "ORDER BY 1, 2";

enum feed_read { FEED_OK, FEED_NO_TABLE, FEED_LOST };

/* Reads the new change rows into *rows (a PGresult, rows 1.. are payloads)
 * and moves *snap on. With *snap NULL (no position yet) only the position is
 * taken. */
static enum feed_read read_changes(PGconn *c, char **snap, PGresult **rows)
{
    *rows = NULL;
    const char *param = *snap ? *snap : "1:1:";
    PGresult *r = PQexecParams(c, changes_sql, 1, NULL, &param, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        bool no_table = state && strcmp(state, "42P01") == 0;
        if (!no_table)
            fprintf(stderr, "riskmap-tiles: reading riskmap.tile_change failed: %s", PQresultErrorMessage(r));
        PQclear(r);
        return no_table ? FEED_NO_TABLE : FEED_LOST;
    }
    if (PQntuples(r) < 1 || PQgetisnull(r, 0, 2)) {
        PQclear(r);
        return FEED_LOST;
    }
    char *next = strdup(PQgetvalue(r, 0, 2));
    if (!next) {
        PQclear(r);
        return FEED_LOST;
    }
    bool had = *snap != NULL;
    free(*snap);
    *snap = next;
    if (had)
        *rows = r;
    else
        PQclear(r);
    return FEED_OK;
}

/* Deletes change rows every live listener has long read (a minute old). */
static void prune(PGconn *c, int verbose)
{
    PGresult *r = PQexec(c, "SELECT riskmap._tile_changes_prune()");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && verbose && PQntuples(r) == 1)
        fprintf(stderr, "riskmap-tiles: pruned %s tile_change rows\n", PQgetvalue(r, 0, 0));
    PQclear(r);
}

static void *run(void *arg)
{
    struct rm_listener *l = arg;
    bool logged_down = false;
    char *snap = NULL; /* the feed position: the snapshot of the last read */
    while (!atomic_load(&l->stop)) {
        PGconn *c = PQconnectdb(l->conninfo);
        if (PQstatus(c) != CONNECTION_OK) {
            if (!logged_down)
                fprintf(stderr, "riskmap-tiles: invalidation feed down, retrying: %s", PQerrorMessage(c));
            logged_down = true;
            PQfinish(c);
            sleep_ms(250);
            continue;
        }
        PGresult *r = PQexec(c, "SET application_name = 'riskmap-tiles listener'; LISTEN riskmap_tiles");
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            PQfinish(c);
            sleep_ms(250);
            continue;
        }
        /* Whatever changed while nobody listened: start afresh from a new
         * position (once the standby, if tiles come from one, has caught up
         * with the primary). LISTEN came first, so nothing committed after
         * the position goes unnoticed. */
        free(snap);
        snap = NULL;
        PGresult *rows = NULL;
        enum feed_read fr = read_changes(c, &snap, &rows);
        if (fr == FEED_LOST) {
            PQfinish(c);
            sleep_ms(250);
            continue;
        }
        if (fr == FEED_NO_TABLE)
            fprintf(stderr, "riskmap-tiles: riskmap.tile_change missing (riskmap older than 0.2, or not installed): "
                            "every wake-up drops every tile\n");
        if (logged_down || l->verbose)
            fprintf(stderr, "riskmap-tiles: invalidation feed live (LISTEN riskmap_tiles, riskmap.tile_change)\n");
        logged_down = false;
        if (l->replica)
            rm_replica_wait(l->replica, c);
        rm_cache_set_live(l->cache, true);
        int idle_ms = 0, since_prune_ms = 0;
        while (!atomic_load(&l->stop)) {
            struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
            int pr = poll(&pfd, 1, 200);
            if (pr < 0)
                continue;
            since_prune_ms += 200; /* roughly: only paces the pruning */
            if (since_prune_ms >= 30000) {
                since_prune_ms = 0;
                prune(c, l->verbose);
            }
            if (pr == 0) {
                idle_ms += 200;
                if (idle_ms < 10000)
                    continue;
                /* Idle for a while: make sure the connection is alive. */
                idle_ms = 0;
                r = PQexec(c, "SELECT 1");
                ok = PQresultStatus(r) == PGRES_TUPLES_OK;
                PQclear(r);
                if (!ok)
                    break;
            } else {
                idle_ms = 0;
                if (!PQconsumeInput(c))
                    break;
            }
            /* A notification is only a wake-up: its payload (and its sender)
             * are ignored; what changed comes from riskmap.tile_change, which
             * only the extension's triggers may write. */
            PGnotify *n;
            bool woken = false;
            while ((n = PQnotifies(c)) != NULL) {
                woken = true;
                PQfreemem(n);
            }
            if (!woken)
                continue;
            fr = read_changes(c, &snap, &rows);
            if (fr == FEED_LOST)
                break;
            int n_rows = rows ? PQntuples(rows) - 1 : 0;
            if (fr == FEED_NO_TABLE || n_rows > 0 || !rows) {
                /* Every change row read committed before the primary's
                 * current WAL position: one replay wait covers the batch. */
                if (l->replica)
                    rm_replica_wait(l->replica, c);
                if (fr == FEED_NO_TABLE || !rows) {
                    /* no position to read from: drop everything to be safe */
                    size_t dropped = rm_cache_invalidate_all(l->cache);
                    if (l->verbose)
                        fprintf(stderr, "riskmap-tiles: wake-up without a feed position: %zu tiles dropped\n",
                                dropped);
                } else {
                    for (int i = 1; i <= n_rows; i++)
                        handle_payload(l, PQgetvalue(rows, i, 2));
                }
            } else if (l->verbose) {
                fprintf(stderr, "riskmap-tiles: wake-up with no committed change (ignored)\n");
            }
            PQclear(rows);
            rows = NULL;
            if (PQstatus(c) != CONNECTION_OK)
                break;
        }
        rm_cache_set_live(l->cache, false);
        if (!atomic_load(&l->stop)) {
            fprintf(stderr, "riskmap-tiles: invalidation feed lost, not caching until it is back\n");
            logged_down = true;
        }
        PQfinish(c);
    }
    free(snap);
    return NULL;
}

struct rm_listener *rm_listener_start(const char *conninfo, struct rm_cache *cache, const char *const *styles,
                                      int n_styles, double margin_px, int verbose, struct rm_replica *replica)
{
    struct rm_listener *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->conninfo = strdup(conninfo ? conninfo : "");
    l->cache = cache;
    l->styles = styles;
    l->n_styles = n_styles;
    l->margin_px = margin_px;
    l->verbose = verbose;
    l->replica = replica;
    atomic_init(&l->stop, false);
    if (pthread_create(&l->thread, NULL, run, l) != 0) {
        free(l->conninfo);
        free(l);
        return NULL;
    }
    return l;
}

void rm_listener_stop(struct rm_listener *l)
{
    if (!l)
        return;
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
    rm_replica_free(l->replica);
    free(l->conninfo);
    free(l);
}
