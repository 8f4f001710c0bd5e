#include "rm_guard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

static struct rm_guard *the_guard; /* one per process: for the handler's phase changes */

enum phase { PH_HEADERS, PH_BODY, PH_RESPONSE };

struct conn {
    struct conn *prev, *next; /* in accept order */
    int fd;
    enum phase phase;
    double since; /* seconds, CLOCK_MONOTONIC */
    bool shut;
};

struct rm_guard {
    struct rm_guard_limits lim;
    int verbose;
    pthread_mutex_t mu;
    struct conn *head, *tail;
    size_t open, dropped_slow, evicted;
    pthread_t thread;
    atomic_bool stop;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Under g->mu. The fd stays open until libmicrohttpd has run the CLOSED
 * notification, which takes the same mutex: it is never a recycled fd. */
static void shut(struct conn *k)
{
    if (!k->shut) {
        shutdown(k->fd, SHUT_RDWR);
        k->shut = true;
    }
}

static double limit_of(const struct rm_guard *g, const struct conn *k, bool busy)
{
    switch (k->phase) {
    case PH_HEADERS: return busy ? g->lim.busy_header_s : g->lim.header_s;
    case PH_BODY: return g->lim.body_s;
    default: return g->lim.response_s;
    }
}

static void *sweep(void *arg)
{
    struct rm_guard *g = arg;
    while (!atomic_load(&g->stop)) {
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        double t = now_s();
        size_t dropped = 0;
        pthread_mutex_lock(&g->mu);
        bool busy = g->open * 4 > (size_t)g->lim.max_conns * 3;
        for (struct conn *k = g->head; k; k = k->next)
            if (!k->shut && t - k->since > limit_of(g, k, busy)) {
                shut(k);
                dropped++;
            }
        g->dropped_slow += dropped;
        pthread_mutex_unlock(&g->mu);
        if (dropped && g->verbose)
            fprintf(stderr, "riskmap-tiles: dropped %zu connections past their time limit%s\n", dropped,
                    busy ? " (busy)" : "");
    }
    return NULL;
}

struct rm_guard *rm_guard_start(const struct rm_guard_limits *lim, int verbose)
{
    struct rm_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->lim = *lim;
    g->verbose = verbose;
    pthread_mutex_init(&g->mu, NULL);
    atomic_init(&g->stop, false);
    if (pthread_create(&g->thread, NULL, sweep, g) != 0) {
        pthread_mutex_destroy(&g->mu);
        free(g);
        return NULL;
    }
    the_guard = g;
    return g;
}

/* After MHD_stop_daemon: every connection has been closed by then. */
void rm_guard_stop(struct rm_guard *g)
{
    if (!g)
        return;
    atomic_store(&g->stop, true);
    pthread_join(g->thread, NULL);
    the_guard = NULL;
    while (g->head) {
        struct conn *k = g->head;
        g->head = k->next;
        free(k);
    }
    pthread_mutex_destroy(&g->mu);
    free(g);
}

void rm_guard_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    struct rm_guard *g = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn *k = ci ? calloc(1, sizeof *k) : NULL;
        if (!k)
            return; /* unguarded: libmicrohttpd's idle timeout still applies */
        k->fd = ci->connect_fd;
        k->phase = PH_HEADERS;
        k->since = now_s();
        pthread_mutex_lock(&g->mu);
        k->prev = g->tail;
        if (g->tail)
            g->tail->next = k;
        else
            g->head = k;
        g->tail = k;
        g->open++;
        /* Keep room for clients that send their request at once: evict the
         * connection that has waited longest for its headers. */
        size_t reserve = g->lim.max_conns / 8 > 0 ? g->lim.max_conns / 8 : 1;
        if (g->open + reserve > g->lim.max_conns) {
            struct conn *victim = NULL;
            for (struct conn *o = g->head; o; o = o->next)
                if (o != k && !o->shut && o->phase == PH_HEADERS && (!victim || o->since < victim->since))
                    victim = o;
            if (victim) {
                shut(victim);
                g->evicted++;
            }
        }
        pthread_mutex_unlock(&g->mu);
        *socket_context = k;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn *k = *socket_context;
        if (!k)
            return;
        pthread_mutex_lock(&g->mu);
        if (k->prev)
            k->prev->next = k->next;
        else
            g->head = k->next;
        if (k->next)
            k->next->prev = k->prev;
        else
            g->tail = k->prev;
        g->open--;
        pthread_mutex_unlock(&g->mu);
        free(k);
        *socket_context = NULL;
    }
}


static void set_phase(struct MHD_Connection *c, enum phase p)
{
    if (!the_guard)
        return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn *k = ci ? ci->socket_context : NULL;
    if (!k)
        return;
    pthread_mutex_lock(&the_guard->mu);
    k->phase = p;
    k->since = now_s();
    pthread_mutex_unlock(&the_guard->mu);
}

void rm_guard_on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)req_cls;
    (void)toe;
    set_phase(c, PH_HEADERS);
}

void rm_guard_body(struct MHD_Connection *c)
{
    set_phase(c, PH_BODY);
}

void rm_guard_respond(struct MHD_Connection *c)
{
    set_phase(c, PH_RESPONSE);
}

void rm_guard_get_stats(struct rm_guard *g, struct rm_guard_stats *s)
{
    pthread_mutex_lock(&g->mu);
    s->open = g->open;
    s->dropped_slow = g->dropped_slow;
    s->evicted = g->evicted;
    pthread_mutex_unlock(&g->mu);
}
