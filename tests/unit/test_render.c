/*
 * test_render.c — the tile renderer (plugin/core/rm_render.c, rm_labels.c):
 * XYZ arithmetic, empty tiles, PNG round trips through cairo's decoder,
 * ground-true circle radii, seamless hatching and labels across tile edges,
 * garbage input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cairo.h>
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_render.h"
#include "rm_style.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct img
{
	int			w,
				h;
	uint32_t   *px;				/* premultiplied ARGB, w*h */
} img;

typedef struct rd
{
	const unsigned char *d;
	size_t		len,
				pos;
} rd;

static cairo_status_t
read_cb(void *c, unsigned char *data, unsigned int n)
{
	rd		   *r = c;

	if (r->pos + n > r->len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->d + r->pos, n);
	r->pos += n;
	return CAIRO_STATUS_SUCCESS;
}

static img
decode(const unsigned char *png, size_t len)
{
	rd			r = {png, len, 0};
	cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_cb, &r);
	img			im;
	int			y;

	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	im.w = cairo_image_surface_get_width(s);
	im.h = cairo_image_surface_get_height(s);
	im.px = malloc(sizeof(uint32_t) * im.w * im.h);
	cairo_surface_flush(s);
	for (y = 0; y < im.h; y++)
		memcpy(im.px + y * im.w, cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s),
			   sizeof(uint32_t) * im.w);
	cairo_surface_destroy(s);
	return im;
}

static int
alpha(const img *im, int x, int y)
{
	return im->px[y * im->w + x] >> 24;
}

static unsigned char *
wkb(const char *wkt, size_t *len)
{
	GEOSContextHandle_t h = GEOS_init_r();
	GEOSWKTReader *r = GEOSWKTReader_create_r(h);
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
	GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
	unsigned char *b,
			   *out;

	assert_non_null(g);
	b = GEOSWKBWriter_write_r(h, w, g, len);
	out = malloc(*len);
	memcpy(out, b, *len);
	GEOSFree_r(h, b);
	GEOSGeom_destroy_r(h, g);
	GEOSWKBWriter_destroy_r(h, w);
	GEOSWKTReader_destroy_r(h, r);
	GEOS_finish_r(h);
	return out;
}

static rm_style *
style(const char *js)
{
	rm_style   *s = malloc(sizeof *s);
	char		err[512];

	if (rm_style_parse(js, strlen(js), s, err, sizeof err))
		fail_msg("style: %s", err);
	return s;
}

static void
lonlat_tile(int z, double lon, double lat, int *x, int *y, double *px, double *py)
{
	double		gx,
				gy;

	rm_lonlat_to_global_px(z, 1, lon, lat, &gx, &gy);
	*x = (int) floor(gx / 256);
	*y = (int) floor(gy / 256);
	*px = gx - 256.0 * *x;
	*py = gy - 256.0 * *y;
}

static void
global_lonlat(int z, double gx, double gy, double *lon, double *lat)
{
	double		w = 256.0 * ldexp(1.0, z);

	*lon = gx / w * 360 - 180;
	*lat = atan(sinh(M_PI * (1 - 2 * gy / w))) * 180 / M_PI;
}

static unsigned char *
point_wkb(double lon, double lat, size_t *len)
{
	char		t[128];

	snprintf(t, sizeof t, "POINT(%.12f %.12f)", lon, lat);
	return wkb(t, len);
}

/* Renders one layer (the style's first) with the given features. */
static img
render1_tms(const rm_style *s, rm_tms tms, int z, int x, int y, int scale, const rm_feature *f, int nf)
{
	rm_render  *r = rm_render_new_tms(s, tms, z, x, y, scale);
	unsigned char *png;
	size_t		len;
	int			i,
				k;
	img			im;

	assert_non_null(r);
	for (k = 0; k < s->nlayers; k++)
	{
		if (!rm_render_layer_visible(r, &s->layers[k]))
			continue;
		assert_int_equal(rm_render_begin(r, &s->layers[k]), 0);
		for (i = 0; i < nf; i++)
			if (rm_render_feature(r, &s->layers[k], &f[i]))
				fail_msg("feature %d: %s", i, rm_render_error(r));
		assert_int_equal(rm_render_end(r, &s->layers[k]), 0);
	}
	assert_int_equal(rm_render_png(r, &png, &len), 0);
	rm_render_free(r);
	im = decode(png, len);
	free(png);
	return im;
}

