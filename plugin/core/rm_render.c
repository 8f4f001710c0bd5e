/*
 * rm_render.c — the tile renderer (see rm_render.h and docs/tiles.md).
 *
 * Coordinates: a feature's lon/lat goes to *tile pixels* (origin at the
 * tile's top-left corner, 256*scale px per tile) in double precision. Paths
 * are clipped (Sutherland–Hodgman for rings) to the tile grown by a margin
 * wider than any stroke, so the clip edges are never visible and strokes join
 * seamlessly across tile edges, and simplified to the pixel grid (points
 * closer than RM_SIMPLIFY_PX to the last kept one are dropped) before cairo
 * sees them. Cairo's 24.8 fixed point never overflows because nothing outside
 * the margin reaches it, at any zoom.
 */
#include "rm_render.h"
#include "rm_labels.h"
#include "rm_metric.h"
#include "rm_proj.h"

#include <cairo.h>
#include <png.h>
#include <geos_c.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RM_SIMPLIFY_PX 0.4
#define RM_MAX_DEPTH 16
#define RM_MAX_POINTS (64 * 1024 * 1024)
/* Zones' arcs: no point farther than this (px) from the true circle, nor
 * than 0.24 % of the radius (see zone_segments): the contract allows 0.5 %. */
#define RM_ARC_ERROR_PX 0.2

struct rm_render
{
	const rm_style *style;
	rm_proj		proj;			/* lon/lat -> output px */
	double		scale;			/* style px -> output px (proj.px_scale) */
	int			tile_scale;		/* tiles: 1 or 2 (the empty PNG); 0 otherwise */
	double		clip;			/* margin of the clip rectangle, px */
	int			external;		/* cr is the caller's (rm_render_new_proj) */
	int			vector;			/* vector output: no raster patterns */
	char		err[512];

	rm_geo	   *geo;			/* ground geometry (rm_metric) and its GEOS
								 * context: process_geo(), not owned */
	GEOSContextHandle_t geos;

	cairo_surface_t *surface;
	cairo_t    *cr;
	cairo_pattern_t *hatch;
	int			drawn;			/* something reached cairo */

	/* per layer */
	int			cur_level;
	int			path_has;		/* the current path has subpaths */
	rm_labels  *labels;

	/* scratch buffers */
	double	   *buf;
	size_t		bufcap;
	double	   *tmp;
	size_t		tmpcap;
	double	   *tmp2;
	size_t		tmp2cap;
};

/* ------------------------------------------------------------------------ */

static int
set_err(rm_render *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
set_err(rm_render *r, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
rm_render_error(const rm_render *r)
{
	return r ? r->err : "out of memory";
}

int
rm_tile_check(int z, int x, int y, int scale, char *err, size_t errlen)
{
	return rm_tms_tile_check(RM_TMS_WEBMERCATOR, z, x, y, scale, err, errlen);
}

void
rm_lonlat_to_global_px(int z, int scale, double lon, double lat, double *gx, double *gy)
{
	rm_proj		p;

	rm_proj_tile(&p, z, 0, 0, scale);
	rm_proj_forward(&p, lon, lat, gx, gy);
}

void
rm_tile_bounds(int z, int x, int y, int scale, double margin_px, double box[4])
{
	rm_proj		p;

	rm_proj_tile(&p, z, x, y, scale);
	rm_proj_bounds(&p, margin_px, box);
}

/* ------------------------------------------------------------------------ */

/*
 * One rm_geo per process, made on first use and kept (as rm_empty_png()'s
 * PNGs are): its transverse Mercator projections (rm_ground_buffer) cost
 * ~0.2 ms each to create, more than drawing a tile's zones, so tiles share
 * them. Not thread-safe, like the rest of the renderer's first-use state.
 */
static rm_geo *
process_geo(void)
{
	static rm_geo *geo;

	if (!geo)
		geo = rm_geo_new();
	return geo;
}

/* The rest of a new renderer whose projection is set; frees r on failure. */
static rm_render *
render_setup(rm_render *r, const rm_style *style)
{
	r->style = style;
	r->scale = r->proj.px_scale;
	r->clip = 64.0 * r->proj.px_scale;	/* > any stroke/symbol half-width a style allows */
	r->geo = process_geo();
	if (!r->geo)
	{
		free(r);
		return NULL;
	}
	r->geos = rm_geo_geos(r->geo);
	return r;
}

rm_render *
rm_render_new(const rm_style *style, int z, int x, int y, int scale)
{
	rm_render  *r;
	char		e[128];

	if (!style || rm_tile_check(z, x, y, scale, e, sizeof e))
		return NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	rm_proj_tile(&r->proj, z, x, y, scale);
	r->tile_scale = scale;
	return render_setup(r, style);
}

rm_render *
rm_render_new_tms(const rm_style *style, rm_tms tms, int z, int x, int y, int scale)
{
	rm_render  *r;
	char		e[128];

	if (!style || rm_tms_tile_check(tms, z, x, y, scale, e, sizeof e))
		return NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	rm_proj_tile_tms(&r->proj, tms, z, x, y, scale);
	r->tile_scale = scale;
	return render_setup(r, style);
}

rm_render *
rm_render_new_proj(const rm_style *style, const rm_proj *proj, cairo_t *cr)
{
	rm_render  *r;

	if (!style || !proj || !cr || !(proj->world > 0) || !(proj->width > 0) || !(proj->height > 0) ||
		!(proj->px_scale > 0) || !isfinite(proj->ox) || !isfinite(proj->oy))
		return NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->proj = *proj;
	r->cr = cr;
	r->external = 1;
	r->vector = 1;
	return render_setup(r, style);
}

void
rm_render_free(rm_render *r)
{
	if (!r)
		return;
	if (r->labels)
		rm_labels_free(r->labels);
	if (r->hatch)
		cairo_pattern_destroy(r->hatch);
	if (r->cr && !r->external)
		cairo_destroy(r->cr);
	if (r->surface)
		cairo_surface_destroy(r->surface);
	free(r->buf);
	free(r->tmp);
	free(r->tmp2);
	free(r);
}

int
rm_render_layer_visible(const rm_render *r, const rm_layer *l)
{
	return r->proj.zoom < 0 || (r->proj.zoom >= l->minzoom && r->proj.zoom <= l->maxzoom);
}

static double
label_max_extent(const rm_render *r)
{
	return fmin(r->proj.width, r->proj.height);
}

double
rm_render_query_margin(const rm_render *r, const rm_layer *l)
{
	double		s = r->scale;

	switch (l->type)
	{
		case RM_LAYER_DISTRICT_LABELS:
			return rm_labels_query_margin(label_max_extent(r), l->halo_width * s);
		case RM_LAYER_SOURCES:
		case RM_LAYER_SHELTERS:
		case RM_LAYER_UNSERVED:
			return (l->size + l->width + l->halo_width) * s + 4;
		default:
			return (l->width + 2) * s + 2;
	}
}

void
rm_render_query_bounds(const rm_render *r, const rm_layer *l, double box[4])
{
	rm_proj_bounds(&r->proj, rm_render_query_margin(r, l), box);
}

/* ------------------------------------------------------------------------ */
/* Cairo state, made on first use. */

static int
ensure_surface(rm_render *r)
{
	if (r->cr)
	{
		if (r->external && !r->drawn)
		{
			/* the caller's context: its clip is the map frame */
			if (r->style->has_background)
			{
				rm_color	c = r->style->background;

				cairo_set_source_rgba(r->cr, c.r, c.g, c.b, c.a);
				cairo_paint(r->cr);
			}
			r->drawn = 1;
		}
		return 0;
	}
	r->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int) r->proj.width, (int) r->proj.height);
	if (cairo_surface_status(r->surface) != CAIRO_STATUS_SUCCESS)
		return set_err(r, "cairo: %s", cairo_status_to_string(cairo_surface_status(r->surface)));
	r->cr = cairo_create(r->surface);
	if (cairo_status(r->cr) != CAIRO_STATUS_SUCCESS)
		return set_err(r, "cairo: %s", cairo_status_to_string(cairo_status(r->cr)));
	if (r->style->has_background)
	{
		rm_color	c = r->style->background;

		cairo_set_source_rgba(r->cr, c.r, c.g, c.b, c.a);
		cairo_paint(r->cr);
	}
	cairo_set_antialias(r->cr, CAIRO_ANTIALIAS_GOOD);
	r->drawn = 1;
	return 0;
}

