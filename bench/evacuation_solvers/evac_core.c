/*
 * evac_core — runs the capacitated evacuation core (rm_evacuate) outside the
 * database on a dump of the demo data, prints its phases, and optionally
 * writes the transportation problem (the (cell, shelter) pairs within reach)
 * for bench/evacuation_solvers/lemon_solve.
 *
 *   evac_core DIR MAX_TIME SPEED [PAIRS_OUT]
 *
 * DIR holds edges.txt, cells.txt, shelters.txt as bench/evacuation dumps them
 * (space separated: road id source target cost reverse_cost x1 y1 x2 y2;
 * population id people lon lat; shelter id capacity lon lat).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rm_evacuation.h"
#include "rm_mincostflow.h"

static double
wall(void)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static FILE *
open_in(const char *dir, const char *name)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
	{
		perror(path);
		exit(2);
	}
	return f;
}

static void
dump_pairs(void *arg, const rm_transport *t)
{
	const char *path = arg;
	FILE	   *f = fopen(path, "w");
	int32_t		i;
	int64_t		k;

	if (!f)
	{
		perror(path);
		exit(2);
	}
	/* header: cells shelters pairs; then supplies, capacities, pairs (cell shelter cost_s) */
	fprintf(f, "%d %d %lld\n", t->n_src, t->n_snk, (long long) t->off[t->n_src]);
	for (i = 0; i < t->n_src; i++)
		fprintf(f, "%.17g\n", t->supply[i]);
	for (i = 0; i < t->n_snk; i++)
		fprintf(f, "%.17g\n", t->cap[i]);
	for (i = 0; i < t->n_src; i++)
		for (k = t->off[i]; k < t->off[i + 1]; k++)
			fprintf(f, "%d %d %.17g\n", i, t->snk[k], t->cost[k]);
	fclose(f);
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	rm_edge_in *e = NULL;
	rm_evac_cell *c = NULL;
	rm_evac_shelter *s = NULL;
	int64_t		ne = 0,
				nc = 0,
				nsh = 0,
				cap = 0;
	rm_graph	g;
	rm_evac_params p;
	rm_evac_result r;
	double		t0,
				served = 0,
				cost = 0;
	int			rc;
	int64_t		k;

	if (argc < 4)
	{
		fprintf(stderr, "usage: evac_core DIR MAX_TIME SPEED [PAIRS_OUT]\n");
		return 2;
	}
	f = open_in(argv[1], "edges.txt");
	for (;;)
	{
		rm_edge_in x;

		if (fscanf(f, "%lld %lld %lld %lf %lf %lf %lf %lf %lf", (long long *) &x.id, (long long *) &x.source,
				   (long long *) &x.target, &x.cost, &x.reverse_cost, &x.x1, &x.y1, &x.x2, &x.y2) != 9)
			break;
		if (ne == cap)
			e = realloc(e, sizeof *e * (size_t) (cap = cap ? 2 * cap : 1024));
		e[ne++] = x;
	}
	fclose(f);
	cap = 0;
	f = open_in(argv[1], "cells.txt");
	for (;;)
	{
		rm_evac_cell x;

		if (fscanf(f, "%lld %lf %lf %lf", (long long *) &x.id, &x.people, &x.lon, &x.lat) != 4)
			break;
		if (nc == cap)
			c = realloc(c, sizeof *c * (size_t) (cap = cap ? 2 * cap : 1024));
		c[nc++] = x;
	}
	fclose(f);
	cap = 0;
	f = open_in(argv[1], "shelters.txt");
	for (;;)
	{
		rm_evac_shelter x;

		if (fscanf(f, "%lld %lf %lf %lf", (long long *) &x.id, &x.capacity, &x.lon, &x.lat) != 4)
			break;
		if (nsh == cap)
			s = realloc(s, sizeof *s * (size_t) (cap = cap ? 2 * cap : 1024));
		s[nsh++] = x;
	}
	fclose(f);

	t0 = wall();
	rc = rm_graph_build(&g, &rm_malloc_allocator, e, ne, NULL);
	if (rc != RM_OK)
		return 1;
	printf("graph: %lld edges, %d nodes, %.3f s\n", (long long) ne, g.n_nodes, wall() - t0);
	memset(&p, 0, sizeof p);
	p.max_time_s = atof(argv[2]);
	p.speed_mps = atof(argv[3]);
	p.capacitated = 1;
	if (argc > 4)
	{
		p.pairs_hook = dump_pairs;
		p.pairs_arg = argv[4];
	}
	t0 = wall();
	rc = rm_evacuate(ne ? &g : NULL, ne > 0, c, (int32_t) nc, s, (int32_t) nsh, &p,
					 &rm_malloc_allocator, NULL, &r);
	if (rc != RM_OK)
	{
		fprintf(stderr, "rm_evacuate: %d\n", rc);
		return 1;
	}
	for (k = 0; k < r.n_rows; k++)
		if (r.rows[k].shelter >= 0)
		{
			served += r.rows[k].people;
			cost += r.rows[k].people * r.rows[k].time_s;
		}
	printf("capacitated: %lld cells, %lld shelters, %lld pairs, %lld in the network, %lld pricing rounds,"
		   " %lld passes; prepare %.3f s, flow %.3f s, total %.3f s\n",
		   (long long) nc, (long long) nsh, (long long) r.n_pairs, (long long) r.pairs_used,
		   (long long) r.pricing_rounds, (long long) r.augmentations, r.t_prepare_s, r.t_flow_s, wall() - t0);
	printf("served %.6f people, %.9g person-seconds\n", served, cost);
	return 0;
}
