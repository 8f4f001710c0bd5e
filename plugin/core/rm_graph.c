/*
 * rm_graph.c — compact CSR road graph, WGS 84 ground distance, k-d tree
 * snapping. See rm_graph.h.
 */
#include "rm_graph.h"

#include <geodesic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Ground distance                                                     */

#define RM_PI 3.14159265358979323846
#define WGS84_A 6378137.0
#define WGS84_F (1.0 / 298.257223563)

static struct geod_geodesic wgs84;
static int	wgs84_ready = 0;

int
rm_lonlat_valid(double lon, double lat)
{
	return isfinite(lon) && isfinite(lat) && lat >= -90.0 && lat <= 90.0 &&
		lon >= -540.0 && lon <= 540.0;
}

double
rm_ground_distance(double lon1, double lat1, double lon2, double lat2)
{
	double		s12 = 0;

	if (!rm_lonlat_valid(lon1, lat1) || !rm_lonlat_valid(lon2, lat2))
		return NAN;
	if (lon1 == lon2 && lat1 == lat2)
		return 0.0;
	if (!wgs84_ready)
	{
		geod_init(&wgs84, WGS84_A, WGS84_F);
		wgs84_ready = 1;
	}
	geod_inverse(&wgs84, lat1, lon1, lat2, lon2, &s12, NULL, NULL);
	return s12;
}

static void
to_ecef(double lon, double lat, double *out)
{
	const double e2 = WGS84_F * (2.0 - WGS84_F);
	double		phi = lat * (RM_PI / 180.0),
				lam = lon * (RM_PI / 180.0);
	double		sp = sin(phi),
				cp = cos(phi);
	double		n = WGS84_A / sqrt(1.0 - e2 * sp * sp);

	out[0] = n * cp * cos(lam);
	out[1] = n * cp * sin(lam);
	out[2] = n * (1.0 - e2) * sp;
}

/* ------------------------------------------------------------------ */
/* k-d tree                                                             */

typedef struct kd_build
{
	double	   *xyz;			/* 3 per slot, being permuted with perm */
	int32_t    *perm;
	uint8_t    *axis;
} kd_build;

static void
kd_swap(kd_build *b, int32_t i, int32_t j)
{
	int32_t		t = b->perm[i];
	double		c[3];

	b->perm[i] = b->perm[j];
	b->perm[j] = t;
	memcpy(c, b->xyz + 3 * i, sizeof c);
	memcpy(b->xyz + 3 * i, b->xyz + 3 * j, sizeof c);
	memcpy(b->xyz + 3 * j, c, sizeof c);
}

/* Quickselect: put the k-th smallest on axis ax at position k of [lo,hi). */
static void
kd_select(kd_build *b, int32_t lo, int32_t hi, int32_t k, int ax)
{
	while (hi - lo > 1)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		double		pv;
		int32_t		i;

		/* median of three as pivot */
		{
			double		a = b->xyz[3 * lo + ax],
						m = b->xyz[3 * mid + ax],
						z = b->xyz[3 * (hi - 1) + ax];
			int32_t		p;

			if ((a <= m && m <= z) || (z <= m && m <= a))
				p = mid;
			else if ((m <= a && a <= z) || (z <= a && a <= m))
				p = lo;
			else
				p = hi - 1;
			kd_swap(b, p, hi - 1);
		}
		pv = b->xyz[3 * (hi - 1) + ax];
		/* three-way partition: [lo,lt) < pv, [lt,gt) == pv, [gt,hi) > pv */
		{
			int32_t		lt = lo,
						gt = hi;

			i = lo;
			while (i < gt)
			{
				double		v = b->xyz[3 * i + ax];

				if (v < pv)
					kd_swap(b, i++, lt++);
				else if (v > pv)
					kd_swap(b, i, --gt);
				else
					i++;
			}
			if (k >= lt && k < gt)
				return;
			if (k < lt)
				hi = lt;
			else
				lo = gt;
		}
	}
}

static void
kd_build_rec(kd_build *b, int32_t lo, int32_t hi)
{
	while (hi - lo > 1)
	{
		double		mn[3] = {INFINITY, INFINITY, INFINITY},
					mx[3] = {-INFINITY, -INFINITY, -INFINITY};
		int32_t		i,
					mid = lo + (hi - lo) / 2;
		int			ax = 0,
					d;

		for (i = lo; i < hi; i++)
			for (d = 0; d < 3; d++)
			{
				double		v = b->xyz[3 * i + d];

				if (v < mn[d])
					mn[d] = v;
				if (v > mx[d])
					mx[d] = v;
			}
		for (d = 1; d < 3; d++)
			if (mx[d] - mn[d] > mx[ax] - mn[ax])
				ax = d;
		kd_select(b, lo, hi, mid, ax);
		b->axis[mid] = (uint8_t) ax;
		kd_build_rec(b, lo, mid);
		lo = mid + 1;
	}
	if (hi - lo == 1)
		b->axis[lo] = 0;
}

