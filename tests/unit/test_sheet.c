/*
 * test_sheet.c — map sheet layout (plugin/core/rm_sheet.c) and the explicit
 * projection (rm_proj.c): paper sizes, round scale bars, grid squares, the
 * fitted extent, and a whole PDF page drawn through rm_render_new_proj.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_proj.h"
#include "rm_render.h"
#include "rm_sheet.h"
#include "rm_style.h"

static void
test_paper(void **state)
{
	double		w,
				h;
	char		err[128];

	(void) state;
	assert_int_equal(rm_sheet_paper("A3", 1, &w, &h, err, sizeof err), 0);
	assert_true(fabs(w - 420 * 72 / 25.4) < 1e-9 && fabs(h - 297 * 72 / 25.4) < 1e-9);
	assert_int_equal(rm_sheet_paper("A0", 0, &w, &h, err, sizeof err), 0);
	assert_true(fabs(w - 841 * 72 / 25.4) < 1e-9 && fabs(h - 1189 * 72 / 25.4) < 1e-9);
	assert_int_equal(rm_sheet_paper("A5", 0, &w, &h, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"A5\""));
	assert_int_equal(rm_sheet_paper("a3", 0, &w, &h, err, sizeof err), -1);
	assert_int_equal(rm_sheet_paper(NULL, 0, &w, &h, err, sizeof err), -1);
}

static void
test_nice_length(void **state)
{
	(void) state;
	assert_true(rm_sheet_nice_length(73000) == 50000);
	assert_true(rm_sheet_nice_length(19999) == 10000);
	assert_true(rm_sheet_nice_length(2000) == 2000);
	assert_true(rm_sheet_nice_length(4.9) == 2);
	assert_true(rm_sheet_nice_length(0) == 0);
	assert_true(rm_sheet_nice_length(NAN) == 0);
}

static void
test_layout_and_squares(void **state)
{
	const double box[4] = {106.0, 29.0, 107.0, 30.0};
	rm_sheet_layout lo;
	char		err[128],
				sq[16];
	double		x,
				y,
				lon,
				lat;

	(void) state;
	assert_int_equal(rm_sheet_layout_make("A3", 1, box, &lo, err, sizeof err), 0);
	assert_true(lo.cols >= 2 && lo.cols <= 26 && lo.rows >= 2);
	/* the box fits inside the frame, centred */
	rm_proj_forward(&lo.proj, box[0], box[3], &x, &y);
	assert_true(x >= 0 && y >= 0);
	rm_proj_forward(&lo.proj, box[2], box[1], &x, &y);
	assert_true(x <= lo.map_w + 1e-6 && y <= lo.map_h + 1e-6);
	/* inverse of forward */
	rm_proj_forward(&lo.proj, 106.3, 29.7, &x, &y);
	rm_proj_inverse(&lo.proj, x, y, &lon, &lat);
	assert_true(fabs(lon - 106.3) < 1e-9 && fabs(lat - 29.7) < 1e-9);
	/* the frame's top-left corner is A1, the bottom-right the last square */
	rm_proj_inverse(&lo.proj, 1, 1, &lon, &lat);
	rm_sheet_square(&lo, lon, lat, sq);
	assert_string_equal(sq, "A1");
	rm_proj_inverse(&lo.proj, lo.map_w - 1, lo.map_h - 1, &lon, &lat);
	rm_sheet_square(&lo, lon, lat, sq);
	{
		char		want[16];

		snprintf(want, sizeof want, "%c%d", 'A' + lo.cols - 1, lo.rows);
		assert_string_equal(sq, want);
	}
	/* the second column starts one cell width in */
	rm_proj_inverse(&lo.proj, lo.map_w / lo.cols + 0.5, 1, &lon, &lat);
	rm_sheet_square(&lo, lon, lat, sq);
	assert_string_equal(sq, "B1");
	rm_sheet_square(&lo, 0, 0, sq);	/* far outside */
	assert_string_equal(sq, "");
	rm_sheet_square(&lo, NAN, 29, sq);
	assert_string_equal(sq, "");
	/* bad extents */
	{
		const double bad[4] = {107, 29, 106, 30};

		assert_int_equal(rm_sheet_layout_make("A3", 1, bad, &lo, err, sizeof err), -1);
	}
	{
		const double bad[4] = {NAN, 29, 106, 30};

		assert_int_equal(rm_sheet_layout_make("A3", 1, bad, &lo, err, sizeof err), -1);
	}
}

