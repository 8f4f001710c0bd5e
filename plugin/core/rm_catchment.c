/*
 * rm_catchment.c — see rm_catchment.h. GEOS reentrant API only; every GEOS
 * object made here is destroyed before returning, on every path.
 */
#define GEOS_USE_ONLY_R_API
#include "rm_catchment.h"

#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
rm_catchment_owner(const rm_evac_row *rows, int64_t n_rows, int32_t n_cells, int32_t *owner)
{
	int64_t		r = 0;
	int32_t		i;

	for (i = 0; i < n_cells; i++)
		owner[i] = -1;
	while (r < n_rows)
	{
		int32_t		c = rows[r].cell;
		double		best = -1,
					unserved = 0;
		int32_t		bs = -1;

		for (; r < n_rows && rows[r].cell == c; r++)
		{
			if (rows[r].shelter < 0)
				unserved += rows[r].people;
			else if (rows[r].people > best ||
					 (rows[r].people == best && rows[r].shelter < bs))
			{
				best = rows[r].people;
				bs = rows[r].shelter;
			}
		}
		if (c >= 0 && c < n_cells && bs >= 0 && !(unserved > best))
			owner[c] = bs;
	}
}

void
rm_catchment_free_output(unsigned char **out_wkb, int32_t n)
{
	int32_t		j;

	if (!out_wkb)
		return;
	for (j = 0; j < n; j++)
	{
		free(out_wkb[j]);
		out_wkb[j] = NULL;
	}
}

typedef struct msgbuf
{
	char	   *buf;
	size_t		len;
} msgbuf;

static void
geos_msg(const char *fmt, ...)
{
	(void) fmt;
}

static void
geos_msg_r(const char *message, void *userdata)
{
	msgbuf	   *m = userdata;

	if (m && m->buf && m->len)
		snprintf(m->buf, m->len, "%s", message);
}

typedef struct part
{
	int32_t		owner;
	GEOSGeometry *g;			/* owned */
} part;

typedef struct ctx
{
	GEOSContextHandle_t h;
	GEOSGeometry **cell;		/* parsed cells */
	int32_t		n_cell;
	part	   *parts;
	int64_t		n_parts,
				cap_parts;
	GEOSGeometry **gen;			/* generator points (owned) */
	int32_t    *gen_owner;
	int64_t		n_gen,
				cap_gen;
	GEOSGeometry **polys;		/* every polygonal cell (borrowed from cell[]) */
	int64_t		n_polys;
} ctx;

static int
add_part(ctx *c, int32_t owner, GEOSGeometry *g)
{
	if (c->n_parts == c->cap_parts)
	{
		int64_t		cap = c->cap_parts ? c->cap_parts * 2 : 256;
		part	   *np = realloc(c->parts, sizeof(part) * (size_t) cap);

		if (!np)
		{
			GEOSGeom_destroy_r(c->h, g);
			return RM_ENOMEM;
		}
		c->parts = np;
		c->cap_parts = cap;
	}
	c->parts[c->n_parts].owner = owner;
	c->parts[c->n_parts].g = g;
	c->n_parts++;
	return RM_OK;
}

static int
add_gen(ctx *c, int32_t owner, GEOSGeometry *g)
{
	if (c->n_gen == c->cap_gen)
	{
		int64_t		cap = c->cap_gen ? c->cap_gen * 2 : 256;
		GEOSGeometry **ng = realloc(c->gen, sizeof(GEOSGeometry *) * (size_t) cap);
		int32_t    *no;

		if (!ng)
		{
			GEOSGeom_destroy_r(c->h, g);
			return RM_ENOMEM;
		}
		c->gen = ng;
		no = realloc(c->gen_owner, sizeof(int32_t) * (size_t) cap);
		if (!no)
		{
			GEOSGeom_destroy_r(c->h, g);
			return RM_ENOMEM;
		}
		c->gen_owner = no;
		c->cap_gen = cap;
	}
	c->gen[c->n_gen] = g;
	c->gen_owner[c->n_gen] = owner;
	c->n_gen++;
	return RM_OK;
}

static int
is_polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	int			t = GEOSGeomTypeId_r(h, g);

	return t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON;
}

