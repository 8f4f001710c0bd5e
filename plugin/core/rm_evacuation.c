/*
 * rm_evacuation.c — see rm_evacuation.h.
 */
#include "rm_evacuation.h"
#include "rm_dijkstra.h"
#include "rm_mincostflow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
wall(void)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void
rm_evac_result_free(rm_evac_result *r, const rm_allocator *a)
{
	rm_free(a, r->rows);
	memset(r, 0, sizeof *r);
}

/* growable array of (node or cell, shelter, time) */
typedef struct trip
{
	int32_t		at;
	int32_t		shelter;
	double		t;
} trip;

typedef struct tripbuf
{
	trip	   *v;
	int64_t		n,
				cap;
	const rm_allocator *a;
} tripbuf;

static int
trip_push(tripbuf *b, int32_t at, int32_t shelter, double t)
{
	if (b->n == b->cap)
	{
		int64_t		cap = b->cap ? b->cap * 2 : 4096;
		trip	   *nv = rm_alloc(b->a, sizeof(trip) * (size_t) cap);

		if (!nv)
			return RM_ENOMEM;
		if (b->n)
			memcpy(nv, b->v, sizeof(trip) * (size_t) b->n);
		rm_free(b->a, b->v);
		b->v = nv;
		b->cap = cap;
	}
	b->v[b->n].at = at;
	b->v[b->n].shelter = shelter;
	b->v[b->n].t = t;
	b->n++;
	return RM_OK;
}

typedef struct within_ctx
{
	tripbuf    *buf;
	int32_t		cell;
	const int32_t *map;			/* index -> shelter index */
	double		speed;
	double		walk;
	double		max_time;
	int			rc;
} within_ctx;

static int
within_cb(void *arg, int32_t index, double dist_m)
{
	within_ctx *w = arg;
	double		t = dist_m / w->speed;

	if (t <= w->max_time)
	{
		w->rc = trip_push(w->buf, w->cell, w->map ? w->map[index] : index, t);
		return w->rc != RM_OK;
	}
	return 0;
}

/* Emits rows; pairs (CSR by cell) and their flows, or the uncapacitated choice. */
static int
rows_alloc(rm_evac_result *out, const rm_allocator *a, int64_t n)
{
	out->rows = rm_alloc(a, sizeof(rm_evac_row) * (size_t) (n + 1));
	out->n_rows = 0;
	return out->rows ? RM_OK : RM_ENOMEM;
}

static void
row_add(rm_evac_result *out, int32_t cell, int32_t shelter, double people, double t)
{
	rm_evac_row *r = &out->rows[out->n_rows++];

	r->cell = cell;
	r->shelter = shelter;
	r->people = people;
	r->time_s = shelter >= 0 ? t : NAN;
}

static int
cmp_trip_shelter(const void *x, const void *y)
{
	const trip *a = x,
			   *b = y;

	return (a->shelter > b->shelter) - (a->shelter < b->shelter);
}

