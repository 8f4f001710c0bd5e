/*
 * rm_labels.h — label placement and drawing with pango (pangocairo).
 *
 * Placement rule (docs/tiles.md): every label has one anchor in *global*
 * pixel coordinates of its zoom level (the district's label_point). Its box is
 * centred on the anchor rounded to whole pixels, so it lands on the same
 * pixels in every tile. A label is drawn by every tile its box touches, unless
 * the box (plus padding) overlaps the box of a label of higher priority
 * (priority, then text, then anchor: a total order), whether or not that one
 * is itself shown. The decision depends only on the candidates near the label,
 * never on the tile, so neighbouring tiles agree: a label is never cut at a
 * tile edge and never repeated. Candidates must therefore be fetched within
 * rm_labels_query_margin() pixels of the tile. Labels wider or taller than the
 * max extent are not drawn.
 */
#ifndef RM_LABELS_H
#define RM_LABELS_H

#include <cairo.h>
#include "rm_style.h"

typedef struct rm_labels rm_labels;

/* size_px, halo_px: at the final pixel scale. max_extent_px: the largest
 * label width/height that is drawn. NULL on failure (no fonts / memory). */
rm_labels  *rm_labels_new(const char *family, double size_px, int bold,
						  double halo_px, double max_extent_px);
void		rm_labels_free(rm_labels *ls);

/* Anchor (gx, gy) in global pixels (x to the east, y to the south). */
int			rm_labels_add(rm_labels *ls, const char *text, double gx, double gy, double priority);

/* Margin around a tile within which anchors must be fetched. */
double		rm_labels_query_margin(double max_extent_px, double halo_px);

/* Decides which labels show and counts those that touch the tile whose
 * top-left global pixel is (tx, ty) and whose side is size px. */
int			rm_labels_place(rm_labels *ls, double tx, double ty, int size);
/* The same for an output of w x h px (a print sheet's map frame). */
int			rm_labels_place_rect(rm_labels *ls, double tx, double ty, double w, double h);

/* Draws the placed labels on cr (the tile's context, identity transform). */
void		rm_labels_draw(rm_labels *ls, cairo_t *cr, double tx, double ty,
						   rm_color text, rm_color halo);

int			rm_labels_count(const rm_labels *ls);

#endif
