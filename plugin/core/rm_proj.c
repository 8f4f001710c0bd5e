/*
 * rm_proj.c — the renderer's projection (see rm_proj.h).
 */
#include "rm_proj.h"

#include <math.h>

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
	*lat = atan(sinh(M_PI * (1.0 - 2.0 * gy / p->world))) * 180.0 / M_PI;
}

double
rm_proj_px_per_metre(const rm_proj *p, double lat)
{
	/* Web Mercator is conformal: world / (2 pi N cos phi) on the ellipsoid */
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
	if (y1 + p->oy > p->world)
		y1 = p->world - p->oy;
	rm_proj_inverse(p, x0, y1, &box[0], &box[1]);
	rm_proj_inverse(p, x1, y0, &box[2], &box[3]);
	/* the poles: data beyond +-85.05 projects onto the edge rows */
	if (y1 + p->oy >= p->world)
		box[1] = -90.0;
	if (y0 + p->oy <= 0)
		box[3] = 90.0;
}
