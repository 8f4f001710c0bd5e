/*
 * rm_coverage.c — coverage gaps (see rm_coverage.h and docs/geo.md).
 *
 * Per call: every zone is buffered once (geodesic circles for points, a local
 * transverse Mercator for lines/polygons) and put in an STRtree; shelters and
 * population centroids go into STRtrees of points. Per selected district:
 * candidate zones come from the tree, are kept whole when the prepared
 * district contains them properly and intersected with it otherwise, and are
 * merged with one cascaded GEOSUnaryUnion; only the shelters within reach of
 * that union's envelope get a circle (made once, cached), clipped to the
 * envelope and merged with one more GEOSUnaryUnion; one GEOSDifference gives
 * the gap. Areas are ellipsoidal (geod_polygonarea).
 */
#include "rm_coverage.h"
#include "rm_geodesy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct
{
	size_t	   *v;
	size_t		n,
				cap;
} idxvec;

static int
idx_push(idxvec *a, size_t x)
{
	if (a->n == a->cap)
	{
		size_t		nc = a->cap ? a->cap * 2 : 64;
		size_t	   *nv = realloc(a->v, nc * sizeof *nv);

		if (!nv)
			return 0;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = x;
	return 1;
}

typedef struct
{
	idxvec	   *vec;
	int			oom;
} query_arg;

static void
query_cb(void *item, void *userdata)
{
	query_arg  *q = userdata;

	if (!idx_push(q->vec, (size_t) (uintptr_t) item - 1))
		q->oom = 1;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t		x = *(const size_t *) a,
				y = *(const size_t *) b;

	return (x > y) - (x < y);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

void
rm_reach_degrees(double r, double lat_min, double lat_max, double *dlon, double *dlat)
{
	/* a degree of latitude is at least 110.57 km; widen by 2 % for safety */
	double		dy = r / 110574.0 * 1.02 + 1e-9;
	double		lat = fmax(fabs(lat_min), fabs(lat_max)) + dy;
	double		c = lat >= 89.0 ? 0.0 : cos(lat * M_PI / 180.0);

	*dlat = dy;
	/* a degree of longitude at latitude lat is at least 111.32 km cos(lat)
	 * (a little more on the ellipsoid: its parallel radius is larger) */
	*dlon = c <= 0.01 ? 360.0 : r / (111320.0 * c) * 1.02 + 1e-9;
}

typedef struct
{
	rm_geo	   *geo;
	GEOSContextHandle_t h;
	const rm_cov_input *in;
	int			nseg;

	/* districts */
	GEOSGeometry **dgeom;		/* valid MultiPolygon or NULL */
	const GEOSPreparedGeometry **dprep;
	double	   *denv;			/* 4 per district */

	/* zones */
	GEOSGeometry **zone;		/* NULL when empty or not needed */
	double	   *zenv;
	GEOSSTRtree *ztree;

	/* shelters */
	GEOSGeometry **spt;
	GEOSGeometry **scircle;
	GEOSSTRtree *stree;

	/* cells (the people pass) */
	const rm_cov_cell *cells;
	size_t		n_cells;
	GEOSGeometry **cpt;
	GEOSSTRtree *ctree;
	int		   *cowner;			/* -2 = not computed yet */

	/* the gap of each result row, kept for the people pass */
	GEOSGeometry **gapg;
	size_t		n_gapg;

	idxvec		tmp;			/* scratch index list */

	rm_cov_result res;
	size_t		res_cap;
} cov_state;

struct rm_cov_run
{
	cov_state	st;
};

static void
cells_free(cov_state *st)
{
	if (st->ctree)
		GEOSSTRtree_destroy_r(st->h, st->ctree);
	st->ctree = NULL;
	if (st->cpt)
		for (size_t i = 0; i < st->n_cells; i++)
			if (st->cpt[i])
				GEOSGeom_destroy_r(st->h, st->cpt[i]);
	free(st->cpt);
	free(st->cowner);
	st->cpt = NULL;
	st->cowner = NULL;
	st->cells = NULL;
	st->n_cells = 0;
}

static void
state_free(cov_state *st)
{
	GEOSContextHandle_t h = st->h;
	const rm_cov_input *in = st->in;

	if (st->ztree)
		GEOSSTRtree_destroy_r(h, st->ztree);
	if (st->stree)
		GEOSSTRtree_destroy_r(h, st->stree);
	if (st->dprep)
		for (size_t i = 0; i < in->n_districts; i++)
			if (st->dprep[i])
				GEOSPreparedGeom_destroy_r(h, st->dprep[i]);
	if (st->dgeom)
		for (size_t i = 0; i < in->n_districts; i++)
			if (st->dgeom[i])
				GEOSGeom_destroy_r(h, st->dgeom[i]);
	if (st->zone)
		for (size_t i = 0; i < in->n_sources; i++)
			if (st->zone[i])
				GEOSGeom_destroy_r(h, st->zone[i]);
	if (st->spt)
		for (size_t i = 0; i < in->n_shelters; i++)
			if (st->spt[i])
				GEOSGeom_destroy_r(h, st->spt[i]);
	if (st->scircle)
		for (size_t i = 0; i < in->n_shelters; i++)
			if (st->scircle[i])
				GEOSGeom_destroy_r(h, st->scircle[i]);
	cells_free(st);
	if (st->gapg)
		for (size_t i = 0; i < st->n_gapg; i++)
			if (st->gapg[i])
				GEOSGeom_destroy_r(h, st->gapg[i]);
	free(st->gapg);
	free(st->dgeom);
	free(st->dprep);
	free(st->denv);
	free(st->zone);
	free(st->zenv);
	free(st->spt);
	free(st->scircle);
	free(st->tmp.v);
}

void
rm_cov_result_free(rm_cov_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_gaps; i++)
	{
		free(res->gaps[i].wkb);
		free(res->gaps[i].source_ids);
	}
	free(res->gaps);
	res->gaps = NULL;
	res->n_gaps = 0;
}

#define CHECK_INTERRUPT(st) \
	do { \
		if ((st)->in->interrupted && (st)->in->interrupted((st)->in->interrupt_arg)) \
		{ \
			rm_geo_set_error((st)->geo, "interrupted"); \
			return RM_EINTERRUPTED; \
		} \
	} while (0)

static int
oom(cov_state *st)
{
	rm_geo_set_error(st->geo, "out of memory");
	return RM_ENOMEM;
}

static int
geos_fail(cov_state *st, const char *what)
{
	if (!rm_geo_error(st->geo)[0])
		rm_geo_set_error(st->geo, "GEOS: %s failed", what);
	return RM_EGEOS;
}

/* A rectangle geometry (for STRtree queries). */
static GEOSGeometry *
rect(cov_state *st, double x0, double y0, double x1, double y1)
{
	return GEOSGeom_createRectangle_r(st->h, x0, y0, x1, y1);
}

static int
query_tree(cov_state *st, GEOSSTRtree *tree, const double env[4], idxvec *out)
{
	GEOSGeometry *r = rect(st, env[0], env[1], env[2], env[3]);
	query_arg	q = {out, 0};

	out->n = 0;
	if (!r)
		return geos_fail(st, "createRectangle");
	GEOSSTRtree_query_r(st->h, tree, r, query_cb, &q);
	GEOSGeom_destroy_r(st->h, r);
	if (q.oom)
		return oom(st);
	if (out->n > 1)				/* out->v may be NULL when n == 0: qsort(NULL, 0) is UB */
		qsort(out->v, out->n, sizeof(size_t), cmp_size);
	return RM_OK;
}

static int
env_overlap(const double *a, const double *b)
{
	return !(a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1]);
}