static img
render1(const rm_style *s, int z, int x, int y, int scale, const rm_feature *f, int nf)
{
	return render1_tms(s, RM_TMS_WEBMERCATOR, z, x, y, scale, f, nf);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_tile_math(void **state)
{
	char		err[200];
	double		gx,
				gy,
				b[4];

	assert_int_equal(rm_tile_check(0, 0, 0, 1, err, sizeof err), 0);
	assert_int_equal(rm_tile_check(22, 4194303, 4194303, 2, err, sizeof err), 0);
	assert_int_equal(rm_tile_check(23, 0, 0, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "z = 23"));
	assert_int_equal(rm_tile_check(3, 8, 0, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "x = 8"));
	assert_int_equal(rm_tile_check(3, 0, -1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "y = -1"));
	assert_int_equal(rm_tile_check(3, 0, 0, 3, err, sizeof err), -1);
	assert_non_null(strstr(err, "scale = 3"));

	rm_lonlat_to_global_px(0, 1, 0, 0, &gx, &gy);
	assert_float_equal(gx, 128, 1e-9);
	assert_float_equal(gy, 128, 1e-9);
	rm_lonlat_to_global_px(1, 2, -180, 85.0511287798066, &gx, &gy);
	assert_float_equal(gx, 0, 1e-9);
	assert_float_equal(gy, 0, 1e-6);
	/* y = 0 is the north */
	rm_tile_bounds(1, 1, 0, 1, 0, b);
	assert_float_equal(b[0], 0, 1e-9);
	assert_float_equal(b[1], 0, 1e-9);
	assert_float_equal(b[2], 180, 1e-9);
	assert_float_equal(b[3], 90, 1e-9);
	/* a margin grows the box */
	rm_tile_bounds(12, 3260, 1695, 1, 0, b);
	{
		double		m[4];

		rm_tile_bounds(12, 3260, 1695, 1, 16, m);
		assert_true(m[0] < b[0] && m[1] < b[1] && m[2] > b[2] && m[3] > b[3]);
		assert_float_equal(b[2] - b[0], 360.0 / 4096, 1e-12);
	}
}

static void
test_empty_tile(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"district_borders\"}]}");
	size_t		len,
				len2;
	const unsigned char *e1 = rm_empty_png(1, &len);
	const unsigned char *e2 = rm_empty_png(2, &len2);
	img			im;
	int			i;

	assert_non_null(e1);
	assert_non_null(e2);
	assert_true(len < 1000);
	assert_null(rm_empty_png(3, &len));
	im = decode(e1, len);
	assert_int_equal(im.w, 256);
	for (i = 0; i < im.w * im.h; i++)
		assert_int_equal(im.px[i], 0);
	free(im.px);
	im = decode(e2, len2);
	assert_int_equal(im.w, 512);
	assert_int_equal(im.h, 512);
	free(im.px);
	/* a renderer fed nothing gives the constant, without a surface */
	{
		rm_render  *r = rm_render_new(s, 5, 1, 1, 1);
		unsigned char *png;
		size_t		n;

		assert_int_equal(rm_render_begin(r, &s->layers[0]), 0);
		assert_int_equal(rm_render_end(r, &s->layers[0]), 0);
		assert_true(rm_render_is_empty(r));
		assert_int_equal(rm_render_png(r, &png, &n), 0);
		assert_int_equal(n, rm_empty_png(1, &len) ? len : 0);
		assert_memory_equal(png, rm_empty_png(1, &len), n);
		free(png);
		rm_render_free(r);
	}
	free(s);
}

/* A point's zone is a geodesic circle: its pixel radius matches the ground
 * radius (Mercator scale at that latitude) within 1 %. */