/* The tile projection of rm_proj agrees with rm_lonlat_to_global_px. */
static void
test_tile_projection(void **state)
{
	rm_proj		p;
	double		x,
				y,
				gx,
				gy;

	(void) state;
	rm_proj_tile(&p, 12, 3260, 1695, 2);
	rm_proj_forward(&p, 106.55, 29.56, &x, &y);
	rm_lonlat_to_global_px(12, 2, 106.55, 29.56, &gx, &gy);
	assert_true(fabs(x - (gx - 3260 * 512.0)) < 1e-6 && fabs(y - (gy - 1695 * 512.0)) < 1e-6);
}

/* A page with a hatched undrilled zone drawn by the tile renderer: a PDF. */
static void
test_page(void **state)
{
	static const char style_json[] =
		"{\"name\":\"t\",\"font\":\"Noto Sans CJK SC\",\"layers\":["
		"{\"name\":\"u\",\"type\":\"undrilled\",\"color\":\"#7F0000\",\"spacing\":7,\"width\":1.2},"
		"{\"name\":\"s\",\"type\":\"sources\",\"size\":8,\"width\":1,\"halo\":\"#FFFFFF\"}]}";
	rm_style	st;
	char		err[256];
	const double box[4] = {106.0, 29.0, 107.0, 30.0};
	rm_sheet_layout lo;
	rm_sheet   *s;
	rm_render  *r;
	unsigned char *pdf,
				pt[21];			/* POINT(106.5 29.5), little-endian WKB */
	size_t		len;
	double		v;
	rm_sheet_row row = {"测试风险源", 1, 106.5, 29.5};
	rm_sheet_text tx = {"测试区风险图", "说明", "未演练（共 1 处）", "页脚"};
	rm_feature	f;
	int			i;

	(void) state;
	assert_int_equal(rm_style_parse(style_json, strlen(style_json), &st, err, sizeof err), 0);
	pt[0] = 1;
	pt[1] = 1;
	pt[2] = pt[3] = pt[4] = 0;
	v = 106.5;
	memcpy(pt + 5, &v, 8);
	v = 29.5;
	memcpy(pt + 13, &v, 8);
	assert_int_equal(rm_sheet_layout_make("A4", 0, box, &lo, err, sizeof err), 0);
	s = rm_sheet_new(&lo, st.font);
	assert_non_null(s);
	assert_int_equal(rm_sheet_page_begin(s, &lo), 0);
	r = rm_render_new_proj(&st, &lo.proj, rm_sheet_map_begin(s));
	assert_non_null(r);
	memset(&f, 0, sizeof f);
	f.wkb = pt;
	f.wkb_len = sizeof pt;
	f.radius_m = 3000;
	f.level = 1;
	f.key = "chemical";
	for (i = 0; i < st.nlayers; i++)
	{
		assert_int_equal(rm_render_begin(r, &st.layers[i]), 0);
		assert_int_equal(rm_render_feature(r, &st.layers[i], &f), 0);
		assert_int_equal(rm_render_end(r, &st.layers[i]), 0);
	}
	assert_false(rm_render_is_empty(r));
	{
		unsigned char *png;
		size_t		n;

		assert_int_equal(rm_render_png(r, &png, &n), -1);	/* vector renderer: no PNG */
	}
	rm_render_free(r);
	assert_int_equal(rm_sheet_map_end(s), 0);
	assert_int_equal(rm_sheet_decorate(s, &st, &tx, &row, 1), 0);
	assert_int_equal(rm_sheet_rows_shown(s), 1);
	assert_int_equal(rm_sheet_finish(s, &pdf, &len), 0);
	assert_true(len > 1000);
	assert_memory_equal(pdf, "%PDF-", 5);
	free(pdf);
	rm_sheet_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper),
		cmocka_unit_test(test_nice_length),
		cmocka_unit_test(test_layout_and_squares),
		cmocka_unit_test(test_tile_projection),
		cmocka_unit_test(test_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
