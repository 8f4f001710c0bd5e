/* Bounded LRU tile cache: a chained hash table plus a doubly linked LRU list
 * under one mutex. Invalidation scans all entries (a notification is rare
 * compared with a tile request, and the scan is a few comparisons per tile). */
#include "rm_cache.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RM_BUCKETS (1u << 16)
#define RM_RING 256
#define RM_ENTRY_OVERHEAD 512 /* struct, response object, headers */

struct rm_inval {
    uint64_t gen;
    bool everything;
    double wx0, wy0, wx1, wy1, margin_px;
    double lon0, lat0, lon1, lat1, mvt_margin_px; /* the same box in lon/lat (CGCS2000Quad) */
    uint32_t all_styles;
};

struct rm_cache {
    pthread_mutex_t mu;
    size_t max_bytes, bytes, entries;
    struct rm_tile **buckets;
    struct rm_tile *head, *tail; /* head = most recently used */
    void (*destroy)(void *);
    uint64_t gen;
    struct rm_inval ring[RM_RING];
    bool live;
    uint64_t hits, misses, stores, refused, evicted, invalidated, notifications;
};

static uint32_t key_hash(const struct rm_tile_key *k)
{
    uint64_t h = 1469598103934665603ull;
    uint32_t parts[4] = {k->x, k->y, (uint32_t)k->z | ((uint32_t)k->scale << 8) | ((uint32_t)k->style << 16) | ((uint32_t)k->tms << 24), 0};
    for (int i = 0; i < 3; i++) {
        h ^= parts[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return (uint32_t)(h ^ (h >> 32)) & (RM_BUCKETS - 1);
}

static bool key_eq(const struct rm_tile_key *a, const struct rm_tile_key *b)
{
    return a->x == b->x && a->y == b->y && a->z == b->z && a->scale == b->scale && a->style == b->style &&
           a->tms == b->tms;
}

static size_t cost(const struct rm_tile *t)
{
    return t->len + RM_ENTRY_OVERHEAD;
}

struct rm_cache *rm_cache_new(size_t max_bytes, void (*destroy)(void *))
{
    struct rm_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->buckets = calloc(RM_BUCKETS, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->max_bytes = max_bytes;
    c->destroy = destroy;
    return c;
}

static void tile_free(struct rm_cache *c, struct rm_tile *t)
{
    if (t->resp && c->destroy)
        c->destroy(t->resp);
    free(t->png);
    free(t);
}

/* Caller holds the mutex. */
static void unref_locked(struct rm_cache *c, struct rm_tile *t, struct rm_tile **to_free)
{
    if (--t->refs == 0) {
        t->hnext = *to_free; /* freed after unlocking */
        *to_free = t;
    }
}

static void free_list(struct rm_cache *c, struct rm_tile *list)
{
    while (list) {
        struct rm_tile *n = list->hnext;
        tile_free(c, list);
        list = n;
    }
}

/* Caller holds the mutex. Removes t from the table and the LRU list and drops
 * the cache's own reference. */
static void unlink_locked(struct rm_cache *c, struct rm_tile *t, struct rm_tile **to_free)
{
    struct rm_tile **pp = &c->buckets[key_hash(&t->key)];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    if (t->prev)
        t->prev->next = t->next;
    else
        c->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        c->tail = t->prev;
    t->prev = t->next = t->hnext = NULL;
    t->linked = false;
    c->bytes -= cost(t);
    c->entries--;
    unref_locked(c, t, to_free);
}

void rm_cache_free(struct rm_cache *c)
{
    if (!c)
        return;
    rm_cache_invalidate_all(c);
    pthread_mutex_destroy(&c->mu);
    free(c->buckets);
    free(c);
}

struct rm_tile *rm_cache_get(struct rm_cache *c, const struct rm_tile_key *k)
{
    pthread_mutex_lock(&c->mu);
    struct rm_tile *t = c->buckets[key_hash(k)];
    while (t && !key_eq(&t->key, k))
        t = t->hnext;
    if (t) {
        t->refs++;
        c->hits++;
        if (c->head != t) { /* move to front */
            t->prev->next = t->next;
            if (t->next)
                t->next->prev = t->prev;
            else
                c->tail = t->prev;
            t->prev = NULL;
            t->next = c->head;
            c->head->prev = t;
            c->head = t;
        }
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return t;
}

void rm_cache_release(struct rm_cache *c, struct rm_tile *t)
{
    if (!t)
        return;
    struct rm_tile *to_free = NULL;
    pthread_mutex_lock(&c->mu);
    unref_locked(c, t, &to_free);
    pthread_mutex_unlock(&c->mu);
    free_list(c, to_free);
}

uint64_t rm_cache_generation(struct rm_cache *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t g = c->gen;
    pthread_mutex_unlock(&c->mu);
    return g;
}

static bool touches(const struct rm_tile_key *k, double wx0, double wy0, double wx1, double wy1, double margin_px)
{
    double n = (double)(1u << k->z);
    double m = margin_px / 256.0 / n;
    double tx0 = k->x / n - m, tx1 = (k->x + 1) / n + m;
    double ty0 = k->y / n - m, ty1 = (k->y + 1) / n + m;
    return tx0 <= wx1 && tx1 >= wx0 && ty0 <= wy1 && ty1 >= wy0;
}

/* CGCS2000Quad: 360 / 2^z degrees per tile on both axes, origin (-180, 90). */
static bool touches_lonlat(const struct rm_tile_key *k, const struct rm_inval *iv)
{
    double d = 360.0 / (double)(1u << k->z);
    double m = iv->margin_px / 256.0 * d;
    double lon0 = -180.0 + k->x * d - m, lon1 = -180.0 + (k->x + 1) * d + m;
    double lat1 = 90.0 - k->y * d + m, lat0 = 90.0 - (k->y + 1) * d - m;
    return lon0 <= iv->lon1 && lon1 >= iv->lon0 && lat0 <= iv->lat1 && lat1 >= iv->lat0;
}

static bool inval_hits(const struct rm_inval *iv, const struct rm_tile_key *k)
{
    if (iv->everything)
        return true;
    if (k->tms == 2) /* MVT: no styles, its own buffer */
        return touches(k, iv->wx0, iv->wy0, iv->wx1, iv->wy1, iv->mvt_margin_px);
    if (iv->all_styles & (1u << k->style))
        return true;
    if (k->tms == 1)
        return touches_lonlat(k, iv);
    return touches(k, iv->wx0, iv->wy0, iv->wx1, iv->wy1, iv->margin_px);
}

struct rm_tile *rm_cache_put(struct rm_cache *c, struct rm_tile *t, uint64_t gen)
{
    struct rm_tile *to_free = NULL;
    t->refs = 1; /* the caller's */
    t->linked = false;
    t->prev = t->next = t->hnext = NULL;
    pthread_mutex_lock(&c->mu);
    bool ok = c->live && cost(t) <= c->max_bytes / 4 + 1 && c->max_bytes > 0;
    if (ok && c->gen != gen) {
        if (c->gen - gen >= RM_RING) {
            ok = false;
        } else {
            for (uint64_t g = gen + 1; g <= c->gen && ok; g++)
                if (inval_hits(&c->ring[g % RM_RING], &t->key))
                    ok = false;
        }
    }
    if (!ok) {
        c->refused++;
        pthread_mutex_unlock(&c->mu);
        return t;
    }
    uint32_t h = key_hash(&t->key);
    for (struct rm_tile *o = c->buckets[h]; o; o = o->hnext)
        if (key_eq(&o->key, &t->key)) {
            unlink_locked(c, o, &to_free);
            break;
        }
    while (c->tail && c->bytes + cost(t) > c->max_bytes) {
        unlink_locked(c, c->tail, &to_free);
        c->evicted++;
    }
    t->refs++; /* the cache's */
    t->linked = true;
    t->hnext = c->buckets[h];
    c->buckets[h] = t;
    t->next = c->head;
    if (c->head)
        c->head->prev = t;
    c->head = t;
    if (!c->tail)
        c->tail = t;
    c->bytes += cost(t);
    c->entries++;
    c->stores++;
    pthread_mutex_unlock(&c->mu);
    free_list(c, to_free);
    return t;
}

static size_t invalidate(struct rm_cache *c, const struct rm_inval *iv_in, bool count_notification)
{
    struct rm_tile *to_free = NULL;
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    c->gen++;
    struct rm_inval *iv = &c->ring[c->gen % RM_RING];
    *iv = *iv_in;
    iv->gen = c->gen;
    if (count_notification)
        c->notifications++;
    for (struct rm_tile *t = c->head, *next; t; t = next) {
        next = t->next;
        if (inval_hits(iv, &t->key)) {
            unlink_locked(c, t, &to_free);
            n++;
        }
    }
    c->invalidated += n;
    pthread_mutex_unlock(&c->mu);
    free_list(c, to_free);
    return n;
}

static double world_to_lat(double wy)
{
    return atan(sinh(M_PI * (1.0 - 2.0 * wy))) * 180.0 / M_PI;
}

size_t rm_cache_invalidate(struct rm_cache *c, double wx0, double wy0, double wx1, double wy1, double margin_px,
                           uint32_t all_styles)
{
    struct rm_inval iv = {.wx0 = wx0, .wy0 = wy0, .wx1 = wx1, .wy1 = wy1, .margin_px = margin_px,
                          .mvt_margin_px = margin_px, .all_styles = all_styles,
                          .lon0 = wx0 * 360.0 - 180.0, .lon1 = wx1 * 360.0 - 180.0,
                          .lat0 = wy1 >= 1.0 ? -90.0 : world_to_lat(wy1), .lat1 = wy0 <= 0.0 ? 90.0 : world_to_lat(wy0)};
    return invalidate(c, &iv, true);
}

/* lon/lat -> Web Mercator world [0,1] (as rm_lonlat_to_world in rm_parse.c) */
static void to_world(double lon, double lat, double *wx, double *wy)
{
    const double max_lat = 85.0511287798066;
    lat = lat > max_lat ? max_lat : lat < -max_lat ? -max_lat : lat;
    lon = lon < -180 ? -180 : lon > 180 ? 180 : lon;
    *wx = (lon + 180.0) / 360.0;
    *wy = (1.0 - asinh(tan(lat * M_PI / 180.0)) / M_PI) / 2.0;
}

size_t rm_cache_invalidate_lonlat(struct rm_cache *c, double minlon, double minlat, double maxlon, double maxlat,
                                  double margin_px, double mvt_margin_px, uint32_t all_styles)
{
    struct rm_inval iv = {.margin_px = margin_px, .mvt_margin_px = mvt_margin_px, .all_styles = all_styles,
                          .lon0 = minlon, .lat0 = minlat, .lon1 = maxlon, .lat1 = maxlat};
    to_world(minlon, maxlat, &iv.wx0, &iv.wy0); /* north-west */
    to_world(maxlon, minlat, &iv.wx1, &iv.wy1); /* south-east */
    return invalidate(c, &iv, true);
}

size_t rm_cache_invalidate_all(struct rm_cache *c)
{
    struct rm_inval iv = {.everything = true};
    return invalidate(c, &iv, false);
}

void rm_cache_set_live(struct rm_cache *c, bool live)
{
    pthread_mutex_lock(&c->mu);
    c->live = live;
    pthread_mutex_unlock(&c->mu);
    /* Going down: keep serving what is cached (nothing can commit while the
     * database is away) but bump the generation so that renders in flight are
     * not stored. Coming back: drop everything, changes may have been missed. */
    if (live) {
        rm_cache_invalidate_all(c);
    } else {
        struct rm_inval iv = {.everything = false, .wx0 = 2, .wy0 = 2, .wx1 = 2, .wy1 = 2};
        invalidate(c, &iv, false);
    }
}

void rm_cache_get_stats(struct rm_cache *c, struct rm_cache_stats *s)
{
    pthread_mutex_lock(&c->mu);
    s->entries = c->entries;
    s->bytes = c->bytes;
    s->max_bytes = c->max_bytes;
    s->hits = c->hits;
    s->misses = c->misses;
    s->stores = c->stores;
    s->refused = c->refused;
    s->evicted = c->evicted;
    s->invalidated = c->invalidated;
    s->notifications = c->notifications;
    s->generation = c->gen;
    s->live = c->live;
    pthread_mutex_unlock(&c->mu);
}