static void
test_circle_radius(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"impact_zones\", \"width\": 0,"
						  " \"fill_by_level\": [\"#FF0000\", \"#FF0000\", \"#FF0000\", \"#FF0000\"]}]}");
	double		lon,
				lat,
				px = 128,
				py = 128,
				r = 100;
	int			x,
				y,
				i,
				left = -1,
				right = -1,
				top = -1,
				bottom = -1;
	size_t		len;
	unsigned char *g;
	rm_feature	f = {.radius_m = r, .level = 1};
	img			im;
	double		e2 = 0.00669437999014,
				phi,
				nrad;
	double		expect;

	/* a point at the centre of the z16 tile holding Jiefangbei */
	lonlat_tile(16, 106.55, 29.56, &x, &y, &lon, &lat);
	global_lonlat(16, x * 256.0 + 128, y * 256.0 + 128, &lon, &lat);
	g = point_wkb(lon, lat, &len);
	f.wkb = g;
	f.wkb_len = len;
	phi = lat * M_PI / 180;
	nrad = 6378137.0 / sqrt(1 - e2 * sin(phi) * sin(phi));
	im = render1(s, 16, x, y, 1, &f, 1);
	expect = r * 256.0 * 65536 / (2 * M_PI * nrad * cos(phi));
	for (i = 0; i < 256; i++)
	{
		if (alpha(&im, i, (int) py) > 127 && left < 0)
			left = i;
		if (alpha(&im, i, (int) py) > 127)
			right = i;
		if (alpha(&im, (int) px, i) > 127 && top < 0)
			top = i;
		if (alpha(&im, (int) px, i) > 127)
			bottom = i;
	}
	/* the circle is larger than the tile at z16 when r = 500 m? keep it inside: */
	if (left == 0 || right == 255 || top == 0 || bottom == 255)
		fail_msg("circle not inside the tile (expected radius %.1f px)", expect);
	assert_float_equal((right - left + 1) / 2.0, expect, expect * 0.01 + 1);
	assert_float_equal((bottom - top + 1) / 2.0, expect, expect * 0.01 + 1);
	free(im.px);
	free(g);
	free(s);
}

/* Pixels per ground metre at latitude lat, zoom z, scale 1 (Web Mercator). */
static double
ground_px(int z, double lat)
{
	double		e2 = 0.00669437999014,
				phi = lat * M_PI / 180,
				nrad = 6378137.0 / sqrt(1 - e2 * sin(phi) * sin(phi));

	return 256.0 * ldexp(1.0, z) / (2 * M_PI * nrad * cos(phi));
}

/* The zone of wkt (radius r m) filled red, no outline, on tile z16 x y. */
static img
zone_image(const char *wkt, double r, int x, int y)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"impact_zones\", \"width\": 0,"
						  " \"fill_by_level\": [\"#FF0000\", \"#FF0000\", \"#FF0000\", \"#FF0000\"]}]}");
	size_t		len;
	unsigned char *g = wkb(wkt, &len);
	rm_feature	f = {.wkb = g, .wkb_len = len, .radius_m = r, .level = 2};
	img			im = render1(s, 16, x, y, 1, &f, 1);

	free(g);
	free(s);
	return im;
}

/* The z16 tile (x, y) holding Jiefangbei, and the lon/lat of its pixels
 * (ax, ay) and (bx, by) in ll[0..3]. */
static void
jiefangbei_tile(double ax, double ay, double bx, double by, int *x, int *y, double ll[4])
{
	double		px,
				py;

	lonlat_tile(16, 106.55, 29.56, x, y, &px, &py);
	global_lonlat(16, *x * 256.0 + ax, *y * 256.0 + ay, &ll[0], &ll[1]);
	global_lonlat(16, *x * 256.0 + bx, *y * 256.0 + by, &ll[2], &ll[3]);
}

/* First and last pixel (alpha > 127) of row or column k, -1 when none. */
static void
extent(const img *im, int k, int column, int *first, int *last)
{
	*first = *last = -1;
	for (int i = 0; i < im->w; i++)
		if ((column ? alpha(im, k, i) : alpha(im, i, k)) > 127)
		{
			if (*first < 0)
				*first = i;
			*last = i;
		}
}

/* A line's zone: rm_metric's ground buffer (rm_ground_buffer); its
 * half-width across the middle of the line is the ground radius (1 %). */
