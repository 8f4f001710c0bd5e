/*
 * rm_coverage_subtract.c — per district: the zones clipped to it, minus
 * the shelters' cover (sequential differences or the union of the circles),
 * slivers dropped, the gap row.
 * See rm_coverage_internal.h.
 */
#include "rm_coverage_internal.h"
#include "rm_geodesy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mp (consumed, disjoint parts) clipped to district d: parts inside are
 * kept whole, the others are intersected with it in one overlay. */
static GEOSGeometry *
clip_to_district(cov_state *st, GEOSGeometry *mp, size_t d)
{
	GEOSContextHandle_t h = st->h;
	int k = GEOSGetNumGeometries_r(h, mp);
	geomvec out = {0}, cross = {0};
	GEOSGeometry *res;

	for (int i = 0; i < k; i++)
	{
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, mp, i);
		char r = GEOSPreparedContainsProperly_r(h, st->dprep[d], p);
		GEOSGeometry *c;

		if (r == 2)
			goto fail;
		c = GEOSGeom_clone_r(h, p);
		if (!c || !cv_gv_push(r ? &out : &cross, c))
		{
			if (c)
				GEOSGeom_destroy_r(h, c);
			goto fail;
		}
	}
	if (cross.n > 0)
	{
		GEOSGeometry *cm = cv_gv_to_multipolygon(st, &cross);
		GEOSGeometry *x;

		if (!cm)
			goto fail;
		x = GEOSIntersection_r(h, cm, st->dgeom[d]);
		GEOSGeom_destroy_r(h, cm);
		if (!x || !cv_gv_take_polygons(st, &out, x))
			goto fail;
	}
	GEOSGeom_destroy_r(h, mp);
	res = cv_gv_to_multipolygon(st, &out);
	if (!res)
		cv_geos_fail(st, "createCollection");
	return res;
fail:
	GEOSGeom_destroy_r(h, mp);
	cv_gv_free(st, &out);
	cv_gv_free(st, &cross);
	cv_geos_fail(st, "Intersection with the district");
	return NULL;
}