static void
set_color(cairo_t *cr, rm_color c)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

static int
check_cairo(rm_render *r)
{
	if (r->cr && cairo_status(r->cr) != CAIRO_STATUS_SUCCESS)
		return set_err(r, "cairo: %s", cairo_status_to_string(cairo_status(r->cr)));
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Scratch buffers. */

static int
grow(rm_render *r, double **b, size_t *cap, size_t need)
{
	size_t		nc;
	double	   *nb;

	if (need <= *cap)
		return 0;
	if (need > (size_t) RM_MAX_POINTS * 2)
		return set_err(r, "geometry too large (%zu coordinates)", need / 2);
	nc = *cap ? *cap : 1024;
	while (nc < need)
		nc *= 2;
	nb = realloc(*b, nc * sizeof(double));
	if (!nb)
		return set_err(r, "out of memory");
	*b = nb;
	*cap = nc;
	return 0;
}

/* lon/lat pairs in place -> tile pixels; 0 if some coordinate is not finite. */
static int
to_px(const rm_render *r, double *xy, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		double		lon = xy[2 * i],
					lat = xy[2 * i + 1];

		/* not lon/lat at all: nothing sensible to draw */
		if (!isfinite(lon) || !isfinite(lat) || fabs(lon) > 1e4 || fabs(lat) > 1e4)
			return 0;
		rm_proj_forward(&r->proj, lon, lat, &xy[2 * i], &xy[2 * i + 1]);
	}
	return 1;
}

/* Sutherland–Hodgman against one edge. in: n points; out: returns count. */
static size_t
clip_edge(const double *in, size_t n, double *out, int edge, double v)
{
	size_t		i,
				m = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
	{
		const double *p = &in[2 * i];
		const double *q = &in[2 * ((i + 1) % n)];
		double		pc = (edge & 1) ? p[1] : p[0];
		double		qc = (edge & 1) ? q[1] : q[0];
		int			pin = (edge < 2) ? pc >= v : pc <= v;
		int			qin = (edge < 2) ? qc >= v : qc <= v;

		if (pin)
		{
			out[2 * m] = p[0];
			out[2 * m + 1] = p[1];
			m++;
		}
		if (pin != qin)
		{
			double		t = (v - pc) / (qc - pc);

			if (edge & 1)
			{
				out[2 * m] = p[0] + t * (q[0] - p[0]);
				out[2 * m + 1] = v;
			}
			else
			{
				out[2 * m] = v;
				out[2 * m + 1] = p[1] + t * (q[1] - p[1]);
			}
			m++;
		}
	}
	return m;
}

/*
 * Appends a closed ring (n px points in r->buf) to the current cairo path,
 * clipped to the margin rectangle and simplified. orient: 0 = as given,
 * +1 / -1 = force the sign of the (pixel-space) signed area.
 */
