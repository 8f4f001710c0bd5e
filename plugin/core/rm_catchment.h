/*
 * rm_catchment.h — catchment areas of the evacuation assignment.
 *
 * A cell belongs to the catchment of the shelter that gets its largest share
 * (ties: lower shelter id, i.e. lower index); when the unserved part is
 * strictly larger than every served share, it belongs to none.
 * Polygon cells: the union of the cells of each shelter. Point cells: the
 * Voronoi partition of all point cells, clipped to a region (the districts of
 * the cells, else the convex hull of the points), minus the polygon cells, then
 * unioned per shelter. Every catchment is a MultiPolygon (possibly empty)
 * with SRID 4326, written as EWKB.
 */
#ifndef RM_CATCHMENT_H
#define RM_CATCHMENT_H

#include "rm_evacuation.h"

/* owner[cell] = shelter index or -1, from assignment rows. */
void		rm_catchment_owner(const rm_evac_row *rows, int64_t n_rows, int32_t n_cells,
							   int32_t *owner);

typedef struct rm_catch_input
{
	int32_t		n_cells;
	const unsigned char *const *wkb;	/* per cell (E)WKB */
	const size_t *wkb_len;
	const int32_t *owner;		/* per cell, shelter index or -1 */
	int32_t		n_shelters;
	const unsigned char *clip_wkb;	/* optional clip region for point cells (NULL: convex hull) */
	size_t		clip_len;
} rm_catch_input;

/*
 * out_wkb[j] / out_len[j]: EWKB of shelter j's catchment, allocated with
 * malloc (free with rm_catchment_free_output), NULL for shelters that own no
 * cell. errbuf receives GEOS messages. Returns RM_OK, RM_ENOMEM, RM_EINTERRUPTED,
 * RM_EGEOS.
 */
int			rm_catchments(const rm_catch_input *in, const rm_interrupt *intr,
						  unsigned char **out_wkb, size_t *out_len,
						  char *errbuf, size_t errlen);
void		rm_catchment_free_output(unsigned char **out_wkb, int32_t n);

#endif