static void
test_line_buffer_width(void **state)
{
	double		ll[4],
				r = 120,
				expect;
	int			x,
				y,
				top,
				bottom;
	char		wkt[256];
	img			im;

	jiefangbei_tile(40, 128, 216, 128, &x, &y, ll);
	snprintf(wkt, sizeof wkt, "LINESTRING(%.12f %.12f, %.12f %.12f)", ll[0], ll[1], ll[2], ll[3]);
	im = zone_image(wkt, r, x, y);
	extent(&im, 128, 1, &top, &bottom);
	expect = r * ground_px(16, ll[1]);
	assert_true(top > 0 && bottom < 255);
	assert_float_equal((bottom - top + 1) / 2.0, expect, expect * 0.01 + 1);
	free(im.px);
}

/* A polygon's zone (rm_ground_buffer, the polygon made valid first): a
 * square grown by the radius on each side (1 %); a bow-tie draws without
 * error; a geometry more than 20 degrees across is an error for the tile. */
static void
test_polygon_zone(void **state)
{
	double		ll[4],
				r = 80,
				expect;
	int			x,
				y,
				left,
				right;
	char		wkt[512];
	img			im;
	double		lon0,
				lat0,
				lon1,
				lat1;

	jiefangbei_tile(98, 158, 158, 98, &x, &y, ll);
	lon0 = ll[0];
	lat0 = ll[1];
	lon1 = ll[2];
	lat1 = ll[3];
	snprintf(wkt, sizeof wkt, "POLYGON((%.12f %.12f, %.12f %.12f, %.12f %.12f, %.12f %.12f, %.12f %.12f))",
			 lon0, lat0, lon1, lat0, lon1, lat1, lon0, lat1, lon0, lat0);
	im = zone_image(wkt, r, x, y);
	extent(&im, 128, 0, &left, &right);
	expect = r * ground_px(16, (lat0 + lat1) / 2);
	assert_true(left > 0 && right < 255);
	assert_float_equal((right - left + 1 - 60) / 2.0, expect, expect * 0.01 + 1);
	free(im.px);
	/* a bow-tie: made valid, drawn */
	snprintf(wkt, sizeof wkt, "POLYGON((%.12f %.12f, %.12f %.12f, %.12f %.12f, %.12f %.12f, %.12f %.12f))",
			 lon0, lat0, lon1, lat1, lon1, lat0, lon0, lat1, lon0, lat0);
	im = zone_image(wkt, r, x, y);
	assert_true(alpha(&im, 128, 128) > 127);
	free(im.px);
	/* too large for a ground buffer */
	{
		rm_style   *s = style("{\"layers\": [{\"type\": \"impact_zones\"}]}");
		size_t		len;
		unsigned char *g = wkb("LINESTRING(90 29.56, 106.55 29.56, 120 29.56)", &len);
		rm_feature	f = {.wkb = g, .wkb_len = len, .radius_m = r, .level = 1};
		rm_render  *rr = rm_render_new(s, 16, x, y, 1);

		assert_int_equal(rm_render_begin(rr, &s->layers[0]), 0);
		assert_int_equal(rm_render_feature(rr, &s->layers[0], &f), -1);
		assert_non_null(strstr(rm_render_error(rr), "too large"));
		rm_render_free(rr);
		free(g);
		free(s);
	}
}

/* The hatch follows the global pixel grid: neighbouring tiles continue it. */
static void
test_hatch_seamless(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"undrilled\", \"spacing\": 7, \"width\": 1.2}]}");
	size_t		len;
	unsigned char *g;
	rm_feature	f = {.radius_m = 3000, .level = 1};
	int			x,
				y,
				t,
				i,
				j,
				hits = 0;
	double		px,
				py,
				lon,
				lat;

	/* a zone centred on the edge between tiles x and x + 1 */
	lonlat_tile(13, 106.55, 29.56, &x, &y, &px, &py);
	px = 256;
	py = 120;
	global_lonlat(13, x * 256.0 + px, y * 256.0 + py, &lon, &lat);
	g = point_wkb(lon, lat, &len);
	f.wkb = g;
	f.wkb_len = len;
	for (t = 0; t < 2; t++)
	{
		img			im = render1(s, 13, x + t, y, 1, &f, 1);

		for (j = 100; j < 140; j++)
			for (i = (t ? 0 : 216); i < (t ? 40 : 256); i++)
			{
				long		gi = (long) (x + t) * 256 + i,
							gj = (long) y * 256 + j;
				int			on = ((gi + gj) % 7) < 1 || ((gi - gj) % 7 + 7) % 7 < 1;
				uint32_t	p = im.px[j * 256 + i];

				/* inside the zone, well away from its outline */
				if (hypot((x + t) * 256.0 + i - (x * 256.0 + px), (double) y * 256 + j - (y * 256.0 + py)) > 60)
					continue;
				if (on)
				{
					assert_int_equal(p, 0xFF7F0000u);
					hits++;
				}
				else
					assert_int_equal(p, 0);
			}
		free(im.px);
	}
	assert_true(hits > 50);
	free(g);
	free(s);
}