/* ---------------------------------------------------------------------- */

static int
load_districts(cov_state *st)
{
	const rm_cov_input *in = st->in;
	size_t		n = in->n_districts;

	st->dgeom = calloc(n ? n : 1, sizeof *st->dgeom);
	st->dprep = calloc(n ? n : 1, sizeof *st->dprep);
	st->denv = calloc(n ? n * 4 : 4, sizeof *st->denv);
	if (!st->dgeom || !st->dprep || !st->denv)
		return oom(st);
	for (size_t i = 0; i < n; i++)
	{
		const rm_cov_district *d = &in->districts[i];
		GEOSGeometry *g;

		if (!d->wkb)
			continue;
		g = rm_wkb_read(st->geo, d->wkb, d->wkb_len);
		if (!g || !rm_check_lonlat(st->geo, g))
		{
			char		msg[400];

			if (g)
				GEOSGeom_destroy_r(st->h, g);
			snprintf(msg, sizeof msg, "%s", rm_geo_error(st->geo));
			rm_geo_set_error(st->geo, "district %s: %s", d->code, msg);
			return RM_EINPUT;
		}
		g = rm_polygonal_valid(st->geo, g, 4326);
		if (!g)
			return geos_fail(st, "district make valid");
		if (GEOSisEmpty_r(st->h, g))
		{
			GEOSGeom_destroy_r(st->h, g);
			continue;
		}
		st->dgeom[i] = g;
		if (!GEOSGeom_getExtent_r(st->h, g, &st->denv[4 * i], &st->denv[4 * i + 1],
								  &st->denv[4 * i + 2], &st->denv[4 * i + 3]))
			return geos_fail(st, "getExtent");
		st->dprep[i] = GEOSPrepare_r(st->h, g);
		if (!st->dprep[i])
			return geos_fail(st, "Prepare");
		CHECK_INTERRUPT(st);
	}
	return RM_OK;
}

static int
load_points(cov_state *st)
{
	const rm_cov_input *in = st->in;

	st->spt = calloc(in->n_shelters ? in->n_shelters : 1, sizeof *st->spt);
	st->scircle = calloc(in->n_shelters ? in->n_shelters : 1, sizeof *st->scircle);
	if (!st->spt || !st->scircle)
		return oom(st);
	st->stree = GEOSSTRtree_create_r(st->h, 10);
	if (!st->stree)
		return geos_fail(st, "STRtree_create");
	for (size_t i = 0; i < in->n_shelters; i++)
	{
		double		x = in->shelters[i].x,
					y = in->shelters[i].y;

		if (!isfinite(x) || !isfinite(y) || fabs(y) > 90 || fabs(x) > 540)
			continue;			/* cannot be a shelter on the ground */
		st->spt[i] = GEOSGeom_createPointFromXY_r(st->h, x, y);
		if (!st->spt[i])
			return geos_fail(st, "createPoint");
		GEOSSTRtree_insert_r(st->h, st->stree, st->spt[i], (void *) (uintptr_t) (i + 1));
	}
	return RM_OK;
}

/* The population centroids of the people pass: points in an STRtree. */
static int
load_cells(cov_state *st, const rm_cov_cell *cells, size_t n)
{
	st->cells = cells;
	st->n_cells = n;
	st->cpt = calloc(n ? n : 1, sizeof *st->cpt);
	st->cowner = malloc((n ? n : 1) * sizeof *st->cowner);
	if (!st->cpt || !st->cowner)
		return oom(st);
	st->ctree = GEOSSTRtree_create_r(st->h, 10);
	if (!st->ctree)
		return geos_fail(st, "STRtree_create");
	for (size_t i = 0; i < n; i++)
	{
		double		x = cells[i].x,
					y = cells[i].y;

		st->cowner[i] = -2;
		if (!isfinite(x) || !isfinite(y) || !(cells[i].people > 0))
			continue;			/* nobody to count */
		st->cpt[i] = GEOSGeom_createPointFromXY_r(st->h, x, y);
		if (!st->cpt[i])
			return geos_fail(st, "createPoint");
		GEOSSTRtree_insert_r(st->h, st->ctree, st->cpt[i], (void *) (uintptr_t) (i + 1));
		if ((i & 1023) == 1023)
			CHECK_INTERRUPT(st);
	}
	return RM_OK;
}


/*
 * Whether zone z (polygonal, lon/lat) lies in the interior of the reach
 * polygon of one shelter: then it adds nothing to any gap and meets none, and
 * it is left out before the unions. The test is conservative: every exterior
 * vertex must be closer to the shelter than the inscribed radius of the
 * shelter's polygon, r cos(pi/nseg), less 0.1 % for the local (equirectangular
 * on the ellipsoid's radii of curvature) distance, whose error is ~(d/R) tan(lat).
 */
static int
ring_within(cov_state *st, const GEOSGeometry *ring, double sx, double sy, double kx, double ky, double r2)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(st->h, ring);
	unsigned	n = 0;

	if (!cs || !GEOSCoordSeq_getSize_r(st->h, cs, &n))
		return 0;
	for (unsigned i = 0; i < n; i++)
	{
		double		x,
					y,
					dx,
					dy;

		GEOSCoordSeq_getXY_r(st->h, cs, i, &x, &y);
		dx = (x - sx) * kx;
		dy = (y - sy) * ky;
		if (dx * dx + dy * dy >= r2)
			return 0;
	}
	return 1;
}

