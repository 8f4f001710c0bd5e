/*
 * rm_sheet.h — printed map sheets (挂图): page layout, reference grid, scale
 * bar, north arrow, title, legend and the table of undrilled high-risk
 * sources, on cairo's PDF surface. The map itself is drawn by the tile
 * renderer (rm_render_new_proj) into the frame this module clips to, so a
 * sheet and a tile never disagree. See docs/print.md.
 *
 * Plain C core: no postgres.h. Use:
 *
 *   rm_sheet_layout_make(paper, landscape, box, &lo, err, errlen);
 *   s = rm_sheet_new(&lo, font);
 *   for each page:
 *       rm_sheet_page_begin(s, &lo);   (lo of this page, same paper)
 *       cr = rm_sheet_map_begin(s);    (clipped, origin at the frame)
 *       r = rm_render_new_proj(style, &lo.proj, cr); ...draw layers...; rm_render_free(r);
 *       rm_sheet_map_end(s);
 *       rm_sheet_decorate(s, style, &text, rows, nrows);
 *   rm_sheet_finish(s, &pdf, &len);   (malloc'd)
 *   rm_sheet_free(s);
 *
 * Units: PDF points (1/72 inch). Every function returns 0 or -1 with
 * rm_sheet_error(); rm_sheet_free() releases every cairo handle.
 */
#ifndef RM_SHEET_H
#define RM_SHEET_H

#include <stddef.h>
#include <cairo.h>

#include "rm_proj.h"
#include "rm_style.h"

#define RM_SHEET_MAX_GRID 26	/* columns are letters A..Z */

typedef struct rm_sheet_layout
{
	double		page_w,
				page_h;			/* page, pt */
	double		k;				/* size factor of the paper (A3 = 1) */
	double		map_x,
				map_y,
				map_w,
				map_h;			/* the map frame on the page */
	double		panel_x,
				panel_y,
				panel_w,
				panel_h;		/* legend and table */
	double		title_y;		/* baseline area of the title */
	int			cols,
				rows;			/* reference grid: columns A.., rows 1.. */
	rm_proj		proj;			/* lon/lat -> pt inside the frame */
} rm_sheet_layout;

typedef struct rm_sheet_row
{
	const char *name;
	int			level;			/* 1..4 */
	double		lon,
				lat;			/* where the source is (grid square) */
} rm_sheet_row;

typedef struct rm_sheet_text
{
	const char *title;			/* e.g. "渝中区 风险源与演练覆盖图" */
	const char *subtitle;		/* what the map shows, the date */
	const char *table_title;	/* heading of the source table */
	const char *footer;			/* small print at the bottom */
} rm_sheet_text;

typedef struct rm_sheet rm_sheet;

/* Paper size in pt: "A4".."A0" (ISO 216), landscape or portrait. 0, or -1
 * with a message naming the value. */
int			rm_sheet_paper(const char *paper, int landscape, double *w, double *h,
						   char *err, size_t errlen);

/* The layout of a sheet showing the lon/lat box (minlon, minlat, maxlon,
 * maxlat): the box fitted, centred, into the map frame. */
int			rm_sheet_layout_make(const char *paper, int landscape, const double box[4],
								 rm_sheet_layout *lo, char *err, size_t errlen);

/* The reference square ("C4") of a lon/lat point, "" when outside. */
void		rm_sheet_square(const rm_sheet_layout *lo, double lon, double lat, char out[16]);

/* Round scale bar length (m): 1, 2 or 5 x 10^n, at most max_m. */
double		rm_sheet_nice_length(double max_m);

rm_sheet   *rm_sheet_new(const rm_sheet_layout *lo, const char *font);
void		rm_sheet_free(rm_sheet *s);
const char *rm_sheet_error(const rm_sheet *s);

int			rm_sheet_page_begin(rm_sheet *s, const rm_sheet_layout *lo);
cairo_t    *rm_sheet_map_begin(rm_sheet *s);
int			rm_sheet_map_end(rm_sheet *s);
/* Frame, grid, scale bar, north arrow, title, legend (from the style's
 * layers), table of rows (flowing into columns; "及其他 N 处" when full). */
int			rm_sheet_decorate(rm_sheet *s, const rm_style *style, const rm_sheet_text *text,
							  const rm_sheet_row *rows, int nrows);
/* Rows shown by the last rm_sheet_decorate() (the rest are "及其他 N 处"). */
int			rm_sheet_rows_shown(const rm_sheet *s);
int			rm_sheet_finish(rm_sheet *s, unsigned char **pdf, size_t *len);

#endif