/*
 * CGCS2000Quad (lon/lat): the matrix (2^z x 2^(z-1) tiles, origin (-180, 90),
 * no level 0), the projection, and the hatch of a zone centred on the corner
 * of four tiles continuing the global pixel grid across both edges; the zone
 * is an ellipse, 1/cos(lat) wider than tall, not a warped Mercator circle.
 */
static void
test_cgcs2000(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"undrilled\", \"spacing\": 7, \"width\": 1.2}]}");
	rm_proj		p;
	char		err[128];
	double		gx,
				gy,
				lon,
				lat,
				box[4];
	size_t		len;
	unsigned char *g;
	rm_feature	f = {.radius_m = 3000, .level = 1};
	int			z = 13,
				x,
				y,
				t,
				i,
				j,
				hits = 0,
				left = 256,
				right = -1,
				top = 256,
				bottom = -1;

	assert_int_equal(rm_tms_parse("CGCS2000Quad"), RM_TMS_CGCS2000);
	assert_int_equal(rm_tms_parse("cgcs2000quad"), -1);
	assert_int_equal(rm_tms_tile_check(RM_TMS_CGCS2000, 0, 0, 0, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "z = 0"));
	assert_int_equal(rm_tms_tile_check(RM_TMS_CGCS2000, 1, 1, 0, 1, err, sizeof err), 0);
	assert_int_equal(rm_tms_tile_check(RM_TMS_CGCS2000, 1, 0, 1, 1, err, sizeof err), -1);
	assert_int_equal(rm_tms_tile_check(RM_TMS_CGCS2000, 22, 4194303, 2097151, 2, err, sizeof err), 0);
	assert_int_equal(rm_tms_tile_check(RM_TMS_CGCS2000, 22, 0, 2097152, 1, err, sizeof err), -1);
	assert_null(rm_render_new_tms(s, RM_TMS_CGCS2000, 0, 0, 0, 1));
	/* 180 / 2^(z-1) / 256 degrees per pixel, origin (-180, 90) */
	rm_proj_tile_tms(&p, RM_TMS_CGCS2000, 5, 0, 0, 1);
	rm_proj_forward(&p, -180, 90, &gx, &gy);
	assert_float_equal(gx, 0, 1e-9);
	assert_float_equal(gy, 0, 1e-9);
	rm_proj_forward(&p, 106.5, 29.5, &gx, &gy);
	assert_float_equal(gx, (106.5 + 180) / (180.0 / 16 / 256), 1e-6);
	assert_float_equal(gy, (90 - 29.5) / (180.0 / 16 / 256), 1e-6);
	rm_proj_inverse(&p, gx, gy, &lon, &lat);
	assert_float_equal(lon, 106.5, 1e-9);
	assert_float_equal(lat, 29.5, 1e-9);
	rm_proj_tile_tms(&p, RM_TMS_CGCS2000, 5, 0, 15, 1);
	rm_proj_bounds(&p, 0, box);
	assert_float_equal(box[0], -180, 1e-9);
	assert_float_equal(box[1], -90, 1e-9);
	assert_float_equal(box[2], -180 + 11.25, 1e-9);
	assert_float_equal(box[3], -90 + 11.25, 1e-9);

	/* a zone centred on the corner of tiles (x, y) .. (x + 1, y + 1) */
	rm_proj_tile_tms(&p, RM_TMS_CGCS2000, z, 0, 0, 1);	/* origin (0, 0): global px */
	rm_proj_forward(&p, 106.55, 29.56, &gx, &gy);
	x = (int) floor(gx / 256);
	y = (int) floor(gy / 256);
	rm_proj_inverse(&p, (x + 1) * 256.0, (y + 1) * 256.0, &lon, &lat);
	g = point_wkb(lon, lat, &len);
	f.wkb = g;
	f.wkb_len = len;
	for (t = 0; t < 4; t++)
	{
		int			tx = x + t % 2,
					ty = y + t / 2;
		img			im = render1_tms(s, RM_TMS_CGCS2000, z, tx, ty, 1, &f, 1);

		for (j = 0; j < 256; j++)
			for (i = 0; i < 256; i++)
			{
				long		gi = (long) tx * 256 + i,
							gj = (long) ty * 256 + j;
				int			on = ((gi + gj) % 7) < 1 || ((gi - gj) % 7 + 7) % 7 < 1;
				uint32_t	q = im.px[j * 256 + i];
				double		dx = gi + 0.5 - (x + 1) * 256.0,
							dy = gj + 0.5 - (y + 1) * 256.0;

				if (t == 1 && j == 255 && (q >> 24))
				{
					if (i < left)
						left = i;
					if (i > right)
						right = i;
				}
				if (t == 2 && i == 255 && (q >> 24))
				{
					if (j < top)
						top = j;
					if (j > bottom)
						bottom = j;
				}
				if (hypot(dx, dy) > 40)
					continue;	/* well inside the zone only */
				if (on)
				{
					assert_int_equal(q, 0xFF7F0000u);
					hits++;
				}
				else
					assert_int_equal(q, 0);
			}
		free(im.px);
	}
	assert_true(hits > 200);
	/* tile (x+1, y): the zone's half-width along its bottom row (east-west
	 * radius) is 1/cos(lat) times the half-height along the left column of
	 * tile (x, y+1) (north-south radius), within the ellipsoid's flattening */
	{
		double		c = cos(lat * M_PI / 180),
					ew = right + 1.0,	/* east of the corner, along the row above it */
					ns = bottom + 1.0,	/* south of it, along the column west of it */
					want = (1 - 0.00669438 * c * c) / c;	/* M / (N cos lat) */

		/* the hatch reaches the corner's row and column; the outline ends them */
		assert_true(left < 7 && top < 7);
		assert_float_equal(ew / ns, want, 0.02);
	}
	free(g);
	free(s);
}

