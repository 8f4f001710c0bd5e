/*
 * rm_coverage.h — coverage gaps: impact zones that no shelter reaches.
 *
 * Plain C core: no postgres.h. The caller (plugin/pg/coverage_fmgr.c or a
 * unit test) hands in districts, sources, shelter points and population
 * centroids; rm_coverage_gaps computes, per selected district D,
 *
 *   gap(D) = (U_i zone_i  ∩  D)  −  U_j circle(shelter_j, reach)
 *
 * where zone_i is source i's geometry buffered by its impact radius on the
 * ground (rm_ground_buffer). See docs/geo.md for the exact rules (border
 * cells, slivers) and the algorithm.
 */
#ifndef RM_COVERAGE_H
#define RM_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rm_common.h"
#include "rm_metric.h"

typedef struct rm_cov_district
{
	const char *code;
	const unsigned char *wkb;	/* EWKB of the polygon; NULL when it has none */
	size_t		wkb_len;
	int			selected;		/* compute its gap (others only own border cells) */
} rm_cov_district;

typedef struct rm_cov_source
{
	int64_t		id;
	const unsigned char *wkb;
	size_t		wkb_len;
	double		radius_m;
} rm_cov_source;

typedef struct rm_cov_point
{
	double		x,
				y;
} rm_cov_point;

typedef struct rm_cov_cell
{
	double		x,
				y;				/* centroid, lon/lat */
	double		people;
	int			district;		/* index of its own district, -1 if unknown */
} rm_cov_cell;

typedef struct rm_cov_input
{
	const rm_cov_district *districts;	/* sorted by code */
	size_t		n_districts;
	const rm_cov_source *sources;
	size_t		n_sources;
	const rm_cov_point *shelters;
	size_t		n_shelters;
	const rm_cov_cell *cells;
	size_t		n_cells;
	double		reach_m;
	int			nseg;			/* vertices per circle; 0 = RM_CIRCLE_SEGMENTS */
	/* polled between steps; non-zero stops the computation (RM_EINTERRUPTED) */
	rm_interrupt_fn interrupted;
	void	   *interrupt_arg;
} rm_cov_input;

typedef struct rm_cov_gap
{
	size_t		district;		/* index into input districts */
	unsigned char *wkb;			/* EWKB MultiPolygon, SRID 4326 (malloc) */
	size_t		wkb_len;
	double		area_m2;
	double		people;
	int64_t    *source_ids;		/* sorted ascending (malloc) */
	size_t		n_source_ids;
} rm_cov_gap;

typedef struct rm_cov_result
{
	rm_cov_gap *gaps;			/* in district order */
	size_t		n_gaps;
} rm_cov_result;

/* Polygon parts smaller than this (m^2) are numerical slivers and dropped. */
#define RM_SLIVER_M2 0.01

/* Computes the gaps. On success returns RM_OK and fills *out (release it with
 * rm_cov_result_free). On failure returns an rm_status (rm_common.h), leaves *out empty,
 * has released everything it allocated, and rm_geo_error(geo) says why. */
int rm_coverage_gaps(rm_geo *geo, const rm_cov_input *in, rm_cov_result *out);
void rm_cov_result_free(rm_cov_result *res);

/*
 * The same in two passes, so that the caller reads only the population cells
 * that can lie in a gap:
 *  1. rm_cov_run_gaps computes the rows (people 0; in->cells is not used) and
 *     a run that keeps the gap geometries; `in` must stay valid until
 *     rm_cov_run_free;
 *  2. rm_cov_run_boxes gives the envelopes (x0, y0, x1, y1; malloc) of the
 *     gap polygons: a cell whose centroid lies in a gap has a bounding box
 *     that meets one of them;
 *  3. rm_cov_run_people sets the people of every row of res (the result of
 *     pass 1) from the cells given (any superset of the cells that meet
 *     the boxes; each cell once).
 * rm_cov_run_free releases the run (not the result), also after a failure.
 * Errors as rm_coverage_gaps; on failure of pass 1 nothing is held.
 */
typedef struct rm_cov_run rm_cov_run;
int rm_cov_run_gaps(rm_geo *geo, const rm_cov_input *in, rm_cov_run **run, rm_cov_result *out);
int rm_cov_run_boxes(rm_cov_run *run, double **boxes, size_t *n);
int rm_cov_run_people(rm_cov_run *run, const rm_cov_cell *cells, size_t n_cells, rm_cov_result *res);
void rm_cov_run_free(rm_cov_run *run);

/* Degrees of longitude / latitude that certainly cover r metres around
 * latitude lat (used to widen envelopes before index queries). */
void rm_reach_degrees(double r, double lat_min, double lat_max, double *dlon, double *dlat);

#endif