int
rm_pointindex_build(rm_pointindex *pi, const rm_allocator *a, int32_t n_all,
					const double *lon, const double *lat, const int64_t *key,
					const int32_t *idx, int32_t n)
{
	kd_build	b;
	int32_t		i;

	memset(pi, 0, sizeof *pi);
	pi->lon = (double *) lon;
	pi->lat = (double *) lat;
	pi->key = key;
	pi->n = n;
	pi->perm = rm_alloc(a, sizeof(int32_t) * (size_t) (n ? n : 1));
	pi->xyz = rm_alloc(a, sizeof(double) * 3 * (size_t) (n ? n : 1));
	pi->axis = rm_alloc(a, (size_t) (n ? n : 1));
	if (!pi->perm || !pi->xyz || !pi->axis)
	{
		rm_pointindex_free(pi, a);
		return RM_ENOMEM;
	}
	for (i = 0; i < n; i++)
	{
		int32_t		j = idx ? idx[i] : i;

		pi->perm[i] = j;
		to_ecef(lon[j], lat[j], pi->xyz + 3 * i);
	}
	b.xyz = pi->xyz;
	b.perm = pi->perm;
	b.axis = pi->axis;
	kd_build_rec(&b, 0, n);
	(void) n_all;
	return RM_OK;
}

void
rm_pointindex_free(rm_pointindex *pi, const rm_allocator *a)
{
	rm_free(a, pi->perm);
	rm_free(a, pi->xyz);
	rm_free(a, pi->axis);
	pi->perm = NULL;
	pi->xyz = NULL;
	pi->axis = NULL;
	pi->n = 0;
}

static double
d2(const double *p, const double *q)
{
	double		dx = p[0] - q[0],
				dy = p[1] - q[1],
				dz = p[2] - q[2];

	return dx * dx + dy * dy + dz * dz;
}

static void
kd_nearest(const rm_pointindex *pi, int32_t lo, int32_t hi, const double *q,
		   double *best, int32_t *best_slot)
{
	while (hi > lo)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		const double *p = pi->xyz + 3 * mid;
		double		dd = d2(p, q);
		int			ax = pi->axis[mid];
		double		diff = q[ax] - p[ax];

		if (dd < *best)
		{
			*best = dd;
			*best_slot = mid;
		}
		if (diff < 0)
		{
			kd_nearest(pi, lo, mid, q, best, best_slot);
			if (diff * diff <= *best)
			{
				lo = mid + 1;
				continue;
			}
			return;
		}
		else
		{
			kd_nearest(pi, mid + 1, hi, q, best, best_slot);
			if (diff * diff <= *best)
			{
				hi = mid;
				continue;
			}
			return;
		}
	}
}

typedef struct range_state
{
	const rm_pointindex *pi;
	const double *q;
	double		r2;
	double		qlon,
				qlat,
				r_m;
	rm_within_cb cb;
	void	   *arg;
	int			stop;
} range_state;

static void
kd_range(range_state *st, int32_t lo, int32_t hi)
{
	const rm_pointindex *pi = st->pi;

	while (hi > lo && !st->stop)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		const double *p = pi->xyz + 3 * mid;
		int			ax = pi->axis[mid];
		double		diff = st->q[ax] - p[ax];

		if (d2(p, st->q) <= st->r2)
		{
			int32_t		j = pi->perm[mid];
			double		g = rm_ground_distance(st->qlon, st->qlat, pi->lon[j], pi->lat[j]);

			if (g <= st->r_m && st->cb(st->arg, j, g))
			{
				st->stop = 1;
				return;
			}
		}
		if (diff < 0)
		{
			if (diff * diff <= st->r2)
				kd_range(st, mid + 1, hi);
			hi = mid;
		}
		else
		{
			if (diff * diff <= st->r2)
				kd_range(st, lo, mid);
			lo = mid + 1;
		}
	}
}

