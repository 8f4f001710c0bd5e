/*
 * pairs_solve — riskmap's transportation solver (rm_transport_solve) alone
 * on a pairs file written by evac_core: the solve time without building the
 * pairs, to compare with lemon_solve on the very same instance.
 *
 *   pairs_solve PAIRS_FILE
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rm_mincostflow.h"

static double
wall(void)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	int			ns,
				nk;
	long long	np,
				k;
	double	   *supply,
			   *cap,
			   *cost,
			   *flow,
			   *uns,
				t0,
				served = 0,
				obj = 0;
	int64_t    *off;
	int32_t    *snk;
	int32_t		i,
				prev = 0;
	rm_transport t;
	rm_transport_stats st;
	int			rc;
	clock_t		c0;

	if (argc != 2 || !(f = fopen(argv[1], "r")) || fscanf(f, "%d %d %lld", &ns, &nk, &np) != 3)
	{
		fprintf(stderr, "usage: pairs_solve PAIRS_FILE\n");
		return 2;
	}
	supply = malloc(sizeof(double) * (ns + 1));
	cap = malloc(sizeof(double) * (nk + 1));
	off = calloc((size_t) ns + 1, sizeof(int64_t));
	snk = malloc(sizeof(int32_t) * (np + 1));
	cost = malloc(sizeof(double) * (np + 1));
	flow = malloc(sizeof(double) * (np + 1));
	uns = malloc(sizeof(double) * (ns + 1));
	for (i = 0; i < ns; i++)
		if (fscanf(f, "%lf", &supply[i]) != 1)
			return 2;
	for (i = 0; i < nk; i++)
		if (fscanf(f, "%lf", &cap[i]) != 1)
			return 2;
	for (k = 0; k < np; k++)
	{
		int			c;

		if (fscanf(f, "%d %d %lf", &c, &snk[k], &cost[k]) != 3)
			return 2;
		while (prev < c)
			off[++prev] = k;
	}
	while (prev < ns)
		off[++prev] = np;
	fclose(f);
	t = (rm_transport) {ns, nk, supply, cap, off, snk, cost};
	c0 = clock();
	t0 = wall();
	rc = rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, &st);
	t0 = wall() - t0;
	c0 = clock() - c0;
	if (rc != RM_OK)
		return 1;
	for (k = 0; k < np; k++)
	{
		served += flow[k];
		obj += flow[k] * cost[k];
	}
	printf("riskmap: solve %.3f s (cpu %.3f s), served %.6f, person-seconds %.9g, %lld pairs, %lld in the network, %lld rounds, %lld passes\n",
		   t0, (double) c0 / CLOCKS_PER_SEC, served, obj, np, (long long) st.settled, (long long) st.rounds, (long long) st.augmentations);
	return 0;
}
