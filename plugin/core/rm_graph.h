/*
 * rm_graph.h — compact road graph (CSR) and nearest-node snapping.
 *
 * Plain C (no postgres.h). Memory comes from an rm_allocator so that the
 * backend can keep a graph in a memory context it owns; the allocator returns
 * NULL on failure and every function reports RM_ENOMEM instead of jumping.
 * Long loops poll an rm_interrupt callback; when it returns non-zero the
 * function frees what it allocated and returns RM_EINTERRUPTED (rm_common.h).
 */
#ifndef RM_GRAPH_H
#define RM_GRAPH_H

#include <stddef.h>
#include <stdint.h>

/* Statuses, allocator and interrupt: the core's one convention. */
#include "rm_common.h"

/* ---------------------------------------------------------------------
 * Ground distance on the WGS 84 ellipsoid (Karney's algorithm from PROJ,
 * the one PostGIS geography uses). Metres; NaN for invalid input.
 */
double		rm_ground_distance(double lon1, double lat1, double lon2, double lat2);
int			rm_lonlat_valid(double lon, double lat);

/* ---------------------------------------------------------------------
 * Point index for "nearest by ground distance": a 3-D k-d tree over
 * ellipsoidal ECEF coordinates. The chord never exceeds the geodesic, so
 * after the nearest point by chord (geodesic g0) every point whose chord is
 * <= g0 is a candidate; those are measured exactly. Ties go to the lower key.
 */
typedef struct rm_pointindex
{
	int32_t		n;
	int32_t    *perm;			/* tree order -> caller's index */
	double	   *xyz;			/* 3 per tree slot */
	double	   *lon,
			   *lat;			/* caller's order */
	const int64_t *key;			/* caller's tie-break keys (not owned), may be NULL */
	uint8_t    *axis;			/* split axis per tree slot */
} rm_pointindex;

/*
 * Build over points idx[0..n) given as lon/lat arrays indexed by caller
 * index; points with invalid coordinates must not be passed.
 */
int			rm_pointindex_build(rm_pointindex *pi, const rm_allocator *a,
								int32_t n_all, const double *lon, const double *lat,
								const int64_t *key, const int32_t *idx, int32_t n);
void		rm_pointindex_free(rm_pointindex *pi, const rm_allocator *a);

/* Nearest point (caller's index, -1 when the index is empty) and its ground distance. */
int32_t		rm_pointindex_nearest(const rm_pointindex *pi, double lon, double lat, double *dist_m);

/*
 * All points within ground distance r metres; calls cb(arg, index, dist)
 * for each. Returns non-zero if cb asked to stop.
 */
typedef int (*rm_within_cb) (void *arg, int32_t index, double dist_m);
int			rm_pointindex_within(const rm_pointindex *pi, double lon, double lat, double r,
								 rm_within_cb cb, void *arg);

/* ---------------------------------------------------------------------
 * The road graph. Nodes are the distinct source/target ids (dense index in
 * ascending id order). Arcs are stored reversed (CSR of arcs *into* each node),
 * which is what Dijkstra from shelters toward everybody else needs.
 */
typedef struct rm_edge_in
{
	int64_t		id;
	int64_t		source;
	int64_t		target;
	double		cost;
	double		reverse_cost;
	double		x1, y1, x2, y2;	/* start / end point lon/lat, NaN if unknown */
} rm_edge_in;

typedef struct rm_graph
{
	int32_t		n_nodes;
	int64_t		n_arcs;
	int64_t    *node_id;		/* ascending */
	double	   *lon,
			   *lat;			/* NaN when the node has no geometry */
	int64_t    *in_off;			/* n_nodes + 1 */
	int32_t    *in_from;		/* arc tail */
	double	   *in_cost;
	rm_pointindex snap;			/* nodes that have coordinates */
	size_t		bytes;
} rm_graph;

/*
 * Build from edges (any order). Node coordinates come from the lowest-id
 * edge that mentions the node with a geometry. Negative costs = no arc.
 */
int			rm_graph_build(rm_graph *g, const rm_allocator *a, const rm_edge_in *e, int64_t n_edges,
						   const rm_interrupt *intr);
void		rm_graph_free(rm_graph *g, const rm_allocator *a);

/* Dense index of a node id, -1 if absent. */
int32_t		rm_graph_node_index(const rm_graph *g, int64_t id);

/* Nearest node (dense index) to lon/lat by ground distance; ties -> lower node id. -1 if none. */
int32_t		rm_graph_snap(const rm_graph *g, double lon, double lat, double *dist_m);

#endif