static int
emit_ring(rm_render *r, const double *pts, size_t n, int orient)
{
	double		lo = -r->clip,
				hix = r->proj.width + r->clip,
				hiy = r->proj.height + r->clip;
	double		bx0 = INFINITY,
				by0 = INFINITY,
				bx1 = -INFINITY,
				by1 = -INFINITY;
	const double *ring = pts;
	size_t		i,
				m = n,
				k;
	double		area = 0;

	if (n >= 2 && pts[0] == pts[2 * (n - 1)] && pts[1] == pts[2 * (n - 1) + 1])
		m = --n;				/* drop the closing point */
	if (n < 3)
		return 0;
	for (i = 0; i < n; i++)
	{
		if (pts[2 * i] < bx0)
			bx0 = pts[2 * i];
		if (pts[2 * i] > bx1)
			bx1 = pts[2 * i];
		if (pts[2 * i + 1] < by0)
			by0 = pts[2 * i + 1];
		if (pts[2 * i + 1] > by1)
			by1 = pts[2 * i + 1];
	}
	if (bx1 < lo || bx0 > hix || by1 < lo || by0 > hiy)
		return 0;				/* wholly outside */
	if (bx1 - bx0 < RM_SIMPLIFY_PX && by1 - by0 < RM_SIMPLIFY_PX)
		return 0;				/* below a pixel */
	if (bx0 < lo || bx1 > hix || by0 < lo || by1 > hiy)
	{
		int			e;

		if (grow(r, &r->tmp, &r->tmpcap, 2 * n + 16))
			return -1;
		memcpy(r->tmp, pts, 2 * n * sizeof(double));
		m = n;
		for (e = 0; e < 4 && m > 0; e++)
		{
			double		v = (e < 2) ? lo : ((e & 1) ? hiy : hix);

			/* one pass at most doubles the point count */
			if (grow(r, &r->tmp2, &r->tmp2cap, 4 * m + 16))
				return -1;
			m = clip_edge(r->tmp, m, r->tmp2, e, v);
			{
				double	   *t = r->tmp;
				size_t		tc = r->tmpcap;

				r->tmp = r->tmp2;
				r->tmpcap = r->tmp2cap;
				r->tmp2 = t;
				r->tmp2cap = tc;
			}
		}
		if (m < 3)
			return 0;
		ring = r->tmp;
	}
	/* simplify into tmp2 */
	if (grow(r, &r->tmp2, &r->tmp2cap, 2 * m + 4))
		return -1;
	k = 0;
	for (i = 0; i < m; i++)
	{
		double		px = ring[2 * i],
					py = ring[2 * i + 1];

		if (k > 0 && fabs(px - r->tmp2[2 * (k - 1)]) < RM_SIMPLIFY_PX &&
			fabs(py - r->tmp2[2 * (k - 1) + 1]) < RM_SIMPLIFY_PX)
			continue;
		r->tmp2[2 * k] = px;
		r->tmp2[2 * k + 1] = py;
		k++;
	}
	if (k < 3)
		return 0;
	for (i = 0; i < k; i++)
	{
		size_t		j = (i + 1) % k;

		area += r->tmp2[2 * i] * r->tmp2[2 * j + 1] - r->tmp2[2 * j] * r->tmp2[2 * i + 1];
	}
	if (ensure_surface(r))
		return -1;
	if (orient != 0 && ((area > 0) != (orient > 0)))
	{
		cairo_move_to(r->cr, r->tmp2[2 * (k - 1)], r->tmp2[2 * (k - 1) + 1]);
		for (i = k - 1; i-- > 0;)
			cairo_line_to(r->cr, r->tmp2[2 * i], r->tmp2[2 * i + 1]);
	}
	else
	{
		cairo_move_to(r->cr, r->tmp2[0], r->tmp2[1]);
		for (i = 1; i < k; i++)
			cairo_line_to(r->cr, r->tmp2[2 * i], r->tmp2[2 * i + 1]);
	}
	cairo_close_path(r->cr);
	r->path_has = 1;
	return 0;
}

/* The coordinates of a sequence, as tile pixels, in r->buf. */
static int
seq_px(rm_render *r, const GEOSCoordSequence *cs, size_t *n)
{
	unsigned int sz = 0;

	*n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(r->geos, cs, &sz))
		return set_err(r, "GEOS: %s", rm_geo_error(r->geo));
	if (sz == 0)
		return 0;
	if (grow(r, &r->buf, &r->bufcap, 2 * (size_t) sz))
		return -1;
	if (!GEOSCoordSeq_copyToBuffer_r(r->geos, cs, r->buf, 0, 0))
		return set_err(r, "GEOS: %s", rm_geo_error(r->geo));
	if (!to_px(r, r->buf, sz))
		return 0;				/* NaN/Inf coordinates: nothing to draw */
	*n = sz;
	return 0;
}

/* Appends the polygonal parts of g (lon/lat) to the current path. Points and
 * lines are ignored. orient: see emit_ring (holes get the opposite sign). */
static int
path_polygons(rm_render *r, const GEOSGeometry *g, int orient, int depth)
{
	int			t,
				i,
				n;

	if (!g || depth > RM_MAX_DEPTH)
		return 0;
	t = GEOSGeomTypeId_r(r->geos, g);
	if (t == GEOS_POLYGON)
	{
		const GEOSGeometry *ring;
		size_t		np;

		if (GEOSisEmpty_r(r->geos, g) == 1)
			return 0;
		ring = GEOSGetExteriorRing_r(r->geos, g);
		if (!ring)
			return 0;
		if (seq_px(r, GEOSGeom_getCoordSeq_r(r->geos, ring), &np))
			return -1;
		/* pixel y points down: a counter-clockwise lon/lat ring has a
		 * negative pixel-space shoelace sum; we force outer rings positive */
		if (np && emit_ring(r, r->buf, np, orient))
			return -1;
		n = GEOSGetNumInteriorRings_r(r->geos, g);
		for (i = 0; i < n; i++)
		{
			ring = GEOSGetInteriorRingN_r(r->geos, g, i);
			if (!ring)
				continue;
			if (seq_px(r, GEOSGeom_getCoordSeq_r(r->geos, ring), &np))
				return -1;
			if (np && emit_ring(r, r->buf, np, -orient))
				return -1;
		}
		return 0;
	}
	if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION)
	{
		n = GEOSGetNumGeometries_r(r->geos, g);
		for (i = 0; i < n; i++)
			if (path_polygons(r, GEOSGetGeometryN_r(r->geos, g, i), orient, depth + 1))
				return -1;
	}
	return 0;
}

static GEOSGeometry *
read_wkb(rm_render *r, const rm_feature *f)
{
	GEOSGeometry *g;

	if (!f->wkb || f->wkb_len == 0)
	{
		/* The caller reports rm_render_error(): never fail without a reason. */
		set_err(r, "cannot read the geometry: no WKB bytes");
		return NULL;
	}
	g = rm_wkb_read(r->geo, f->wkb, f->wkb_len);
	if (!g)
		set_err(r, "cannot read the geometry: %s", rm_geo_error(r->geo)[0] ? rm_geo_error(r->geo) : "bad WKB");
	return g;
}

static void stroke_setup(rm_render *r, const rm_layer *l);

/*
 * Appends the linear parts of g (lon/lat) to the current path as open
 * polylines; lines wholly outside the tile plus its margin are skipped, and
 * vertices closer than the simplification threshold to the last kept one are
 * dropped. (Road edges are short: nothing reaches cairo's fixed-point limits.)
 */