/* Drops polygons below RM_SLIVER_M2; takes mp, returns a new MultiPolygon. */
static GEOSGeometry *
drop_slivers(cov_state *st, GEOSGeometry *mp, double *total)
{
	int k = GEOSGetNumGeometries_r(st->h, mp);
	GEOSGeometry **keep;
	size_t nk = 0;
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
		double a = rm_ground_area(st->geo, p);

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

void
cv_dist_work_free(cov_state *st, dist_work *w)
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
		size_t nc = st->res_cap ? st->res_cap * 2 : 16;
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
static int
subtract_cover(cov_state *st, dist_work *w)
{
	GEOSContextHandle_t h = st->h;
	const rm_cov_input *in = st->in;
	int np = GEOSGetNumGeometries_r(h, w->zu);
	GEOSSTRtree *ctree = NULL;
	idxvec hits = {0};
	geomvec out = {0}, clips = {0};
	double *cenv = NULL, *ev = NULL;
	int rc = RM_OK;
	cenv = malloc(w->cand.n * 4 * sizeof *cenv);
	ctree = GEOSSTRtree_create_r(h, 10);
	if (!cenv || !ctree)
	{
		rc = cenv ? cv_geos_fail(st, "STRtree_create") : cv_oom(st);
		goto done;
	}
	for (size_t k = 0; k < w->cand.n; k++)
	{
		size_t j = w->cand.v[k];

		if (!st->scircle[j])
		{
			st->scircle[j] = rm_geodesic_circle(st->geo, in->shelters[j].x, in->shelters[j].y, in->reach_m, st->nseg);
			if (!st->scircle[j])
			{
				rc = cv_geos_fail(st, "shelter circle");
				goto done;
			}
		}
		if (!GEOSGeom_getExtent_r(
		        h, st->scircle[j], &cenv[4 * k], &cenv[4 * k + 1], &cenv[4 * k + 2], &cenv[4 * k + 3]))
		{
			rc = cv_geos_fail(st, "getExtent");
			goto done;
		}
		GEOSSTRtree_insert_r(h, ctree, st->scircle[j], (void *) (uintptr_t) (k + 1));
	}
	for (int i = 0; i < np; i++)
	{
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, w->zu, i);
		double pe[4], mx, my;
		GEOSGeometry *piece;

		if ((i & 7) == 7 && in->interrupted && in->interrupted(in->interrupt_arg))
		{
			rm_geo_set_error(st->geo, "interrupted");
			rc = RM_EINTERRUPTED;
			goto done;
		}
		if (!GEOSGeom_getExtent_r(h, p, &pe[0], &pe[1], &pe[2], &pe[3]))
		{
			rc = cv_geos_fail(st, "getExtent");
			goto done;
		}
		if ((rc = cv_query_tree(st, ctree, pe, &hits)) != RM_OK)
			goto done;
		/* a part inside one circle is covered: no overlay */
		{
			int inside = 0;

			for (size_t k = 0; k < hits.n && !inside; k++)
			{
				const rm_cov_point *sh = &in->shelters[w->cand.v[hits.v[k]]];

				inside = cv_point_reach_contains(st, sh->x, sh->y, GEOSGetExteriorRing_r(h, p));
			}
			if (inside)
				continue;
		}
		/* only the circles that meet the part (envelopes overlap more often) */
		if (hits.n > 1)
		{
			const GEOSPreparedGeometry *pp = GEOSPrepare_r(h, p);
			size_t m = 0;

			if (!pp)
			{
				rc = cv_geos_fail(st, "Prepare");
				goto done;
			}
			for (size_t k = 0; k < hits.n; k++)
			{
				char r = GEOSPreparedIntersects_r(h, pp, st->scircle[w->cand.v[hits.v[k]]]);

				if (r == 2)
				{
					GEOSPreparedGeom_destroy_r(h, pp);
					rc = cv_geos_fail(st, "PreparedIntersects");
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
			if (!piece || !cv_gv_take_polygons(st, &out, piece))
			{
				rc = cv_geos_fail(st, "clone");
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
			double re[4];

			memcpy(re, pe, sizeof re);
			for (size_t k = 0; k < hits.n; k++)
			{
				const double *ce = &cenv[4 * hits.v[k]];
				GEOSGeometry *nx;

				if (cur && !cv_env_overlap(ce, re))
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
			if (!cur || !cv_gv_take_polygons(st, &out, cur))
			{
				rc = cv_geos_fail(st, "Difference");
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
				rc = cv_geos_fail(st, "ClipByRect");
				goto done;
			}
			if (GEOSisEmpty_r(h, clip))
				GEOSGeom_destroy_r(h, clip);
			else if (!cv_gv_push(&clips, clip))
			{
				GEOSGeom_destroy_r(h, clip);
				rc = cv_oom(st);
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
				rc = cv_oom(st);
				goto done;
			}
			for (size_t k = 0; k < clips.n; k++)
				GEOSGeom_getExtent_r(h, clips.v[k], &ev[4 * k], &ev[4 * k + 1], &ev[4 * k + 2], &ev[4 * k + 3]);
			cover = cv_union_clustered(st, (const GEOSGeometry *const *) clips.v, ev, clips.n);
			free(ev);
			ev = NULL;
			cv_gv_free(st, &clips);
			if (!cover)
			{
				rc = strcmp(rm_geo_error(st->geo), "interrupted") == 0 ? RM_EINTERRUPTED
				                                                       : cv_geos_fail(st, "union of shelter reach");
				goto done;
			}
			piece = GEOSDifference_r(h, p, cover);
			GEOSGeom_destroy_r(h, cover);
		}
		if (!piece || !cv_gv_take_polygons(st, &out, piece))
		{
			rc = cv_geos_fail(st, "Difference");
			goto done;
		}
	}
	w->gap = cv_gv_to_multipolygon(st, &out);
	if (!w->gap)
		rc = cv_geos_fail(st, "createCollection");
done:
	cv_gv_free(st, &out);
	cv_gv_free(st, &clips);
	if (ctree)
		GEOSSTRtree_destroy_r(h, ctree);
	free(hits.v);
	free(cenv);
	free(ev);
	return rc;
}

int
cv_district_gap(cov_state *st, size_t d, dist_work *w)
{
	GEOSContextHandle_t h = st->h;
	const rm_cov_input *in = st->in;
	const GEOSPreparedGeometry *dp = st->dprep[d];
	double ze[4], qe[4], dlon, dlat;
	int rc;

	/* 1. the zones within the district */
	if ((rc = cv_query_tree(st, st->ztree, &st->denv[4 * d], &w->cand)) != RM_OK)
		return rc;
	if (w->cand.n == 0)
		return RM_OK;
	for (size_t k = 0; k < w->cand.n; k++)
	{
		size_t i = w->cand.v[k];
		char r;

		if ((k & 15) == 15)
			CHECK_INTERRUPT(st);
		r = GEOSPreparedIntersects_r(h, dp, st->zone[i]);
		if (r == 2)
			return cv_geos_fail(st, "PreparedIntersects");
		if (r && !cv_idx_push(&w->used, i))
			return cv_oom(st);
	}
	if (w->used.n == 0)
		return RM_OK;
	CHECK_INTERRUPT(st);
	/* the union of the zones (clustered), clipped to the district */
	{
		const GEOSGeometry **zs = malloc(w->used.n * sizeof *zs);
		double *ev = malloc(w->used.n * 4 * sizeof *ev);

		if (!zs || !ev)
		{
			free(zs);
			free(ev);
			return cv_oom(st);
		}
		for (size_t k = 0; k < w->used.n; k++)
		{
			zs[k] = st->zone[w->used.v[k]];
			memcpy(&ev[4 * k], &st->zenv[4 * w->used.v[k]], 4 * sizeof *ev);
		}
		w->zu = cv_union_clustered(st, zs, ev, w->used.n);
		free(zs);
		free(ev);
	}
	if (!w->zu)
		return rm_geo_error(st->geo)[0] && strcmp(rm_geo_error(st->geo), "interrupted") == 0
		           ? RM_EINTERRUPTED
		           : cv_geos_fail(st, "union of zones");
	CHECK_INTERRUPT(st);
	w->zu = clip_to_district(st, w->zu, d);
	if (!w->zu)
		return cv_geos_fail(st, "clip");
	if (GEOSisEmpty_r(h, w->zu))
		return RM_OK;
	if (!GEOSGeom_getExtent_r(h, w->zu, &ze[0], &ze[1], &ze[2], &ze[3]))
		return cv_geos_fail(st, "getExtent");
	CHECK_INTERRUPT(st);

	/* 2. the shelters that reach it */
	if (in->n_shelters > 0 && in->reach_m > 0)
	{
		rm_reach_degrees(in->reach_m, ze[1], ze[3], &dlon, &dlat);
		qe[0] = ze[0] - dlon;
		qe[1] = ze[1] - dlat;
		qe[2] = ze[2] + dlon;
		qe[3] = ze[3] + dlat;
		if ((rc = cv_query_tree(st, st->stree, qe, &w->cand)) != RM_OK)
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
		return cv_geos_fail(st, "gap polygons");
	w->gap = drop_slivers(st, w->gap, &w->area);
	if (!w->gap)
		return cv_geos_fail(st, "gap slivers");
	if (GEOSisEmpty_r(h, w->gap))
		return RM_OK;
	CHECK_INTERRUPT(st);

	/* 3. measures */
	{
		rm_cov_gap g;
		double ge[4];
		size_t nid = 0;

		memset(&g, 0, sizeof g);
		g.district = d;
		g.area_m2 = w->area;
		if (isnan(g.area_m2))
			return cv_geos_fail(st, "area");
		w->gprep = GEOSPrepare_r(h, w->gap);
		if (!w->gprep)
			return cv_geos_fail(st, "Prepare");
		if (!GEOSGeom_getExtent_r(h, w->gap, &ge[0], &ge[1], &ge[2], &ge[3]))
			return cv_geos_fail(st, "getExtent");

		/* sources whose zone meets the gap */
		w->ids = malloc((w->used.n ? w->used.n : 1) * sizeof *w->ids);
		if (!w->ids)
			return cv_oom(st);
		for (size_t k = 0; k < w->used.n; k++)
		{
			size_t i = w->used.v[k];
			char r;

			if (!cv_env_overlap(&st->zenv[4 * i], ge))
				continue;
			r = GEOSPreparedIntersects_r(h, w->gprep, st->zone[i]);
			if (r == 2)
				return cv_geos_fail(st, "PreparedIntersects");
			if (r)
				w->ids[nid++] = in->sources[i].id;
		}
		qsort(w->ids, nid, sizeof *w->ids, cv_cmp_i64);

		{
			size_t len = 0;
			unsigned char *buf = rm_wkb_write(st->geo, w->gap, &len);

			if (!buf)
				return cv_geos_fail(st, "WKB write");
			w->wkb = malloc(len);
			if (!w->wkb)
			{
				rm_wkb_free(st->geo, buf);
				return cv_oom(st);
			}
			memcpy(w->wkb, buf, len);
			rm_wkb_free(st->geo, buf);
			g.wkb = w->wkb;
			g.wkb_len = len;
		}
		g.source_ids = w->ids;
		g.n_source_ids = nid;
		if (!push_gap(st, &g, w->gap))
			return cv_oom(st);
		/* now owned by the result and the state (for the people pass) */
		w->wkb = NULL;
		w->ids = NULL;
		w->gap = NULL;
	}
	return RM_OK;
}
