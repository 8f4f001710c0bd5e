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
#include "rm_coverage_internal.h"
#include "rm_geodesy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cv_idx_push(idxvec *a, size_t x)
{
	if (a->n == a->cap)
	{
		size_t nc = a->cap ? a->cap * 2 : 64;
		size_t *nv = realloc(a->v, nc * sizeof *nv);

		if (!nv)
			return 0;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = x;
	return 1;
}

static void
query_cb(void *item, void *userdata)
{
	query_arg *q = userdata;

	if (!cv_idx_push(q->vec, (size_t) (uintptr_t) item - 1))
		q->oom = 1;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *) a, y = *(const size_t *) b;

	return (x > y) - (x < y);
}

int
cv_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

void
rm_reach_degrees(double r, double lat_min, double lat_max, double *dlon, double *dlat)
{
	/* a degree of latitude is at least 110.57 km; widen by 2 % for safety */
	double dy = r / 110574.0 * 1.02 + 1e-9;
	double lat = fmax(fabs(lat_min), fabs(lat_max)) + dy;
	double c = lat >= 89.0 ? 0.0 : cos(lat * M_PI / 180.0);

	*dlat = dy;
	/* a degree of longitude at latitude lat is at least 111.32 km cos(lat)
	 * (a little more on the ellipsoid: its parallel radius is larger) */
	*dlon = c <= 0.01 ? 360.0 : r / (111320.0 * c) * 1.02 + 1e-9;
}

struct rm_cov_run
{
	cov_state st;
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

int
cv_oom(cov_state *st)
{
	rm_geo_set_error(st->geo, "out of memory");
	return RM_ENOMEM;
}

int
cv_geos_fail(cov_state *st, const char *what)
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

int
cv_query_tree(cov_state *st, GEOSSTRtree *tree, const double env[4], idxvec *out)
{
	GEOSGeometry *r = rect(st, env[0], env[1], env[2], env[3]);
	query_arg q = {out, 0};

	out->n = 0;
	if (!r)
		return cv_geos_fail(st, "createRectangle");
	GEOSSTRtree_query_r(st->h, tree, r, query_cb, &q);
	GEOSGeom_destroy_r(st->h, r);
	if (q.oom)
		return cv_oom(st);
	if (out->n > 1) /* out->v may be NULL when n == 0: qsort(NULL, 0) is UB */
		qsort(out->v, out->n, sizeof(size_t), cmp_size);
	return RM_OK;
}

int
cv_env_overlap(const double *a, const double *b)
{
	return !(a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1]);
}

/* ---------------------------------------------------------------------- */

/* ---------------------------------------------------------------------- */
/* the two passes */

int
rm_cov_run_gaps(rm_geo *geo, const rm_cov_input *in, rm_cov_run **runp, rm_cov_result *out)
{
	rm_cov_run *run;
	cov_state *st;
	int rc;

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

		if ((rc = cv_load_districts(st)) != RM_OK)
			goto fail;
		if ((rc = cv_load_points(st)) != RM_OK)
			goto fail;
		if ((rc = cv_load_zones(st)) != RM_OK)
			goto fail;
	}
	for (size_t d = 0; d < in->n_districts; d++)
	{
		dist_work w;

		if (!in->districts[d].selected || !st->dgeom[d])
			continue;
		if (in->interrupted && in->interrupted(in->interrupt_arg))
		{
			rm_geo_set_error(geo, "interrupted");
			rc = RM_EINTERRUPTED;
			goto fail;
		}
		memset(&w, 0, sizeof w);
		rc = cv_district_gap(st, d, &w);
		cv_dist_work_free(st, &w);
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
	cov_state *st = &run->st;
	GEOSContextHandle_t h = st->h;
	size_t total = 0, k = 0;
	double *b;

	*boxes = NULL;
	*n = 0;
	for (size_t i = 0; i < st->n_gapg; i++)
		if (st->gapg[i])
			total += (size_t) GEOSGetNumGeometries_r(h, st->gapg[i]);
	b = malloc((total ? total : 1) * 4 * sizeof *b);
	if (!b)
		return cv_oom(st);
	for (size_t i = 0; i < st->n_gapg; i++)
	{
		int np;

		if (!st->gapg[i])
			continue;
		np = GEOSGetNumGeometries_r(h, st->gapg[i]);
		for (int j = 0; j < np; j++)
		{
			const GEOSGeometry *p = GEOSGetGeometryN_r(h, st->gapg[i], j);

			if (!GEOSGeom_getExtent_r(h, p, &b[4 * k], &b[4 * k + 1], &b[4 * k + 2], &b[4 * k + 3]))
			{
				free(b);
				return cv_geos_fail(st, "getExtent");
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
	cov_state *st = &run->st;
	GEOSContextHandle_t h = st->h;
	idxvec cand = {0};
	int rc = RM_OK;

	rm_geo_clear_error(st->geo);
	cells_free(st);
	for (size_t i = 0; i < res->n_gaps; i++)
		res->gaps[i].people = 0;
	if (n_cells == 0)
		return RM_OK;
	if ((rc = cv_load_cells(st, cells, n_cells)) != RM_OK)
		goto done;
	for (size_t i = 0; i < res->n_gaps && i < st->n_gapg; i++)
	{
		rm_cov_gap *g = &res->gaps[i];
		size_t d = g->district;
		const GEOSPreparedGeometry *gprep;
		double ge[4];

		if (!st->gapg[i])
			continue;
		if (!GEOSGeom_getExtent_r(h, st->gapg[i], &ge[0], &ge[1], &ge[2], &ge[3]))
		{
			rc = cv_geos_fail(st, "getExtent");
			goto done;
		}
		if ((rc = cv_query_tree(st, st->ctree, ge, &cand)) != RM_OK)
			goto done;
		if (cand.n == 0)
			continue;
		gprep = GEOSPrepare_r(h, st->gapg[i]);
		if (!gprep)
		{
			rc = cv_geos_fail(st, "Prepare");
			goto done;
		}
		/* centroids covered by the gap; border cells counted once */
		for (size_t k = 0; k < cand.n; k++)
		{
			size_t c = cand.v[k];
			char r;

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
				if (r == 1 || (r == 0 && cv_cell_owner(st, c) == (int) d))
					g->people += cells[c].people;
			}
			if (r == 2)
			{
				GEOSPreparedGeom_destroy_r(h, gprep);
				rc = cv_geos_fail(st, "prepared point test");
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
	int rc = rm_cov_run_gaps(geo, in, &run, out);

	if (rc != RM_OK)
		return rc;
	rc = rm_cov_run_people(run, in->cells, in->n_cells, out);
	rm_cov_run_free(run);
	if (rc != RM_OK)
		rm_cov_result_free(out);
	return rc;
}
