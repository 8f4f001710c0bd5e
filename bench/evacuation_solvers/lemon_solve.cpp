// lemon_solve — the anchor: the same transportation problem (a pairs file
// written by evac_core) solved by LEMON 1.3's NetworkSimplex and CostScaling
// (Debian liblemon-dev). Solve time only (graph built before the clock
// starts). LEMON needs integers: people and capacities are multiplied by
// FACTOR (the demo's people have one decimal: 10) and must then be integral;
// costs are microseconds, like riskmap's; the lexicographic objective (most
// people served, then least person-seconds) is the same exact big M on the
// "unserved" arcs: M = (min(cells, shelters) + 1) * max cost + 1.
//
//   lemon_solve PAIRS_FILE FACTOR [ns|cs|both]
#include <lemon/cost_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace lemon;
typedef long long ll;

int main(int argc, char **argv)
{
	if (argc < 3) { std::fprintf(stderr, "usage: lemon_solve PAIRS_FILE FACTOR [ns|cs|both]\n"); return 2; }
	FILE *f = std::fopen(argv[1], "r");
	double factor = std::atof(argv[2]);
	const char *which = argc > 3 ? argv[3] : "both";
	int ns, nk; ll np;
	if (!f || std::fscanf(f, "%d %d %lld", &ns, &nk, &np) != 3) return 2;
	std::vector<ll> sup(ns), cap(nk);
	std::vector<int> pc(np), ps(np);
	std::vector<double> cost(np);
	ll total = 0;
	for (int i = 0; i < ns; i++) {
		double x; if (std::fscanf(f, "%lf", &x) != 1) return 2;
		double y = x * factor;
		if (std::fabs(y - std::llround(y)) > 1e-6) { std::fprintf(stderr, "people %g not integral at factor %g\n", x, factor); return 3; }
		sup[i] = std::llround(y); total += sup[i];
	}
	for (int j = 0; j < nk; j++) { double x; if (std::fscanf(f, "%lf", &x) != 1) return 2; cap[j] = std::llround(x * factor); if (cap[j] > total) cap[j] = total; }
	ll maxc = 0;
	std::vector<ll> ci(np);
	for (ll k = 0; k < np; k++) {
		if (std::fscanf(f, "%d %d %lf", &pc[k], &ps[k], &cost[k]) != 3) return 2;
		ci[k] = std::llround(cost[k] * 1e6); if (ci[k] > maxc) maxc = ci[k];
	}
	std::fclose(f);
	ll M = (ll) ((ns < nk ? ns : nk) + 1) * maxc + 1;

	SmartDigraph g;
	std::vector<SmartDigraph::Node> cn(ns), sn(nk);
	g.reserveNode(ns + nk + 1); g.reserveArc(np + ns + nk);
	for (int i = 0; i < ns; i++) cn[i] = g.addNode();
	for (int j = 0; j < nk; j++) sn[j] = g.addNode();
	SmartDigraph::Node T = g.addNode();
	SmartDigraph::ArcMap<ll> acap(g), acost(g);
	SmartDigraph::NodeMap<ll> nsup(g, 0);
	std::vector<SmartDigraph::Arc> pa(np);
	for (ll k = 0; k < np; k++) { pa[k] = g.addArc(cn[pc[k]], sn[ps[k]]); acap[pa[k]] = sup[pc[k]]; acost[pa[k]] = ci[k]; }
	for (int i = 0; i < ns; i++) { SmartDigraph::Arc a = g.addArc(cn[i], T); acap[a] = total; acost[a] = M; nsup[cn[i]] = sup[i]; }
	for (int j = 0; j < nk; j++) { SmartDigraph::Arc a = g.addArc(sn[j], T); acap[a] = cap[j]; acost[a] = 0; }
	nsup[T] = -total;

	std::clock_t c0 = 0;
	auto report = [&](const char *name, double secs, auto &alg) {
		double cpu = (double) (std::clock() - c0) / CLOCKS_PER_SEC;
		double served = 0, obj = 0;
		for (ll k = 0; k < np; k++) { double fl = alg.flow(pa[k]) / factor; served += fl; obj += fl * cost[k]; }
		std::printf("LEMON %s: solve %.3f s (cpu %.3f s), served %.6f, person-seconds %.9g\n", name, secs, cpu, served, obj);
	};
	if (!std::strcmp(which, "ns") || !std::strcmp(which, "both")) {
		NetworkSimplex<SmartDigraph, ll, ll> alg(g);
		alg.upperMap(acap).costMap(acost).supplyMap(nsup);
		c0 = std::clock();
		auto t0 = std::chrono::steady_clock::now();
		if (alg.run() != NetworkSimplex<SmartDigraph, ll, ll>::OPTIMAL) { std::printf("NS: not optimal\n"); return 1; }
		double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		report("NetworkSimplex", s, alg);
	}
	if (!std::strcmp(which, "cs") || !std::strcmp(which, "both")) {
		CostScaling<SmartDigraph, ll, ll> alg(g);
		alg.upperMap(acap).costMap(acost).supplyMap(nsup);
		c0 = std::clock();
		auto t0 = std::chrono::steady_clock::now();
		if (alg.run() != CostScaling<SmartDigraph, ll, ll>::OPTIMAL) { std::printf("CS: not optimal\n"); return 1; }
		double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		report("CostScaling", s, alg);
	}
	return 0;
}
