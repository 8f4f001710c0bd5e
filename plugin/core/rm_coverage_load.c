/*
 * rm_coverage_load.c — the inputs into GEOS: districts (prepared),
 * shelter points and circles, population centroids, impact zones (buffered
 * once, STRtree), and which district owns a border cell.
 * See rm_coverage_internal.h.
 */
#include "rm_coverage_internal.h"
#include "rm_geodesy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cv_load_districts(cov_state *st)
{
	const rm_cov_input *in = st->in;
	size_t n = in->n_districts;

	st->dgeom = calloc(n ? n : 1, sizeof *st->dgeom);
	st->dprep = calloc(n ? n : 1, sizeof *st->dprep);
	st->denv = calloc(n ? n * 4 : 4, sizeof *st->denv);
	if (!st->dgeom || !st->dprep || !st->denv)
		return cv_oom(st);
	for (size_t i = 0; i < n; i++)
	{
		const rm_cov_district *d = &in->districts[i];
		GEOSGeometry *g;

		if (!d->wkb)
			continue;
		g = rm_wkb_read(st->geo, d->wkb, d->wkb_len);
		if (!g || !rm_check_lonlat(st->geo, g))
		{
			char msg[400];

			if (g)
				GEOSGeom_destroy_r(st->h, g);
			snprintf(msg, sizeof msg, "%s", rm_geo_error(st->geo));
			rm_geo_set_error(st->geo, "district %s: %s", d->code, msg);
			return RM_EINPUT;
		}
		g = rm_polygonal_valid(st->geo, g, 4326);
		if (!g)
			return cv_geos_fail(st, "district make valid");
		if (GEOSisEmpty_r(st->h, g))
		{
			GEOSGeom_destroy_r(st->h, g);
			continue;
		}
		st->dgeom[i] = g;
		if (!GEOSGeom_getExtent_r(
		        st->h, g, &st->denv[4 * i], &st->denv[4 * i + 1], &st->denv[4 * i + 2], &st->denv[4 * i + 3]))
			return cv_geos_fail(st, "getExtent");
		st->dprep[i] = GEOSPrepare_r(st->h, g);
		if (!st->dprep[i])
			return cv_geos_fail(st, "Prepare");
		CHECK_INTERRUPT(st);
	}
	return RM_OK;
}

int
cv_load_points(cov_state *st)
{
	const rm_cov_input *in = st->in;

	st->spt = calloc(in->n_shelters ? in->n_shelters : 1, sizeof *st->spt);
	st->scircle = calloc(in->n_shelters ? in->n_shelters : 1, sizeof *st->scircle);
	if (!st->spt || !st->scircle)
		return cv_oom(st);
	st->stree = GEOSSTRtree_create_r(st->h, 10);
	if (!st->stree)
		return cv_geos_fail(st, "STRtree_create");
	for (size_t i = 0; i < in->n_shelters; i++)
	{
		double x = in->shelters[i].x, y = in->shelters[i].y;

		if (!isfinite(x) || !isfinite(y) || fabs(y) > 90 || fabs(x) > 540)
			continue; /* cannot be a shelter on the ground */
		st->spt[i] = GEOSGeom_createPointFromXY_r(st->h, x, y);
		if (!st->spt[i])
			return cv_geos_fail(st, "createPoint");
		GEOSSTRtree_insert_r(st->h, st->stree, st->spt[i], (void *) (uintptr_t) (i + 1));
	}
	return RM_OK;
}

