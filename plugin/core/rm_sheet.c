/*
 * rm_sheet.c — printed map sheets (see rm_sheet.h and docs/print.md).
 *
 * Layout (k = the paper's short side / A3's, so that an A0 wall sheet keeps
 * A3's proportions at 2.8 times the size): a margin, the title band, the map
 * frame with a band around it for the grid letters and numbers, and a panel
 * (right in landscape, below in portrait) with the legend and the table.
 * Everything is vector: text through pango (fonts embedded by cairo's PDF
 * surface as subsets), shapes as paths.
 */
#include "rm_sheet.h"
#include "rm_render.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM (72.0 / 25.4)
/* Type scales with the paper too, but never below 0.8 of A3's (6 pt table
 * text on A4). */
#define FK(lo) fmax((lo)->k, 0.8)

struct rm_sheet
{
	rm_sheet_layout lo;
	char		font[128];
	cairo_surface_t *surface;
	cairo_t    *cr;
	int			pages;
	int			in_map;
	int			shown;
	unsigned char *data;
	size_t		len,
				cap;
	int			oom;
	char		err[256];
	/* one layout for every text of the sheet: a PangoContext per text would
	 * match fonts through fontconfig each time */
	PangoLayout *layout;
	PangoFontDescription *fd;
};

static const char *const level_name[4] = {"Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"};
static const char *const level_words[4] = {"特别重大", "重大", "较大", "一般"};

