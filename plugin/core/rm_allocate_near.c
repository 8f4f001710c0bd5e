/*
 * rm_allocate_near.c — the near graph: pairs of sources within a ground distance,
 * from their EWKB geometries (GEOS, local projections).
 * See rm_allocate_internal.h and rm_allocate.h.
 */
#include "rm_allocate_internal.h"
#include "rm_geodesy.h"

#include <geos_c.h>
#include <stdarg.h>
#include <stdio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Ground distances and the near graph. */

typedef struct
{
	double lon0, lat0, kx, ky;
} proj_t;

static int
fwd_xy(double *x, double *y, void *arg)
{
	const proj_t *pr = arg;

	*x = (*x - pr->lon0) * pr->kx;
	*y = (*y - pr->lat0) * pr->ky;
	return 1;
}

typedef struct
{
	double xmin, ymin, xmax, ymax;
	int point;
	GEOSGeometry *proj; /* non-points: projected copy */
	int idx;
} nobj;

/* Bounds of the ground distance between any point of a's envelope and any
 * of b's (local radii taken at the latitude that makes them safe). */
static double
bbox_lower_m(const nobj *a, const nobj *b)
{
	double gx = fmax(0, fmax(b->xmin - a->xmax, a->xmin - b->xmax));
	double gy = fmax(0, fmax(b->ymin - a->ymax, a->ymin - b->ymax));
	double lat = fmax(fmax(fabs(a->ymin), fabs(a->ymax)), fmax(fabs(b->ymin), fabs(b->ymax)));
	double ky, kx;

	rm_metres_per_degree(fmin(lat, 89.9), &ky, &kx);
	return hypot(gx * kx, gy * 110574.0 * (1 - 1e-6));
}

static double
bbox_upper_m(const nobj *a, const nobj *b)
{
	double ux = fmax(a->xmax, b->xmax) - fmin(a->xmin, b->xmin);
	double uy = fmax(a->ymax, b->ymax) - fmin(a->ymin, b->ymin);
	double lat = fmin(fmin(fabs(a->ymin), fabs(a->ymax)), fmin(fabs(b->ymin), fabs(b->ymax)));
	double ky, kx;

	if ((a->ymin < 0) != (a->ymax < 0) || (b->ymin < 0) != (b->ymax < 0) || (a->ymin < 0) != (b->ymin < 0))
		lat = 0;
	rm_metres_per_degree(lat, &ky, &kx);
	return hypot(ux * kx, uy * 111694.0 * (1 + 1e-6));
}

