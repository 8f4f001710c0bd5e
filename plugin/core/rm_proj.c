/*
 * rm_proj.c — the renderer's projection (see rm_proj.h).
 */
#include "rm_proj.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RM_MAX_LAT 85.0511287798066

static void
merc_global(double world, double lon, double lat, double *gx, double *gy)
{
	double		phi;

	if (lat > RM_MAX_LAT)
		lat = RM_MAX_LAT;
	if (lat < -RM_MAX_LAT)
		lat = -RM_MAX_LAT;
	phi = lat * (M_PI / 180.0);
	*gx = (lon + 180.0) / 360.0 * world;
	*gy = (1.0 - atanh(sin(phi)) / M_PI) / 2.0 * world;
}

void
rm_proj_tile(rm_proj *p, int z, int x, int y, int scale)
{
	double		size = 256.0 * scale;

	p->kind = RM_PROJ_WEBMERCATOR;
	p->world = size * ldexp(1.0, z);
	p->ox = x * size;
	p->oy = y * size;
	p->width = p->height = size;
	p->px_scale = scale;
	p->zoom = z;
}

/* ---------------------------------------------------- tile matrix sets */

#define RM_TMS_MAX_ZOOM 22
#define RM_TMS_MAX_SCALE 2

static const char *const tms_names[RM_TMS_COUNT] = {"WebMercatorQuad", "CGCS2000Quad"};

int
rm_tms_parse(const char *name)
{
	int			i;

	for (i = 0; name && i < RM_TMS_COUNT; i++)
		if (strcmp(name, tms_names[i]) == 0)
			return i;
	return -1;
}

const char *
rm_tms_name(rm_tms t)
{
	return (t >= 0 && t < RM_TMS_COUNT) ? tms_names[t] : "?";
}

int
rm_tms_minzoom(rm_tms t)
{
	return t == RM_TMS_CGCS2000 ? 1 : 0;
}

long long
rm_tms_matrix_width(rm_tms t, int z)
{
	if (t < 0 || t >= RM_TMS_COUNT || z < rm_tms_minzoom(t) || z > RM_TMS_MAX_ZOOM)
		return 0;
	return 1LL << z;
}

long long
rm_tms_matrix_height(rm_tms t, int z)
{
	if (rm_tms_matrix_width(t, z) == 0)
		return 0;
	return t == RM_TMS_CGCS2000 ? 1LL << (z - 1) : 1LL << z;
}

int
rm_tms_tile_check(rm_tms t, int z, int x, int y, int scale, char *err, size_t errlen)
{
	long long	w,
				h;

	if (t < 0 || t >= RM_TMS_COUNT)
	{
		snprintf(err, errlen, "unknown tile matrix set (WebMercatorQuad or CGCS2000Quad)");
		return -1;
	}
	if (z < rm_tms_minzoom(t) || z > RM_TMS_MAX_ZOOM)
	{
		/* (WebMercatorQuad's message as it was before there were two sets) */
		snprintf(err, errlen, "zoom z = %d is out of range (%d to %d%s)", z, rm_tms_minzoom(t),
				 RM_TMS_MAX_ZOOM, t == RM_TMS_CGCS2000 ? " in CGCS2000Quad" : "");
		return -1;
	}
	w = rm_tms_matrix_width(t, z);
	h = rm_tms_matrix_height(t, z);
	if (x < 0 || x >= w)
	{
		snprintf(err, errlen, "tile column x = %d is out of range (0 to %lld at zoom %d)", x, w - 1, z);
		return -1;
	}
	if (y < 0 || y >= h)
	{
		snprintf(err, errlen, "tile row y = %d is out of range (0 to %lld at zoom %d)", y, h - 1, z);
		return -1;
	}
	if (scale < 1 || scale > RM_TMS_MAX_SCALE)
	{
		snprintf(err, errlen, "scale = %d is out of range (1 or 2)", scale);
		return -1;
	}
	return 0;
}