/* The population centroids of the people pass: points in an STRtree. */
int
cv_load_cells(cov_state *st, const rm_cov_cell *cells, size_t n)
{
	st->cells = cells;
	st->n_cells = n;
	st->cpt = calloc(n ? n : 1, sizeof *st->cpt);
	st->cowner = malloc((n ? n : 1) * sizeof *st->cowner);
	if (!st->cpt || !st->cowner)
		return cv_oom(st);
	st->ctree = GEOSSTRtree_create_r(st->h, 10);
	if (!st->ctree)
		return cv_geos_fail(st, "STRtree_create");
	for (size_t i = 0; i < n; i++)
	{
		double x = cells[i].x, y = cells[i].y;

		st->cowner[i] = -2;
		if (!isfinite(x) || !isfinite(y) || !(cells[i].people > 0))
			continue; /* nobody to count */
		st->cpt[i] = GEOSGeom_createPointFromXY_r(st->h, x, y);
		if (!st->cpt[i])
			return cv_geos_fail(st, "createPoint");
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
	unsigned n = 0;

	if (!cs || !GEOSCoordSeq_getSize_r(st->h, cs, &n))
		return 0;
	for (unsigned i = 0; i < n; i++)
	{
		double x, y, dx, dy;

		GEOSCoordSeq_getXY_r(st->h, cs, i, &x, &y);
		dx = (x - sx) * kx;
		dy = (y - sy) * ky;
		if (dx * dx + dy * dy >= r2)
			return 0;
	}
	return 1;
}

/* Whether ring lies in the interior of the reach polygon of the shelter at (sx, sy). */
int
cv_point_reach_contains(cov_state *st, double sx, double sy, const GEOSGeometry *ring)
{
	double r_in = st->in->reach_m * cos(M_PI / st->nseg) * (1 - 1e-3);
	double per_deg_lat, per_deg_lon;

	if (!ring)
		return 0;
	rm_metres_per_degree(sy, &per_deg_lat, &per_deg_lon);
	return ring_within(st, ring, sx, sy, per_deg_lon, per_deg_lat, r_in * r_in);
}

static int
zone_covered(cov_state *st, const GEOSGeometry *z, const double *ze, idxvec *cand)
{
	const rm_cov_input *in = st->in;
	double dlon, dlat, qe[4];
	int np;

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
	if (cv_query_tree(st, st->stree, qe, cand) != RM_OK)
		return 0;
	np = GEOSGetNumGeometries_r(st->h, z);
	for (size_t k = 0; k < cand->n; k++)
	{
		int all = 1;

		for (int i = 0; i < np && all; i++)
			all = cv_point_reach_contains(st,
			                              in->shelters[cand->v[k]].x,
			                              in->shelters[cand->v[k]].y,
			                              GEOSGetExteriorRing_r(st->h, GEOSGetGeometryN_r(st->h, z, i)));
		if (all)
			return 1;
	}
	return 0;
}

int
cv_load_zones(cov_state *st)
{
	const rm_cov_input *in = st->in;
	size_t n = in->n_sources;

	st->zone = calloc(n ? n : 1, sizeof *st->zone);
	st->zenv = calloc(n ? n * 4 : 4, sizeof *st->zenv);
	st->ztree = GEOSSTRtree_create_r(st->h, 10);
	if (!st->zone || !st->zenv)
		return cv_oom(st);
	if (!st->ztree)
		return cv_geos_fail(st, "STRtree_create");
	for (size_t i = 0; i < n; i++)
	{
		const rm_cov_source *s = &in->sources[i];
		GEOSGeometry *g, *z;
		double e[4], dlon, dlat;
		int needed = 0;

		if ((i & 63) == 63)
			CHECK_INTERRUPT(st);
		if (!isfinite(s->radius_m) || s->radius_m < 0 || s->radius_m > RM_MAX_RADIUS_M)
		{
			rm_geo_set_error(st->geo,
			                 "risk_source %lld: impact_radius_m %g is out of range [0, %g]",
			                 (long long) s->id,
			                 s->radius_m,
			                 RM_MAX_RADIUS_M);
			return RM_EINPUT;
		}
		g = rm_wkb_read(st->geo, s->wkb, s->wkb_len);
		if (!g || !rm_check_lonlat(st->geo, g))
		{
			char msg[400];

			if (g)
				GEOSGeom_destroy_r(st->h, g);
			snprintf(msg, sizeof msg, "%s", rm_geo_error(st->geo));
			rm_geo_set_error(st->geo, "risk_source %lld: %s", (long long) s->id, msg);
			return RM_EINPUT;
		}
		if (GEOSisEmpty_r(st->h, g) || !GEOSGeom_getExtent_r(st->h, g, &e[0], &e[1], &e[2], &e[3]))
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
			if (in->districts[d].selected && st->dgeom[d] && cv_env_overlap(e, &st->denv[4 * d]))
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
			char msg[400];

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
			return cv_geos_fail(st, "getExtent");
		}
		if (zone_covered(st, z, e, &st->tmp))
		{
			GEOSGeom_destroy_r(st->h, z);
			continue;
		}
		st->zone[i] = z;
		if (!GEOSGeom_getExtent_r(
		        st->h, z, &st->zenv[4 * i], &st->zenv[4 * i + 1], &st->zenv[4 * i + 2], &st->zenv[4 * i + 3]))
			return cv_geos_fail(st, "getExtent");
		GEOSSTRtree_insert_r(st->h, st->ztree, z, (void *) (uintptr_t) (i + 1));
	}
	return RM_OK;
}

/* The district a border cell counts in: its own district when that covers
 * the centroid, else the first district (by code) that does, else -1. */
int
cv_cell_owner(cov_state *st, size_t c)
{
	const rm_cov_input *in = st->in;
	int own = st->cells[c].district;
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

/* ---------------------------------------------------------------------- */
/* clustered union */