int
rm_evacuate(const rm_graph *graph, int road_mode,
			const rm_evac_cell *cells, int32_t n_cells,
			const rm_evac_shelter *shelters, int32_t n_shelters,
			const rm_evac_params *p, const rm_allocator *a,
			const rm_interrupt *intr, rm_evac_result *out)
{
	int			rc = RM_ENOMEM;
	double		T = p->max_time_s,
				v = p->speed_mps;
	int32_t    *cnode = NULL,
			   *snode = NULL,
			   *sidx = NULL,
			   *usable = NULL;
	double	   *cwalk = NULL,
			   *swalk = NULL;
	double	   *slon = NULL,
			   *slat = NULL;
	int64_t    *skey = NULL;
	rm_pointindex spi;
	rm_dijkstra_ws ws;
	tripbuf		nodepairs = {0},
				cellpairs = {0};
	int64_t    *off = NULL,
			   *noff = NULL;
	int32_t    *psnk = NULL;
	double	   *pcost = NULL,
			   *pflow = NULL,
			   *unserved = NULL,
			   *supply = NULL,
			   *cap = NULL;
	trip	   *sorted = NULL;
	int32_t		i,
				j,
				n_usable = 0;
	int64_t		k;
	double		min_walk = INFINITY;
	double		t0 = wall();

	memset(out, 0, sizeof *out);
	memset(&spi, 0, sizeof spi);
	memset(&ws, 0, sizeof ws);
	nodepairs.a = cellpairs.a = a;
	if (!(T >= 0) || !(v > 0) || !isfinite(v) || n_cells < 0 || n_shelters < 0)
		return RM_EINVAL;
	if (road_mode && !graph)
		return RM_EINVAL;

	slon = rm_alloc(a, sizeof(double) * (size_t) (n_shelters + 1));
	slat = rm_alloc(a, sizeof(double) * (size_t) (n_shelters + 1));
	skey = rm_alloc(a, sizeof(int64_t) * (size_t) (n_shelters + 1));
	usable = rm_alloc(a, sizeof(int32_t) * (size_t) (n_shelters + 1));
	cnode = rm_alloc(a, sizeof(int32_t) * (size_t) (n_cells + 1));
	cwalk = rm_alloc(a, sizeof(double) * (size_t) (n_cells + 1));
	snode = rm_alloc(a, sizeof(int32_t) * (size_t) (n_shelters + 1));
	swalk = rm_alloc(a, sizeof(double) * (size_t) (n_shelters + 1));
	sidx = rm_alloc(a, sizeof(int32_t) * (size_t) (n_shelters + 1));
	if (!slon || !slat || !skey || !usable || !cnode || !cwalk || !snode || !swalk || !sidx)
		goto done;

	/* shelters that can take part */
	for (j = 0; j < n_shelters; j++)
	{
		slon[j] = shelters[j].lon;
		slat[j] = shelters[j].lat;
		skey[j] = shelters[j].id;
		if (rm_lonlat_valid(slon[j], slat[j]) &&
			(!p->capacitated || shelters[j].capacity > 0))
			usable[n_usable++] = j;
	}

	if (road_mode)
	{
		rm_csr		g = rm_graph_reverse_csr(graph);

		for (j = 0; j < n_shelters; j++)
		{
			double		d;

			snode[j] = -1;
			swalk[j] = INFINITY;
			if (rm_lonlat_valid(slon[j], slat[j]))
			{
				snode[j] = rm_graph_snap(graph, slon[j], slat[j], &d);
				if (snode[j] >= 0)
					swalk[j] = d / v;
			}
		}
		for (i = 0; i < n_cells; i++)
		{
			double		d;

			if ((i & 0x3ff) == 0 && rm_interrupted(intr))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			cnode[i] = -1;
			cwalk[i] = INFINITY;
			if (rm_lonlat_valid(cells[i].lon, cells[i].lat))
			{
				cnode[i] = rm_graph_snap(graph, cells[i].lon, cells[i].lat, &d);
				if (cnode[i] >= 0)
				{
					cwalk[i] = d / v;
					if (cwalk[i] < min_walk)
						min_walk = cwalk[i];
				}
			}
		}
		if ((rc = rm_dijkstra_ws_init(&ws, a, graph->n_nodes)) != RM_OK)
			goto done;

		if (!p->capacitated)
		{
			int32_t		ns = 0;

			for (i = 0; i < n_usable; i++)
			{
				j = usable[i];
				if (snode[j] >= 0 && swalk[j] <= T)
				{
					sidx[ns] = j;
					snode[ns] = snode[j];	/* compacted in place: ns <= j */
					swalk[ns] = swalk[j];
					ns++;
				}
			}
			rc = rm_dijkstra_run(&ws, &g, ns, snode, swalk, sidx,
								 isfinite(min_walk) ? T - min_walk : T, intr);
			if (rc != RM_OK)
				goto done;
			if ((rc = rows_alloc(out, a, n_cells)) != RM_OK)
				goto done;
			for (i = 0; i < n_cells; i++)
			{
				int32_t		nd = cnode[i];

				if (nd >= 0 && ws.label[nd] >= 0)
				{
					double		t = cwalk[i] + ws.dist[nd];

					if (t <= T)
					{
						row_add(out, i, ws.label[nd], cells[i].people, t);
						continue;
					}
				}
				row_add(out, i, -1, cells[i].people, NAN);
			}
			rc = RM_OK;
			goto done;
		}

		/* capacitated: one bounded search per shelter */
		for (i = 0; i < n_usable; i++)
		{
			int32_t		src;
			double		init;
			int32_t		lab;
			int32_t		m;

			j = usable[i];
			if (snode[j] < 0 || !(swalk[j] <= T))
				continue;
			src = snode[j];
			init = swalk[j];
			lab = j;
			rc = rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab,
								 isfinite(min_walk) ? T - min_walk : T, intr);
			if (rc != RM_OK)
				goto done;
			if (p->max_pairs > 0 && nodepairs.n + ws.n_touched > p->max_pairs)
			{
				rc = RM_ELIMIT;
				goto done;
			}
			for (m = 0; m < ws.n_touched; m++)
			{
				int32_t		nd = ws.touched[m];

				if ((rc = trip_push(&nodepairs, nd, j, ws.dist[nd])) != RM_OK)
					goto done;
			}
		}
		/* group by node (counting sort), then expand to cells */
		noff = rm_alloc(a, sizeof(int64_t) * (size_t) (graph->n_nodes + 2));
		sorted = rm_alloc(a, sizeof(trip) * (size_t) (nodepairs.n + 1));
		rc = RM_ENOMEM;
		if (!noff || !sorted)
			goto done;
		memset(noff, 0, sizeof(int64_t) * (size_t) (graph->n_nodes + 2));
		for (k = 0; k < nodepairs.n; k++)
			noff[nodepairs.v[k].at + 1]++;
		for (i = 0; i < graph->n_nodes; i++)
			noff[i + 1] += noff[i];
		for (k = 0; k < nodepairs.n; k++)
			sorted[noff[nodepairs.v[k].at]++] = nodepairs.v[k];
		for (i = graph->n_nodes; i > 0; i--)
			noff[i] = noff[i - 1];
		noff[0] = 0;
		/* within a node, shelters ascending (searches ran in id order) */
		rm_free(a, nodepairs.v);
		nodepairs.v = NULL;
		for (i = 0; i < n_cells; i++)
		{
			int32_t		nd = cnode[i];

			if ((i & 0xfff) == 0 && rm_interrupted(intr))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			if (nd < 0)
				continue;
			for (k = noff[nd]; k < noff[nd + 1]; k++)
			{
				double		t = cwalk[i] + sorted[k].t;

				if (t <= T && (rc = trip_push(&cellpairs, i, sorted[k].shelter, t)) != RM_OK)
					goto done;
				if (p->max_pairs > 0 && cellpairs.n > p->max_pairs)
				{
					rc = RM_ELIMIT;
					goto done;
				}
			}
		}
	}
	else
	{
		/* straight line */
		if ((rc = rm_pointindex_build(&spi, a, n_shelters, slon, slat, skey, usable, n_usable)) != RM_OK)
			goto done;
		if (!p->capacitated)
		{
			if ((rc = rows_alloc(out, a, n_cells)) != RM_OK)
				goto done;
			for (i = 0; i < n_cells; i++)
			{
				double		d;
				int32_t		s = -1;

				if ((i & 0x3ff) == 0 && rm_interrupted(intr))
				{
					rc = RM_EINTERRUPTED;
					goto done;
				}
				if (rm_lonlat_valid(cells[i].lon, cells[i].lat))
					s = rm_pointindex_nearest(&spi, cells[i].lon, cells[i].lat, &d);
				if (s >= 0 && d / v <= T)
					row_add(out, i, s, cells[i].people, d / v);
				else
					row_add(out, i, -1, cells[i].people, NAN);
			}
			rc = RM_OK;
			goto done;
		}
		for (i = 0; i < n_cells; i++)
		{
			within_ctx w;
			int64_t		first = cellpairs.n;

			if ((i & 0x3ff) == 0 && rm_interrupted(intr))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			if (!rm_lonlat_valid(cells[i].lon, cells[i].lat))
				continue;
			w.buf = &cellpairs;
			w.cell = i;
			w.map = NULL;
			w.speed = v;
			w.walk = 0;
			w.max_time = T;
			w.rc = RM_OK;
			rm_pointindex_within(&spi, cells[i].lon, cells[i].lat, T * v, within_cb, &w);
			if (w.rc != RM_OK)
			{
				rc = w.rc;
				goto done;
			}
			if (p->max_pairs > 0 && cellpairs.n > p->max_pairs)
			{
				rc = RM_ELIMIT;
				goto done;
			}
			if (cellpairs.n - first > 1)	/* cellpairs.v is NULL while empty: qsort(NULL, 0) is UB */
				qsort(cellpairs.v + first, (size_t) (cellpairs.n - first), sizeof(trip), cmp_trip_shelter);
		}
	}

	/* capacitated: transportation problem over cellpairs (grouped by cell, ascending) */
	{
		rm_transport tp;
		rm_transport_stats st;
		int64_t		n_pairs = cellpairs.n,
					n_rows = 0;

		off = rm_alloc(a, sizeof(int64_t) * (size_t) (n_cells + 1));
		psnk = rm_alloc(a, sizeof(int32_t) * (size_t) (n_pairs + 1));
		pcost = rm_alloc(a, sizeof(double) * (size_t) (n_pairs + 1));
		pflow = rm_alloc(a, sizeof(double) * (size_t) (n_pairs + 1));
		unserved = rm_alloc(a, sizeof(double) * (size_t) (n_cells + 1));
		supply = rm_alloc(a, sizeof(double) * (size_t) (n_cells + 1));
		cap = rm_alloc(a, sizeof(double) * (size_t) (n_shelters + 1));
		rc = RM_ENOMEM;
		if (!off || !psnk || !pcost || !pflow || !unserved || !supply || !cap)
			goto done;
		k = 0;
		for (i = 0; i < n_cells; i++)
		{
			off[i] = k;
			supply[i] = cells[i].people;
			while (k < n_pairs && cellpairs.v[k].at == i)
			{
				psnk[k] = cellpairs.v[k].shelter;
				pcost[k] = cellpairs.v[k].t;
				k++;
			}
		}
		off[n_cells] = k;
		rm_free(a, cellpairs.v);
		cellpairs.v = NULL;
		for (j = 0; j < n_shelters; j++)
			cap[j] = shelters[j].capacity > 0 ? shelters[j].capacity : 0;
		tp.n_src = n_cells;
		tp.n_snk = n_shelters;
		tp.supply = supply;
		tp.cap = cap;
		tp.off = off;
		tp.snk = psnk;
		tp.cost = pcost;
		out->t_prepare_s = wall() - t0;
		if (p->pairs_hook)
			p->pairs_hook(p->pairs_arg, &tp);
		t0 = wall();
		rc = rm_transport_solve(&tp, a, intr, pflow, unserved, &st);
		out->t_flow_s = wall() - t0;
		if (rc != RM_OK)
			goto done;
		out->n_pairs = n_pairs;
		out->augmentations = st.augmentations;
		out->pricing_rounds = st.rounds;
		out->pairs_used = st.settled;
		for (i = 0; i < n_cells; i++)
		{
			int			any = 0;

			for (k = off[i]; k < off[i + 1]; k++)
				if (pflow[k] > 0)
					n_rows++, any = 1;
			if (unserved[i] > 0 || !any)
				n_rows++;
		}
		if ((rc = rows_alloc(out, a, n_rows)) != RM_OK)
			goto done;
		for (i = 0; i < n_cells; i++)
		{
			int			any = 0;
			int64_t		best = -1;

			for (k = off[i]; k < off[i + 1]; k++)
			{
				if (pflow[k] > 0)
				{
					row_add(out, i, psnk[k], pflow[k], pcost[k]);
					any = 1;
				}
				if (best < 0 || pcost[k] < pcost[best])
					best = k;
			}
			if (unserved[i] > 0)
				row_add(out, i, -1, unserved[i], NAN);
			else if (!any)
			{
				/* nobody to move (0 people): report the quickest shelter, if any */
				if (best >= 0 && cells[i].people == 0)
					row_add(out, i, psnk[best], 0.0, pcost[best]);
				else
					row_add(out, i, -1, cells[i].people, NAN);
			}
		}
		rc = RM_OK;
	}

