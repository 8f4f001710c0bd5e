/*
 * fuzz_metric_wkb — EWKB through rm_metric's reader and writer
 * (rm_wkb_read / rm_wkb_write, as rm_coverage reads zones and districts),
 * then the metric functions that walk the coordinates it read:
 * rm_check_lonlat, rm_ground_area and, for small geometries with sane
 * coordinates, rm_ground_buffer. The written EWKB must read back equal.
 * Input: byte 0 = radius selector, the rest = EWKB.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rm_metric.h"

static rm_geo *geo;

static void
fini(void)
{
	rm_geo_free(geo);
	geo = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	geo = rm_geo_new();
	if (!geo)
		abort();
	atexit(fini);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double radii[] = {0, 1, 50, 1000, 30000, 2.5e6, -1, NAN};
	GEOSContextHandle_t h = rm_geo_geos(geo);
	GEOSGeometry *g, *g2, *b;
	unsigned char *w;
	size_t		wlen = 0;
	double		r;

	if (size < 1)
		return 0;
	r = radii[data[0] % (sizeof radii / sizeof radii[0])];
	g = rm_wkb_read(geo, data + 1, size - 1);
	if (!g)
	{
		if (!rm_geo_error(geo)[0])
			__builtin_trap();	/* a failure must say why */
		return 0;
	}
	w = rm_wkb_write(geo, g, &wlen);
	if (w)
	{
		g2 = rm_wkb_read(geo, w, wlen);
		if (g2)
			GEOSGeom_destroy_r(h, g2);
		rm_wkb_free(geo, w);
	}
	if (rm_check_lonlat(geo, g))
	{
		(void) rm_ground_area(geo, g);
		/* Buffering is costly: only small geometries. */
		if (GEOSGetNumCoordinates_r(h, g) <= 64)
		{
			b = rm_ground_buffer(geo, g, r, 16);
			if (b)
				GEOSGeom_destroy_r(h, b);
		}
	}
	rm_geo_clear_error(geo);
	GEOSGeom_destroy_r(h, g);
	return 0;
}