/* Polygons of g (any type) appended to arr (clones). */
static int
collect_polygons(GEOSContextHandle_t h, const GEOSGeometry *g, GEOSGeometry ***arr,
				 int64_t *n, int64_t *cap)
{
	int			t = GEOSGeomTypeId_r(h, g);

	if (t == GEOS_POLYGON)
	{
		GEOSGeometry *cl;

		if (GEOSisEmpty_r(h, g) == 1)
			return RM_OK;
		if (*n == *cap)
		{
			int64_t		nc = *cap ? *cap * 2 : 16;
			GEOSGeometry **na = realloc(*arr, sizeof(GEOSGeometry *) * (size_t) nc);

			if (!na)
				return RM_ENOMEM;
			*arr = na;
			*cap = nc;
		}
		cl = GEOSGeom_clone_r(h, g);
		if (!cl)
			return RM_EGEOS;
		(*arr)[(*n)++] = cl;
		return RM_OK;
	}
	if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION)
	{
		int			k,
					m = GEOSGetNumGeometries_r(h, g);

		for (k = 0; k < m; k++)
		{
			int			rc = collect_polygons(h, GEOSGetGeometryN_r(h, g, k), arr, n, cap);

			if (rc != RM_OK)
				return rc;
		}
	}
	return RM_OK;
}

/* Union of geoms (borrowed) as a MultiPolygon with SRID 4326; NULL on failure. */
static GEOSGeometry *
union_multipolygon(GEOSContextHandle_t h, GEOSGeometry **borrowed, int64_t n, int *rc)
{
	GEOSGeometry **cl = NULL,
			  **polys = NULL;
	GEOSGeometry *coll = NULL,
			   *u = NULL,
			   *mp = NULL;
	int64_t		i,
				np = 0,
				cap = 0;

	*rc = RM_ENOMEM;
	cl = malloc(sizeof(GEOSGeometry *) * (size_t) (n + 1));
	if (!cl)
		return NULL;
	for (i = 0; i < n; i++)
	{
		cl[i] = GEOSGeom_clone_r(h, borrowed[i]);
		if (!cl[i])
		{
			while (i-- > 0)
				GEOSGeom_destroy_r(h, cl[i]);
			free(cl);
			*rc = RM_EGEOS;
			return NULL;
		}
	}
	coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, cl, (unsigned) n);
	if (!coll)
	{
		for (i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, cl[i]);
		free(cl);
		*rc = RM_EGEOS;
		return NULL;
	}
	free(cl);					/* the collection owns the clones now */
	u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	if (!u)
	{
		*rc = RM_EGEOS;
		return NULL;
	}
	*rc = collect_polygons(h, u, &polys, &np, &cap);
	GEOSGeom_destroy_r(h, u);
	if (*rc != RM_OK)
	{
		for (i = 0; i < np; i++)
			GEOSGeom_destroy_r(h, polys[i]);
		free(polys);
		return NULL;
	}
	mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned) np);
	if (!mp)
	{
		for (i = 0; i < np; i++)
			GEOSGeom_destroy_r(h, polys[i]);
		free(polys);
		*rc = RM_EGEOS;
		return NULL;
	}
	free(polys);
	GEOSSetSRID_r(h, mp, 4326);
	*rc = RM_OK;
	return mp;
}

typedef struct match_ctx
{
	GEOSContextHandle_t h;
	const GEOSPreparedGeometry *region;
	ctx		   *c;
	int64_t		best;			/* lowest generator index inside */
} match_ctx;

static void
match_cb(void *item, void *userdata)
{
	match_ctx  *m = userdata;
	int64_t		gi = (int64_t) (intptr_t) item - 1;

	if (m->best >= 0 && gi >= m->best)
		return;
	if (GEOSPreparedIntersects_r(m->h, m->region, m->c->gen[gi]) == 1)
		m->best = gi;
}