done:
	if (rc == RM_OK && out->t_prepare_s == 0)
		out->t_prepare_s = wall() - t0;	/* uncapacitated: everything */
	rm_free(a, slon);
	rm_free(a, slat);
	rm_free(a, skey);
	rm_free(a, usable);
	rm_free(a, cnode);
	rm_free(a, cwalk);
	rm_free(a, snode);
	rm_free(a, swalk);
	rm_free(a, sidx);
	rm_pointindex_free(&spi, a);
	rm_dijkstra_ws_free(&ws);
	rm_free(a, nodepairs.v);
	rm_free(a, cellpairs.v);
	rm_free(a, noff);
	rm_free(a, sorted);
	rm_free(a, off);
	rm_free(a, psnk);
	rm_free(a, pcost);
	rm_free(a, pflow);
	rm_free(a, unserved);
	rm_free(a, supply);
	rm_free(a, cap);
	if (rc != RM_OK)
		rm_evac_result_free(out, a);
	return rc;
}

/*
 * Travel times from one point to every shelter, as evacuation_assignment
 * measures them (walk to the point's nearest node, network forward, walk from
 * the shelter's node); straight line when graph is NULL. times[j] = INFINITY
 * when unreachable or the shelter has no valid position. The forward graph
 * is the transpose of the graph's arcs-into-nodes CSR, built per call.
 */