void
rm_proj_tile_tms(rm_proj *p, rm_tms t, int z, int x, int y, int scale)
{
	rm_proj_tile(p, z, x, y, scale);
	if (t == RM_TMS_CGCS2000)
		p->kind = RM_PROJ_CGCS2000;	/* same world width, ox, oy: 256*scale*2^z px across 360 degrees */
}

/* Global px down the whole world. */
static double
world_height(const rm_proj *p)
{
	return p->kind == RM_PROJ_CGCS2000 ? p->world / 2 : p->world;
}

void
rm_proj_fit(rm_proj *p, const double box[4], double width, double height, double px_scale)
{
	double		x0,
				y0,
				x1,
				y1,
				k;

	p->kind = RM_PROJ_WEBMERCATOR;
	/* the box in a unit world, then the world size that fits it */
	merc_global(1.0, box[0], box[3], &x0, &y0);
	merc_global(1.0, box[2], box[1], &x1, &y1);
	if (!(x1 - x0 > 1e-12))
		x1 = x0 + 1e-9;
	if (!(y1 - y0 > 1e-12))
		y1 = y0 + 1e-9;
	k = fmin(width / (x1 - x0), height / (y1 - y0));
	p->world = k;
	p->ox = (x0 + x1) / 2 * k - width / 2;
	p->oy = (y0 + y1) / 2 * k - height / 2;
	p->width = width;
	p->height = height;
	p->px_scale = px_scale;
	p->zoom = -1;
}

void
rm_proj_forward(const rm_proj *p, double lon, double lat, double *x, double *y)
{
	if (p->kind == RM_PROJ_CGCS2000)
	{
		double		k = p->world / 360.0;	/* px per degree on both axes */

		if (lat > 90.0)
			lat = 90.0;
		if (lat < -90.0)
			lat = -90.0;
		*x = (lon + 180.0) * k - p->ox;
		*y = (90.0 - lat) * k - p->oy;
		return;
	}
	merc_global(p->world, lon, lat, x, y);
	*x -= p->ox;
	*y -= p->oy;
}

void
rm_proj_inverse(const rm_proj *p, double x, double y, double *lon, double *lat)
{
	double		gx = x + p->ox,
				gy = y + p->oy;

	*lon = gx / p->world * 360.0 - 180.0;
	if (p->kind == RM_PROJ_CGCS2000)
		*lat = 90.0 - gy / p->world * 360.0;
	else
		*lat = atan(sinh(M_PI * (1.0 - 2.0 * gy / p->world))) * 180.0 / M_PI;
}

double
rm_proj_px_per_metre(const rm_proj *p, double lat)
{
	/* Web Mercator is conformal: world / (2 pi N cos phi) on the ellipsoid;
	 * plate carree (CGCS2000) has the same east-west scale, its largest
	 * (north-south: world / (2 pi M), M <= N / cos phi) */
	double		phi = lat * M_PI / 180.0;
	double		e2 = 0.00669437999014;
	double		nrad = 6378137.0 / sqrt(1 - e2 * sin(phi) * sin(phi));

	return p->world / (2 * M_PI * nrad * cos(phi));
}

void
rm_proj_bounds(const rm_proj *p, double margin, double box[4])
{
	double		x0 = -margin,
				y0 = -margin,
				x1 = p->width + margin,
				y1 = p->height + margin;

	if (y0 + p->oy < 0)
		y0 = -p->oy;
	if (y1 + p->oy > world_height(p))
		y1 = world_height(p) - p->oy;
	rm_proj_inverse(p, x0, y1, &box[0], &box[1]);
	rm_proj_inverse(p, x1, y0, &box[2], &box[3]);
	/* the poles: data beyond +-85.05 projects onto the edge rows */
	if (y1 + p->oy >= world_height(p))
		box[1] = -90.0;
	if (y0 + p->oy <= 0)
		box[3] = 90.0;
}