static int
path_lines(rm_render *r, const GEOSGeometry *g, int depth)
{
	int			t,
				i,
				n;

	if (!g || depth > RM_MAX_DEPTH)
		return 0;
	t = GEOSGeomTypeId_r(r->geos, g);
	if (t == GEOS_LINESTRING)
	{
		size_t		np,
					k;
		double		lo = -r->clip,
					hix = r->proj.width + r->clip,
					hiy = r->proj.height + r->clip,
					bx0 = INFINITY,
					by0 = INFINITY,
					bx1 = -INFINITY,
					by1 = -INFINITY,
					lx = 0,
					ly = 0;

		if (GEOSisEmpty_r(r->geos, g) == 1)
			return 0;
		if (seq_px(r, GEOSGeom_getCoordSeq_r(r->geos, g), &np))
			return -1;
		if (np < 2)
			return 0;
		for (k = 0; k < np; k++)
		{
			bx0 = fmin(bx0, r->buf[2 * k]);
			bx1 = fmax(bx1, r->buf[2 * k]);
			by0 = fmin(by0, r->buf[2 * k + 1]);
			by1 = fmax(by1, r->buf[2 * k + 1]);
		}
		if (bx1 < lo || bx0 > hix || by1 < lo || by0 > hiy)
			return 0;
		if (bx1 - bx0 > 1e6 || by1 - by0 > 1e6)
			return 0;			/* longer than any road edge on any tile */
		if (ensure_surface(r))
			return -1;
		for (k = 0; k < np; k++)
		{
			double		px = r->buf[2 * k],
						py = r->buf[2 * k + 1];

			if (k == 0)
				cairo_move_to(r->cr, px, py);
			else if (k == np - 1 || fabs(px - lx) >= RM_SIMPLIFY_PX || fabs(py - ly) >= RM_SIMPLIFY_PX)
				cairo_line_to(r->cr, px, py);
			else
				continue;
			lx = px;
			ly = py;
		}
		r->path_has = 1;
		return 0;
	}
	if (t == GEOS_MULTILINESTRING || t == GEOS_GEOMETRYCOLLECTION)
	{
		n = GEOSGetNumGeometries_r(r->geos, g);
		for (i = 0; i < n; i++)
			if (path_lines(r, GEOSGetGeometryN_r(r->geos, g, i), depth + 1))
				return -1;
	}
	return 0;
}

/* Strokes the accumulated lines: a halo (the layer's halo colour, wider by
 * twice halo_width) under the line colour. */
static int
flush_lines(rm_render *r, const rm_layer *l)
{
	if (!r->path_has || !r->cr)
	{
		r->path_has = 0;
		return 0;
	}
	stroke_setup(r, l);
	if (l->halo.a > 0 && l->halo_width > 0)
	{
		cairo_set_line_width(r->cr, (l->width + 2 * l->halo_width) * r->scale);
		set_color(r->cr, l->halo);
		cairo_stroke_preserve(r->cr);
		cairo_set_line_width(r->cr, l->width * r->scale);
	}
	set_color(r->cr, l->color);
	cairo_stroke(r->cr);
	r->path_has = 0;
	return check_cairo(r);
}

/* ------------------------------------------------------------------------ */
/* Ground buffers. */

/*
 * Vertices per full circle of a zone of rpx pixels' radius. Zones' arcs are
 * balanced about the radius as rm_metric draws them (vertices k - 1 outside,
 * k = rm_circle_scale(n), chord midpoints as far inside), so chords may sag
 * twice the largest deviation allowed, RM_ARC_ERROR_PX; and never fewer
 * vertices than rm_metric's RM_CIRCLE_SEGMENTS (+-0.24 % of the radius, the
 * zones undrilled_areas returns), at most 4096.
 */
static int
zone_segments(double rpx)
{
	int			n = rm_circle_segments(2 * RM_ARC_ERROR_PX / rpx);

	return n < RM_CIRCLE_SEGMENTS ? RM_CIRCLE_SEGMENTS : n;
}

/* Pixels per ground metre at latitude lat (Web Mercator is conformal). */
static double
px_per_metre(const rm_render *r, double lat)
{
	return rm_proj_px_per_metre(&r->proj, lat);
}

/* A geodesic circle around a point, appended to the path. */
static int
path_circle(rm_render *r, double lon, double lat, double radius, int orient)
{
	double		gx,
				gy,
				rpx,
				m;
	int			n;

	if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90 || !(radius > 0))
		return 0;
	rm_proj_forward(&r->proj, lon, lat, &gx, &gy);
	rpx = radius * px_per_metre(r, fabs(lat) > 89 ? 89 : lat);
	m = rpx * 1.02 + 2;
	if (gx + m < -r->clip || gx - m > r->proj.width + r->clip ||
		gy + m < -r->clip || gy - m > r->proj.height + r->clip)
		return 0;
	if (rpx < RM_SIMPLIFY_PX)
		return 0;
	n = zone_segments(rpx);
	if (grow(r, &r->buf, &r->bufcap, 2 * (size_t) n))
		return -1;
	if (!rm_geodesic_ring(r->geo, lon, lat, radius * rm_circle_scale(n), n, r->buf) ||
		!to_px(r, r->buf, n))
		return 0;
	return emit_ring(r, r->buf, n, orient);
}