int
rm_pointindex_within(const rm_pointindex *pi, double lon, double lat, double r,
					 rm_within_cb cb, void *arg)
{
	double		q[3];
	range_state st;
	double		rc;

	if (pi->n == 0 || !rm_lonlat_valid(lon, lat) || !(r >= 0))
		return 0;
	to_ecef(lon, lat, q);
	/* chord <= geodesic; a little slack for rounding of the ECEF coordinates */
	rc = isfinite(r) ? r * (1.0 + 1e-9) + 1e-3 : INFINITY;
	st.pi = pi;
	st.q = q;
	st.r2 = rc * rc;
	st.qlon = lon;
	st.qlat = lat;
	st.r_m = r;
	st.cb = cb;
	st.arg = arg;
	st.stop = 0;
	kd_range(&st, 0, pi->n);
	return st.stop;
}

typedef struct nearest_state
{
	const rm_pointindex *pi;
	int32_t		best;
	double		best_d;
} nearest_state;

static int
nearest_cb(void *arg, int32_t j, double g)
{
	nearest_state *ns = arg;

	if (ns->best < 0 || g < ns->best_d ||
		(g == ns->best_d &&
		 (ns->pi->key ? ns->pi->key[j] < ns->pi->key[ns->best] : j < ns->best)))
	{
		ns->best = j;
		ns->best_d = g;
	}
	return 0;
}

int32_t
rm_pointindex_nearest(const rm_pointindex *pi, double lon, double lat, double *dist_m)
{
	double		q[3],
				best = INFINITY;
	int32_t		slot = -1;
	nearest_state ns;
	double		g0;

	if (dist_m)
		*dist_m = NAN;
	if (pi->n == 0 || !rm_lonlat_valid(lon, lat))
		return -1;
	to_ecef(lon, lat, q);
	kd_nearest(pi, 0, pi->n, q, &best, &slot);
	if (slot < 0)
		return -1;
	g0 = rm_ground_distance(lon, lat, pi->lon[pi->perm[slot]], pi->lat[pi->perm[slot]]);
	ns.pi = pi;
	ns.best = pi->perm[slot];
	ns.best_d = g0;
	rm_pointindex_within(pi, lon, lat, g0, nearest_cb, &ns);
	if (dist_m)
		*dist_m = ns.best_d;
	return ns.best;
}

/* ------------------------------------------------------------------ */
/* Graph                                                                */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

