/*
 * rm_proj.h — the renderer's projection: lon/lat (EPSG:4326) to the output's
 * pixels. One small value type shared by the tile path (a 256*scale px XYZ
 * tile) and the print path (a map frame on a PDF page, in points), so that
 * both draw with the same code (rm_render.c).
 *
 * Output pixels: x to the east, y to the south, origin at the output's
 * top-left corner. The projection is "global pixels" of a world `world`
 * px across, shifted by the output's top-left global pixel (ox, oy): every
 * kind keeps that form, so labels and hatches anchor on the global grid and
 * neighbouring tiles agree.
 *
 * Kinds: RM_PROJ_WEBMERCATOR (EPSG:3857, y = 0 at 85.05 N). A new kind adds
 * a case to rm_proj_forward(), rm_proj_inverse() and rm_proj_px_per_metre().
 */
#ifndef RM_PROJ_H
#define RM_PROJ_H

#include <stddef.h>

typedef enum rm_proj_kind
{
	RM_PROJ_WEBMERCATOR = 0
} rm_proj_kind;

typedef struct rm_proj
{
	rm_proj_kind kind;
	double		world;			/* global px across 360 degrees of longitude */
	double		ox,
				oy;				/* global px of the output's top-left corner */
	double		width,
				height;			/* output size, px */
	double		px_scale;		/* style px -> output px (tiles: 1 or 2) */
	int			zoom;			/* layers' minzoom/maxzoom; < 0 = every layer */
} rm_proj;

/* The XYZ tile z/x/y at 256*scale px (no argument checks: rm_tile_check). */
void		rm_proj_tile(rm_proj *p, int z, int x, int y, int scale);

/* A frame of width x height px showing the lon/lat box (minlon, minlat,
 * maxlon, maxlat) as large as fits, centred; px_scale as given, zoom -1. */
void		rm_proj_fit(rm_proj *p, const double box[4], double width, double height, double px_scale);

/* lon/lat -> output px. */
void		rm_proj_forward(const rm_proj *p, double lon, double lat, double *x, double *y);
/* output px -> lon/lat. */
void		rm_proj_inverse(const rm_proj *p, double x, double y, double *lon, double *lat);
/* Output px per metre on the ground at latitude lat. */
double		rm_proj_px_per_metre(const rm_proj *p, double lat);
/* The lon/lat box of the output grown by margin px (clamped to the world). */
void		rm_proj_bounds(const rm_proj *p, double margin, double box[4]);

#endif