/* Appends the zone of one feature (geometry buffered by radius) to the path. */
static int
path_zone(rm_render *r, const GEOSGeometry *g, double radius, int depth)
{
	int			t = GEOSGeomTypeId_r(r->geos, g);
	int			i,
				n,
				rc = 0;

	if (depth > RM_MAX_DEPTH)
		return 0;
	if (t == GEOS_POINT)
	{
		double		lon,
					lat;

		if (GEOSisEmpty_r(r->geos, g) == 1)
			return 0;
		if (!GEOSGeomGetX_r(r->geos, g, &lon) || !GEOSGeomGetY_r(r->geos, g, &lat))
			return 0;
		return path_circle(r, lon, lat, radius, 1);
	}
	if (t == GEOS_MULTIPOINT || t == GEOS_GEOMETRYCOLLECTION)
	{
		n = GEOSGetNumGeometries_r(r->geos, g);
		for (i = 0; i < n && rc == 0; i++)
			rc = path_zone(r, GEOSGetGeometryN_r(r->geos, g, i), radius, depth + 1);
		return rc;
	}
	if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON || t == GEOS_LINESTRING ||
		t == GEOS_MULTILINESTRING || t == GEOS_LINEARRING)
	{
		double		x0,
					y0,
					x1,
					y1,
					lat,
					m,
					rpx;
		GEOSGeometry *buf;

		if (GEOSisEmpty_r(r->geos, g) == 1)
			return 0;
		if (radius <= 0)
			return (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) ? path_polygons(r, g, 1, 0) : 0;
		if (!GEOSGeom_getXMin_r(r->geos, g, &x0) || !GEOSGeom_getXMax_r(r->geos, g, &x1) ||
			!GEOSGeom_getYMin_r(r->geos, g, &y0) || !GEOSGeom_getYMax_r(r->geos, g, &y1))
			return 0;
		/* skip the buffer when it cannot reach the tile */
		lat = fabs(y0) > fabs(y1) ? y0 : y1;
		if (!isfinite(lat) || fabs(lat) > 89)
			return 0;
		rpx = radius * px_per_metre(r, (y0 + y1) / 2);
		m = radius * px_per_metre(r, lat) * 1.05 + 2;
		{
			double		gx0,
						gy0,
						gx1,
						gy1;

			rm_proj_forward(&r->proj, x0, y1, &gx0, &gy0);
			rm_proj_forward(&r->proj, x1, y0, &gx1, &gy1);
			gx0 -= m;
			gx1 += m;
			gy0 -= m;
			gy1 += m;
			if (gx1 < -r->clip || gx0 > r->proj.width + r->clip || gy1 < -r->clip || gy0 > r->proj.height + r->clip)
				return 0;
		}
		/* rm_metric's ground buffer (local transverse Mercator: within
		 * 0.5 % up to ~1000 km east-west; the 20 degree limit is the
		 * renderer's sanity check) */
		if (!isfinite(x0) || !isfinite(x1) || x1 - x0 > 20 || y1 - y0 > 20)
			return set_err(r, "geometry too large or off the globe for a ground buffer");
		buf = rm_ground_buffer(r->geo, g, radius, zone_segments(rpx));
		if (!buf)
			return set_err(r, "ground buffer failed: %s", rm_geo_error(r->geo));
		rc = path_polygons(r, buf, 1, 0);
		GEOSGeom_destroy_r(r->geos, buf);
		return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Symbols. */

void
rm_shape_path(cairo_t *cr, rm_shape s, double x, double y, double d)
{
	double		h = d / 2;
	int			i;

	switch (s)
	{
		case RM_SHAPE_SQUARE:
			cairo_rectangle(cr, x - h * 0.85, y - h * 0.85, d * 0.85, d * 0.85);
			break;
		case RM_SHAPE_TRIANGLE:
			cairo_move_to(cr, x, y - h * 1.1);
			cairo_line_to(cr, x + h * 1.05, y + h * 0.75);
			cairo_line_to(cr, x - h * 1.05, y + h * 0.75);
			cairo_close_path(cr);
			break;
		case RM_SHAPE_DIAMOND:
			cairo_move_to(cr, x, y - h * 1.15);
			cairo_line_to(cr, x + h * 1.15, y);
			cairo_line_to(cr, x, y + h * 1.15);
			cairo_line_to(cr, x - h * 1.15, y);
			cairo_close_path(cr);
			break;
		case RM_SHAPE_CROSS:
			{
				double		a = h * 0.38;

				cairo_move_to(cr, x - a, y - h);
				cairo_line_to(cr, x + a, y - h);
				cairo_line_to(cr, x + a, y - a);
				cairo_line_to(cr, x + h, y - a);
				cairo_line_to(cr, x + h, y + a);
				cairo_line_to(cr, x + a, y + a);
				cairo_line_to(cr, x + a, y + h);
				cairo_line_to(cr, x - a, y + h);
				cairo_line_to(cr, x - a, y + a);
				cairo_line_to(cr, x - h, y + a);
				cairo_line_to(cr, x - h, y - a);
				cairo_line_to(cr, x - a, y - a);
				cairo_close_path(cr);
			}
			break;
		case RM_SHAPE_STAR:
			for (i = 0; i < 10; i++)
			{
				double		a = -M_PI / 2 + i * M_PI / 5;
				double		rr = (i % 2) ? h * 0.5 : h * 1.2;

				if (i == 0)
					cairo_move_to(cr, x + rr * cos(a), y + rr * sin(a));
				else
					cairo_line_to(cr, x + rr * cos(a), y + rr * sin(a));
			}
			cairo_close_path(cr);
			break;
		case RM_SHAPE_HEXAGON:
			for (i = 0; i < 6; i++)
			{
				double		a = M_PI / 6 + i * M_PI / 3;

				if (i == 0)
					cairo_move_to(cr, x + h * cos(a), y + h * sin(a));
				else
					cairo_line_to(cr, x + h * cos(a), y + h * sin(a));
			}
			cairo_close_path(cr);
			break;
		case RM_SHAPE_CIRCLE:
		default:
			cairo_new_sub_path(cr);
			cairo_arc(cr, x, y, h, 0, 2 * M_PI);
			cairo_close_path(cr);
			break;
	}
}

static int
draw_symbol(rm_render *r, const rm_layer *l, double lon, double lat, rm_shape shape, rm_color fill)
{
	double		gx,
				gy,
				d = l->size * r->scale,
				m;

	if (!isfinite(lon) || !isfinite(lat))
		return 0;
	rm_proj_forward(&r->proj, lon, lat, &gx, &gy);
	m = d + (l->width + l->halo_width) * r->scale + 1;
	if (gx < -m || gx > r->proj.width + m || gy < -m || gy > r->proj.height + m)
		return 0;
	if (ensure_surface(r))
		return -1;
	cairo_new_path(r->cr);
	rm_shape_path(r->cr, shape, gx, gy, d);
	set_color(r->cr, fill);
	cairo_fill_preserve(r->cr);
	if (l->width > 0 && l->halo.a > 0)
	{
		set_color(r->cr, l->halo);
		cairo_set_line_width(r->cr, l->width * r->scale);
		cairo_set_line_join(r->cr, CAIRO_LINE_JOIN_ROUND);
		cairo_stroke(r->cr);
	}
	cairo_new_path(r->cr);
	return 0;
}

/* Points of g (a representative point for lines/polygons) as symbols. */
static int
symbols_of(rm_render *r, const rm_layer *l, const GEOSGeometry *g, rm_shape shape, rm_color fill, int depth)
{
	int			t = GEOSGeomTypeId_r(r->geos, g);
	int			i,
				n,
				rc = 0;

	if (depth > RM_MAX_DEPTH || GEOSisEmpty_r(r->geos, g) == 1)
		return 0;
	if (t == GEOS_POINT)
	{
		double		lon,
					lat;

		if (!GEOSGeomGetX_r(r->geos, g, &lon) || !GEOSGeomGetY_r(r->geos, g, &lat))
			return 0;
		return draw_symbol(r, l, lon, lat, shape, fill);
	}
	if (t == GEOS_MULTIPOINT || t == GEOS_GEOMETRYCOLLECTION)
	{
		n = GEOSGetNumGeometries_r(r->geos, g);
		for (i = 0; i < n && rc == 0; i++)
			rc = symbols_of(r, l, GEOSGetGeometryN_r(r->geos, g, i), shape, fill, depth + 1);
		return rc;
	}
	{
		GEOSGeometry *p = GEOSPointOnSurface_r(r->geos, g);

		if (!p)
			return 0;			/* e.g. invalid polygon: no symbol */
		rc = symbols_of(r, l, p, shape, fill, depth + 1);
		GEOSGeom_destroy_r(r->geos, p);
		return rc;
	}
}

/* ------------------------------------------------------------------------ */
/* Hatch: a repeating tile of two diagonal line families in the layer colour,
 * anchored to the global pixel grid so hatching continues across tiles. */

static int
make_hatch(rm_render *r, const rm_layer *l)
{
	int			s = (int) lround(l->spacing * r->scale),
				w = (int) lround(l->width * r->scale),
				i,
				j,
				stride;
	cairo_surface_t *img;
	unsigned char *data;
	uint32_t	px;
	cairo_matrix_t mtx;
	rm_color	c = l->color;

	if (s < 3)
		s = 3;
	if (w < 1)
		w = 1;
	if (w > s - 1)
		w = s - 1;
	img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, s, s);
	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS)
	{
		cairo_surface_destroy(img);
		return set_err(r, "cairo: cannot make the hatch");
	}
	cairo_surface_flush(img);
	data = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	{
		unsigned	a = (unsigned) lround(c.a * 255);

		px = (a << 24) | ((unsigned) lround(c.r * a) << 16) | ((unsigned) lround(c.g * a) << 8) |
			(unsigned) lround(c.b * a);
	}
	for (j = 0; j < s; j++)
	{
		uint32_t   *row = (uint32_t *) (data + j * stride);

		for (i = 0; i < s; i++)
			row[i] = (((i + j) % s) < w || ((i - j + s) % s) < w) ? px : 0;
	}
	cairo_surface_mark_dirty(img);
	r->hatch = cairo_pattern_create_for_surface(img);
	cairo_surface_destroy(img);
	if (cairo_pattern_status(r->hatch) != CAIRO_STATUS_SUCCESS)
		return set_err(r, "cairo: cannot make the hatch pattern");
	cairo_pattern_set_extend(r->hatch, CAIRO_EXTEND_REPEAT);
	cairo_pattern_set_filter(r->hatch, CAIRO_FILTER_NEAREST);
	cairo_matrix_init_translate(&mtx, fmod(r->proj.ox, s), fmod(r->proj.oy, s));
	cairo_pattern_set_matrix(r->hatch, &mtx);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Layers. */