/* A label over a tile edge is drawn by both tiles, the same pixels on each
 * side; a label that fits inside one tile is not repeated on the other. */
static void
test_labels_across_edges(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"district_labels\", \"size\": 14, \"bold\": true}]}");
	int			x,
				y,
				i,
				j;
	double		px,
				py,
				lon,
				lat;
	img			a,
				b;
	rm_feature	f = {.text = "渝中区", .priority = 1};
	double		gx,
				gy;
	int			na = 0,
				nb = 0;

	/* anchor exactly on the edge between tiles x and x+1 (z10) */
	lonlat_tile(10, 106.55, 29.56, &x, &y, &px, &py);
	gx = (x + 1) * 256.0;
	gy = y * 256.0 + 128;
	lon = gx / (256.0 * 1024) * 360 - 180;
	lat = atan(sinh(M_PI * (1 - 2 * gy / (256.0 * 1024)))) * 180 / M_PI;
	f.lon = lon;
	f.lat = lat;
	a = render1(s, 10, x, y, 1, &f, 1);
	b = render1(s, 10, x + 1, y, 1, &f, 1);
	for (j = 0; j < 256; j++)
		for (i = 0; i < 30; i++)
		{
			na += alpha(&a, 255 - i, j) > 0;
			nb += alpha(&b, i, j) > 0;
		}
	assert_true(na > 20);
	assert_true(nb > 20);
	/* nothing far from the label */
	for (j = 0; j < 256; j++)
		for (i = 0; i < 100; i++)
			assert_int_equal(alpha(&a, i, j), 0);
	free(a.px);
	free(b.px);

	/* the same label, wholly inside tile x: tile x+1 stays empty */
	gx = (x + 1) * 256.0 - 60;
	f.lon = gx / (256.0 * 1024) * 360 - 180;
	a = render1(s, 10, x, y, 1, &f, 1);
	b = render1(s, 10, x + 1, y, 1, &f, 1);
	na = 0;
	for (i = 0; i < 256 * 256; i++)
	{
		na += (a.px[i] >> 24) > 0;
		assert_int_equal(b.px[i], 0);
	}
	assert_true(na > 20);
	free(a.px);
	free(b.px);
	free(s);
}

