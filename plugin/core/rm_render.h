/*
 * rm_render.h — the tile renderer: Web Mercator XYZ arithmetic, drawing
 * layers of geometries with a style into an ARGB surface, PNG out (cairo).
 *
 * Plain C core: no postgres.h. The caller (plugin/pg/tile_fmgr.c, the unit
 * tests, a server) fetches the features of each visible layer of the style
 * within rm_render_query_bounds() and feeds them, in drawing order:
 *
 *   r = rm_render_new(style, z, x, y, scale);
 *   for each layer l of the style with rm_render_layer_visible(r, l):
 *       rm_render_begin(r, l);
 *       for each feature: rm_render_feature(r, l, &f);
 *       rm_render_end(r, l);
 *   rm_render_png(r, &png, &len);   (malloc'd, free() it)
 *
 * The projection (rm_proj.h) is explicit: rm_render_new() makes the tile's,
 * rm_render_new_proj() takes any (a PDF sheet's frame, see rm_sheet.h).
 *   rm_render_free(r);
 *
 * Geometries come as (E)WKB in EPSG:4326. Every function returns 0 or -1
 * with rm_render_error(); nothing longjmps, and rm_render_free() releases
 * every cairo and pango handle whatever state the renderer is in. Ground
 * geometry (zones) is rm_metric's: one rm_geo (GEOS context, PROJ
 * projections) per process, made by the first rm_render_new() and kept, so
 * the renderer, like rm_empty_png(), is for one thread at a time.
 *
 * Cairo is touched only when something lands on the tile: a tile with
 * nothing on it is the constant rm_empty_png() (made once with cairo).
 */
#ifndef RM_RENDER_H
#define RM_RENDER_H

#include <stddef.h>
#include <cairo.h>
#include "rm_proj.h"
#include "rm_style.h"

#define RM_TILE_SIZE 256
#define RM_MAX_SCALE 2

typedef struct rm_render rm_render;

typedef struct rm_feature
{
	const unsigned char *wkb;	/* geometry, (E)WKB, EPSG:4326 */
	size_t		wkb_len;
	double		radius_m;		/* impact_zones / undrilled: ground buffer radius */
	int			level;			/* risk level 1..4 (zones, sources) */
	const char *key;			/* source category / shelter kind */
	long long	id;				/* catchments: shelter id (palette index) */
	const char *text;			/* labels: the text */
	double		lon, lat;		/* labels: the anchor */
	double		priority;		/* labels: larger wins a collision */
} rm_feature;

/* 0 when z/x/y/scale name a tile, else -1 with a message naming the value. */
int			rm_tile_check(int z, int x, int y, int scale, char *err, size_t errlen);

/* Lon/lat box (minlon, minlat, maxlon, maxlat) of the tile grown by
 * margin_px pixels (at 256*scale px per tile), clamped to the Mercator world. */
void		rm_tile_bounds(int z, int x, int y, int scale, double margin_px, double box[4]);

/* Global pixel coordinates (256*scale*2^z px across the world). */
void		rm_lonlat_to_global_px(int z, int scale, double lon, double lat, double *gx, double *gy);

/* A renderer of the XYZ tile z/x/y into its own ARGB surface (PNG out). */
rm_render  *rm_render_new(const rm_style *style, int z, int x, int y, int scale);

/*
 * A renderer that draws with the same layer code into the caller's cairo
 * context cr (e.g. a PDF surface; clip and translate it to the map frame
 * first), through projection proj (rm_proj.h). Vector output: the undrilled
 * hatch is stroked lines, never a raster pattern. cr stays the caller's;
 * rm_render_png() is an error. NULL on bad arguments or out of memory.
 */
rm_render  *rm_render_new_proj(const rm_style *style, const rm_proj *proj, cairo_t *cr);
void		rm_render_free(rm_render *r);
const char *rm_render_error(const rm_render *r);

int			rm_render_layer_visible(const rm_render *r, const rm_layer *l);
/* How far around the tile (px) the features of layer l must be fetched. */
double		rm_render_query_margin(const rm_render *r, const rm_layer *l);
/* rm_tile_bounds() of the tile with that margin. */
void		rm_render_query_bounds(const rm_render *r, const rm_layer *l, double box[4]);

int			rm_render_begin(rm_render *r, const rm_layer *l);
int			rm_render_feature(rm_render *r, const rm_layer *l, const rm_feature *f);
int			rm_render_end(rm_render *r, const rm_layer *l);

/* Dims everything outside the polygon (EWKB, EPSG:4326) with veil and
 * strokes its outline (width in style px): a district sheet's district. */
int			rm_render_mask_outside(rm_render *r, const unsigned char *wkb, size_t len, rm_color veil,
								   rm_color outline, double width);

/* Appends the path of a symbol of d px centred on (x, y) to cr's path (the
 * map's symbols; a sheet's legend draws them with it too). */
void		rm_shape_path(cairo_t *cr, rm_shape s, double x, double y, double d);

/* The PNG (malloc'd; the caller frees it). */
int			rm_render_png(rm_render *r, unsigned char **png, size_t *len);
/* 1 when nothing has been drawn so far (the PNG will be the empty constant). */
int			rm_render_is_empty(const rm_render *r);

/* The transparent 256*scale px PNG, made once with cairo; NULL if scale is
 * not 1..RM_MAX_SCALE or out of memory. Not to be freed. */
const unsigned char *rm_empty_png(int scale, size_t *len);

#endif