static rm_color
level_color(const rm_color *v, int level)
{
	if (level < 1)
		level = 1;
	if (level > 4)
		level = 4;
	return v[level - 1];
}

static void
stroke_setup(rm_render *r, const rm_layer *l)
{
	cairo_set_line_width(r->cr, l->width * r->scale);
	cairo_set_line_join(r->cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(r->cr, CAIRO_LINE_CAP_ROUND);
	if (l->ndash >= 2)
	{
		double		d[4];
		int			i;

		for (i = 0; i < l->ndash; i++)
			d[i] = l->dash[i] * r->scale;
		cairo_set_dash(r->cr, d, l->ndash, 0);
	}
	else
		cairo_set_dash(r->cr, NULL, 0, 0);
}

/*
 * Vector output (a PDF sheet): the cross-hatch as stroked lines clipped to
 * the path, anchored to the global pixel grid like make_hatch()'s pattern
 * (a raster pattern would become an embedded image). Consumes the path.
 */
static int
hatch_vector(rm_render *r, const rm_layer *l)
{
	double		s = l->spacing * r->scale,
				x0,
				y0,
				x1,
				y1,
				c,
				off;
	cairo_path_t *path = cairo_copy_path(r->cr);

	if (!path || path->status != CAIRO_STATUS_SUCCESS)
	{
		cairo_path_destroy(path);
		return set_err(r, "cairo: cannot copy the path");
	}
	if (s < 2)
		s = 2;
	cairo_path_extents(r->cr, &x0, &y0, &x1, &y1);
	cairo_save(r->cr);
	cairo_clip(r->cr);
	set_color(r->cr, l->color);
	cairo_set_line_width(r->cr, fmax(l->width * r->scale * 0.6, 0.2));
	cairo_set_dash(r->cr, NULL, 0, 0);
	/* x + y = c and x - y = c on the global grid, every s px */
	off = fmod(r->proj.ox + r->proj.oy, s);
	for (c = floor((x0 + y0 + off) / s) * s - off; c <= x1 + y1; c += s)
	{
		cairo_move_to(r->cr, c - y0, y0);
		cairo_line_to(r->cr, c - y1, y1);
	}
	off = fmod(r->proj.ox - r->proj.oy, s);
	for (c = floor((x0 - y1 + off) / s) * s - off; c <= x1 - y0; c += s)
	{
		cairo_move_to(r->cr, c + y0, y0);
		cairo_line_to(r->cr, c + y1, y1);
	}
	cairo_stroke(r->cr);
	cairo_restore(r->cr);
	cairo_new_path(r->cr);
	cairo_append_path(r->cr, path);
	cairo_path_destroy(path);
	if (l->width > 0)
	{
		stroke_setup(r, l);
		set_color(r->cr, l->color);
		cairo_stroke_preserve(r->cr);
	}
	return 0;
}

/* Fills and strokes the accumulated path of a zone layer. */
static int
flush_zones(rm_render *r, const rm_layer *l)
{
	if (!r->path_has || !r->cr)
	{
		r->path_has = 0;
		return 0;
	}
	cairo_set_fill_rule(r->cr, CAIRO_FILL_RULE_WINDING);
	if (l->type == RM_LAYER_UNDRILLED && r->vector)
	{
		if (hatch_vector(r, l))
			return -1;
	}
	else if (l->type == RM_LAYER_UNDRILLED)
	{
		if (!r->hatch && make_hatch(r, l))
			return -1;
		cairo_set_source(r->cr, r->hatch);
		cairo_fill_preserve(r->cr);
		if (l->width > 0)
		{
			stroke_setup(r, l);
			set_color(r->cr, l->color);
			cairo_stroke_preserve(r->cr);
		}
	}
	else
	{
		set_color(r->cr, level_color(l->level_fill, r->cur_level));
		cairo_fill_preserve(r->cr);
		if (l->width > 0)
		{
			stroke_setup(r, l);
			set_color(r->cr, level_color(l->level_stroke, r->cur_level));
			cairo_stroke_preserve(r->cr);
		}
	}
	cairo_new_path(r->cr);
	r->path_has = 0;
	return check_cairo(r);
}

static int
flush_polygons(rm_render *r, const rm_layer *l, rm_color fill)
{
	if (!r->path_has || !r->cr)
	{
		r->path_has = 0;
		return 0;
	}
	cairo_set_fill_rule(r->cr, CAIRO_FILL_RULE_EVEN_ODD);
	if (fill.a > 0)
	{
		set_color(r->cr, fill);
		cairo_fill_preserve(r->cr);
	}
	if (l->width > 0 && l->color.a > 0)
	{
		stroke_setup(r, l);
		set_color(r->cr, l->color);
		cairo_stroke_preserve(r->cr);
	}
	cairo_new_path(r->cr);
	r->path_has = 0;
	return check_cairo(r);
}

int
rm_render_begin(rm_render *r, const rm_layer *l)
{
	r->err[0] = '\0';
	r->cur_level = 0;
	r->path_has = 0;
	if (r->cr)
		cairo_new_path(r->cr);
	if (l->type == RM_LAYER_DISTRICT_LABELS)
	{
		if (r->labels)
			rm_labels_free(r->labels);
		r->labels = rm_labels_new(l->font[0] ? l->font : r->style->font, l->size * r->scale, l->bold,
								  l->halo_width * r->scale, label_max_extent(r));
		if (!r->labels)
			return set_err(r, "pango: cannot set up the labels");
	}
	return 0;
}

int
rm_render_feature(rm_render *r, const rm_layer *l, const rm_feature *f)
{
	GEOSGeometry *g = NULL;
	int			rc = 0;

	if (!rm_render_layer_visible(r, l))
		return 0;
	switch (l->type)
	{
		case RM_LAYER_DISTRICT_LABELS:
			{
				double		gx,
							gy;

				if (!r->labels || !f->text || !isfinite(f->lon) || !isfinite(f->lat))
					return 0;
				/* anchors in global px: tiles round them alike */
				rm_proj_forward(&r->proj, f->lon, f->lat, &gx, &gy);
				gx += r->proj.ox;
				gy += r->proj.oy;
				if (rm_labels_add(r->labels, f->text, gx, gy, f->priority))
					return set_err(r, "out of memory (labels)");
				return 0;
			}
		case RM_LAYER_IMPACT_ZONES:
		case RM_LAYER_UNDRILLED:
		case RM_LAYER_CLEARANCE_ZONES:
			if (!isfinite(f->radius_m) || f->radius_m < 0)
				return 0;
			g = read_wkb(r, f);
			if (!g)
				return -1;
			if (l->type != RM_LAYER_UNDRILLED && f->level != r->cur_level)
			{
				rc = flush_zones(r, l);
				r->cur_level = f->level;
			}
			if (rc == 0)
				rc = path_zone(r, g, f->radius_m, 0);
			break;
		case RM_LAYER_SOURCES:
		case RM_LAYER_SHELTERS:
			{
				const rm_symbol *s = rm_layer_symbol(l, f->key);
				rm_color	fill;

				if (s->has_fill)
					fill = s->fill;
				else if (l->type == RM_LAYER_SOURCES)
					fill = level_color(l->level_stroke, f->level);
				else
					fill = l->fill;
				g = read_wkb(r, f);
				if (!g)
					return -1;
				rc = symbols_of(r, l, g, s->shape, fill, 0);
			}
			break;
		case RM_LAYER_DISTRICT_BORDERS:
			g = read_wkb(r, f);
			if (!g)
				return -1;
			rc = path_polygons(r, g, 0, 0);
			break;
		case RM_LAYER_BOTTLENECKS:
			g = read_wkb(r, f);
			if (!g)
				return -1;
			rc = path_lines(r, g, 0);
			break;
		case RM_LAYER_CATCHMENTS:
			g = read_wkb(r, f);
			if (!g)
				return -1;
			rc = path_polygons(r, g, 0, 0);
			if (rc == 0 && l->npalette > 0)
			{
				long long	k = f->id % l->npalette;

				if (k < 0)
					k += l->npalette;
				rc = flush_polygons(r, l, l->palette[k]);
			}
			break;
		case RM_LAYER_UNSERVED:
			g = read_wkb(r, f);
			if (!g)
				return -1;
			{
				int			t = GEOSGeomTypeId_r(r->geos, g);

				if (t == GEOS_POINT || t == GEOS_MULTIPOINT)
					rc = symbols_of(r, l, g, l->default_shape, l->fill, 0);
				else
					rc = path_polygons(r, g, 0, 0);
			}
			break;
		default:
			break;
	}
	if (g)
		GEOSGeom_destroy_r(r->geos, g);
	if (rc == 0)
		rc = check_cairo(r);
	return rc;
}

int
rm_render_end(rm_render *r, const rm_layer *l)
{
	int			rc = 0;

	if (!rm_render_layer_visible(r, l))
		return 0;
	switch (l->type)
	{
		case RM_LAYER_IMPACT_ZONES:
		case RM_LAYER_UNDRILLED:
		case RM_LAYER_CLEARANCE_ZONES:
			rc = flush_zones(r, l);
			break;
		case RM_LAYER_BOTTLENECKS:
			rc = flush_lines(r, l);
			break;
		case RM_LAYER_DISTRICT_BORDERS:
		case RM_LAYER_UNSERVED:
			rc = flush_polygons(r, l, l->fill);
			break;
		case RM_LAYER_DISTRICT_LABELS:
			if (r->labels && rm_labels_place_rect(r->labels, r->proj.ox, r->proj.oy,
												  r->proj.width, r->proj.height) > 0)
			{
				if (ensure_surface(r))
					return -1;
				rm_labels_draw(r->labels, r->cr, r->proj.ox, r->proj.oy, l->color, l->halo);
			}
			if (r->labels)
			{
				rm_labels_free(r->labels);
				r->labels = NULL;
			}
			break;
		default:
			break;
	}
	r->path_has = 0;
	if (rc == 0)
		rc = check_cairo(r);
	return rc;
}

/*
 * A veil over everything outside a polygon (a district sheet dims the
 * neighbours) and the polygon's outline on top.
 */
int
rm_render_mask_outside(rm_render *r, const unsigned char *wkb, size_t len, rm_color veil, rm_color outline,
					   double width)
{
	rm_feature	f;
	GEOSGeometry *g;
	int			rc;

	memset(&f, 0, sizeof f);
	f.wkb = wkb;
	f.wkb_len = len;
	g = read_wkb(r, &f);
	if (!g)
		return -1;
	if (ensure_surface(r))
	{
		GEOSGeom_destroy_r(r->geos, g);
		return -1;
	}
	cairo_new_path(r->cr);
	cairo_rectangle(r->cr, -r->clip, -r->clip, r->proj.width + 2 * r->clip, r->proj.height + 2 * r->clip);
	rc = path_polygons(r, g, 0, 0);
	if (rc == 0)
	{
		cairo_set_fill_rule(r->cr, CAIRO_FILL_RULE_EVEN_ODD);
		set_color(r->cr, veil);
		cairo_fill(r->cr);
		rc = path_polygons(r, g, 0, 0);
	}
	if (rc == 0 && width > 0)
	{
		set_color(r->cr, outline);
		cairo_set_line_width(r->cr, width * r->scale);
		cairo_set_line_join(r->cr, CAIRO_LINE_JOIN_ROUND);
		cairo_set_dash(r->cr, NULL, 0, 0);
		cairo_stroke(r->cr);
	}
	cairo_new_path(r->cr);
	r->path_has = 0;
	GEOSGeom_destroy_r(r->geos, g);
	return rc ? rc : check_cairo(r);
}

/* ------------------------------------------------------------------------ */
/* PNG out. */

typedef struct pngbuf
{
	unsigned char *data;
	size_t		len,
				cap;
} pngbuf;

static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int length)
{
	pngbuf	   *b = closure;

	if (b->len + length > b->cap)
	{
		size_t		nc = b->cap ? b->cap : 4096;
		unsigned char *nd;

		while (nc < b->len + length)
			nc *= 2;
		nd = realloc(b->data, nc);
		if (!nd)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = nd;
		b->cap = nc;
	}
	memcpy(b->data + b->len, data, length);
	b->len += length;
	return CAIRO_STATUS_SUCCESS;
}