static int
cmp_obj_xmin(const void *a, const void *b)
{
	const nobj *x = a, *y = b;

	if (x->xmin < y->xmin)
		return -1;
	if (x->xmin > y->xmin)
		return 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void
geos_notice(const char *fmt, ...)
{
	(void) fmt;
}

int
rm_alloc_near_graph(int n, const unsigned char *const *wkb, const size_t *wkb_len, const char *want, const int *group,
                    double max_m, int **start_out, int **nbr_out, char *errbuf, size_t errlen,
                    rm_interrupt_fn interrupted, void *interrupted_arg)
{
	GEOSContextHandle_t h = NULL;
	GEOSWKBReader *rd = NULL;
	nobj *o = NULL;
	int no = 0, rc = RM_OK;
	int *pi = NULL, *pj = NULL;
	size_t np = 0, cap = 0;
	int *start = NULL, *nbr = NULL, *fill = NULL;
	proj_t pr;
	double latmax = 0, latsum = 0, lonsum = 0, dlat, dlon;
	long polls = 0;

	*start_out = NULL;
	*nbr_out = NULL;
	if (n < 0 || !(max_m >= 0))
		return RM_EINVAL;
	h = GEOS_init_r();
	if (!h)
		return RM_ENOMEM;
	GEOSContext_setNoticeHandler_r(h, geos_notice);
	GEOSContext_setErrorHandler_r(h, geos_notice);
	rd = GEOSWKBReader_create_r(h);
	o = calloc((size_t) n + 1, sizeof(nobj));
	if (!rd || !o)
	{
		rc = RM_ENOMEM;
		goto done;
	}
	for (int i = 0; i < n; i++)
	{
		GEOSGeometry *g;
		nobj *b = &o[no];

		if (want && !want[i])
			continue;
		if (!wkb || !wkb[i] || !wkb_len)
		{
			ra_errf(errbuf, errlen, "source #%d: no geometry", i);
			rc = RM_EGEOS;
			goto done;
		}
		g = GEOSWKBReader_read_r(h, rd, wkb[i], wkb_len[i]);
		if (!g || GEOSisEmpty_r(h, g) != 0)
		{
			if (g)
				GEOSGeom_destroy_r(h, g);
			ra_errf(errbuf, errlen, "source #%d: unreadable or empty geometry", i);
			rc = RM_EGEOS;
			goto done;
		}
		b->idx = i;
		if (GEOSGeomTypeId_r(h, g) == GEOS_POINT)
		{
			GEOSGeomGetX_r(h, g, &b->xmin);
			GEOSGeomGetY_r(h, g, &b->ymin);
			b->xmax = b->xmin;
			b->ymax = b->ymin;
			b->point = 1;
		}
		else
		{
			GEOSGeom_getXMin_r(h, g, &b->xmin);
			GEOSGeom_getYMin_r(h, g, &b->ymin);
			GEOSGeom_getXMax_r(h, g, &b->xmax);
			GEOSGeom_getYMax_r(h, g, &b->ymax);
			b->proj = g; /* projected below */
			g = NULL;
		}
		if (g)
			GEOSGeom_destroy_r(h, g);
		no++;
		if (!(isfinite(b->xmin) && isfinite(b->ymin) && isfinite(b->xmax) && isfinite(b->ymax)) || fabs(b->ymin) > 90 ||
		    fabs(b->ymax) > 90)
		{
			ra_errf(errbuf, errlen, "source #%d: coordinates out of range", i);
			rc = RM_EGEOS;
			goto done;
		}
		if (fabs(b->ymin) > latmax)
			latmax = fabs(b->ymin);
		if (fabs(b->ymax) > latmax)
			latmax = fabs(b->ymax);
		latsum += (b->ymin + b->ymax) / 2;
		lonsum += (b->xmin + b->xmax) / 2;
	}
	if (latmax > 89)
		latmax = 89;
	pr.lat0 = no ? latsum / no : 0;
	pr.lon0 = no ? lonsum / no : 0;
	rm_metres_per_degree(pr.lat0, &pr.ky, &pr.kx);
	for (int i = 0; i < no; i++)
		if (o[i].proj)
		{
			GEOSGeometry *t = GEOSGeom_transformXY_r(h, o[i].proj, fwd_xy, &pr);

			GEOSGeom_destroy_r(h, o[i].proj);
			o[i].proj = t;
			if (!t)
			{
				ra_errf(errbuf, errlen, "source #%d: cannot project geometry", o[i].idx);
				rc = RM_EGEOS;
				goto done;
			}
		}
	/* Conservative search window in degrees (slack for the ellipsoid). */
	{
		double ky, kx;

		rm_metres_per_degree(latmax, &ky, &kx);
		dlat = max_m / 110000.0 * 1.01;
		dlon = kx > 1 ? max_m / kx * 1.01 : 360;
	}
	qsort(o, no, sizeof(nobj), cmp_obj_xmin);
	for (int a = 0; a < no; a++)
	{
		for (int b = a + 1; b < no && o[b].xmin <= o[a].xmax + dlon; b++)
		{
			double d;

			if (interrupted && (++polls & 65535) == 0 && interrupted(interrupted_arg))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			if (o[b].ymin > o[a].ymax + dlat || o[a].ymin > o[b].ymax + dlat)
				continue;
			if (group && group[o[a].idx] != group[o[b].idx])
				continue;
			if (o[a].point && o[b].point)
				d = rm_local_distance(o[a].xmin, o[a].ymin, o[b].xmin, o[b].ymin);
			else if ((d = bbox_lower_m(&o[a], &o[b])) > max_m)
				continue;
			else if (bbox_upper_m(&o[a], &o[b]) <= max_m)
				d = 0; /* every pair of points is near */
			else
			{
				/* nearest points in the projected plane, measured on the
				 * ground: an upper bound of the true distance, close to it */
				GEOSGeometry *ga = o[a].proj, *gb = o[b].proj, *tmp = NULL;
				GEOSCoordSequence *cs;
				double x1, y1, x2, y2;

				if (o[a].point || o[b].point)
				{
					nobj *pt = o[a].point ? &o[a] : &o[b];

					tmp = GEOSGeom_createPointFromXY_r(h, (pt->xmin - pr.lon0) * pr.kx, (pt->ymin - pr.lat0) * pr.ky);
					if (!tmp)
					{
						rc = RM_ENOMEM;
						goto done;
					}
					if (o[a].point)
						ga = tmp;
					else
						gb = tmp;
				}
				cs = GEOSNearestPoints_r(h, ga, gb);
				if (tmp)
					GEOSGeom_destroy_r(h, tmp);
				if (!cs)
				{
					ra_errf(errbuf, errlen, "sources #%d and #%d: distance failed", o[a].idx, o[b].idx);
					rc = RM_EGEOS;
					goto done;
				}
				GEOSCoordSeq_getXY_r(h, cs, 0, &x1, &y1);
				GEOSCoordSeq_getXY_r(h, cs, 1, &x2, &y2);
				GEOSCoordSeq_destroy_r(h, cs);
				d = rm_local_distance(
				    pr.lon0 + x1 / pr.kx, pr.lat0 + y1 / pr.ky, pr.lon0 + x2 / pr.kx, pr.lat0 + y2 / pr.ky);
			}
			if (d <= max_m)
			{
				if (np == cap)
				{
					size_t nc = cap ? cap * 2 : 4096;
					int *ni = realloc(pi, nc * sizeof(int)), *nj;

					if (!ni)
					{
						rc = RM_ENOMEM;
						goto done;
					}
					pi = ni;
					nj = realloc(pj, nc * sizeof(int));
					if (!nj)
					{
						rc = RM_ENOMEM;
						goto done;
					}
					pj = nj;
					cap = nc;
				}
				pi[np] = o[a].idx;
				pj[np] = o[b].idx;
				np++;
			}
		}
	}
	start = calloc((size_t) n + 2, sizeof(int));
	fill = calloc((size_t) n + 1, sizeof(int));
	nbr = malloc((2 * np + 1) * sizeof(int));
	if (!start || !fill || !nbr)
	{
		rc = RM_ENOMEM;
		goto done;
	}
	for (size_t e = 0; e < np; e++)
	{
		start[pi[e] + 1]++;
		start[pj[e] + 1]++;
	}
	for (int i = 0; i < n; i++)
		start[i + 1] += start[i];
	for (size_t e = 0; e < np; e++)
	{
		nbr[start[pi[e]] + fill[pi[e]]++] = pj[e];
		nbr[start[pj[e]] + fill[pj[e]]++] = pi[e];
	}
	for (int i = 0; i < n; i++)
		qsort(nbr + start[i], start[i + 1] - start[i], sizeof(int), ra_cmp_int);
	*start_out = start;
	*nbr_out = nbr;
	start = NULL;
	nbr = NULL;
done:
	if (o)
		for (int i = 0; i < no; i++)
			if (o[i].proj)
				GEOSGeom_destroy_r(h, o[i].proj);
	free(o);
	free(pi);
	free(pj);
	free(start);
	free(nbr);
	free(fill);
	if (rd)
		GEOSWKBReader_destroy_r(h, rd);
	GEOS_finish_r(h);
	return rc;
}
