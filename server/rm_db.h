/* A fixed pool of libpq connections that reconnect by themselves. */
#ifndef RM_DB_H
#define RM_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

struct rm_pool;

struct rm_pool *rm_pool_new(const char *conninfo, int size);
void rm_pool_free(struct rm_pool *p);

/* Outcome of rm_query. */
enum rm_qstatus {
    RM_Q_OK = 0,
    RM_Q_DOWN,     /* no connection to the database: 503 */
    RM_Q_BUSY,     /* every connection stayed busy too long: 503 */
    RM_Q_INVALID,  /* SQLSTATE 22023 and other data errors: 400 */
    RM_Q_ERROR,    /* anything else: 500 */
};

struct rm_qresult {
    enum rm_qstatus status;
    PGresult *res;          /* PGRES_TUPLES_OK result when status == RM_Q_OK, else NULL */
    char sqlstate[6];
    char message[256];      /* the database's message for RM_Q_INVALID / RM_Q_ERROR */
};

/* Runs one parameterised statement (text parameters; result_format 0 text,
 * 1 binary) on a pooled connection. A connection that turned out dead is
 * replaced and the statement retried once, so a database restart costs no
 * request more than the ones that arrive while it is really down. */
void rm_query(struct rm_pool *p, const char *sql, int nparams, const char *const *params, int result_format,
              struct rm_qresult *out);
void rm_qresult_clear(struct rm_qresult *r);

/* Whether the last connection attempt or query reached the database. */
bool rm_pool_db_up(struct rm_pool *p);

#endif
