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
        fprintf(stderr, "riskmap-tiles: ignoring malformed riskmap_tiles payload (dropping every tile to be safe)\n");
        rm_cache_invalidate_all(l->cache);
        return;
    }
    size_t dropped;
    if (n.everything) {
        dropped = rm_cache_invalidate_all(l->cache);
    } else {
        /* every format: PNG tiles of both matrix sets grown by margin_px,
         * vector tiles by their buffer (RM_MVT_MARGIN_PX) */
        dropped = rm_cache_invalidate_lonlat(l->cache, n.minx, n.miny, n.maxx, n.maxy, l->margin_px,
                                             RM_MVT_MARGIN_PX, n.all_styles);
    }
    if (l->verbose)
        fprintf(stderr, "riskmap-tiles: NOTIFY riskmap_tiles '%s': %zu tiles dropped\n", payload, dropped);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *run(void *arg)
{
    struct rm_listener *l = arg;
    bool logged_down = false;
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
        if (logged_down || l->verbose)
            fprintf(stderr, "riskmap-tiles: invalidation feed live (LISTEN riskmap_tiles)\n");
        logged_down = false;
        /* Whatever changed while nobody listened: start afresh (once the
         * standby, if tiles come from one, has caught up with the primary). */
        if (l->replica)
            rm_replica_wait(l->replica, c);
        rm_cache_set_live(l->cache, true);
        int idle_ms = 0;
        while (!atomic_load(&l->stop)) {
            struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
            int pr = poll(&pfd, 1, 200);
            if (pr < 0)
                continue;
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
            PGnotify *n;
            bool replayed = false;
            while ((n = PQnotifies(c)) != NULL) {
                /* Every notification received so far committed before the
                 * primary's current WAL position: one wait covers the batch. */
                if (l->replica && !replayed) {
                    rm_replica_wait(l->replica, c);
                    replayed = true;
                }
                handle_payload(l, n->extra);
                PQfreemem(n);
            }
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