static int
set_err(rm_sheet *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
set_err(rm_sheet *s, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
rm_sheet_error(const rm_sheet *s)
{
	return s ? s->err : "out of memory";
}

int
rm_sheet_paper(const char *paper, int landscape, double *w, double *h, char *err, size_t errlen)
{
	static const struct
	{
		const char *name;
		double		w,
					h;
	}			sizes[] = {{"A0", 841, 1189}, {"A1", 594, 841}, {"A2", 420, 594}, {"A3", 297, 420}, {"A4", 210, 297}};
	size_t		i;

	for (i = 0; paper && i < sizeof sizes / sizeof sizes[0]; i++)
		if (strcmp(paper, sizes[i].name) == 0)
		{
			*w = (landscape ? sizes[i].h : sizes[i].w) * MM;
			*h = (landscape ? sizes[i].w : sizes[i].h) * MM;
			return 0;
		}
	snprintf(err, errlen, "paper \"%s\" is not one of A4, A3, A2, A1, A0", paper ? paper : "(null)");
	return -1;
}

int
rm_sheet_layout_make(const char *paper, int landscape, const double box[4], rm_sheet_layout *lo,
					 char *err, size_t errlen)
{
	double		m,
				band,
				title_h,
				x0,
				y0,
				x1,
				y1,
				cell;
	int			i;

	memset(lo, 0, sizeof *lo);
	if (rm_sheet_paper(paper, landscape, &lo->page_w, &lo->page_h, err, errlen))
		return -1;
	for (i = 0; i < 4; i++)
		if (!isfinite(box[i]))
		{
			snprintf(err, errlen, "the map extent is not finite");
			return -1;
		}
	if (box[0] < -180 || box[2] > 180 || box[1] < -85 || box[3] > 85 || box[2] < box[0] || box[3] < box[1])
	{
		snprintf(err, errlen, "the map extent (%g %g, %g %g) is not a lon/lat box", box[0], box[1], box[2], box[3]);
		return -1;
	}
	lo->k = fmin(lo->page_w, lo->page_h) / (297 * MM);
	m = 10 * MM * lo->k;
	band = 6 * MM * lo->k;
	title_h = 18 * MM * lo->k;
	lo->title_y = m;
	x0 = m + band;
	y0 = m + title_h + band;
	x1 = lo->page_w - m - band;
	y1 = lo->page_h - m - band - 5 * MM * lo->k;	/* footer line */
	if (landscape)
	{
		double		pw = (x1 - x0) * 0.27;

		lo->panel_x = x1 - pw + band;
		lo->panel_y = y0 - band;
		lo->panel_w = pw - band;
		lo->panel_h = y1 + band - lo->panel_y;
		x1 -= pw + band;
	}
	else
	{
		double		ph = (y1 - y0) * 0.30;

		lo->panel_x = x0 - band;
		lo->panel_y = y1 - ph + band;
		lo->panel_w = x1 + band - lo->panel_x;
		lo->panel_h = ph - band;
		y1 -= ph + band;
	}
	lo->map_x = x0;
	lo->map_y = y0;
	lo->map_w = x1 - x0;
	lo->map_h = y1 - y0;
	/* near-square cells, about a fifth of the frame's short side */
	cell = fmin(lo->map_w, lo->map_h) / 5;
	lo->cols = (int) lround(lo->map_w / cell);
	lo->rows = (int) lround(lo->map_h / cell);
	lo->cols = lo->cols < 2 ? 2 : lo->cols > RM_SHEET_MAX_GRID ? RM_SHEET_MAX_GRID : lo->cols;
	lo->rows = lo->rows < 2 ? 2 : lo->rows > 99 ? 99 : lo->rows;
	/* a 4 % margin around the data, so nothing touches the frame */
	{
		double		b[4],
					dx = (box[2] - box[0]) * 0.04 + 1e-4,
					dy = (box[3] - box[1]) * 0.04 + 1e-4;

		b[0] = fmax(-180, box[0] - dx);
		b[1] = fmax(-85, box[1] - dy);
		b[2] = fmin(180, box[2] + dx);
		b[3] = fmin(85, box[3] + dy);
		rm_proj_fit(&lo->proj, b, lo->map_w, lo->map_h, 0.75 * lo->k);
	}
	return 0;
}

void
rm_sheet_square(const rm_sheet_layout *lo, double lon, double lat, char out[16])
{
	double		x,
				y;
	int			c,
				r;

	out[0] = '\0';
	if (!isfinite(lon) || !isfinite(lat))
		return;
	rm_proj_forward(&lo->proj, lon, lat, &x, &y);
	if (x < 0 || y < 0 || x > lo->map_w || y > lo->map_h)
		return;
	c = (int) floor(x / (lo->map_w / lo->cols));
	r = (int) floor(y / (lo->map_h / lo->rows));
	if (c >= lo->cols)
		c = lo->cols - 1;
	if (r >= lo->rows)
		r = lo->rows - 1;
	snprintf(out, 16, "%c%d", 'A' + c, r + 1);
}

double
rm_sheet_nice_length(double max_m)
{
	double		p,
				f;

	if (!(max_m > 0) || !isfinite(max_m))
		return 0;
	p = pow(10, floor(log10(max_m)));
	f = max_m / p;
	return (f >= 5 ? 5 : f >= 2 ? 2 : 1) * p;
}

/* ------------------------------------------------------------------------ */

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int length)
{
	rm_sheet   *s = closure;

	if (s->len + length > s->cap)
	{
		size_t		nc = s->cap ? s->cap : 65536;
		unsigned char *nd;

		while (nc < s->len + length)
			nc *= 2;
		nd = realloc(s->data, nc);
		if (!nd)
		{
			s->oom = 1;
			return CAIRO_STATUS_NO_MEMORY;
		}
		s->data = nd;
		s->cap = nc;
	}
	memcpy(s->data + s->len, data, length);
	s->len += length;
	return CAIRO_STATUS_SUCCESS;
}

rm_sheet *
rm_sheet_new(const rm_sheet_layout *lo, const char *font)
{
	rm_sheet   *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->lo = *lo;
	snprintf(s->font, sizeof s->font, "%s", font && font[0] ? font : "Noto Sans CJK SC");
	s->surface = cairo_pdf_surface_create_for_stream(pdf_write, s, lo->page_w, lo->page_h);
	if (cairo_surface_status(s->surface) != CAIRO_STATUS_SUCCESS)
	{
		rm_sheet_free(s);
		return NULL;
	}
	cairo_pdf_surface_set_metadata(s->surface, CAIRO_PDF_METADATA_CREATOR, "riskmap");
	s->cr = cairo_create(s->surface);
	if (cairo_status(s->cr) != CAIRO_STATUS_SUCCESS)
	{
		rm_sheet_free(s);
		return NULL;
	}
	s->layout = pango_cairo_create_layout(s->cr);
	s->fd = pango_font_description_new();
	if (!s->layout || !s->fd)
	{
		rm_sheet_free(s);
		return NULL;
	}
	{
		cairo_font_options_t *fo = cairo_font_options_create();

		cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
		cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
		pango_cairo_context_set_font_options(pango_layout_get_context(s->layout), fo);
		cairo_font_options_destroy(fo);
	}
	pango_font_description_set_family(s->fd, s->font);
	return s;
}

void
rm_sheet_free(rm_sheet *s)
{
	if (!s)
		return;
	if (s->layout)
		g_object_unref(s->layout);
	if (s->fd)
		pango_font_description_free(s->fd);
	if (s->cr)
		cairo_destroy(s->cr);
	if (s->surface)
		cairo_surface_destroy(s->surface);
	free(s->data);
	free(s);
}

static int
check(rm_sheet *s)
{
	if (s->oom)
		return set_err(s, "out of memory");
	if (cairo_status(s->cr) != CAIRO_STATUS_SUCCESS)
		return set_err(s, "cairo: %s", cairo_status_to_string(cairo_status(s->cr)));
	return 0;
}

int
rm_sheet_page_begin(rm_sheet *s, const rm_sheet_layout *lo)
{
	if (fabs(lo->page_w - s->lo.page_w) > 0.01 || fabs(lo->page_h - s->lo.page_h) > 0.01)
		return set_err(s, "every page of a sheet has the same paper");
	if (s->pages > 0)
		cairo_show_page(s->cr);
	s->lo = *lo;
	s->pages++;
	return check(s);
}

cairo_t *
rm_sheet_map_begin(rm_sheet *s)
{
	cairo_save(s->cr);
	cairo_rectangle(s->cr, s->lo.map_x, s->lo.map_y, s->lo.map_w, s->lo.map_h);
	cairo_clip(s->cr);
	cairo_translate(s->cr, s->lo.map_x, s->lo.map_y);
	cairo_new_path(s->cr);
	s->in_map = 1;
	return s->cr;
}

int
rm_sheet_map_end(rm_sheet *s)
{
	if (s->in_map)
		cairo_restore(s->cr);
	s->in_map = 0;
	return check(s);
}

/* ------------------------------------------------------------------------ */
/* Text. */

enum
{
	LEFT, CENTRE, RIGHT
};

/*
 * Draws text with its top-left (LEFT), top-centre or top-right at (x, y);
 * maxw > 0 ellipsizes at that width. Returns the height drawn.
 */
static double
text(rm_sheet *s, const char *t, double size, int bold, double x, double y, int align, double maxw, rm_color c)
{
	PangoLayout *pl = s->layout;
	int			w,
				h;

	if (!pl)
		return 0;
	pango_cairo_update_layout(s->cr, pl);
	pango_font_description_set_weight(s->fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(s->fd, size * PANGO_SCALE);
	pango_layout_set_font_description(pl, s->fd);
	pango_layout_set_width(pl, maxw > 0 ? (int) (maxw * PANGO_SCALE) : -1);
	pango_layout_set_ellipsize(pl, maxw > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_text(pl, t, -1);
	pango_layout_get_size(pl, &w, &h);
	if (maxw > 0)
	{
		PangoRectangle ink,
					logical;

		pango_layout_get_extents(pl, &ink, &logical);
		w = logical.width;
	}
	cairo_set_source_rgba(s->cr, c.r, c.g, c.b, c.a);
	cairo_move_to(s->cr, align == LEFT ? x : align == CENTRE ? x - w / (2.0 * PANGO_SCALE) : x - (double) w / PANGO_SCALE, y);
	pango_cairo_show_layout(s->cr, pl);
	cairo_new_path(s->cr);
	return (double) h / PANGO_SCALE;
}

static const rm_color ink = {0.12, 0.12, 0.16, 1};
static const rm_color grey = {0.35, 0.35, 0.4, 1};
static const rm_color white = {1, 1, 1, 1};

static void
set_color(cairo_t *cr, rm_color c)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

/* ------------------------------------------------------------------------ */
/* Frame, grid, scale bar, north arrow. */

static void
draw_grid(rm_sheet *s)
{
	const rm_sheet_layout *lo = &s->lo;
	cairo_t    *cr = s->cr;
	double		cw = lo->map_w / lo->cols,
				ch = lo->map_h / lo->rows,
				fs = 9 * FK(lo),
				band = 6 * MM * lo->k;
	int			i;
	char		t[16];

	/* grid lines over the map, thin */
	cairo_save(cr);
	cairo_set_source_rgba(cr, 0.2, 0.2, 0.3, 0.45);
	cairo_set_line_width(cr, 0.35 * lo->k);
	for (i = 1; i < lo->cols; i++)
	{
		cairo_move_to(cr, lo->map_x + i * cw, lo->map_y);
		cairo_line_to(cr, lo->map_x + i * cw, lo->map_y + lo->map_h);
	}
	for (i = 1; i < lo->rows; i++)
	{
		cairo_move_to(cr, lo->map_x, lo->map_y + i * ch);
		cairo_line_to(cr, lo->map_x + lo->map_w, lo->map_y + i * ch);
	}
	cairo_stroke(cr);
	/* the frame: an inner line and the outer band's edge with ticks */
	set_color(cr, ink);
	cairo_set_line_width(cr, 0.9 * lo->k);
	cairo_rectangle(cr, lo->map_x, lo->map_y, lo->map_w, lo->map_h);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 0.5 * lo->k);
	cairo_rectangle(cr, lo->map_x - band, lo->map_y - band, lo->map_w + 2 * band, lo->map_h + 2 * band);
	for (i = 1; i < lo->cols; i++)
	{
		cairo_move_to(cr, lo->map_x + i * cw, lo->map_y - band);
		cairo_line_to(cr, lo->map_x + i * cw, lo->map_y);
		cairo_move_to(cr, lo->map_x + i * cw, lo->map_y + lo->map_h);
		cairo_line_to(cr, lo->map_x + i * cw, lo->map_y + lo->map_h + band);
	}
	for (i = 1; i < lo->rows; i++)
	{
		cairo_move_to(cr, lo->map_x - band, lo->map_y + i * ch);
		cairo_line_to(cr, lo->map_x, lo->map_y + i * ch);
		cairo_move_to(cr, lo->map_x + lo->map_w, lo->map_y + i * ch);
		cairo_line_to(cr, lo->map_x + lo->map_w + band, lo->map_y + i * ch);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
	/* letters on top and bottom, numbers left and right */
	for (i = 0; i < lo->cols; i++)
	{
		double		x = lo->map_x + (i + 0.5) * cw;

		snprintf(t, sizeof t, "%c", 'A' + i);
		text(s, t, fs, 1, x, lo->map_y - band / 2 - fs * 0.7, CENTRE, 0, ink);
		text(s, t, fs, 1, x, lo->map_y + lo->map_h + band / 2 - fs * 0.7, CENTRE, 0, ink);
	}
	for (i = 0; i < lo->rows; i++)
	{
		double		y = lo->map_y + (i + 0.5) * ch - fs * 0.7;

		snprintf(t, sizeof t, "%d", i + 1);
		text(s, t, fs, 1, lo->map_x - band / 2, y, CENTRE, 0, ink);
		text(s, t, fs, 1, lo->map_x + lo->map_w + band / 2, y, CENTRE, 0, ink);
	}
}

static void
format_length(double m, char *out, size_t n)
{
	if (m >= 1000)
		snprintf(out, n, "%g 千米", m / 1000);
	else
		snprintf(out, n, "%g 米", m);
}

static void
draw_scale_bar(rm_sheet *s)
{
	const rm_sheet_layout *lo = &s->lo;
	cairo_t    *cr = s->cr;
	double		lon,
				lat,
				ppm,
				len_m,
				len_pt,
				x,
				y,
				h = 2.2 * MM * lo->k,
				fs = 8 * FK(lo),
				pad = 2.5 * MM * lo->k;
	int			i;
	char		t[64];
	double		denom;

	rm_proj_inverse(&lo->proj, lo->map_w / 2, lo->map_h / 2, &lon, &lat);
	ppm = rm_proj_px_per_metre(&lo->proj, lat);
	if (!(ppm > 0))
		return;
	len_m = rm_sheet_nice_length(lo->map_w * 0.22 / ppm);
	len_pt = len_m * ppm;
	x = lo->map_x + pad * 2;
	y = lo->map_y + lo->map_h - pad * 2 - h - fs * 3.2;
	/* a white backing so the bar reads over the map */
	cairo_save(cr);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, x - pad, y - fs * 1.6, len_pt + 2 * pad + fs * 3, h + fs * 4.8 + pad);
	cairo_fill(cr);
	for (i = 0; i < 4; i++)
	{
		cairo_rectangle(cr, x + i * len_pt / 4, y, len_pt / 4, h);
		set_color(cr, (i % 2) ? white : ink);
		cairo_fill_preserve(cr);
		set_color(cr, ink);
		cairo_set_line_width(cr, 0.4 * lo->k);
		cairo_stroke(cr);
	}
	cairo_restore(cr);
	text(s, "0", fs, 0, x, y - fs * 1.45, CENTRE, 0, ink);
	format_length(len_m / 2, t, sizeof t);
	text(s, t, fs, 0, x + len_pt / 2, y - fs * 1.45, CENTRE, 0, ink);
	format_length(len_m, t, sizeof t);
	text(s, t, fs, 0, x + len_pt, y - fs * 1.45, CENTRE, 0, ink);
	/* the representative fraction at the centre of the map (Mercator) */
	denom = 72.0 / (ppm * 0.0254);	/* ground m per paper m (1 pt = 0.0254/72 m) */
	{
		double		p = pow(10, floor(log10(denom)) - 1);

		snprintf(t, sizeof t, "比例尺 1:%.0f（图幅中心）", round(denom / p) * p);
	}
	text(s, t, fs, 0, x, y + h + fs * 0.5, LEFT, 0, ink);
}

static void
draw_north(rm_sheet *s)
{
	const rm_sheet_layout *lo = &s->lo;
	cairo_t    *cr = s->cr;
	double		h = 14 * MM * lo->k,
				w = 5 * MM * lo->k,
				x = lo->map_x + lo->map_w - 4 * MM * lo->k - w,
				y = lo->map_y + 4 * MM * lo->k,
				fs = 10 * FK(lo);

	cairo_save(cr);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, x - w * 0.6, y - 1 * MM * lo->k, w * 2.2, h + fs * 1.6);
	cairo_fill(cr);
	/* a split arrow pointing north (Web Mercator: north is up) */
	cairo_move_to(cr, x + w / 2, y + fs * 1.4);
	cairo_line_to(cr, x + w, y + h + fs * 0.8);
	cairo_line_to(cr, x + w / 2, y + h * 0.78 + fs * 0.8);
	cairo_close_path(cr);
	set_color(cr, ink);
	cairo_fill(cr);
	cairo_move_to(cr, x + w / 2, y + fs * 1.4);
	cairo_line_to(cr, x, y + h + fs * 0.8);
	cairo_line_to(cr, x + w / 2, y + h * 0.78 + fs * 0.8);
	cairo_close_path(cr);
	set_color(cr, white);
	cairo_fill_preserve(cr);
	set_color(cr, ink);
	cairo_set_line_width(cr, 0.5 * lo->k);
	cairo_stroke(cr);
	cairo_restore(cr);
	text(s, "北", fs, 1, x + w / 2, y, CENTRE, 0, ink);
}

/* ------------------------------------------------------------------------ */
/* Legend: one entry per thing the style's layers draw. */

static void
swatch_rect(rm_sheet *s, double x, double y, double w, double h, rm_color fill, rm_color stroke, double lw)
{
	cairo_rectangle(s->cr, x, y, w, h);
	set_color(s->cr, fill);
	cairo_fill_preserve(s->cr);
	set_color(s->cr, stroke);
	cairo_set_line_width(s->cr, lw);
	cairo_stroke(s->cr);
}

static void
swatch_hatch(rm_sheet *s, double x, double y, double w, double h, const rm_layer *l, double k)
{
	cairo_t    *cr = s->cr;
	double		sp = fmax(l->spacing * 0.75 * k, 2),
				c;

	cairo_save(cr);
	cairo_rectangle(cr, x, y, w, h);
	cairo_clip(cr);
	set_color(cr, l->color);
	cairo_set_line_width(cr, fmax(l->width * 0.75 * k * 0.6, 0.2));
	for (c = -h; c < w + h; c += sp)
	{
		cairo_move_to(cr, x + c, y);
		cairo_line_to(cr, x + c + h, y + h);
		cairo_move_to(cr, x + c + h, y);
		cairo_line_to(cr, x + c, y + h);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
	cairo_rectangle(cr, x, y, w, h);
	set_color(cr, l->color);
	cairo_set_line_width(cr, 0.6 * k);
	cairo_stroke(cr);
}

static void
swatch_symbol(rm_sheet *s, double x, double y, double d, rm_shape shape, rm_color fill, const rm_layer *l, double k)
{
	cairo_new_path(s->cr);
	rm_shape_path(s->cr, shape, x, y, d);
	set_color(s->cr, fill);
	cairo_fill_preserve(s->cr);
	if (l->width > 0 && l->halo.a > 0)
	{
		rm_color	o = {0.3, 0.3, 0.3, 1};

		set_color(s->cr, o);
		cairo_set_line_width(s->cr, 0.5 * k);
		cairo_stroke(s->cr);
	}
	cairo_new_path(s->cr);
}

static const char *
kind_name(const char *key)
{
	static const char *const map[][2] = {
		{"shelter", "避难场所"}, {"hospital", "医院"}, {"fire_station", "消防站"}, {"warehouse", "物资储备库"},
		{"landslide", "地质灾害"}, {"flood", "洪涝"}, {"chemical", "危险化学品"}, {"gas_pipeline", "燃气管道"},
		{"crowd", "人员密集场所"}, {"mine", "矿山"}, {"dam", "水库大坝"}, {"fire", "火灾"},
	};
	size_t		i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], key) == 0)
			return map[i][1];
	return key;
}