int32_t
rm_graph_node_index(const rm_graph *g, int64_t id)
{
	int32_t		lo = 0,
				hi = g->n_nodes;

	while (lo < hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;

		if (g->node_id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < g->n_nodes && g->node_id[lo] == id) ? lo : -1;
}

void
rm_graph_free(rm_graph *g, const rm_allocator *a)
{
	rm_free(a, g->node_id);
	rm_free(a, g->lon);
	rm_free(a, g->lat);
	rm_free(a, g->in_off);
	rm_free(a, g->in_from);
	rm_free(a, g->in_cost);
	rm_pointindex_free(&g->snap, a);
	memset(g, 0, sizeof *g);
}

static int
usable_cost(double c)
{
	return c >= 0 && isfinite(c);
}

int
rm_graph_build(rm_graph *g, const rm_allocator *a, const rm_edge_in *e, int64_t n_edges,
			   const rm_interrupt *intr)
{
	int64_t    *ids = NULL,
			   *best_edge = NULL;
	int32_t    *src = NULL,
			   *dst = NULL,
			   *fill = NULL,
			   *with_xy = NULL;
	int64_t		i,
				n_ids,
				n_arcs = 0;
	int32_t		n = 0,
				n_xy = 0;
	int			rc = RM_ENOMEM;

	memset(g, 0, sizeof *g);
	if (n_edges < 0 || n_edges > (int64_t) INT32_MAX / 2)
		return RM_EINVAL;
	ids = rm_alloc(a, sizeof(int64_t) * (size_t) (2 * n_edges + 1));
	src = rm_alloc(a, sizeof(int32_t) * (size_t) (n_edges + 1));
	dst = rm_alloc(a, sizeof(int32_t) * (size_t) (n_edges + 1));
	if (!ids || !src || !dst)
		goto done;
	for (i = 0; i < n_edges; i++)
	{
		ids[2 * i] = e[i].source;
		ids[2 * i + 1] = e[i].target;
	}
	qsort(ids, (size_t) (2 * n_edges), sizeof(int64_t), cmp_i64);
	n_ids = 0;
	for (i = 0; i < 2 * n_edges; i++)
		if (n_ids == 0 || ids[n_ids - 1] != ids[i])
			ids[n_ids++] = ids[i];
	n = (int32_t) n_ids;
	g->n_nodes = n;
	g->node_id = rm_alloc(a, sizeof(int64_t) * (size_t) (n + 1));
	g->lon = rm_alloc(a, sizeof(double) * (size_t) (n + 1));
	g->lat = rm_alloc(a, sizeof(double) * (size_t) (n + 1));
	g->in_off = rm_alloc(a, sizeof(int64_t) * (size_t) (n + 2));
	best_edge = rm_alloc(a, sizeof(int64_t) * (size_t) (n + 1));
	fill = rm_alloc(a, sizeof(int32_t) * (size_t) (n + 1));
	if (!g->node_id || !g->lon || !g->lat || !g->in_off || !best_edge || !fill)
		goto done;
	memcpy(g->node_id, ids, sizeof(int64_t) * (size_t) n);
	for (i = 0; i < n; i++)
	{
		g->lon[i] = g->lat[i] = NAN;
		best_edge[i] = INT64_MAX;
		g->in_off[i] = 0;
	}
	g->in_off[n] = 0;
	g->in_off[n + 1] = 0;

	for (i = 0; i < n_edges; i++)
	{
		int32_t		s,
					t;

		if ((i & 0xffff) == 0 && rm_interrupted(intr))
		{
			rc = RM_EINTERRUPTED;
			goto done;
		}
		s = src[i] = rm_graph_node_index(g, e[i].source);
		t = dst[i] = rm_graph_node_index(g, e[i].target);
		if (rm_lonlat_valid(e[i].x1, e[i].y1) && e[i].id < best_edge[s])
		{
			best_edge[s] = e[i].id;
			g->lon[s] = e[i].x1;
			g->lat[s] = e[i].y1;
		}
		if (rm_lonlat_valid(e[i].x2, e[i].y2) && e[i].id < best_edge[t])
		{
			best_edge[t] = e[i].id;
			g->lon[t] = e[i].x2;
			g->lat[t] = e[i].y2;
		}
		/* in_off[v+1] counts the arcs into v */
		if (usable_cost(e[i].cost))
		{
			g->in_off[t + 1]++;
			n_arcs++;
		}
		if (usable_cost(e[i].reverse_cost))
		{
			g->in_off[s + 1]++;
			n_arcs++;
		}
	}
	for (i = 0; i < n; i++)
		g->in_off[i + 1] += g->in_off[i];
	g->n_arcs = n_arcs;
	g->in_from = rm_alloc(a, sizeof(int32_t) * (size_t) (n_arcs + 1));
	g->in_cost = rm_alloc(a, sizeof(double) * (size_t) (n_arcs + 1));
	if (!g->in_from || !g->in_cost)
		goto done;
	for (i = 0; i < n; i++)
		fill[i] = 0;
	for (i = 0; i < n_edges; i++)
	{
		int32_t		s = src[i],
					t = dst[i];

		if (usable_cost(e[i].cost))
		{
			int64_t		k = g->in_off[t] + fill[t]++;

			g->in_from[k] = s;
			g->in_cost[k] = e[i].cost;
		}
		if (usable_cost(e[i].reverse_cost))
		{
			int64_t		k = g->in_off[s] + fill[s]++;

			g->in_from[k] = t;
			g->in_cost[k] = e[i].reverse_cost;
		}
	}
	with_xy = rm_alloc(a, sizeof(int32_t) * (size_t) (n + 1));
	if (!with_xy)
		goto done;
	for (i = 0; i < n; i++)
		if (rm_lonlat_valid(g->lon[i], g->lat[i]))
			with_xy[n_xy++] = (int32_t) i;
	rc = rm_pointindex_build(&g->snap, a, n, g->lon, g->lat, g->node_id, with_xy, n_xy);
	if (rc != RM_OK)
		goto done;
	g->bytes = (size_t) n * (8 + 8 + 8 + 8 + 4 + 8 + 24 + 1) + (size_t) n_arcs * 12;
	rc = RM_OK;
done:
	rm_free(a, ids);
	rm_free(a, src);
	rm_free(a, dst);
	rm_free(a, best_edge);
	rm_free(a, fill);
	rm_free(a, with_xy);
	if (rc != RM_OK)
		rm_graph_free(g, a);
	return rc;
}

int32_t
rm_graph_snap(const rm_graph *g, double lon, double lat, double *dist_m)
{
	return rm_pointindex_nearest(&g->snap, lon, lat, dist_m);
}
