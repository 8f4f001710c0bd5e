/*
 * rm_proj.h — tile matrix sets and the map projection of a tile.
 *
 * A projection maps lon/lat (EPSG:4326; CGCS2000 / EPSG:4490 is treated as
 * equal to it: the two frames differ by centimetres) to *global pixels* of a
 * zoom level: origin at the north-west corner of the matrix, x east, y south.
 * The renderer draws in global pixels minus the tile's origin, so anything
 * anchored to the global grid (hatch, labels) is seamless across tiles in
 * every matrix set.
 *
 *   WebMercatorQuad  EPSG:3857, 2^z x 2^z tiles of 256 px, z 0..22 (XYZ, y = 0 north)
 *   CGCS2000Quad     EPSG:4490 lon/lat (plate carree), the matrix of 天地图's
 *                    `_c` layers: 2^z x 2^(z-1) tiles of 256 px at level z,
 *                    origin (-180, 90), 180 / 2^(z-1) / 256 degrees per pixel,
 *                    z 1..22. There is no level 0 (the formula would give half
 *                    a tile row): z = 0 is refused.
 *
 * Plain C, no globals, thread-safe.
 */
#ifndef RM_PROJ_H
#define RM_PROJ_H

#include <stddef.h>

#define RM_TILE_PX 256

typedef enum rm_tms
{
	RM_TMS_WEBMERCATOR = 0,
	RM_TMS_CGCS2000 = 1,
	RM_TMS_COUNT
} rm_tms;

typedef struct rm_proj rm_proj;

struct rm_proj
{
	rm_tms		tms;
	int			z,
				scale;
	double		tile_px;		/* 256 * scale */
	double		width,
				height;			/* the matrix in global px */
	/* lon/lat -> global px (latitudes beyond the matrix are clamped to its edge) */
	void		(*forward) (const rm_proj *p, double lon, double lat, double *gx, double *gy);
	/* global px -> lon/lat */
	void		(*inverse) (const rm_proj *p, double gx, double gy, double *lon, double *lat);
	/* The largest pixels per ground metre of any direction at latitude lat
	 * (conformal Mercator: the same in all; plate carree: east-west). */
	double		(*px_per_metre) (const rm_proj *p, double lat);
};

/* "WebMercatorQuad" / "CGCS2000Quad" (exact, case-sensitive as the OGC
 * identifiers are); -1 for anything else. */
int			rm_tms_parse(const char *name);
const char *rm_tms_name(rm_tms t);
/* Tiles across / down at level z (0 when z is not a level of the set). */
long long	rm_tms_matrix_width(rm_tms t, int z);
long long	rm_tms_matrix_height(rm_tms t, int z);
int			rm_tms_minzoom(rm_tms t);

/* 0 when z/x/y/scale name a tile of the set, else -1 with a message naming the value. */
int			rm_tms_tile_check(rm_tms t, int z, int x, int y, int scale, char *err, size_t errlen);

/* 0 and p filled, or -1 when tms/z/scale are not valid. */
int			rm_proj_init(rm_proj *p, rm_tms t, int z, int scale);

/* Lon/lat box (minlon, minlat, maxlon, maxlat) of tile x/y grown by margin_px
 * pixels, clamped to the matrix; rows at the Mercator world's edge reach the poles. */
void		rm_proj_tile_bounds(const rm_proj *p, int x, int y, double margin_px, double box[4]);

#endif