int
rm_catchments(const rm_catch_input *in, const rm_interrupt *intr,
			  unsigned char **out_wkb, size_t *out_len,
			  char *errbuf, size_t errlen)
{
	ctx			c;
	msgbuf		mb = {errbuf, errlen};
	GEOSWKBReader *reader = NULL;
	GEOSWKBWriter *writer = NULL;
	GEOSGeometry *clip = NULL,
			   *poly_union = NULL,
			   *mpoints = NULL,
			   *diagram = NULL;
	GEOSSTRtree *tree = NULL;
	GEOSGeometry **bucket = NULL;
	int64_t    *order = NULL,
			   *start = NULL;
	int			rc = RM_ENOMEM;
	int32_t		i,
				j;
	int64_t		k;

	memset(&c, 0, sizeof c);
	(void) geos_msg;
	for (j = 0; j < in->n_shelters; j++)
	{
		out_wkb[j] = NULL;
		out_len[j] = 0;
	}
	c.h = GEOS_init_r();
	if (!c.h)
		return RM_ENOMEM;
	GEOSContext_setErrorMessageHandler_r(c.h, geos_msg_r, &mb);
	reader = GEOSWKBReader_create_r(c.h);
	writer = GEOSWKBWriter_create_r(c.h);
	c.cell = calloc((size_t) in->n_cells + 1, sizeof(GEOSGeometry *));
	c.polys = calloc((size_t) in->n_cells + 1, sizeof(GEOSGeometry *));
	if (!reader || !writer || !c.cell || !c.polys)
		goto done;
	GEOSWKBWriter_setIncludeSRID_r(c.h, writer, 1);
	c.n_cell = in->n_cells;

	/* parse cells: polygonal ones are parts, everything else gives generator points */
	for (i = 0; i < in->n_cells; i++)
	{
		GEOSGeometry *g;
		int			t;

		if ((i & 0x3ff) == 0 && rm_interrupted(intr))
		{
			rc = RM_EINTERRUPTED;
			goto done;
		}
		if (!in->wkb[i] || in->wkb_len[i] == 0)
			continue;
		g = GEOSWKBReader_read_r(c.h, reader, in->wkb[i], in->wkb_len[i]);
		if (!g)
		{
			rc = RM_EGEOS;
			goto done;
		}
		c.cell[i] = g;
		if (GEOSisEmpty_r(c.h, g) == 1)
			continue;
		if (is_polygonal(c.h, g))
		{
			c.polys[c.n_polys++] = g;
			if (in->owner[i] >= 0)
			{
				GEOSGeometry *cl = GEOSGeom_clone_r(c.h, g);

				if (!cl)
				{
					rc = RM_EGEOS;
					goto done;
				}
				if ((rc = add_part(&c, in->owner[i], cl)) != RM_OK)
					goto done;
			}
			continue;
		}
		t = GEOSGeomTypeId_r(c.h, g);
		if (t == GEOS_POINT)
		{
			GEOSGeometry *cl = GEOSGeom_clone_r(c.h, g);

			if (!cl || (rc = add_gen(&c, in->owner[i], cl)) != RM_OK)
			{
				rc = cl ? rc : RM_EGEOS;
				goto done;
			}
		}
		else if (t == GEOS_MULTIPOINT)
		{
			int			m,
						nm = GEOSGetNumGeometries_r(c.h, g);

			for (m = 0; m < nm; m++)
			{
				GEOSGeometry *cl = GEOSGeom_clone_r(c.h, GEOSGetGeometryN_r(c.h, g, m));

				if (!cl || (rc = add_gen(&c, in->owner[i], cl)) != RM_OK)
				{
					rc = cl ? rc : RM_EGEOS;
					goto done;
				}
			}
		}
		else
		{
			GEOSGeometry *ct = GEOSGetCentroid_r(c.h, g);

			if (!ct || (rc = add_gen(&c, in->owner[i], ct)) != RM_OK)
			{
				rc = ct ? rc : RM_EGEOS;
				goto done;
			}
		}
	}

	/* Voronoi regions of the generator points */
	if (c.n_gen > 0)
	{
		GEOSGeometry **cl = malloc(sizeof(GEOSGeometry *) * (size_t) c.n_gen);
		int			any_owned = 0;

		for (k = 0; k < c.n_gen; k++)
			if (c.gen_owner[k] >= 0)
				any_owned = 1;
		if (!cl)
			goto done;
		if (!any_owned)
		{
			free(cl);
			goto unite;
		}
		for (k = 0; k < c.n_gen; k++)
		{
			cl[k] = GEOSGeom_clone_r(c.h, c.gen[k]);
			if (!cl[k])
			{
				while (k-- > 0)
					GEOSGeom_destroy_r(c.h, cl[k]);
				free(cl);
				rc = RM_EGEOS;
				goto done;
			}
		}
		mpoints = GEOSGeom_createCollection_r(c.h, GEOS_MULTIPOINT, cl, (unsigned) c.n_gen);
		if (!mpoints)
		{
			for (k = 0; k < c.n_gen; k++)
				GEOSGeom_destroy_r(c.h, cl[k]);
			free(cl);
			rc = RM_EGEOS;
			goto done;
		}
		free(cl);

		/* clip region: the districts, else the convex hull of all cells, widened */
		if (in->clip_wkb && in->clip_len)
		{
			clip = GEOSWKBReader_read_r(c.h, reader, in->clip_wkb, in->clip_len);
			if (!clip)
			{
				rc = RM_EGEOS;
				goto done;
			}
		}
		else
		{
			GEOSGeometry *hull = GEOSConvexHull_r(c.h, mpoints);
			double		xmin,
						ymin,
						xmax,
						ymax,
						margin;

			if (!hull || !GEOSGeom_getXMin_r(c.h, mpoints, &xmin) ||
				!GEOSGeom_getYMin_r(c.h, mpoints, &ymin) ||
				!GEOSGeom_getXMax_r(c.h, mpoints, &xmax) ||
				!GEOSGeom_getYMax_r(c.h, mpoints, &ymax))
			{
				if (hull)
					GEOSGeom_destroy_r(c.h, hull);
				rc = RM_EGEOS;
				goto done;
			}
			margin = 0.01 * sqrt((xmax - xmin) * (xmax - xmin) + (ymax - ymin) * (ymax - ymin));
			if (!(margin > 1e-4))
				margin = 1e-4;
			clip = GEOSBuffer_r(c.h, hull, margin, 8);
			GEOSGeom_destroy_r(c.h, hull);
			if (!clip)
			{
				rc = RM_EGEOS;
				goto done;
			}
		}
		if (c.n_gen == 1)
		{
			/* a single generator owns the whole region */
			GEOSGeometry *r = GEOSGeom_clone_r(c.h, clip);

			if (!r)
			{
				rc = RM_EGEOS;
				goto done;
			}
			diagram = GEOSGeom_createCollection_r(c.h, GEOS_GEOMETRYCOLLECTION, &r, 1);
			if (!diagram)
			{
				GEOSGeom_destroy_r(c.h, r);
				rc = RM_EGEOS;
				goto done;
			}
		}
		else
		{
			diagram = GEOSVoronoiDiagram_r(c.h, mpoints, clip, 0.0, 0);
			if (!diagram)
			{
				rc = RM_EGEOS;
				goto done;
			}
		}
		/* polygon cells (served or not) take precedence over Voronoi regions */
		if (c.n_polys > 0)
		{
			poly_union = union_multipolygon(c.h, c.polys, c.n_polys, &rc);
			if (!poly_union)
				goto done;
		}
		/* match regions to generators */
		tree = GEOSSTRtree_create_r(c.h, 10);
		if (!tree)
		{
			rc = RM_EGEOS;
			goto done;
		}
		for (k = 0; k < c.n_gen; k++)
			GEOSSTRtree_insert_r(c.h, tree, c.gen[k], (void *) (intptr_t) (k + 1));
		{
			int			m,
						nm = GEOSGetNumGeometries_r(c.h, diagram);

			for (m = 0; m < nm; m++)
			{
				const GEOSGeometry *region = GEOSGetGeometryN_r(c.h, diagram, m);
				const GEOSPreparedGeometry *pr;
				match_ctx	mc;
				GEOSGeometry *clipped,
						   *piece;

				if ((m & 0xff) == 0 && rm_interrupted(intr))
				{
					rc = RM_EINTERRUPTED;
					goto done;
				}
				pr = GEOSPrepare_r(c.h, region);
				if (!pr)
				{
					rc = RM_EGEOS;
					goto done;
				}
				mc.h = c.h;
				mc.region = pr;
				mc.c = &c;
				mc.best = -1;
				GEOSSTRtree_query_r(c.h, tree, region, match_cb, &mc);
				GEOSPreparedGeom_destroy_r(c.h, pr);
				if (mc.best < 0 || c.gen_owner[mc.best] < 0)
					continue;
				clipped = GEOSIntersection_r(c.h, region, clip);
				if (!clipped)
				{
					rc = RM_EGEOS;
					goto done;
				}
				if (poly_union)
				{
					piece = GEOSDifference_r(c.h, clipped, poly_union);
					GEOSGeom_destroy_r(c.h, clipped);
					if (!piece)
					{
						rc = RM_EGEOS;
						goto done;
					}
				}
				else
					piece = clipped;
				if ((rc = add_part(&c, c.gen_owner[mc.best], piece)) != RM_OK)
					goto done;
			}
		}
	}

unite:
	/* union per shelter: bucket the parts by owner */
	order = malloc(sizeof(int64_t) * (size_t) (c.n_parts + 1));
	start = calloc((size_t) in->n_shelters + 2, sizeof(int64_t));
	bucket = malloc(sizeof(GEOSGeometry *) * (size_t) (c.n_parts + 1));
	if (!order || !start || !bucket)
	{
		rc = RM_ENOMEM;
		goto done;
	}
	for (k = 0; k < c.n_parts; k++)
		start[c.parts[k].owner + 1]++;
	for (j = 0; j < in->n_shelters; j++)
		start[j + 1] += start[j];
	{
		int64_t    *fill = calloc((size_t) in->n_shelters + 1, sizeof(int64_t));

		if (!fill)
		{
			rc = RM_ENOMEM;
			goto done;
		}
		for (k = 0; k < c.n_parts; k++)
		{
			int32_t		o = c.parts[k].owner;

			order[start[o] + fill[o]++] = k;
		}
		free(fill);
	}
	for (j = 0; j < in->n_shelters; j++)
	{
		GEOSGeometry *mp;
		int64_t		n = start[j + 1] - start[j];
		unsigned char *w;
		size_t		len;

		if (rm_interrupted(intr))
		{
			rc = RM_EINTERRUPTED;
			goto done;
		}
		for (k = 0; k < n; k++)
			bucket[k] = c.parts[order[start[j] + k]].g;
		mp = union_multipolygon(c.h, bucket, n, &rc);
		if (!mp)
			goto done;
		w = GEOSWKBWriter_write_r(c.h, writer, mp, &len);
		GEOSGeom_destroy_r(c.h, mp);
		if (!w)
		{
			rc = RM_EGEOS;
			goto done;
		}
		out_wkb[j] = malloc(len ? len : 1);
		if (!out_wkb[j])
		{
			GEOSFree_r(c.h, w);
			rc = RM_ENOMEM;
			goto done;
		}
		memcpy(out_wkb[j], w, len);
		out_len[j] = len;
		GEOSFree_r(c.h, w);
	}
	rc = RM_OK;

done:
	if (tree)
		GEOSSTRtree_destroy_r(c.h, tree);
	if (diagram)
		GEOSGeom_destroy_r(c.h, diagram);
	if (mpoints)
		GEOSGeom_destroy_r(c.h, mpoints);
	if (clip)
		GEOSGeom_destroy_r(c.h, clip);
	if (poly_union)
		GEOSGeom_destroy_r(c.h, poly_union);
	for (k = 0; k < c.n_parts; k++)
		GEOSGeom_destroy_r(c.h, c.parts[k].g);
	free(c.parts);
	for (k = 0; k < c.n_gen; k++)
		GEOSGeom_destroy_r(c.h, c.gen[k]);
	free(c.gen);
	free(c.gen_owner);
	if (c.cell)
		for (i = 0; i < c.n_cell; i++)
			if (c.cell[i])
				GEOSGeom_destroy_r(c.h, c.cell[i]);
	free(c.cell);
	free(c.polys);
	free(order);
	free(start);
	free(bucket);
	if (reader)
		GEOSWKBReader_destroy_r(c.h, reader);
	if (writer)
		GEOSWKBWriter_destroy_r(c.h, writer);
	GEOS_finish_r(c.h);
	if (rc != RM_OK)
		rm_catchment_free_output(out_wkb, in->n_shelters);
	return rc;
}