/* Returns the height used. */
static double
draw_legend(rm_sheet *s, const rm_style *style, double x, double y, double w)
{
	const double k = s->lo.k;
	double		fs = 8.5 * FK(&s->lo),
				row = fs * 1.75,
				sw = 9 * MM * k * 0.8,
				sh = fs * 1.15,
				tx = x + sw + 2.5 * MM * k,
				y0 = y;
	int			i,
				j;
	char		t[128];

	text(s, "图　例", 11 * FK(&s->lo), 1, x, y, LEFT, 0, ink);
	y += 11 * FK(&s->lo) * 1.9;
	for (i = 0; i < style->nlayers; i++)
	{
		const rm_layer *l = &style->layers[i];

		switch (l->type)
		{
			case RM_LAYER_IMPACT_ZONES:
				for (j = 0; j < 4; j++)
				{
					swatch_rect(s, x, y, sw, sh, l->level_fill[j], l->level_stroke[j], 0.6 * k);
					snprintf(t, sizeof t, "影响范围 %s（%s）", level_name[j], level_words[j]);
					text(s, t, fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, w - (tx - x), ink);
					y += row;
				}
				break;
			case RM_LAYER_UNDRILLED:
				swatch_hatch(s, x, y, sw, sh, l, k);
				snprintf(t, sizeof t, "本年度未安排演练的高风险区域（%s及以上）",
						 level_name[(l->max_level < 1 ? 1 : l->max_level > 4 ? 4 : l->max_level) - 1]);
				text(s, t, fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, w - (tx - x), ink);
				y += row;
				break;
			case RM_LAYER_DISTRICT_BORDERS:
				cairo_move_to(s->cr, x, y + sh / 2);
				cairo_line_to(s->cr, x + sw, y + sh / 2);
				set_color(s->cr, l->color);
				cairo_set_line_width(s->cr, fmax(l->width * 0.75 * k, 0.5));
				cairo_stroke(s->cr);
				text(s, "区县界", fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, 0, ink);
				y += row;
				break;
			case RM_LAYER_SOURCES:
				for (j = 0; j < 4; j++)
					swatch_symbol(s, x + sh * 0.5 + j * sw / 4.2, y + sh / 2, sh * 0.55, l->default_shape,
								  l->level_stroke[j], l, k);
				text(s, "风险源（颜色示等级，形状示类别）", fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT,
					 w - (tx - x), ink);
				y += row;
				break;
			case RM_LAYER_SHELTERS:
				{
					const rm_symbol *def = NULL;

					for (j = 0; j < l->nsymbols; j++)
					{
						const rm_symbol *sy = &l->symbols[j];

						swatch_symbol(s, x + sw / 2, y + sh / 2, sh * 0.8, sy->shape, sy->has_fill ? sy->fill : l->fill,
									  l, k);
						text(s, kind_name(sy->key), fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, 0, ink);
						y += row;
					}
					if (l->nsymbols == 0)
					{
						swatch_symbol(s, x + sw / 2, y + sh / 2, sh * 0.8, l->default_shape, l->fill, l, k);
						text(s, "应急资源", fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, 0, ink);
						y += row;
					}
					(void) def;
				}
				break;
			case RM_LAYER_CATCHMENTS:
				for (j = 0; j < 4 && j < l->npalette; j++)
					swatch_rect(s, x + j * sw / 4, y, sw / 4, sh, l->palette[j], l->palette[j], 0.1);
				text(s, "疏散分区（每个避难场所一色）", fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, w - (tx - x), ink);
				y += row;
				break;
			case RM_LAYER_UNSERVED:
				swatch_rect(s, x, y, sw, sh, l->fill, l->color, 0.6 * k);
				text(s, "无法安置的人口", fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, 0, ink);
				y += row;
				break;
			case RM_LAYER_CLEARANCE_ZONES:
				{
					static const char *const what[3] = {"预案承诺时间内无法完成转移", "预案未承诺转移时间",
														"可在预案承诺时间内完成转移"};

					for (j = 0; j < 3; j++)
					{
						swatch_rect(s, x, y, sw, sh, l->level_fill[j], l->level_stroke[j], 0.6 * k);
						text(s, what[j], fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, w - (tx - x), ink);
						y += row;
					}
				}
				break;
			case RM_LAYER_BOTTLENECKS:
				cairo_move_to(s->cr, x, y + sh / 2);
				cairo_line_to(s->cr, x + sw, y + sh / 2);
				set_color(s->cr, l->color);
				cairo_set_line_width(s->cr, fmax(l->width * 0.75 * k, 0.5));
				cairo_stroke(s->cr);
				text(s, "瓶颈路段（限制疏散的道路）", fs, 0, tx, y + sh / 2 - fs * 0.72, LEFT, w - (tx - x), ink);
				y += row;
				break;
			default:
				break;
		}
	}
	return y - y0;
}

