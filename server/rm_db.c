/* Connection pool: `size` slots, each a PGconn or NULL. A request takes a free
 * slot (waiting up to RM_ACQUIRE_WAIT_S), connects it if needed, runs its
 * statement and gives the slot back. While the database is unreachable a
 * failed connection attempt is not repeated for RM_RETRY_MS, so requests get
 * their 503 at once instead of queueing behind connection timeouts. */
#include "rm_db.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RM_ACQUIRE_WAIT_S 10
#define RM_RETRY_MS 200

struct rm_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *conninfo;
    int size;
    PGconn **conns;
    bool *busy;
    struct timespec retry_after; /* no new connection attempt before this */
    bool up;
};

static void now_mono(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

struct rm_pool *rm_pool_new(const char *conninfo, int size)
{
    struct rm_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->conninfo = strdup(conninfo ? conninfo : "");
    p->size = size > 0 ? size : 1;
    p->conns = calloc((size_t)p->size, sizeof *p->conns);
    p->busy = calloc((size_t)p->size, sizeof *p->busy);
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

void rm_pool_free(struct rm_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        if (p->conns[i])
            PQfinish(p->conns[i]);
    free(p->conns);
    free(p->busy);
    free(p->conninfo);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

bool rm_pool_db_up(struct rm_pool *p)
{
    pthread_mutex_lock(&p->mu);
    bool up = p->up;
    pthread_mutex_unlock(&p->mu);
    return up;
}

static void set_up(struct rm_pool *p, bool up)
{
    pthread_mutex_lock(&p->mu);
    p->up = up;
    if (!up) {
        now_mono(&p->retry_after);
        p->retry_after.tv_nsec += RM_RETRY_MS * 1000000L;
        if (p->retry_after.tv_nsec >= 1000000000L) {
            p->retry_after.tv_sec++;
            p->retry_after.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_unlock(&p->mu);
}

/* Returns a slot index, or -1 when all stayed busy. */
static int acquire(struct rm_pool *p)
{
    struct timespec deadline;
    now_mono(&deadline);
    deadline.tv_sec += RM_ACQUIRE_WAIT_S;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* Prefer a slot that holds a live connection. */
        int pick = -1;
        for (int i = 0; i < p->size; i++)
            if (!p->busy[i] && (pick < 0 || (p->conns[i] && !p->conns[pick])))
                pick = i;
        if (pick >= 0) {
            p->busy[pick] = true;
            pthread_mutex_unlock(&p->mu);
            return pick;
        }
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            return -1;
        }
    }
}

static void release(struct rm_pool *p, int i)
{
    pthread_mutex_lock(&p->mu);
    p->busy[i] = false;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Makes sure slot i holds a usable connection. Slot i is ours. */
static bool connect_slot(struct rm_pool *p, int i)
{
    if (p->conns[i] && PQstatus(p->conns[i]) == CONNECTION_OK)
        return true;
    if (p->conns[i]) {
        PQfinish(p->conns[i]);
        p->conns[i] = NULL;
    }
    struct timespec now;
    now_mono(&now);
    pthread_mutex_lock(&p->mu);
    bool wait = !p->up && before(&now, &p->retry_after);
    pthread_mutex_unlock(&p->mu);
    if (wait)
        return false;
    PGconn *c = PQconnectdb(p->conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        static time_t last_log;
        time_t t = time(NULL);
        if (t != last_log) { /* racy but only limits the log's rate */
            last_log = t;
            fprintf(stderr, "riskmap-tiles: database unreachable: %s", PQerrorMessage(c));
        }
        PQfinish(c);
        set_up(p, false);
        return false;
    }
    /* Constant session settings; no request data in them. */
    PGresult *r = PQexec(c, "SET application_name = 'riskmap-tiles'; SET jit = off; SET statement_timeout = '60s'");
    PQclear(r);
    p->conns[i] = c;
    set_up(p, true);
    return true;
}

static bool connection_lost(PGconn *c, const char *sqlstate)
{
    if (PQstatus(c) != CONNECTION_OK)
        return true;
    /* 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, class 08 */
    return sqlstate && *sqlstate && (strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
                        strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0);
}

void rm_query(struct rm_pool *p, const char *sql, int nparams, const char *const *params, int result_format,
              struct rm_qresult *out)
{
    memset(out, 0, sizeof *out);
    int i = acquire(p);
    if (i < 0) {
        out->status = RM_Q_BUSY;
        snprintf(out->message, sizeof out->message, "all database connections are busy");
        return;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!connect_slot(p, i)) {
            out->status = RM_Q_DOWN;
            snprintf(out->message, sizeof out->message, "database unavailable");
            break;
        }
        PGresult *r = PQexecParams(p->conns[i], sql, nparams, NULL, params, NULL, NULL, result_format);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            out->status = RM_Q_OK;
            out->res = r;
            break;
        }
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        if (!msg)
            msg = PQerrorMessage(p->conns[i]);
        snprintf(out->sqlstate, sizeof out->sqlstate, "%s", state ? state : "");
        snprintf(out->message, sizeof out->message, "%s", msg ? msg : "");
        PQclear(r); /* state and msg point into r: from here on use out's copies */
        if (connection_lost(p->conns[i], out->sqlstate)) {
            PQfinish(p->conns[i]);
            p->conns[i] = NULL;
            set_up(p, false);
            /* the retry reconnects at once: the first failure may be a stale
             * connection of a database that has come back */
            pthread_mutex_lock(&p->mu);
            p->retry_after.tv_sec = 0;
            p->retry_after.tv_nsec = 0;
            pthread_mutex_unlock(&p->mu);
            out->status = RM_Q_DOWN;
            snprintf(out->message, sizeof out->message, "database unavailable");
            continue;
        }
        /* A query cancelled by a conflict with recovery on a hot standby
         * (--read-db; 40001) or a deadlock (40P01): try it once more. */
        if (attempt == 0 && (strcmp(out->sqlstate, "40001") == 0 || strcmp(out->sqlstate, "40P01") == 0)) {
            if (PQtransactionStatus(p->conns[i]) != PQTRANS_IDLE) {
                PGresult *rb = PQexec(p->conns[i], "ROLLBACK");
                PQclear(rb);
            }
            continue;
        }
        /* Class 22 (data exception) is the caller's fault: 400. */
        out->status = strncmp(out->sqlstate, "22", 2) == 0 ? RM_Q_INVALID : RM_Q_ERROR;
        if (PQtransactionStatus(p->conns[i]) != PQTRANS_IDLE) { /* never keep a connection in a transaction */
            PGresult *rb = PQexec(p->conns[i], "ROLLBACK");
            PQclear(rb);
        }
        break;
    }
    release(p, i);
}

void rm_qresult_clear(struct rm_qresult *r)
{
    if (r->res)
        PQclear(r->res);
    r->res = NULL;
}
