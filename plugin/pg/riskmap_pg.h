/*
 * riskmap_pg.h — shared declarations of the fmgr glue layer.
 */
#ifndef RISKMAP_PG_H
#define RISKMAP_PG_H

extern char *riskmap_revision_interval;
extern int riskmap_max_targets_per_drill;
extern int riskmap_max_vertices;
extern int riskmap_evacuation_max_pairs;

#endif