/* ------------------------------------------------------------------------ */
/* The table of undrilled high-risk sources, flowing into columns. */

static void
draw_table(rm_sheet *s, const char *title, const rm_sheet_row *rows, int nrows, double x, double y, double w,
		   double h)
{
	const double k = s->lo.k;
	double		fs = 7.5 * FK(&s->lo),
				rh = fs * 1.6,
				colw_min = 62 * MM * k,
				gap = 4 * MM * k,
				top;
	int			ncol = (int) floor((w + gap) / (colw_min + gap)),
				per,
				fit,
				shown,
				i;
	double		colw;
	char		t[160];

	if (ncol < 1)
		ncol = 1;
	colw = (w - gap * (ncol - 1)) / ncol;
	top = y + text(s, title, 10 * FK(&s->lo), 1, x, y, LEFT, w, ink) + fs * 0.6;
	per = (int) floor((y + h - top - rh) / rh);	/* rows per column, below the header */
	if (per < 1)
		per = 1;
	fit = per * ncol;
	if (nrows == 0)
	{
		text(s, "无（本年度高风险风险源均已安排演练）", fs, 0, x, top, LEFT, w, ink);
		s->shown = 0;
		return;
	}
	shown = nrows <= fit ? nrows : fit - 1;
	s->shown = shown;
	for (i = 0; i < ncol; i++)
	{
		double		cx = x + i * (colw + gap);
		int			j;

		if (i * per >= shown + (shown < nrows))
			break;
		/* header */
		cairo_rectangle(s->cr, cx, top, colw, rh);
		cairo_set_source_rgba(s->cr, 0.9, 0.9, 0.93, 1);
		cairo_fill(s->cr);
		text(s, "序号", fs, 1, cx + 1 * MM * k, top + rh * 0.18, LEFT, 0, ink);
		text(s, "名称", fs, 1, cx + colw * 0.13, top + rh * 0.18, LEFT, 0, ink);
		text(s, "等级", fs, 1, cx + colw * 0.70, top + rh * 0.18, LEFT, 0, ink);
		text(s, "网格", fs, 1, cx + colw * 0.86, top + rh * 0.18, LEFT, 0, ink);
		for (j = 0; j < per; j++)
		{
			int			n = i * per + j;
			double		ry = top + rh * (j + 1);
			char		sq[16];

			if (n >= shown)
			{
				if (n == shown && shown < nrows)
				{
					snprintf(t, sizeof t, "及其他 %d 处", nrows - shown);
					text(s, t, fs, 1, cx + 1 * MM * k, ry + rh * 0.18, LEFT, colw, ink);
				}
				break;
			}
			if (j % 2 == 1)
			{
				cairo_rectangle(s->cr, cx, ry, colw, rh);
				cairo_set_source_rgba(s->cr, 0.96, 0.96, 0.97, 1);
				cairo_fill(s->cr);
			}
			snprintf(t, sizeof t, "%d", n + 1);
			text(s, t, fs, 0, cx + 1 * MM * k, ry + rh * 0.18, LEFT, 0, grey);
			text(s, rows[n].name ? rows[n].name : "", fs, 0, cx + colw * 0.13, ry + rh * 0.18, LEFT,
				 colw * 0.56, ink);
			text(s, level_name[(rows[n].level < 1 ? 1 : rows[n].level > 4 ? 4 : rows[n].level) - 1], fs, 0,
				 cx + colw * 0.70, ry + rh * 0.18, LEFT, 0, ink);
			rm_sheet_square(&s->lo, rows[n].lon, rows[n].lat, sq);
			text(s, sq[0] ? sq : "—", fs, 1, cx + colw * 0.86, ry + rh * 0.18, LEFT, 0, ink);
		}
	}
}

