/*
 * rm_labels.c — label placement and drawing (see rm_labels.h).
 */
#include "rm_labels.h"

#include <pango/pangocairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_PAD 3.0			/* px kept free around a label's box */
#define MAX_LABELS 100000

typedef struct label
{
	char	   *text;
	double		priority;
	double		ax, ay;			/* anchor, rounded to whole global pixels */
	double		x0, y0, x1, y1; /* box (with halo), global pixels */
	double		left, top;		/* where the layout's logical origin goes */
	int			ok;				/* measured and not too large */
	int			show;			/* drawn by this tile */
	PangoLayout *layout;
} label;

struct rm_labels
{
	PangoFontMap *fontmap;		/* borrowed (per-thread default) */
	PangoContext *context;
	PangoFontDescription *font;
	cairo_font_options_t *fopts;
	double		halo;
	double		max_extent;
	label	   *v;
	int			n,
				cap;
	int			placed;
};

rm_labels *
rm_labels_new(const char *family, double size_px, int bold, double halo_px, double max_extent_px)
{
	rm_labels  *ls = calloc(1, sizeof *ls);

	if (!ls)
		return NULL;
	ls->fontmap = pango_cairo_font_map_get_default();
	if (!ls->fontmap)
		goto fail;
	ls->context = pango_font_map_create_context(ls->fontmap);
	if (!ls->context)
		goto fail;
	/* No hinting: glyph shapes and advances do not depend on where the
	 * layout lands, so a label is the same pixels in every tile. */
	ls->fopts = cairo_font_options_create();
	cairo_font_options_set_hint_style(ls->fopts, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(ls->fopts, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_antialias(ls->fopts, CAIRO_ANTIALIAS_GRAY);
	pango_cairo_context_set_font_options(ls->context, ls->fopts);
	pango_context_set_language(ls->context, pango_language_from_string("zh-cn"));
	ls->font = pango_font_description_new();
	pango_font_description_set_family(ls->font, family && *family ? family : "Noto Sans CJK SC");
	pango_font_description_set_weight(ls->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(ls->font, size_px * PANGO_SCALE);
	ls->halo = halo_px;
	ls->max_extent = max_extent_px;
	return ls;
fail:
	rm_labels_free(ls);
	return NULL;
}

void
rm_labels_free(rm_labels *ls)
{
	int			i;

	if (!ls)
		return;
	for (i = 0; i < ls->n; i++)
	{
		free(ls->v[i].text);
		if (ls->v[i].layout)
			g_object_unref(ls->v[i].layout);
	}
	free(ls->v);
	if (ls->font)
		pango_font_description_free(ls->font);
	if (ls->context)
		g_object_unref(ls->context);
	if (ls->fopts)
		cairo_font_options_destroy(ls->fopts);
	free(ls);
}

double
rm_labels_query_margin(double max_extent_px, double halo_px)
{
	/* A drawn label's anchor is within half an extent of the tile; a label
	 * that can hide it is within one more extent (plus pads) of that. */
	return 1.5 * max_extent_px + 2 * (halo_px + LABEL_PAD) + 2;
}

int
rm_labels_add(rm_labels *ls, const char *text, double gx, double gy, double priority)
{
	label	   *l;
	PangoRectangle ink,
				logical;
	size_t		len;

	if (!text || !isfinite(gx) || !isfinite(gy))
		return 0;
	len = strlen(text);
	if (len == 0 || len > 1000 || !g_utf8_validate(text, (gssize) len, NULL))
		return 0;				/* nothing sensible to draw */
	if (ls->n == ls->cap)
	{
		int			nc = ls->cap ? ls->cap * 2 : 32;
		label	   *nv;

		if (nc > MAX_LABELS)
			return -1;
		nv = realloc(ls->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		ls->v = nv;
		ls->cap = nc;
	}
	l = &ls->v[ls->n];
	memset(l, 0, sizeof *l);
	l->text = strdup(text);
	if (!l->text)
		return -1;
	l->priority = isfinite(priority) ? priority : 0;
	l->ax = floor(gx + 0.5);
	l->ay = floor(gy + 0.5);
	l->layout = pango_layout_new(ls->context);
	if (!l->layout)
	{
		free(l->text);
		return -1;
	}
	ls->n++;
	pango_layout_set_font_description(l->layout, ls->font);
	pango_layout_set_text(l->layout, text, (int) len);
	pango_layout_set_alignment(l->layout, PANGO_ALIGN_CENTER);
	pango_layout_get_pixel_extents(l->layout, &ink, &logical);
	if (logical.width <= 0 || logical.height <= 0 ||
		logical.width + 2 * ls->halo > ls->max_extent || logical.height + 2 * ls->halo > ls->max_extent)
		return 0;				/* l->ok stays 0: never drawn */
	l->left = l->ax - floor(logical.width / 2.0) - logical.x;
	l->top = l->ay - floor(logical.height / 2.0) - logical.y;
	l->x0 = l->left + logical.x - ls->halo;
	l->y0 = l->top + logical.y - ls->halo;
	l->x1 = l->left + logical.x + logical.width + ls->halo;
	l->y1 = l->top + logical.y + logical.height + ls->halo;
	l->ok = 1;
	return 0;
}

static int
label_cmp(const void *a, const void *b)
{
	const label *x = a,
			   *y = b;
	int			c;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	c = strcmp(x->text, y->text);
	if (c)
		return c;
	if (x->ax != y->ax)
		return x->ax < y->ax ? -1 : 1;
	if (x->ay != y->ay)
		return x->ay < y->ay ? -1 : 1;
	return 0;
}

int
rm_labels_place(rm_labels *ls, double tx, double ty, int size)
{
	return rm_labels_place_rect(ls, tx, ty, size, size);
}

int
rm_labels_place_rect(rm_labels *ls, double tx, double ty, double w, double h)
{
	int			i,
				j;

	if (ls->n > 1)				/* qsort(NULL, 0) is undefined (UBSan) */
		qsort(ls->v, ls->n, sizeof *ls->v, label_cmp);
	ls->placed = 0;
	for (i = 0; i < ls->n; i++)
	{
		label	   *a = &ls->v[i];

		a->show = 0;
		if (!a->ok)
			continue;
		if (a->x1 <= tx || a->x0 >= tx + w || a->y1 <= ty || a->y0 >= ty + h)
			continue;
		for (j = 0; j < i; j++)
		{
			const label *b = &ls->v[j];

			if (!b->ok)
				continue;
			if (a->x0 - LABEL_PAD < b->x1 && b->x0 < a->x1 + LABEL_PAD &&
				a->y0 - LABEL_PAD < b->y1 && b->y0 < a->y1 + LABEL_PAD)
				break;
		}
		if (j < i)
			continue;
		a->show = 1;
		ls->placed++;
	}
	return ls->placed;
}

int
rm_labels_count(const rm_labels *ls)
{
	return ls ? ls->placed : 0;
}

void
rm_labels_draw(rm_labels *ls, cairo_t *cr, double tx, double ty, rm_color text, rm_color halo)
{
	int			i;

	if (!ls->placed)
		return;
	pango_cairo_update_context(cr, ls->context);
	cairo_save(cr);
	/* Halos first, so that no halo covers a neighbour's text. */
	if (ls->halo > 0 && halo.a > 0)
	{
		cairo_set_source_rgba(cr, halo.r, halo.g, halo.b, halo.a);
		cairo_set_line_width(cr, 2 * ls->halo);
		cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
		for (i = 0; i < ls->n; i++)
		{
			if (!ls->v[i].show)
				continue;
			pango_layout_context_changed(ls->v[i].layout);
			cairo_new_path(cr);
			cairo_move_to(cr, ls->v[i].left - tx, ls->v[i].top - ty);
			pango_cairo_layout_path(cr, ls->v[i].layout);
			cairo_stroke(cr);
		}
	}
	cairo_set_source_rgba(cr, text.r, text.g, text.b, text.a);
	for (i = 0; i < ls->n; i++)
	{
		if (!ls->v[i].show)
			continue;
		cairo_new_path(cr);
		cairo_move_to(cr, ls->v[i].left - tx, ls->v[i].top - ty);
		pango_cairo_show_layout(cr, ls->v[i].layout);
	}
	cairo_restore(cr);
}