/* Two labels on top of each other: only one is drawn, and the same one
 * whatever the order they come in. */
static void
test_label_collision(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"district_labels\", \"size\": 14}]}");
	rm_feature	f[2] = {{.text = "渝中区", .lon = 106.55, .lat = 29.56, .priority = 1},
	{.text = "江北区", .lon = 106.551, .lat = 29.5601, .priority = 2}};
	rm_feature	g[2];
	int			x,
				y;
	double		px,
				py;
	img			a,
				b,
				c;

	lonlat_tile(10, 106.55, 29.56, &x, &y, &px, &py);
	a = render1(s, 10, x, y, 1, f, 2);
	g[0] = f[1];
	g[1] = f[0];
	b = render1(s, 10, x, y, 1, g, 2);
	c = render1(s, 10, x, y, 1, &f[1], 1);
	assert_memory_equal(a.px, b.px, 256 * 256 * 4);
	assert_memory_equal(a.px, c.px, 256 * 256 * 4);
	free(a.px);
	free(b.px);
	free(c.px);
	free(s);
}

/* Borders: strokes appear, and a polygon much larger than the tile at z22 is
 * clipped before cairo (no fixed-point overflow, no crash). */
static void
test_borders_and_deep_zoom(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"district_borders\", \"color\": \"#000000\", \"width\": 2}]}");
	size_t		len;
	unsigned char *g = wkb("MULTIPOLYGON(((106.0 29.0, 107.0 29.0, 107.0 30.0, 106.0 30.0, 106.0 29.0)))", &len);
	rm_feature	f = {.wkb = g, .wkb_len = len};
	int			x,
				y,
				i,
				n = 0;
	double		px,
				py;
	img			im;

	lonlat_tile(8, 106.5, 29.5, &x, &y, &px, &py);
	im = render1(s, 8, x, y, 1, &f, 1);
	for (i = 0; i < 256 * 256; i++)
		n += im.px[i] == 0xFF000000u;
	assert_true(n > 100);
	free(im.px);
	/* z22 on the western edge (x = 106.0): a vertical line through the tile */
	lonlat_tile(22, 106.0, 29.5, &x, &y, &px, &py);
	im = render1(s, 22, x, y, 2, &f, 1);
	assert_int_equal(im.w, 512);
	n = 0;
	for (i = 0; i < 512; i++)
		n += (im.px[256 * 512 + i] >> 24) > 0;
	assert_true(n >= 2 && n <= 8);
	free(im.px);
	free(g);
	free(s);
}

