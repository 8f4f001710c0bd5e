/*
 * riskmap_pg.h — shared declarations of the fmgr glue layer.
 */
#ifndef RISKMAP_PG_H
#define RISKMAP_PG_H

extern char *riskmap_revision_interval;
extern int riskmap_max_targets_per_drill;
extern int riskmap_evacuation_step_s;
extern int riskmap_clearance_exact_arcs;

/*
 * The backend's cached road graph (evacuation_fmgr.c), rebuilt when road
 * changed; SPI must be connected. *n_edges = rows of road it was built from.
 */
struct rm_graph;
extern const struct rm_graph *riskmap_cached_road_graph(MemoryContext callctx, int64 *n_edges);
extern int riskmap_max_vertices;
extern int riskmap_evacuation_max_pairs;

#endif