/* Whether ring lies in the interior of the reach polygon of the shelter at (sx, sy). */
static int
point_reach_contains(cov_state *st, double sx, double sy, const GEOSGeometry *ring)
{
	double		r_in = st->in->reach_m * cos(M_PI / st->nseg) * (1 - 1e-3);
	double		per_deg_lat,
				per_deg_lon;

	if (!ring)
		return 0;
	rm_metres_per_degree(sy, &per_deg_lat, &per_deg_lon);
	return ring_within(st, ring, sx, sy, per_deg_lon, per_deg_lat, r_in * r_in);
}

static int
zone_covered(cov_state *st, const GEOSGeometry *z, const double *ze, idxvec *cand)
{
	const rm_cov_input *in = st->in;
	double		dlon,
				dlat,
				qe[4];
	int			np;

	if (in->n_shelters == 0 || !(in->reach_m > 0))
		return 0;
	rm_reach_degrees(in->reach_m, ze[1], ze[3], &dlon, &dlat);
	/* a covering shelter lies within reach of every point of the zone */
	qe[0] = ze[2] - dlon;
	qe[1] = ze[3] - dlat;
	qe[2] = ze[0] + dlon;
	qe[3] = ze[1] + dlat;
	if (qe[0] > qe[2] || qe[1] > qe[3])
		return 0;
	if (query_tree(st, st->stree, qe, cand) != RM_OK)
		return 0;
	np = GEOSGetNumGeometries_r(st->h, z);
	for (size_t k = 0; k < cand->n; k++)
	{
		int			all = 1;

		for (int i = 0; i < np && all; i++)
			all = point_reach_contains(st, in->shelters[cand->v[k]].x, in->shelters[cand->v[k]].y,
									   GEOSGetExteriorRing_r(st->h, GEOSGetGeometryN_r(st->h, z, i)));
		if (all)
			return 1;
	}
	return 0;
}

static int
load_zones(cov_state *st)
{
	const rm_cov_input *in = st->in;
	size_t		n = in->n_sources;

	st->zone = calloc(n ? n : 1, sizeof *st->zone);
	st->zenv = calloc(n ? n * 4 : 4, sizeof *st->zenv);
	st->ztree = GEOSSTRtree_create_r(st->h, 10);
	if (!st->zone || !st->zenv)
		return oom(st);
	if (!st->ztree)
		return geos_fail(st, "STRtree_create");
	for (size_t i = 0; i < n; i++)
	{
		const rm_cov_source *s = &in->sources[i];
		GEOSGeometry *g,
				   *z;
		double		e[4],
					dlon,
					dlat;
		int			needed = 0;

		if ((i & 63) == 63)
			CHECK_INTERRUPT(st);
		if (!isfinite(s->radius_m) || s->radius_m < 0 || s->radius_m > RM_MAX_RADIUS_M)
		{
			rm_geo_set_error(st->geo, "risk_source %lld: impact_radius_m %g is out of range [0, %g]",
							 (long long) s->id, s->radius_m, RM_MAX_RADIUS_M);
			return RM_EINPUT;
		}
		g = rm_wkb_read(st->geo, s->wkb, s->wkb_len);
		if (!g || !rm_check_lonlat(st->geo, g))
		{
			char		msg[400];

			if (g)
				GEOSGeom_destroy_r(st->h, g);
			snprintf(msg, sizeof msg, "%s", rm_geo_error(st->geo));
			rm_geo_set_error(st->geo, "risk_source %lld: %s", (long long) s->id, msg);
			return RM_EINPUT;
		}
		if (GEOSisEmpty_r(st->h, g) ||
			!GEOSGeom_getExtent_r(st->h, g, &e[0], &e[1], &e[2], &e[3]))
		{
			GEOSGeom_destroy_r(st->h, g);
			rm_geo_clear_error(st->geo);
			continue;
		}
		/* skip sources that cannot reach any selected district */
		rm_reach_degrees(s->radius_m, e[1], e[3], &dlon, &dlat);
		e[0] -= dlon;
		e[2] += dlon;
		e[1] -= dlat;
		e[3] += dlat;
		for (size_t d = 0; d < in->n_districts && !needed; d++)
			if (in->districts[d].selected && st->dgeom[d] && env_overlap(e, &st->denv[4 * d]))
				needed = 1;
		if (!needed)
		{
			GEOSGeom_destroy_r(st->h, g);
			continue;
		}
		z = rm_ground_buffer(st->geo, g, s->radius_m, st->nseg);
		GEOSGeom_destroy_r(st->h, g);
		if (!z)
		{
			char		msg[400];

			snprintf(msg, sizeof msg, "%s", rm_geo_error(st->geo));
			rm_geo_set_error(st->geo, "risk_source %lld: %s", (long long) s->id, msg);
			return RM_EGEOS;
		}
		if (GEOSisEmpty_r(st->h, z))
		{
			GEOSGeom_destroy_r(st->h, z);
			continue;
		}
		if (!GEOSGeom_getExtent_r(st->h, z, &e[0], &e[1], &e[2], &e[3]))
		{
			GEOSGeom_destroy_r(st->h, z);
			return geos_fail(st, "getExtent");
		}
		if (zone_covered(st, z, e, &st->tmp))
		{
			GEOSGeom_destroy_r(st->h, z);
			continue;
		}
		st->zone[i] = z;
		if (!GEOSGeom_getExtent_r(st->h, z, &st->zenv[4 * i], &st->zenv[4 * i + 1],
								  &st->zenv[4 * i + 2], &st->zenv[4 * i + 3]))
			return geos_fail(st, "getExtent");
		GEOSSTRtree_insert_r(st->h, st->ztree, z, (void *) (uintptr_t) (i + 1));
	}
	return RM_OK;
}

/* The district a border cell counts in: its own district when that covers
 * the centroid, else the first district (by code) that does, else -1. */
static int
cell_owner(cov_state *st, size_t c)
{
	const rm_cov_input *in = st->in;
	int			own = st->cells[c].district;
	const GEOSGeometry *p = st->cpt[c];

	if (st->cowner[c] != -2)
		return st->cowner[c];
	st->cowner[c] = -1;
	if (own >= 0 && (size_t) own < in->n_districts && st->dprep[own] &&
		GEOSPreparedCovers_r(st->h, st->dprep[own], p) == 1)
		st->cowner[c] = own;
	else
		for (size_t d = 0; d < in->n_districts; d++)
			if (st->dprep[d] && GEOSPreparedCovers_r(st->h, st->dprep[d], p) == 1)
			{
				st->cowner[c] = (int) d;
				break;
			}
	return st->cowner[c];
}