static unsigned char *empty_png[RM_MAX_SCALE + 1];
static size_t empty_len[RM_MAX_SCALE + 1];

const unsigned char *
rm_empty_png(int scale, size_t *len)
{
	if (scale < 1 || scale > RM_MAX_SCALE)
		return NULL;
	if (!empty_png[scale])
	{
		cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
														RM_TILE_SIZE * scale, RM_TILE_SIZE * scale);
		pngbuf		b = {NULL, 0, 0};

		if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
			cairo_surface_write_to_png_stream(s, png_write, &b) == CAIRO_STATUS_SUCCESS)
		{
			empty_png[scale] = b.data;
			empty_len[scale] = b.len;
		}
		else
			free(b.data);
		cairo_surface_destroy(s);
		if (!empty_png[scale])
			return NULL;
	}
	*len = empty_len[scale];
	return empty_png[scale];
}

int
rm_render_is_empty(const rm_render *r)
{
	return !r->drawn;
}

/* 1 when every pixel of the surface is fully transparent. */
static int
surface_blank(cairo_surface_t *s)
{
	int			w = cairo_image_surface_get_width(s),
				h = cairo_image_surface_get_height(s),
				stride = cairo_image_surface_get_stride(s),
				i,
				j;
	const unsigned char *d;

	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	if (!d)
		return 0;
	for (j = 0; j < h; j++)
	{
		const uint32_t *row = (const uint32_t *) (d + (size_t) j * stride);

		for (i = 0; i < w; i++)
			if (row[i] >> 24)
				return 0;
	}
	return 1;
}