int
rm_evac_times_from(const rm_graph *graph, double lon, double lat, double speed,
				   const rm_evac_shelter *shelters, int32_t n_shelters,
				   const rm_allocator *a, const rm_interrupt *intr, double *times)
{
	int32_t		j,
				v,
				src;
	int64_t		k;
	double		d0;
	rm_dijkstra_ws ws;
	rm_csr		fwd;
	int64_t    *off = NULL;
	int32_t    *adj = NULL;
	double	   *cost = NULL;
	int			rc = RM_ENOMEM;

	if (!(speed > 0) || !isfinite(speed) || !rm_lonlat_valid(lon, lat))
		return RM_EINVAL;
	for (j = 0; j < n_shelters; j++)
		times[j] = INFINITY;
	if (!graph || graph->n_nodes == 0)
	{
		for (j = 0; j < n_shelters; j++)
			if (rm_lonlat_valid(shelters[j].lon, shelters[j].lat))
				times[j] = rm_ground_distance(lon, lat, shelters[j].lon, shelters[j].lat) / speed;
		return RM_OK;
	}
	memset(&ws, 0, sizeof ws);
	src = rm_graph_snap(graph, lon, lat, &d0);
	if (src < 0)
		return RM_OK;
	off = rm_alloc(a, sizeof(int64_t) * (size_t) (graph->n_nodes + 2));
	adj = rm_alloc(a, sizeof(int32_t) * (size_t) (graph->n_arcs + 1));
	cost = rm_alloc(a, sizeof(double) * (size_t) (graph->n_arcs + 1));
	if (!off || !adj || !cost)
		goto done;
	memset(off, 0, sizeof(int64_t) * (size_t) (graph->n_nodes + 2));
	for (v = 0; v < graph->n_nodes; v++)
		for (k = graph->in_off[v]; k < graph->in_off[v + 1]; k++)
			off[graph->in_from[k] + 2]++;
	for (v = 0; v < graph->n_nodes; v++)
		off[v + 2] += off[v + 1];
	for (v = 0; v < graph->n_nodes; v++)
		for (k = graph->in_off[v]; k < graph->in_off[v + 1]; k++)
		{
			int64_t		x = off[graph->in_from[k] + 1]++;

			adj[x] = v;
			cost[x] = graph->in_cost[k];
		}
	fwd.n = graph->n_nodes;
	fwd.off = off;
	fwd.adj = adj;
	fwd.cost = cost;
	if ((rc = rm_dijkstra_ws_init(&ws, a, graph->n_nodes)) != RM_OK)
		goto done;
	{
		double		init = d0 / speed;
		int32_t		lab = 0;

		if ((rc = rm_dijkstra_run(&ws, &fwd, 1, &src, &init, &lab, INFINITY, intr)) != RM_OK)
			goto done;
	}
	for (j = 0; j < n_shelters; j++)
	{
		double		d;
		int32_t		sn;

		if (!rm_lonlat_valid(shelters[j].lon, shelters[j].lat))
			continue;
		sn = rm_graph_snap(graph, shelters[j].lon, shelters[j].lat, &d);
		if (sn >= 0 && isfinite(ws.dist[sn]))
			times[j] = ws.dist[sn] + d / speed;
	}
	rc = RM_OK;
done:
	rm_dijkstra_ws_free(&ws);
	rm_free(a, off);
	rm_free(a, adj);
	rm_free(a, cost);
	return rc;
}
