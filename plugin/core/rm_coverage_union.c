/*
 * rm_coverage_union.c — unions: polygons merged by clusters of
 * overlapping envelopes (union-find), then one cascaded union per cluster.
 * See rm_coverage_internal.h.
 */
#include "rm_coverage_internal.h"
#include "rm_geodesy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes a GEOMETRYCOLLECTION of parts (taking them) and unions it. */
static GEOSGeometry *
union_parts(cov_state *st, GEOSGeometry **parts, size_t n)
{
	GEOSGeometry *coll, *u;

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

int
cv_gv_push(geomvec *a, GEOSGeometry *g)
{
	if (a->n == a->cap)
	{
		size_t nc = a->cap ? a->cap * 2 : 16;
		GEOSGeometry **nv = realloc(a->v, nc * sizeof *nv);

		if (!nv)
			return 0;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = g;
	return 1;
}

void
cv_gv_free(cov_state *st, geomvec *a)
{
	for (size_t i = 0; i < a->n; i++)
		GEOSGeom_destroy_r(st->h, a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* Moves the polygons of g (consumed) into out. */
int
cv_gv_take_polygons(cov_state *st, geomvec *out, GEOSGeometry *g)
{
	int t = GEOSGeomTypeId_r(st->h, g);

	if (t == GEOS_POLYGON)
	{
		if (GEOSisEmpty_r(st->h, g))
		{
			GEOSGeom_destroy_r(st->h, g);
			return 1;
		}
		if (!cv_gv_push(out, g))
		{
			GEOSGeom_destroy_r(st->h, g);
			return 0;
		}
		return 1;
	}
	{
		int k = GEOSGetNumGeometries_r(st->h, g);
		int ok = 1;

		for (int i = 0; i < k && ok; i++)
		{
			const GEOSGeometry *p = GEOSGetGeometryN_r(st->h, g, i);
			int pt = GEOSGeomTypeId_r(st->h, p);

			if (pt == GEOS_POLYGON || pt == GEOS_MULTIPOLYGON || pt == GEOS_GEOMETRYCOLLECTION)
			{
				GEOSGeometry *c = GEOSGeom_clone_r(st->h, p);

				ok = c && cv_gv_take_polygons(st, out, c);
			}
		}
		GEOSGeom_destroy_r(st->h, g);
		return ok;
	}
}

/* A MultiPolygon of the polygons in a (emptied). */
GEOSGeometry *
cv_gv_to_multipolygon(cov_state *st, geomvec *a)
{
	GEOSGeometry *mp = GEOSGeom_createCollection_r(st->h, GEOS_MULTIPOLYGON, a->v, (unsigned) a->n);

	if (!mp)
	{
		cv_gv_free(st, a);
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
GEOSGeometry *
cv_union_clustered(cov_state *st, const GEOSGeometry *const *g, const double *env, size_t n)
{
	GEOSContextHandle_t h = st->h;
	size_t *parent = NULL;
	GEOSSTRtree *tree = NULL;
	idxvec cand = {0};
	geomvec out = {0};
	GEOSGeometry *res = NULL;

	if (n == 0)
		return cv_gv_to_multipolygon(st, &out);
	parent = malloc(n * sizeof *parent);
	tree = GEOSSTRtree_create_r(h, 10);
	if (!parent || !tree)
	{
		cv_oom(st);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
	{
		parent[i] = i;
		GEOSSTRtree_insert_r(h, tree, g[i], (void *) (uintptr_t) (i + 1));
	}
	for (size_t i = 0; i < n; i++)
	{
		if (cv_query_tree(st, tree, &env[4 * i], &cand) != RM_OK)
			goto done;
		for (size_t k = 0; k < cand.n; k++)
		{
			size_t j = cand.v[k];
			size_t ri, rj;

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
		size_t *start = calloc(n + 1, sizeof *start);
		size_t *sorted = malloc(n * sizeof *sorted);

		if (!start || !sorted)
		{
			free(start);
			free(sorted);
			cv_oom(st);
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
			size_t root = parent[sorted[b]], e = b;
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
				size_t np = 0;

				if (!parts)
				{
					free(start);
					free(sorted);
					cv_oom(st);
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
			if (!u || !cv_gv_take_polygons(st, &out, u))
			{
				free(start);
				free(sorted);
				cv_geos_fail(st, "union");
				goto done;
			}
			b = e;
		}
		free(start);
		free(sorted);
	}
	res = cv_gv_to_multipolygon(st, &out);
	if (!res)
		cv_geos_fail(st, "createCollection");
done:
	cv_gv_free(st, &out);
	if (tree)
		GEOSSTRtree_destroy_r(h, tree);
	free(cand.v);
	free(parent);
	return res;
}