static void
png_write_fn(png_structp p, png_bytep data, png_size_t n)
{
	if (png_write(png_get_io_ptr(p), data, (unsigned int) n) != CAIRO_STATUS_SUCCESS)
		png_error(p, "out of memory");
}

static void
png_flush_fn(png_structp p)
{
	(void) p;
}

/*
 * The surface as an 8-bit RGBA PNG, written by libpng with the filter "none"
 * and zlib level 1. cairo_surface_write_to_png_stream leaves libpng at its
 * defaults (adaptive filtering, zlib level 6), which made PNG encoding 85 % of
 * a tile's time for files of the same size (bench/tiles, docs/tiles.md).
 * Colours are un-premultiplied exactly as cairo does.
 */
static int
write_png_fast(rm_render *r, pngbuf *b)
{
	png_structp p;
	png_infop	info = NULL;
	unsigned char *volatile row = NULL;
	int			w = (int) r->proj.width,
				stride = cairo_image_surface_get_stride(r->surface),
				i,
				j;
	const unsigned char *d = cairo_image_surface_get_data(r->surface);

	if (!d)
		return set_err(r, "cairo: no image data");
	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!p)
		return set_err(r, "libpng: out of memory");
	info = png_create_info_struct(p);
	if (!info || setjmp(png_jmpbuf(p)))
	{
		png_destroy_write_struct(&p, info ? &info : NULL);
		free(row);
		return set_err(r, "libpng: cannot write the PNG");
	}
	row = malloc(4 * (size_t) w);
	if (!row)
		png_error(p, "out of memory");
	png_set_write_fn(p, b, png_write_fn, png_flush_fn);
	png_set_compression_level(p, 1);
	png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_set_IHDR(p, info, w, w, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
				 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(p, info);
	for (j = 0; j < w; j++)
	{
		const uint32_t *src = (const uint32_t *) (d + (size_t) j * stride);
		unsigned char *o = row;

		for (i = 0; i < w; i++, o += 4)
		{
			uint32_t	q = src[i];
			unsigned	a = q >> 24;

			o[3] = (unsigned char) a;
			if (a == 0)
				o[0] = o[1] = o[2] = 0;
			else
			{
				o[0] = (unsigned char) ((((q >> 16) & 0xFF) * 255 + a / 2) / a);
				o[1] = (unsigned char) ((((q >> 8) & 0xFF) * 255 + a / 2) / a);
				o[2] = (unsigned char) (((q & 0xFF) * 255 + a / 2) / a);
			}
		}
		png_write_row(p, row);
	}
	png_write_end(p, info);
	png_destroy_write_struct(&p, &info);
	free(row);
	return 0;
}

int
rm_render_png(rm_render *r, unsigned char **png, size_t *len)
{
	pngbuf		b = {NULL, 0, 0};
	cairo_status_t st;

	*png = NULL;
	*len = 0;
	if (r->external)
		return set_err(r, "this renderer draws into the caller's cairo context: no PNG");
	if (r->style->has_background && r->style->background.a > 0 && ensure_surface(r))
		return -1;
	if (!r->drawn || surface_blank(r->surface))
	{
		const unsigned char *e = rm_empty_png(r->tile_scale, len);

		if (!e)
			return set_err(r, "cairo: cannot make the empty tile");
		*png = malloc(*len);
		if (!*png)
			return set_err(r, "out of memory");
		memcpy(*png, e, *len);
		return 0;
	}
	if (check_cairo(r))
		return -1;
	cairo_surface_flush(r->surface);
	if (write_png_fast(r, &b))
	{
		free(b.data);
		return -1;
	}
	(void) st;
	*png = b.data;
	*len = b.len;
	return 0;
}
