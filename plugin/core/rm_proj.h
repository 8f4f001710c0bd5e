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
 * Kinds: RM_PROJ_WEBMERCATOR (EPSG:3857, y = 0 at 85.05 N) and
 * RM_PROJ_CGCS2000 (EPSG:4490 lon/lat, plate carree: world px across 360
 * degrees, world / 2 down 180, y = 0 at 90 N; CGCS2000 is drawn as the stored
 * EPSG:4326, the frames differ by centimetres). A new kind adds a case to
 * rm_proj_forward(), rm_proj_inverse(), rm_proj_px_per_metre() and
 * rm_proj_bounds().
 *
 * Tile matrix sets (rm_tms): WebMercatorQuad (XYZ, 2^z x 2^z tiles, z 0..22)
 * and CGCS2000Quad, the matrix of 天地图's `_c` layers: 2^z x 2^(z-1) tiles of
 * 256 px at level z 1..22, origin (-180, 90), 180 / 2^(z-1) / 256 degrees per
 * pixel. Level 0 does not exist there (the formula gives half a tile row).
 */
#ifndef RM_PROJ_H
#define RM_PROJ_H

#include <stddef.h>

typedef enum rm_proj_kind
{
	RM_PROJ_WEBMERCATOR = 0,
	RM_PROJ_CGCS2000 = 1
} rm_proj_kind;

typedef enum rm_tms
{
	RM_TMS_WEBMERCATOR = 0,
	RM_TMS_CGCS2000 = 1,
	RM_TMS_COUNT
} rm_tms;

/* "WebMercatorQuad" / "CGCS2000Quad" (exact, as the OGC identifiers); -1 else. */
int			rm_tms_parse(const char *name);
const char *rm_tms_name(rm_tms t);
int			rm_tms_minzoom(rm_tms t);
/* Tiles across / down at level z (0 when z is not a level of the set). */
long long	rm_tms_matrix_width(rm_tms t, int z);
long long	rm_tms_matrix_height(rm_tms t, int z);
/* 0 when z/x/y/scale name a tile of the set, else -1 with a message naming the value. */
int			rm_tms_tile_check(rm_tms t, int z, int x, int y, int scale, char *err, size_t errlen);

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
/* The tile z/x/y of a tile matrix set (no argument checks: rm_tms_tile_check). */
void		rm_proj_tile_tms(rm_proj *p, rm_tms t, int z, int x, int y, int scale);

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
