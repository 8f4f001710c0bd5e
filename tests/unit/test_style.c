/*
 * test_style.c — style JSON parsing and validation (plugin/core/rm_style.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_style.h"

static char *
read_style(const char *name)
{
	char		path[1024];
	const char *f = __FILE__;	/* .../tests/unit/test_style.c */
	const char *end = strstr(f, "tests/unit/");
	FILE	   *fp;
	long		n;
	char	   *buf;

	snprintf(path, sizeof path, "%.*sstyles/%s.json", end ? (int) (end - f) : 0, f, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(n + 1);
	assert_int_equal(fread(buf, 1, n, fp), (size_t) n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
test_shipped_styles(void **state)
{
	const char *names[] = {"risk", "evacuation"};
	int			i;

	for (i = 0; i < 2; i++)
	{
		char	   *js = read_style(names[i]);
		rm_style   *s = malloc(sizeof *s);
		char		err[512];

		assert_int_equal(rm_style_parse(js, strlen(js), s, err, sizeof err), 0);
		assert_true(s->nlayers >= 4);
		assert_string_equal(s->font, "Noto Sans CJK SC");
		free(s);
		free(js);
	}
	{
		char	   *js = read_style("risk");
		rm_style   *s = malloc(sizeof *s);
		char		err[512];
		int			k,
					found = 0;

		assert_int_equal(rm_style_parse(js, strlen(js), s, err, sizeof err), 0);
		for (k = 0; k < s->nlayers; k++)
			if (s->layers[k].type == RM_LAYER_UNDRILLED)
			{
				found = 1;
				/* the hatch colour the tests look for */
				assert_true(s->layers[k].color.r == 0x7F / 255.0 && s->layers[k].color.g == 0 &&
							s->layers[k].color.b == 0 && s->layers[k].color.a == 1.0);
				assert_int_equal(s->layers[k].max_level, 2);
			}
		assert_true(found);
		assert_int_equal(rm_layer_symbol(&s->layers[3], "chemical")->shape, RM_SHAPE_DIAMOND);
		assert_int_equal(rm_layer_symbol(&s->layers[3], "unknown")->shape, RM_SHAPE_CIRCLE);
		free(s);
		free(js);
	}
}

static void
test_colors(void **state)
{
	rm_color	c;

	assert_int_equal(rm_color_parse("#7F0000", &c), 0);
	assert_true(c.r == 127 / 255.0 && c.g == 0 && c.b == 0 && c.a == 1);
	assert_int_equal(rm_color_parse("#fff", &c), 0);
	assert_true(c.r == 1 && c.g == 1 && c.b == 1);
	assert_int_equal(rm_color_parse("#00000080", &c), 0);
	assert_true(c.a > 0.5 && c.a < 0.51);
	assert_int_equal(rm_color_parse("red", &c), -1);
	assert_int_equal(rm_color_parse("#12345", &c), -1);
	assert_int_equal(rm_color_parse("#GG0000", &c), -1);
	assert_int_equal(rm_color_parse("", &c), -1);
	assert_int_equal(rm_color_parse(NULL, &c), -1);
}

static void
expect_error(const char *js, const char *msg)
{
	rm_style   *s = malloc(sizeof *s);
	char		err[512];

	assert_int_equal(rm_style_parse(js, strlen(js), s, err, sizeof err), -1);
	if (!strstr(err, msg))
		fail_msg("for %s: expected \"%s\" in \"%s\"", js, msg, err);
	free(s);
}

static void
test_errors_name_the_path(void **state)
{
	expect_error("", "not valid JSON");
	expect_error("{\"layers\": [", "not valid JSON");
	expect_error("{\"layers\": []} x", "trailing");
	expect_error("42", "must be a JSON object");
	expect_error("{\"layers\": 1}", "layers: 1 is not an array");
	expect_error("{\"layers\": [{\"type\": \"sources\", \"size\": 0}]}", "layers[0].size: 0 is out of range");
	expect_error("{\"layers\": [{\"type\": \"sources\"}, {\"type\": \"impact_zones\", \"stroke_by_level\": [\"#000\", \"#000\", \"#000\", 5]}]}",
				 "layers[1].stroke_by_level[3]: 5 is not a colour");
	expect_error("{\"layers\": [{\"type\": \"shelters\", \"symbols\": {\"hospital\": {\"shape\": \"blob\"}}}]}",
				 "layers[0].symbols.hospital.shape: \"blob\" is not a shape");
	expect_error("{\"layers\": [{\"type\": \"shelters\", \"symbols\": {\"hospital\": {\"colour\": \"#fff\"}}}]}",
				 "layers[0].symbols.hospital: unknown key \"colour\"");
	expect_error("{\"layers\": [{\"type\": \"undrilled\", \"max_level\": 5}]}", "layers[0].max_level: 5 is out of range (1 to 4)");
	expect_error("{\"layers\": [{\"type\": \"district_borders\", \"dash\": [0, 0]}]}", "layers[0].dash: lengths must not all be 0");
	expect_error("{\"font\": 3, \"layers\": []}", "font: 3 is not a string");
	expect_error("{\"layers\": [{\"type\": \"district_borders\", \"name\": \"\"}]}", "layers[0].name: must not be empty");
}

static void
test_too_many_layers(void **state)
{
	char		js[8192];
	int			i,
				n = 0;

	n += snprintf(js + n, sizeof js - n, "{\"layers\": [");
	for (i = 0; i < RM_STYLE_MAX_LAYERS + 1; i++)
		n += snprintf(js + n, sizeof js - n, "%s{\"type\": \"district_borders\"}", i ? "," : "");
	snprintf(js + n, sizeof js - n, "]}");
	expect_error(js, "layers: has 33 layers (at most 32)");
}

/* Garbage never crashes: random bytes and random mutations of a valid style. */
static void
test_garbage(void **state)
{
	char	   *js = read_style("risk");
	size_t		len = strlen(js);
	rm_style   *s = malloc(sizeof *s);
	char		err[512];
	char	   *buf = malloc(len + 1);
	unsigned	seed = 12345;
	int			i,
				k;

	for (i = 0; i < 2000; i++)
	{
		memcpy(buf, js, len + 1);
		for (k = 0; k < 1 + i % 8; k++)
		{
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char) (seed >> 20);
		}
		(void) rm_style_parse(buf, len, s, err, sizeof err);
	}
	for (i = 0; i < 500; i++)
	{
		size_t		n = i % 64;

		for (k = 0; k < (int) n; k++)
		{
			seed = seed * 1103515245u + 12345u;
			buf[k] = (char) (seed >> 16);
		}
		assert_int_equal(rm_style_parse(buf, n, s, err, sizeof err), -1);
	}
	assert_int_equal(rm_style_parse(NULL, 0, s, err, sizeof err), -1);
	assert_int_equal(rm_style_parse(js, len, s, NULL, 0), 0);
	free(buf);
	free(s);
	free(js);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_styles),
		cmocka_unit_test(test_colors),
		cmocka_unit_test(test_errors_name_the_path),
		cmocka_unit_test(test_too_many_layers),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