int
rm_sheet_rows_shown(const rm_sheet *s)
{
	return s->shown;
}

int
rm_sheet_decorate(rm_sheet *s, const rm_style *style, const rm_sheet_text *tx, const rm_sheet_row *rows,
				  int nrows)
{
	const rm_sheet_layout *lo = &s->lo;
	const double k = lo->k;
	double		m = 10 * MM * k,
				lh,
				lx,
				ly,
				lw,
				tx0,
				ty0,
				tw,
				th;

	if (s->in_map)
		rm_sheet_map_end(s);
	draw_grid(s);
	draw_scale_bar(s);
	draw_north(s);
	/* title and subtitle */
	text(s, tx->title ? tx->title : "", 20 * FK(lo), 1, m, lo->title_y, LEFT, lo->page_w - 2 * m, ink);
	text(s, tx->subtitle ? tx->subtitle : "", 10 * FK(lo), 0, m, lo->title_y + 20 * FK(lo) * 1.55, LEFT,
		 lo->page_w - 2 * m, grey);
	/* legend and table in the panel */
	if (lo->panel_w > lo->panel_h * 1.5)
	{
		/* portrait: legend left, table right */
		lx = lo->panel_x;
		ly = lo->panel_y;
		lw = lo->panel_w * 0.34;
		draw_legend(s, style, lx, ly, lw);
		tx0 = lo->panel_x + lw + 5 * MM * k;
		ty0 = lo->panel_y;
		tw = lo->panel_w - lw - 5 * MM * k;
		th = lo->panel_h;
	}
	else
	{
		lx = lo->panel_x;
		ly = lo->panel_y;
		lw = lo->panel_w;
		lh = draw_legend(s, style, lx, ly, lw);
		tx0 = lo->panel_x;
		ty0 = lo->panel_y + lh + 5 * MM * k;
		tw = lo->panel_w;
		th = lo->panel_h - lh - 5 * MM * k;
	}
	draw_table(s, tx->table_title ? tx->table_title : "", rows, nrows, tx0, ty0, tw, th);
	if (tx->footer)
		text(s, tx->footer, 7 * FK(lo), 0, m, lo->page_h - m - 3.5 * MM * k, LEFT, lo->page_w - 2 * m, grey);
	return check(s);
}

int
rm_sheet_finish(rm_sheet *s, unsigned char **pdf, size_t *len)
{
	*pdf = NULL;
	*len = 0;
	if (s->in_map)
		rm_sheet_map_end(s);
	cairo_destroy(s->cr);
	s->cr = NULL;
	cairo_surface_finish(s->surface);
	if (s->oom)
		return set_err(s, "out of memory");
	if (cairo_surface_status(s->surface) != CAIRO_STATUS_SUCCESS)
		return set_err(s, "cairo: %s", cairo_status_to_string(cairo_surface_status(s->surface)));
	*pdf = s->data;
	*len = s->len;
	s->data = NULL;
	s->len = s->cap = 0;
	return 0;
}
