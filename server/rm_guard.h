/* The connection guard of riskmap-tiles: hard time limits per connection and
 * room for new clients at the connection limit (docs/server.md, "Slow and
 * abusive clients").
 *
 * libmicrohttpd's own MHD_OPTION_CONNECTION_TIMEOUT is an idle timeout: a
 * client that sends one header line every few seconds never trips it. The
 * guard records every connection (MHD_OPTION_NOTIFY_CONNECTION) with its phase
 * and the time the phase began:
 *   headers   from accept, or from the end of the previous request (keep-alive);
 *   body      from the end of the headers to the end of the request body;
 *   response  from the end of the request until the response has been sent.
 * A thread checks every 200 ms and shuts down (shutdown(2); libmicrohttpd then
 * sees the end of the stream and closes it) the connections past their phase's
 * limit. When more than 3/4 of max_conns are open, the headers limit drops to
 * busy_header_s; and a new connection that finds fewer than max_conns/8 free
 * places evicts the connection that has waited longest for its headers. So a
 * client that sends a whole request at once gets in even while slow clients
 * hold the rest. Per-address caps are libmicrohttpd's
 * (MHD_OPTION_PER_IP_CONNECTION_LIMIT). */
#ifndef RM_GUARD_H
#define RM_GUARD_H

#include <microhttpd.h>
#include <stddef.h>

struct rm_guard_limits {
    int header_s;      /* whole request line + headers */
    int body_s;        /* whole request body */
    int response_s;    /* from the complete request to the last byte sent */
    int busy_header_s; /* headers limit above 3/4 of max_conns */
    unsigned max_conns;
};

struct rm_guard;

struct rm_guard *rm_guard_start(const struct rm_guard_limits *lim, int verbose);
void rm_guard_stop(struct rm_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback (cls = the guard). */
void rm_guard_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
/* MHD_OPTION_NOTIFY_COMPLETED callback (cls = the guard): back to "headers". */
void rm_guard_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                           enum MHD_RequestTerminationCode toe);
/* From the access handler: the headers are complete (first call) / the request
 * is complete (the call without upload data). */
void rm_guard_body(struct MHD_Connection *c);
void rm_guard_respond(struct MHD_Connection *c);

struct rm_guard_stats {
    size_t open, dropped_slow, evicted;
};
void rm_guard_get_stats(struct rm_guard *g, struct rm_guard_stats *s);

#endif
