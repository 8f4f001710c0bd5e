/* rm_print_routes.h — riskmap-tiles' map sheets and ledgers (docs/print.md):
 *   GET /print/{style}.pdf?district=&paper=&landscape=&as_of=   riskmap.map_pdf
 *   GET /print/atlas.pdf?style=&paper=&landscape=&as_of=        riskmap.atlas_pdf
 *   GET /export/ledger.xlsx?district=&as_of=                    rm_ledger (GDAL)
 * with Content-Type, Content-Disposition (RFC 6266 filename*, UTF-8), ETag
 * and 304. Responses are cached and every NOTIFY riskmap_tiles drops them all
 * (an entry is valid only for the tile cache's generation it was made in). */
#ifndef RM_PRINT_ROUTES_H
#define RM_PRINT_ROUTES_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "rm_cache.h"
#include "rm_db.h"

struct rm_print_hooks {
    enum MHD_Result (*send_error)(struct MHD_Connection *c, unsigned status, const char *message);
    enum MHD_Result (*send_query_error)(struct MHD_Connection *c, const struct rm_qresult *q);
    void (*add_common_headers)(struct MHD_Response *r);
};

/* conninfo: where the ledger export connects (its own connection per export). */
void rm_print_init(struct rm_pool *pool, struct rm_cache *cache, const char *conninfo,
                   const struct rm_print_hooks *hooks);
void rm_print_shutdown(void);

/* Parsed print/export request (pure, unit-testable). */
enum rm_print_kind { RM_PRINT_NONE = 0, RM_PRINT_SHEET, RM_PRINT_ATLAS, RM_PRINT_LEDGER };
struct rm_print_req {
    enum rm_print_kind kind;
    char style[64];
    char district[33];
    char paper[3];
    bool landscape;
    char as_of[11];
};

/* The kind of url's route (RM_PRINT_NONE: not ours). */
enum rm_print_kind rm_print_route(const char *url);

/* Builds the attachment's Content-Disposition value: an ASCII fallback and
 * the UTF-8 name percent-encoded (RFC 6266, RFC 8187). */
void rm_content_disposition(const char *ascii_name, const char *utf8_name, char *out, size_t outlen);

enum MHD_Result rm_print_handle(struct MHD_Connection *c, const char *url);

#endif
