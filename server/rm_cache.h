/* Bounded LRU cache of rendered tiles, invalidated by lon/lat extents. */
#ifndef RM_CACHE_H
#define RM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rm_tile_key {
    uint32_t x, y;
    uint8_t z, scale, style;
    uint8_t tms; /* 0 WebMercatorQuad PNG, 1 CGCS2000Quad PNG, 2 MVT (WebMercatorQuad; style 0, no style bit) */
};

/* One cached tile. Immutable once published; reference counted. `resp` is the
 * ready HTTP response (owned, destroyed with the entry by the cache's
 * destructor). */
struct rm_tile {
    struct rm_tile_key key;
    unsigned char *png;
    size_t len;
    char etag[40]; /* "md5hex" with its quotes */
    void *resp;
    /* private */
    struct rm_tile *hnext, *prev, *next;
    int refs;
    bool linked;
};

struct rm_cache;

struct rm_cache_stats {
    size_t entries, bytes, max_bytes;
    uint64_t hits, misses, stores, refused, evicted, invalidated, notifications;
    uint64_t generation; /* changes with every invalidation */
    bool live; /* invalidations are being received */
};

/* max_bytes 0 disables caching. destroy(resp) is called when the last
 * reference to an entry goes. */
struct rm_cache *rm_cache_new(size_t max_bytes, void (*destroy)(void *resp));
void rm_cache_free(struct rm_cache *c);

/* A referenced entry or NULL. Release it with rm_cache_release. */
struct rm_tile *rm_cache_get(struct rm_cache *c, const struct rm_tile_key *k);
void rm_cache_release(struct rm_cache *c, struct rm_tile *t);

/* The generation to pass to rm_cache_put: take it before querying the database. */
uint64_t rm_cache_generation(struct rm_cache *c);

/* Takes ownership of t (allocated with malloc, png too). Stores it unless an
 * invalidation touching it arrived since `gen` (then the render may predate the
 * change), or invalidations are not live, or it does not fit. Returns a
 * reference to t in every case (release it). */
struct rm_tile *rm_cache_put(struct rm_cache *c, struct rm_tile *t, uint64_t gen);

/* Drops the tiles of every zoom whose square, grown by margin_px screen pixels
 * (of 256 per tile), meets the world box [wx0,wx1]x[wy0,wy1] (Web Mercator, 0..1),
 * and all tiles of the styles in all_styles (bit = style index). Returns the
 * number of tiles dropped. */
size_t rm_cache_invalidate(struct rm_cache *c, double wx0, double wy0, double wx1, double wy1, double margin_px,
                           uint32_t all_styles);
/* The same for a lon/lat box, in every tile matrix set: PNG tiles of both
 * sets with margin_px, MVT tiles with mvt_margin_px (their buffer). */
size_t rm_cache_invalidate_lonlat(struct rm_cache *c, double minlon, double minlat, double maxlon, double maxlat,
                                  double margin_px, double mvt_margin_px, uint32_t all_styles);
size_t rm_cache_invalidate_all(struct rm_cache *c);

/* The invalidation feed is (not) connected. Going live drops everything: the
 * cache cannot know what changed while it was not listening. */
void rm_cache_set_live(struct rm_cache *c, bool live);

void rm_cache_get_stats(struct rm_cache *c, struct rm_cache_stats *s);

#endif