/* Garbage WKB is an error, not a crash; NaN and huge values are ignored. */
static void
test_garbage(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"impact_zones\"}, {\"type\": \"sources\"}]}");
	rm_render  *r = rm_render_new(s, 10, 800, 400, 1);
	unsigned char junk[64];
	unsigned	seed = 7;
	int			i,
				k;
	size_t		len;
	unsigned char *g = wkb("LINESTRING(106 29, 106.1 29.1)", &len);

	assert_non_null(r);
	/* coordinates that are not lon/lat at all */
	{
		const char *const wkts[] = {
			"POLYGON((1e300 0, -1e300 0, 0 1e300, 1e300 0))",
			"LINESTRING(106 29, 1e308 1e308)",
			"POINT(1e308 -1e308)",
			"MULTIPOLYGON(((106 29, 106 95, 107 95, 106 29)))",
			"GEOMETRYCOLLECTION(POINT(106 29), LINESTRING(106 29, 106 29), POLYGON EMPTY)",
		};
		rm_style   *sb = style("{\"layers\": [{\"type\": \"district_borders\"}, {\"type\": \"impact_zones\"},"
							   " {\"type\": \"sources\"}, {\"type\": \"unserved\"}]}");
		rm_render  *rb = rm_render_new(sb, 3, 6, 3, 1);
		unsigned char *png;

		for (k = 0; k < sb->nlayers; k++)
		{
			assert_int_equal(rm_render_begin(rb, &sb->layers[k]), 0);
			for (i = 0; i < 5; i++)
			{
				size_t		n;
				unsigned char *w = wkb(wkts[i], &n);
				rm_feature	f = {.wkb = w, .wkb_len = n, .radius_m = 1000, .level = 2, .key = "x"};

				(void) rm_render_feature(rb, &sb->layers[k], &f);
				free(w);
			}
			assert_int_equal(rm_render_end(rb, &sb->layers[k]), 0);
		}
		assert_int_equal(rm_render_png(rb, &png, &len), 0);
		free(png);
		rm_render_free(rb);
		free(sb);
	}
	for (k = 0; k < 2; k++)
	{
		assert_int_equal(rm_render_begin(r, &s->layers[k]), 0);
		for (i = 0; i < 300; i++)
		{
			size_t		n = 1 + i % 64,
						j;
			rm_feature	f = {.wkb = junk, .wkb_len = n, .radius_m = 100, .level = 1 + i % 4};

			for (j = 0; j < n; j++)
			{
				seed = seed * 1103515245u + 12345u;
				junk[j] = (unsigned char) (seed >> 16);
			}
			(void) rm_render_feature(r, &s->layers[k], &f);
		}
		{
			rm_feature	f = {.wkb = g, .wkb_len = len, .radius_m = NAN, .level = 9};

			assert_int_equal(rm_render_feature(r, &s->layers[k], &f), 0);
			f.radius_m = 1e300;
			(void) rm_render_feature(r, &s->layers[k], &f);
			f.radius_m = -5;
			assert_int_equal(rm_render_feature(r, &s->layers[k], &f), 0);
		}
		assert_int_equal(rm_render_end(r, &s->layers[k]), 0);
	}
	{
		unsigned char *png;

		assert_int_equal(rm_render_png(r, &png, &len), 0);
		free(png);
	}
	rm_render_free(r);
	free(g);
	assert_null(rm_render_new(s, 3, 9, 0, 1));
	assert_null(rm_render_new(NULL, 3, 0, 0, 1));
	free(s);
}

/* Found by fuzz/fuzz_tile: a feature with no WKB bytes fails with a reason
 * (it used to return -1 with an empty rm_render_error()), and a label layer
 * that got no labels ends cleanly (it called qsort(NULL, 0, ...), undefined
 * behaviour that UBSan reports). */
static void
test_fuzz_regressions(void **state)
{
	rm_style   *s = style("{\"layers\": [{\"type\": \"district_labels\"}, {\"type\": \"district_borders\"},"
						  " {\"type\": \"impact_zones\"}, {\"type\": \"sources\"}]}");
	rm_render  *r = rm_render_new(s, 10, 815, 422, 1);
	unsigned char *png;
	size_t		len;
	int			k;

	assert_non_null(r);
	for (k = 0; k < s->nlayers; k++)
	{
		const rm_layer *l = &s->layers[k];
		rm_feature	f = {.wkb = (const unsigned char *) "", .wkb_len = 0, .radius_m = 100, .level = 1, .key = "x"};

		assert_int_equal(rm_render_begin(r, l), 0);
		if (l->type != RM_LAYER_DISTRICT_LABELS)
		{
			assert_int_equal(rm_render_feature(r, l, &f), -1);
			assert_true(rm_render_error(r)[0] != '\0');
		}
		assert_int_equal(rm_render_end(r, l), 0);
	}
	assert_int_equal(rm_render_png(r, &png, &len), 0);
	free(png);
	rm_render_free(r);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tile_math),
		cmocka_unit_test(test_empty_tile),
		cmocka_unit_test(test_circle_radius),
		cmocka_unit_test(test_line_buffer_width),
		cmocka_unit_test(test_polygon_zone),
		cmocka_unit_test(test_hatch_seamless),
		cmocka_unit_test(test_cgcs2000),
		cmocka_unit_test(test_labels_across_edges),
		cmocka_unit_test(test_label_collision),
		cmocka_unit_test(test_borders_and_deep_zoom),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_fuzz_regressions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
