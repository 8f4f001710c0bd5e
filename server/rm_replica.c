#include "rm_replica.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RM_REPLICA_POLL_MS 10

struct rm_replica {
    char *conninfo;
    PGconn *conn; /* to the standby; owned by the listener thread */
    int timeout_ms;
    int verbose;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

bool rm_parse_lsn(const char *s, unsigned long long *out)
{
    unsigned int hi, lo;
    int n = 0;
    if (!s || sscanf(s, "%X/%X%n", &hi, &lo, &n) != 2 || s[n] != '\0')
        return false;
    *out = ((unsigned long long)hi << 32) | lo;
    return true;
}

struct rm_replica *rm_replica_new(const char *conninfo, int timeout_ms, int verbose)
{
    struct rm_replica *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->conninfo = strdup(conninfo ? conninfo : "");
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    r->verbose = verbose;
    return r;
}

void rm_replica_free(struct rm_replica *r)
{
    if (!r)
        return;
    if (r->conn)
        PQfinish(r->conn);
    free(r->conninfo);
    free(r);
}

/* One LSN from a one-row, one-column query; false on any failure. */
static bool query_lsn(PGconn *c, const char *sql, unsigned long long *out)
{
    PGresult *res = PQexec(c, sql);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
              rm_parse_lsn(PQgetvalue(res, 0, 0), out);
    PQclear(res);
    return ok;
}

static bool standby_conn(struct rm_replica *r)
{
    if (r->conn && PQstatus(r->conn) == CONNECTION_OK)
        return true;
    if (r->conn)
        PQfinish(r->conn);
    r->conn = PQconnectdb(r->conninfo);
    if (PQstatus(r->conn) != CONNECTION_OK) {
        fprintf(stderr, "riskmap-tiles: read database unreachable for the replay wait: %s", PQerrorMessage(r->conn));
        PQfinish(r->conn);
        r->conn = NULL;
        return false;
    }
    PGresult *res = PQexec(r->conn, "SET application_name = 'riskmap-tiles replay wait'");
    PQclear(res);
    return true;
}

double rm_replica_wait(struct rm_replica *r, PGconn *primary)
{
    double t0 = now_ms();
    unsigned long long target, replayed;
    /* The insert position, not pg_current_wal_lsn() (the write position):
     * with synchronous_commit = off a commit record may not be written out
     * yet when its notification arrives. */
    if (!query_lsn(primary, "SELECT pg_current_wal_insert_lsn()", &target))
        return -1;
    /* Right after a page header (24 bytes, 40 at a segment's start) the insert
     * position lies past bytes that are no record: the standby's replay
     * position (the end of its last record) stops at the page start until the
     * next record is written, which on an idle primary can take many seconds.
     * No record starts between the page start and there, so the page start
     * suffices. (XLOG_BLCKSZ 8192, PostgreSQL's default and Debian's build.) */
    unsigned off = (unsigned)(target % 8192);
    if (off == 24 || off == 40)
        target -= off;
    for (;;) {
        if (!standby_conn(r))
            return -1;
        /* NULL when the read database is not a standby (a primary, or one
         * promoted meanwhile): it has everything that committed. */
        PGresult *res = PQexec(r->conn, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()");
        bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        bool recovering = ok && PQgetvalue(res, 0, 0)[0] == 't';
        bool have = ok && recovering && !PQgetisnull(res, 0, 1) && rm_parse_lsn(PQgetvalue(res, 0, 1), &replayed);
        PQclear(res);
        if (!ok) {
            PQfinish(r->conn);
            r->conn = NULL;
            return -1;
        }
        if (!recovering || (have && replayed >= target)) {
            double waited = now_ms() - t0;
            if (r->verbose)
                fprintf(stderr, "riskmap-tiles: standby replayed %X/%X after %.1f ms\n", (unsigned)(target >> 32),
                        (unsigned)target, waited);
            return waited;
        }
        if (now_ms() - t0 > r->timeout_ms) {
            fprintf(stderr, "riskmap-tiles: standby has not replayed %X/%X within %d ms; invalidating anyway\n",
                    (unsigned)(target >> 32), (unsigned)target, r->timeout_ms);
            return -1;
        }
        struct timespec ts = {0, RM_REPLICA_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}
