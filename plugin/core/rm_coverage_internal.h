/*
 * rm_coverage_internal.h — what the parts of the coverage-gap engine share
 * (not a public header): the per-call state, scratch vectors, and the
 * functions one part calls in another. The algorithm: rm_coverage.c's
 * header comment and docs/geo.md.
 */
#ifndef RM_COVERAGE_INTERNAL_H
#define RM_COVERAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rm_coverage.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct
{
	size_t *v;
	size_t n, cap;
} idxvec;

typedef struct
{
	idxvec *vec;
	int oom;
} query_arg;

typedef struct
{
	rm_geo *geo;
	GEOSContextHandle_t h;
	const rm_cov_input *in;
	int nseg;

	/* districts */
	GEOSGeometry **dgeom; /* valid MultiPolygon or NULL */
	const GEOSPreparedGeometry **dprep;
	double *denv; /* 4 per district */

	/* zones */
	GEOSGeometry **zone; /* NULL when empty or not needed */
	double *zenv;
	GEOSSTRtree *ztree;

	/* shelters */
	GEOSGeometry **spt;
	GEOSGeometry **scircle;
	GEOSSTRtree *stree;

	/* cells (the people pass) */
	const rm_cov_cell *cells;
	size_t n_cells;
	GEOSGeometry **cpt;
	GEOSSTRtree *ctree;
	int *cowner; /* -2 = not computed yet */

	/* the gap of each result row, kept for the people pass */
	GEOSGeometry **gapg;
	size_t n_gapg;

	idxvec tmp; /* scratch index list */

	rm_cov_result res;
	size_t res_cap;
} cov_state;

#define CHECK_INTERRUPT(st)                                                                                            \
	do                                                                                                                 \
	{                                                                                                                  \
		if ((st)->in->interrupted && (st)->in->interrupted((st)->in->interrupt_arg))                                   \
		{                                                                                                              \
			rm_geo_set_error((st)->geo, "interrupted");                                                                \
			return RM_EINTERRUPTED;                                                                                    \
		}                                                                                                              \
	} while (0)

typedef struct
{
	GEOSGeometry **v;
	size_t n, cap;
} geomvec;

typedef struct
{
	GEOSGeometry **parts;
	size_t n;
	idxvec cand;
	idxvec used;
	GEOSGeometry *zu;
	GEOSGeometry *cover;
	GEOSGeometry *gap;
	const GEOSPreparedGeometry *zprep;
	const GEOSPreparedGeometry *gprep;
	int64_t *ids;
	unsigned char *wkb;
	double area;
} dist_work;

/* Up to this many circles, a part is differenced with them one after the
 * other; beyond, with the clustered union of the circles clipped to its
 * envelope (see subtract_cover). */
#define RM_SEQ_DIFF_MAX 1024

/* rm_coverage.c: state, STRtree queries, the public run API */
int cv_idx_push(idxvec *a, size_t x);
int cv_cmp_i64(const void *a, const void *b);
int cv_oom(cov_state *st);
int cv_geos_fail(cov_state *st, const char *what);
int cv_query_tree(cov_state *st, GEOSSTRtree *tree, const double env[4], idxvec *out);
int cv_env_overlap(const double *a, const double *b);

/* rm_coverage_load.c: districts, shelters, cells and zones into GEOS */
int cv_load_districts(cov_state *st);
int cv_load_points(cov_state *st);
int cv_load_cells(cov_state *st, const rm_cov_cell *cells, size_t n);
int cv_point_reach_contains(cov_state *st, double sx, double sy, const GEOSGeometry *ring);
int cv_load_zones(cov_state *st);
int cv_cell_owner(cov_state *st, size_t c);

/* rm_coverage_union.c: unions of polygons (clustered cascades) */
int cv_gv_push(geomvec *a, GEOSGeometry *g);
void cv_gv_free(cov_state *st, geomvec *a);
int cv_gv_take_polygons(cov_state *st, geomvec *out, GEOSGeometry *g);
GEOSGeometry *cv_gv_to_multipolygon(cov_state *st, geomvec *a);
GEOSGeometry *cv_union_clustered(cov_state *st, const GEOSGeometry *const *g, const double *env, size_t n);

/* rm_coverage_subtract.c: clip to the district, subtract the shelters' cover, slivers */
void cv_dist_work_free(cov_state *st, dist_work *w);
int cv_district_gap(cov_state *st, size_t d, dist_work *w);

#endif