/* Makes a GEOMETRYCOLLECTION of parts (taking them) and unions it. */
static GEOSGeometry *
union_parts(cov_state *st, GEOSGeometry **parts, size_t n)
{
	GEOSGeometry *coll,
			   *u;

	coll = GEOSGeom_createCollection_r(st->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned) n);
	if (!coll)
	{
		for (size_t i = 0; i < n; i++)
			GEOSGeom_destroy_r(st->h, parts[i]);
		return NULL;
	}
	u = GEOSUnaryUnion_r(st->h, coll);
	GEOSGeom_destroy_r(st->h, coll);
	return u;
}


/* ---------------------------------------------------------------------- */
/* clustered union */

static size_t
uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

typedef struct
{
	GEOSGeometry **v;
	size_t		n,
				cap;
} geomvec;

static int
gv_push(geomvec *a, GEOSGeometry *g)
{
	if (a->n == a->cap)
	{
		size_t		nc = a->cap ? a->cap * 2 : 16;
		GEOSGeometry **nv = realloc(a->v, nc * sizeof *nv);

		if (!nv)
			return 0;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = g;
	return 1;
}

static void
gv_free(cov_state *st, geomvec *a)
{
	for (size_t i = 0; i < a->n; i++)
		GEOSGeom_destroy_r(st->h, a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* Moves the polygons of g (consumed) into out. */
static int
gv_take_polygons(cov_state *st, geomvec *out, GEOSGeometry *g)
{
	int			t = GEOSGeomTypeId_r(st->h, g);

	if (t == GEOS_POLYGON)
	{
		if (GEOSisEmpty_r(st->h, g))
		{
			GEOSGeom_destroy_r(st->h, g);
			return 1;
		}
		if (!gv_push(out, g))
		{
			GEOSGeom_destroy_r(st->h, g);
			return 0;
		}
		return 1;
	}
	{
		int			k = GEOSGetNumGeometries_r(st->h, g);
		int			ok = 1;

		for (int i = 0; i < k && ok; i++)
		{
			const GEOSGeometry *p = GEOSGetGeometryN_r(st->h, g, i);
			int			pt = GEOSGeomTypeId_r(st->h, p);

			if (pt == GEOS_POLYGON || pt == GEOS_MULTIPOLYGON || pt == GEOS_GEOMETRYCOLLECTION)
			{
				GEOSGeometry *c = GEOSGeom_clone_r(st->h, p);

				ok = c && gv_take_polygons(st, out, c);
			}
		}
		GEOSGeom_destroy_r(st->h, g);
		return ok;
	}
}

/* A MultiPolygon of the polygons in a (emptied). */
static GEOSGeometry *
gv_to_multipolygon(cov_state *st, geomvec *a)
{
	GEOSGeometry *mp = GEOSGeom_createCollection_r(st->h, GEOS_MULTIPOLYGON, a->v, (unsigned) a->n);

	if (!mp)
	{
		gv_free(st, a);
		return NULL;
	}
	free(a->v);
	memset(a, 0, sizeof *a);
	GEOSSetSRID_r(st->h, mp, 4326);
	return mp;
}

/*
 * The union of n polygonal geometries g[i] (borrowed) with envelopes env[4i],
 * as a MultiPolygon. Geometries that meet no other are taken as they are;
 * each group of geometries that meet (transitively) is merged with one
 * cascaded GEOSUnaryUnion. Most impact zones and shelter circles of a city
 * are isolated or in small groups, and a cascaded union of disjoint polygons
 * is almost as costly as of overlapping ones.
 */
static GEOSGeometry *
union_clustered(cov_state *st, const GEOSGeometry *const *g, const double *env, size_t n)
{
	GEOSContextHandle_t h = st->h;
	size_t	   *parent = NULL;
	GEOSSTRtree *tree = NULL;
	idxvec		cand = {0};
	geomvec		out = {0};
	GEOSGeometry *res = NULL;

	if (n == 0)
		return gv_to_multipolygon(st, &out);
	parent = malloc(n * sizeof *parent);
	tree = GEOSSTRtree_create_r(h, 10);
	if (!parent || !tree)
	{
		oom(st);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
	{
		parent[i] = i;
		GEOSSTRtree_insert_r(h, tree, g[i], (void *) (uintptr_t) (i + 1));
	}
	for (size_t i = 0; i < n; i++)
	{
		if (query_tree(st, tree, &env[4 * i], &cand) != RM_OK)
			goto done;
		for (size_t k = 0; k < cand.n; k++)
		{
			size_t		j = cand.v[k];
			size_t		ri,
						rj;

			if (j <= i)
				continue;
			ri = uf_find(parent, i);
			rj = uf_find(parent, j);
			if (ri == rj)
				continue;
			/* envelopes that overlap are enough: members of different
			 * groups then have disjoint envelopes, so the groups' unions are
			 * disjoint, and an exact test costs more than it saves */
			parent[ri > rj ? ri : rj] = ri < rj ? ri : rj;
		}
	}
	/* members of each group, by root */
	for (size_t i = 0; i < n; i++)
		parent[i] = uf_find(parent, i);
	{
		/* counting sort by root */
		size_t	   *start = calloc(n + 1, sizeof *start);
		size_t	   *sorted = malloc(n * sizeof *sorted);

		if (!start || !sorted)
		{
			free(start);
			free(sorted);
			oom(st);
			goto done;
		}
		for (size_t i = 0; i < n; i++)
			start[parent[i] + 1]++;
		for (size_t i = 0; i < n; i++)
			start[i + 1] += start[i];
		for (size_t i = 0; i < n; i++)
			sorted[start[parent[i]]++] = i;
		/* start[r] is now the end of group r; walk the groups in order */
		for (size_t b = 0; b < n;)
		{
			size_t		root = parent[sorted[b]],
						e = b;
			GEOSGeometry *u;

			while (e < n && parent[sorted[e]] == root)
				e++;
			if ((b & 15) == 0 && st->in->interrupted && st->in->interrupted(st->in->interrupt_arg))
			{
				rm_geo_set_error(st->geo, "interrupted");
				free(start);
				free(sorted);
				goto done;
			}
			if (e - b == 1)
				u = GEOSGeom_clone_r(h, g[sorted[b]]);
			else
			{
				GEOSGeometry **parts = malloc((e - b) * sizeof *parts);
				size_t		np = 0;

				if (!parts)
				{
					free(start);
					free(sorted);
					oom(st);
					goto done;
				}
				for (size_t k = b; k < e; k++)
				{
					GEOSGeometry *c = GEOSGeom_clone_r(h, g[sorted[k]]);

					if (!c)
						break;
					parts[np++] = c;
				}
				u = np == e - b ? union_parts(st, parts, np) : NULL;
				if (np != e - b)
					for (size_t k = 0; k < np; k++)
						GEOSGeom_destroy_r(h, parts[k]);
				free(parts);
			}
			if (!u || !gv_take_polygons(st, &out, u))
			{
				free(start);
				free(sorted);
				geos_fail(st, "union");
				goto done;
			}
			b = e;
		}
		free(start);
		free(sorted);
	}
	res = gv_to_multipolygon(st, &out);
	if (!res)
		geos_fail(st, "createCollection");
done:
	gv_free(st, &out);
	if (tree)
		GEOSSTRtree_destroy_r(h, tree);
	free(cand.v);
	free(parent);
	return res;
}

/* mp (consumed, disjoint parts) clipped to district d: parts inside are
 * kept whole, the others are intersected with it in one overlay. */
static GEOSGeometry *
clip_to_district(cov_state *st, GEOSGeometry *mp, size_t d)
{
	GEOSContextHandle_t h = st->h;
	int			k = GEOSGetNumGeometries_r(h, mp);
	geomvec		out = {0},
				cross = {0};
	GEOSGeometry *res;

	for (int i = 0; i < k; i++)
	{
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, mp, i);
		char		r = GEOSPreparedContainsProperly_r(h, st->dprep[d], p);
		GEOSGeometry *c;

		if (r == 2)
			goto fail;
		c = GEOSGeom_clone_r(h, p);
		if (!c || !gv_push(r ? &out : &cross, c))
		{
			if (c)
				GEOSGeom_destroy_r(h, c);
			goto fail;
		}
	}
	if (cross.n > 0)
	{
		GEOSGeometry *cm = gv_to_multipolygon(st, &cross);
		GEOSGeometry *x;

		if (!cm)
			goto fail;
		x = GEOSIntersection_r(h, cm, st->dgeom[d]);
		GEOSGeom_destroy_r(h, cm);
		if (!x || !gv_take_polygons(st, &out, x))
			goto fail;
	}
	GEOSGeom_destroy_r(h, mp);
	res = gv_to_multipolygon(st, &out);
	if (!res)
		geos_fail(st, "createCollection");
	return res;
fail:
	GEOSGeom_destroy_r(h, mp);
	gv_free(st, &out);
	gv_free(st, &cross);
	geos_fail(st, "Intersection with the district");
	return NULL;
}

/* Drops polygons below RM_SLIVER_M2; takes mp, returns a new MultiPolygon. */
static GEOSGeometry *
drop_slivers(cov_state *st, GEOSGeometry *mp, double *total)
{
	int			k = GEOSGetNumGeometries_r(st->h, mp);
	GEOSGeometry **keep;
	size_t		nk = 0;
	GEOSGeometry *out;

	*total = 0;
	keep = malloc((k > 0 ? k : 1) * sizeof *keep);
	if (!keep)
	{
		GEOSGeom_destroy_r(st->h, mp);
		return NULL;
	}
	for (int i = 0; i < k; i++)
	{
		const GEOSGeometry *p = GEOSGetGeometryN_r(st->h, mp, i);
		double		a = rm_ground_area(st->geo, p);

		if (isnan(a) || a >= RM_SLIVER_M2)
		{
			GEOSGeometry *c = GEOSGeom_clone_r(st->h, p);

			if (!c)
				break;
			keep[nk++] = c;
			*total += a;
		}
	}
	GEOSGeom_destroy_r(st->h, mp);
	out = GEOSGeom_createCollection_r(st->h, GEOS_MULTIPOLYGON, keep, (unsigned) nk);
	if (!out)
		for (size_t i = 0; i < nk; i++)
			GEOSGeom_destroy_r(st->h, keep[i]);
	else
		GEOSSetSRID_r(st->h, out, 4326);
	free(keep);
	return out;
}

typedef struct
{
	GEOSGeometry **parts;
	size_t		n;
	idxvec		cand;
	idxvec		used;
	GEOSGeometry *zu;
	GEOSGeometry *cover;
	GEOSGeometry *gap;
	const GEOSPreparedGeometry *zprep;
	const GEOSPreparedGeometry *gprep;
	int64_t    *ids;
	unsigned char *wkb;
	double		area;
} dist_work;

static void
dist_work_free(cov_state *st, dist_work *w)
{
	GEOSContextHandle_t h = st->h;

	if (w->parts)
	{
		for (size_t i = 0; i < w->n; i++)
			if (w->parts[i])
				GEOSGeom_destroy_r(h, w->parts[i]);
		free(w->parts);
	}
	if (w->zprep)
		GEOSPreparedGeom_destroy_r(h, w->zprep);
	if (w->gprep)
		GEOSPreparedGeom_destroy_r(h, w->gprep);
	if (w->zu)
		GEOSGeom_destroy_r(h, w->zu);
	if (w->cover)
		GEOSGeom_destroy_r(h, w->cover);
	if (w->gap)
		GEOSGeom_destroy_r(h, w->gap);
	free(w->cand.v);
	free(w->used.v);
	free(w->ids);
	free(w->wkb);
	memset(w, 0, sizeof *w);
}

static int
push_gap(cov_state *st, rm_cov_gap *g, GEOSGeometry *gap)
{
	if (st->res.n_gaps == st->res_cap)
	{
		size_t		nc = st->res_cap ? st->res_cap * 2 : 16;
		rm_cov_gap *ng = realloc(st->res.gaps, nc * sizeof *ng);
		GEOSGeometry **gg;

		if (!ng)
			return 0;
		st->res.gaps = ng;
		gg = realloc(st->gapg, nc * sizeof *gg);
		if (!gg)
			return 0;
		st->gapg = gg;
		st->res_cap = nc;
	}
	st->gapg[st->res.n_gaps] = gap;
	st->n_gapg = st->res.n_gaps + 1;
	st->res.gaps[st->res.n_gaps++] = *g;
	return 1;
}


/*
 * w->gap = w->zu minus the circles of the candidate shelters w->cand, part
 * by part: the parts of w->zu are disjoint, so each needs only the circles
 * that reach its envelope; a part that none reaches is kept as it is, and
 * the others get a clustered union of their circles (clipped to the part's
 * envelope) and one difference each.
 */
/* Up to this many circles, a part is differenced with them one after the
 * other; beyond, with the clustered union of the circles clipped to its
 * envelope (see subtract_cover). */
#define RM_SEQ_DIFF_MAX 1024

static int
subtract_cover(cov_state *st, dist_work *w)
{
	GEOSContextHandle_t h = st->h;
	const rm_cov_input *in = st->in;
	int			np = GEOSGetNumGeometries_r(h, w->zu);
	GEOSSTRtree *ctree = NULL;
	idxvec		hits = {0};
	geomvec		out = {0},
				clips = {0};
	double	   *cenv = NULL,
			   *ev = NULL;
	int			rc = RM_OK;
	cenv = malloc(w->cand.n * 4 * sizeof *cenv);
	ctree = GEOSSTRtree_create_r(h, 10);
	if (!cenv || !ctree)
	{
		rc = cenv ? geos_fail(st, "STRtree_create") : oom(st);
		goto done;
	}
	for (size_t k = 0; k < w->cand.n; k++)
	{
		size_t		j = w->cand.v[k];

		if (!st->scircle[j])
		{
			st->scircle[j] = rm_geodesic_circle(st->geo, in->shelters[j].x, in->shelters[j].y,
												in->reach_m, st->nseg);
			if (!st->scircle[j])
			{
				rc = geos_fail(st, "shelter circle");
				goto done;
			}
		}
		if (!GEOSGeom_getExtent_r(h, st->scircle[j], &cenv[4 * k], &cenv[4 * k + 1],
								  &cenv[4 * k + 2], &cenv[4 * k + 3]))
		{
			rc = geos_fail(st, "getExtent");
			goto done;
		}
		GEOSSTRtree_insert_r(h, ctree, st->scircle[j], (void *) (uintptr_t) (k + 1));
	}
	for (int i = 0; i < np; i++)
	{
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, w->zu, i);
		double		pe[4],
					mx,
					my;
		GEOSGeometry *piece;

		if ((i & 7) == 7 && in->interrupted && in->interrupted(in->interrupt_arg))
		{
			rm_geo_set_error(st->geo, "interrupted");
			rc = RM_EINTERRUPTED;
			goto done;
		}
		if (!GEOSGeom_getExtent_r(h, p, &pe[0], &pe[1], &pe[2], &pe[3]))
		{
			rc = geos_fail(st, "getExtent");
			goto done;
		}
		if ((rc = query_tree(st, ctree, pe, &hits)) != RM_OK)
			goto done;
		/* a part inside one circle is covered: no overlay */
		{
			int			inside = 0;

			for (size_t k = 0; k < hits.n && !inside; k++)
			{
				const rm_cov_point *sh = &in->shelters[w->cand.v[hits.v[k]]];

				inside = point_reach_contains(st, sh->x, sh->y, GEOSGetExteriorRing_r(h, p));
			}
			if (inside)
				continue;
		}
		/* only the circles that meet the part (envelopes overlap more often) */
		if (hits.n > 1)
		{
			const GEOSPreparedGeometry *pp = GEOSPrepare_r(h, p);
			size_t		m = 0;

			if (!pp)
			{
				rc = geos_fail(st, "Prepare");
				goto done;
			}
			for (size_t k = 0; k < hits.n; k++)
			{
				char		r = GEOSPreparedIntersects_r(h, pp, st->scircle[w->cand.v[hits.v[k]]]);

				if (r == 2)
				{
					GEOSPreparedGeom_destroy_r(h, pp);
					rc = geos_fail(st, "PreparedIntersects");
					goto done;
				}
				if (r)
					hits.v[m++] = hits.v[k];
			}
			GEOSPreparedGeom_destroy_r(h, pp);
			hits.n = m;
		}
		if (hits.n == 0)
		{
			piece = GEOSGeom_clone_r(h, p);
			if (!piece || !gv_take_polygons(st, &out, piece))
			{
				rc = geos_fail(st, "clone");
				goto done;
			}
			continue;
		}
		if (hits.n <= RM_SEQ_DIFF_MAX)
		{
			/*
			 * few circles: one difference after the other, each with the
			 * remainder, skipping circles that no longer reach it (cheaper
			 * than a union of the circles and one difference)
			 */
			GEOSGeometry *cur = NULL;
			double		re[4];

			memcpy(re, pe, sizeof re);
			for (size_t k = 0; k < hits.n; k++)
			{
				const double *ce = &cenv[4 * hits.v[k]];
				GEOSGeometry *nx;

				if (cur && !env_overlap(ce, re))
					continue;
				nx = GEOSDifference_r(h, cur ? cur : p, st->scircle[w->cand.v[hits.v[k]]]);
				if (cur)
					GEOSGeom_destroy_r(h, cur);
				cur = nx;
				if (!cur)
					break;
				if (GEOSisEmpty_r(h, cur))
					break;
				if (!GEOSGeom_getExtent_r(h, cur, &re[0], &re[1], &re[2], &re[3]))
				{
					GEOSGeom_destroy_r(h, cur);
					cur = NULL;
					break;
				}
			}
			if (!cur || !gv_take_polygons(st, &out, cur))
			{
				rc = geos_fail(st, "Difference");
				goto done;
			}
			continue;
		}
		/* clip box: the part's envelope, widened a little so that no clip
		 * edge runs along a part's edge */
		mx = (pe[2] - pe[0]) * 1e-3 + 1e-7;
		my = (pe[3] - pe[1]) * 1e-3 + 1e-7;
		for (size_t k = 0; k < hits.n; k++)
		{
			const double *ce = &cenv[4 * hits.v[k]];
			const GEOSGeometry *c = st->scircle[w->cand.v[hits.v[k]]];
			GEOSGeometry *clip;

			if (ce[0] >= pe[0] - mx && ce[1] >= pe[1] - my && ce[2] <= pe[2] + mx && ce[3] <= pe[3] + my)
				clip = GEOSGeom_clone_r(h, c);
			else
			{
				/* a rectangle clip of a convex polygon is valid */
				clip = GEOSClipByRect_r(h, c, pe[0] - mx, pe[1] - my, pe[2] + mx, pe[3] + my);
				if (clip)
					clip = rm_polygonal(st->geo, clip, 4326);
			}
			if (!clip)
			{
				rc = geos_fail(st, "ClipByRect");
				goto done;
			}
			if (GEOSisEmpty_r(h, clip))
				GEOSGeom_destroy_r(h, clip);
			else if (!gv_push(&clips, clip))
			{
				GEOSGeom_destroy_r(h, clip);
				rc = oom(st);
				goto done;
			}
		}
		if (clips.n == 0)
			piece = GEOSGeom_clone_r(h, p);
		else
		{
			GEOSGeometry *cover;

			ev = malloc(clips.n * 4 * sizeof *ev);
			if (!ev)
			{
				rc = oom(st);
				goto done;
			}
			for (size_t k = 0; k < clips.n; k++)
				GEOSGeom_getExtent_r(h, clips.v[k], &ev[4 * k], &ev[4 * k + 1], &ev[4 * k + 2], &ev[4 * k + 3]);
			cover = union_clustered(st, (const GEOSGeometry *const *) clips.v, ev, clips.n);
			free(ev);
			ev = NULL;
			gv_free(st, &clips);
			if (!cover)
			{
				rc = strcmp(rm_geo_error(st->geo), "interrupted") == 0 ?
					RM_EINTERRUPTED : geos_fail(st, "union of shelter reach");
				goto done;
			}
			piece = GEOSDifference_r(h, p, cover);
			GEOSGeom_destroy_r(h, cover);
		}
		if (!piece || !gv_take_polygons(st, &out, piece))
		{
			rc = geos_fail(st, "Difference");
			goto done;
		}
	}
	w->gap = gv_to_multipolygon(st, &out);
	if (!w->gap)
		rc = geos_fail(st, "createCollection");
done:
	gv_free(st, &out);
	gv_free(st, &clips);
	if (ctree)
		GEOSSTRtree_destroy_r(h, ctree);
	free(hits.v);
	free(cenv);
	free(ev);
	return rc;
}

static int
district_gap(cov_state *st, size_t d, dist_work *w)
{
	GEOSContextHandle_t h = st->h;
	const rm_cov_input *in = st->in;
	const GEOSPreparedGeometry *dp = st->dprep[d];
	double		ze[4],
				qe[4],
				dlon,
				dlat;
	int			rc;

	/* 1. the zones within the district */
	if ((rc = query_tree(st, st->ztree, &st->denv[4 * d], &w->cand)) != RM_OK)
		return rc;
	if (w->cand.n == 0)
		return RM_OK;
	for (size_t k = 0; k < w->cand.n; k++)
	{
		size_t		i = w->cand.v[k];
		char		r;

		if ((k & 15) == 15)
			CHECK_INTERRUPT(st);
		r = GEOSPreparedIntersects_r(h, dp, st->zone[i]);
		if (r == 2)
			return geos_fail(st, "PreparedIntersects");
		if (r && !idx_push(&w->used, i))
			return oom(st);
	}
	if (w->used.n == 0)
		return RM_OK;
	CHECK_INTERRUPT(st);
	/* the union of the zones (clustered), clipped to the district */
	{
		const GEOSGeometry **zs = malloc(w->used.n * sizeof *zs);
		double	   *ev = malloc(w->used.n * 4 * sizeof *ev);

		if (!zs || !ev)
		{
			free(zs);
			free(ev);
			return oom(st);
		}
		for (size_t k = 0; k < w->used.n; k++)
		{
			zs[k] = st->zone[w->used.v[k]];
			memcpy(&ev[4 * k], &st->zenv[4 * w->used.v[k]], 4 * sizeof *ev);
		}
		w->zu = union_clustered(st, zs, ev, w->used.n);
		free(zs);
		free(ev);
	}
	if (!w->zu)
		return rm_geo_error(st->geo)[0] && strcmp(rm_geo_error(st->geo), "interrupted") == 0 ?
			RM_EINTERRUPTED : geos_fail(st, "union of zones");
	CHECK_INTERRUPT(st);
	w->zu = clip_to_district(st, w->zu, d);
	if (!w->zu)
		return geos_fail(st, "clip");
	if (GEOSisEmpty_r(h, w->zu))
		return RM_OK;
	if (!GEOSGeom_getExtent_r(h, w->zu, &ze[0], &ze[1], &ze[2], &ze[3]))
		return geos_fail(st, "getExtent");
	CHECK_INTERRUPT(st);

	/* 2. the shelters that reach it */
	if (in->n_shelters > 0 && in->reach_m > 0)
	{
		rm_reach_degrees(in->reach_m, ze[1], ze[3], &dlon, &dlat);
		qe[0] = ze[0] - dlon;
		qe[1] = ze[1] - dlat;
		qe[2] = ze[2] + dlon;
		qe[3] = ze[3] + dlat;
		if ((rc = query_tree(st, st->stree, qe, &w->cand)) != RM_OK)
			return rc;
	}
	else
		w->cand.n = 0;
	if (w->cand.n > 0)
		rc = subtract_cover(st, w);
	else
	{
		w->gap = w->zu;
		w->zu = NULL;
		rc = RM_OK;
	}
	if (rc != RM_OK)
		return rc;
	w->gap = rm_polygonal(st->geo, w->gap, 4326);
	if (!w->gap)
		return geos_fail(st, "gap polygons");
	w->gap = drop_slivers(st, w->gap, &w->area);
	if (!w->gap)
		return geos_fail(st, "gap slivers");
	if (GEOSisEmpty_r(h, w->gap))
		return RM_OK;
	CHECK_INTERRUPT(st);

	/* 3. measures */
	{
		rm_cov_gap g;
		double		ge[4];
		size_t		nid = 0;

		memset(&g, 0, sizeof g);
		g.district = d;
		g.area_m2 = w->area;
		if (isnan(g.area_m2))
			return geos_fail(st, "area");
		w->gprep = GEOSPrepare_r(h, w->gap);
		if (!w->gprep)
			return geos_fail(st, "Prepare");
		if (!GEOSGeom_getExtent_r(h, w->gap, &ge[0], &ge[1], &ge[2], &ge[3]))
			return geos_fail(st, "getExtent");

		/* sources whose zone meets the gap */
		w->ids = malloc((w->used.n ? w->used.n : 1) * sizeof *w->ids);
		if (!w->ids)
			return oom(st);
		for (size_t k = 0; k < w->used.n; k++)
		{
			size_t		i = w->used.v[k];
			char		r;

			if (!env_overlap(&st->zenv[4 * i], ge))
				continue;
			r = GEOSPreparedIntersects_r(h, w->gprep, st->zone[i]);
			if (r == 2)
				return geos_fail(st, "PreparedIntersects");
			if (r)
				w->ids[nid++] = in->sources[i].id;
		}
		qsort(w->ids, nid, sizeof *w->ids, cmp_i64);

		{
			size_t		len = 0;
			unsigned char *buf = rm_wkb_write(st->geo, w->gap, &len);

			if (!buf)
				return geos_fail(st, "WKB write");
			w->wkb = malloc(len);
			if (!w->wkb)
			{
				rm_wkb_free(st->geo, buf);
				return oom(st);
			}
			memcpy(w->wkb, buf, len);
			rm_wkb_free(st->geo, buf);
			g.wkb = w->wkb;
			g.wkb_len = len;
		}
		g.source_ids = w->ids;
		g.n_source_ids = nid;
		if (!push_gap(st, &g, w->gap))
			return oom(st);
		/* now owned by the result and the state (for the people pass) */
		w->wkb = NULL;
		w->ids = NULL;
		w->gap = NULL;
	}
	return RM_OK;
}

/* ---------------------------------------------------------------------- */
/* the two passes */

int
rm_cov_run_gaps(rm_geo *geo, const rm_cov_input *in, rm_cov_run **runp, rm_cov_result *out)
{
	rm_cov_run *run;
	cov_state  *st;
	int			rc;

	*runp = NULL;
	memset(out, 0, sizeof *out);
	rm_geo_clear_error(geo);
	if (!isfinite(in->reach_m) || in->reach_m < 0 || in->reach_m > RM_MAX_RADIUS_M)
	{
		rm_geo_set_error(geo, "reach %g m is out of range [0, %g]", in->reach_m, RM_MAX_RADIUS_M);
		return RM_EINPUT;
	}
	run = calloc(1, sizeof *run);
	if (!run)
	{
		rm_geo_set_error(geo, "out of memory");
		return RM_ENOMEM;
	}
	st = &run->st;
	st->geo = geo;
	st->h = rm_geo_geos(geo);
	st->in = in;
	st->nseg = in->nseg > 0 ? in->nseg : RM_CIRCLE_SEGMENTS;
	{

		if ((rc = load_districts(st)) != RM_OK)
			goto fail;
		if ((rc = load_points(st)) != RM_OK)
			goto fail;
		if ((rc = load_zones(st)) != RM_OK)
			goto fail;
	}
	for (size_t d = 0; d < in->n_districts; d++)
	{
		dist_work	w;

		if (!in->districts[d].selected || !st->dgeom[d])
			continue;
		if (in->interrupted && in->interrupted(in->interrupt_arg))
		{
			rm_geo_set_error(geo, "interrupted");
			rc = RM_EINTERRUPTED;
			goto fail;
		}
		memset(&w, 0, sizeof w);
		rc = district_gap(st, d, &w);
		dist_work_free(st, &w);
		if (rc != RM_OK)
			goto fail;
	}
	/* the rows, without people; the run keeps the gap geometries */
	*out = st->res;
	*runp = run;
	return RM_OK;

fail:
	rm_cov_result_free(&st->res);
	state_free(st);
	free(run);
	return rc;
}

int
rm_cov_run_boxes(rm_cov_run *run, double **boxes, size_t *n)
{
	cov_state  *st = &run->st;
	GEOSContextHandle_t h = st->h;
	size_t		total = 0,
				k = 0;
	double	   *b;

	*boxes = NULL;
	*n = 0;
	for (size_t i = 0; i < st->n_gapg; i++)
		if (st->gapg[i])
			total += (size_t) GEOSGetNumGeometries_r(h, st->gapg[i]);
	b = malloc((total ? total : 1) * 4 * sizeof *b);
	if (!b)
		return oom(st);
	for (size_t i = 0; i < st->n_gapg; i++)
	{
		int			np;

		if (!st->gapg[i])
			continue;
		np = GEOSGetNumGeometries_r(h, st->gapg[i]);
		for (int j = 0; j < np; j++)
		{
			const GEOSGeometry *p = GEOSGetGeometryN_r(h, st->gapg[i], j);

			if (!GEOSGeom_getExtent_r(h, p, &b[4 * k], &b[4 * k + 1], &b[4 * k + 2], &b[4 * k + 3]))
			{
				free(b);
				return geos_fail(st, "getExtent");
			}
			k++;
		}
	}
	*boxes = b;
	*n = k;
	return RM_OK;
}

int
rm_cov_run_people(rm_cov_run *run, const rm_cov_cell *cells, size_t n_cells, rm_cov_result *res)
{
	cov_state  *st = &run->st;
	GEOSContextHandle_t h = st->h;
	idxvec		cand = {0};
	int			rc = RM_OK;

	rm_geo_clear_error(st->geo);
	cells_free(st);
	for (size_t i = 0; i < res->n_gaps; i++)
		res->gaps[i].people = 0;
	if (n_cells == 0)
		return RM_OK;
	if ((rc = load_cells(st, cells, n_cells)) != RM_OK)
		goto done;
	for (size_t i = 0; i < res->n_gaps && i < st->n_gapg; i++)
	{
		rm_cov_gap *g = &res->gaps[i];
		size_t		d = g->district;
		const GEOSPreparedGeometry *gprep;
		double		ge[4];

		if (!st->gapg[i])
			continue;
		if (!GEOSGeom_getExtent_r(h, st->gapg[i], &ge[0], &ge[1], &ge[2], &ge[3]))
		{
			rc = geos_fail(st, "getExtent");
			goto done;
		}
		if ((rc = query_tree(st, st->ctree, ge, &cand)) != RM_OK)
			goto done;
		if (cand.n == 0)
			continue;
		gprep = GEOSPrepare_r(h, st->gapg[i]);
		if (!gprep)
		{
			rc = geos_fail(st, "Prepare");
			goto done;
		}
		/* centroids covered by the gap; border cells counted once */
		for (size_t k = 0; k < cand.n; k++)
		{
			size_t		c = cand.v[k];
			char		r;

			if ((k & 255) == 255 && st->in->interrupted && st->in->interrupted(st->in->interrupt_arg))
			{
				GEOSPreparedGeom_destroy_r(h, gprep);
				rm_geo_set_error(st->geo, "interrupted");
				rc = RM_EINTERRUPTED;
				goto done;
			}
			r = GEOSPreparedCovers_r(h, gprep, st->cpt[c]);
			if (r == 1)
			{
				r = GEOSPreparedContainsProperly_r(h, st->dprep[d], st->cpt[c]);
				if (r == 1 || (r == 0 && cell_owner(st, c) == (int) d))
					g->people += cells[c].people;
			}
			if (r == 2)
			{
				GEOSPreparedGeom_destroy_r(h, gprep);
				rc = geos_fail(st, "prepared point test");
				goto done;
			}
		}
		GEOSPreparedGeom_destroy_r(h, gprep);
	}
done:
	free(cand.v);
	cells_free(st);
	return rc;
}

void
rm_cov_run_free(rm_cov_run *run)
{
	if (!run)
		return;
	state_free(&run->st);
	free(run);
}

int
rm_coverage_gaps(rm_geo *geo, const rm_cov_input *in, rm_cov_result *out)
{
	rm_cov_run *run = NULL;
	int			rc = rm_cov_run_gaps(geo, in, &run, out);

	if (rc != RM_OK)
		return rc;
	rc = rm_cov_run_people(run, in->cells, in->n_cells, out);
	rm_cov_run_free(run);
	if (rc != RM_OK)
		rm_cov_result_free(out);
	return rc;
}
