/*
 * rm_style.c — parsing and validation of tile styles (see rm_style.h).
 */
#include "rm_style.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <math.h>

static const char *const layer_type_names[RM_LAYER_NTYPES] = {
	"district_borders", "district_labels", "impact_zones", "undrilled",
	"sources", "shelters", "catchments", "unserved", "clearance_zones", "bottlenecks"
};

static const char *const shape_names[RM_SHAPE_NSHAPES] = {
	"circle", "square", "triangle", "diamond", "cross", "star", "hexagon"
};

const char *
rm_layer_type_name(rm_layer_type t)
{
	return (t >= 0 && t < RM_LAYER_NTYPES) ? layer_type_names[t] : "?";
}

const rm_symbol *
rm_layer_symbol(const rm_layer *l, const char *key)
{
	static const rm_symbol fallback[RM_SHAPE_NSHAPES] = {
		{"*", RM_SHAPE_CIRCLE, 0, {0, 0, 0, 0}},
		{"*", RM_SHAPE_SQUARE, 0, {0, 0, 0, 0}},
		{"*", RM_SHAPE_TRIANGLE, 0, {0, 0, 0, 0}},
		{"*", RM_SHAPE_DIAMOND, 0, {0, 0, 0, 0}},
		{"*", RM_SHAPE_CROSS, 0, {0, 0, 0, 0}},
		{"*", RM_SHAPE_STAR, 0, {0, 0, 0, 0}},
		{"*", RM_SHAPE_HEXAGON, 0, {0, 0, 0, 0}},
	};
	int			i;

	if (key)
		for (i = 0; i < l->nsymbols; i++)
			if (strcmp(l->symbols[i].key, key) == 0)
				return &l->symbols[i];
	if (l->default_shape < 0 || l->default_shape >= RM_SHAPE_NSHAPES)
		return &fallback[0];
	return &fallback[l->default_shape];
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
rm_color_parse(const char *s, rm_color *c)
{
	size_t		n,
				i;
	int			v[8];

	if (!s || s[0] != '#')
		return -1;
	n = strlen(s + 1);
	if (n != 3 && n != 6 && n != 8)
		return -1;
	for (i = 0; i < n; i++)
		if ((v[i] = hexval(s[1 + i])) < 0)
			return -1;
	if (n == 3)
	{
		c->r = v[0] * 17 / 255.0;
		c->g = v[1] * 17 / 255.0;
		c->b = v[2] * 17 / 255.0;
		c->a = 1.0;
	}
	else
	{
		c->r = (v[0] * 16 + v[1]) / 255.0;
		c->g = (v[2] * 16 + v[3]) / 255.0;
		c->b = (v[4] * 16 + v[5]) / 255.0;
		c->a = n == 8 ? (v[6] * 16 + v[7]) / 255.0 : 1.0;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */

typedef struct perr
{
	char	   *buf;
	size_t		len;
} perr;

static int
fail(perr *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(perr *e, const char *path, const char *fmt, ...)
{
	va_list		ap;
	int			n = 0;

	if (!e->buf || e->len == 0)
		return -1;
	if (path && path[0])
		n = snprintf(e->buf, e->len, "%s: ", path);
	if (n < 0 || (size_t) n >= e->len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->buf + n, e->len - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A short printable rendering of a JSON value for messages. */
static const char *
show(json_object *v, char *buf, size_t n)
{
	const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	size_t		l;

	if (!s)
		s = "null";
	l = strlen(s);
	if (l < n)
		memcpy(buf, s, l + 1);
	else
	{
		memcpy(buf, s, n - 4);
		strcpy(buf + n - 4, "...");
	}
	return buf;
}

static int
get_color(perr *e, const char *path, json_object *v, rm_color *out)
{
	char		b[64];

	if (!json_object_is_type(v, json_type_string) ||
		rm_color_parse(json_object_get_string(v), out) != 0)
		return fail(e, path, "%s is not a colour (#RGB, #RRGGBB or #RRGGBBAA)", show(v, b, sizeof b));
	return 0;
}

static int
get_number(perr *e, const char *path, json_object *v, double lo, double hi, double *out)
{
	char		b[64];
	double		d;

	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return fail(e, path, "%s is not a number", show(v, b, sizeof b));
	d = json_object_get_double(v);
	if (!isfinite(d) || d < lo || d > hi)
		return fail(e, path, "%s is out of range (%g to %g)", show(v, b, sizeof b), lo, hi);
	*out = d;
	return 0;
}

static int
get_int(perr *e, const char *path, json_object *v, int lo, int hi, int *out)
{
	char		b[64];
	double		d;

	if (!json_object_is_type(v, json_type_int) &&
		!(json_object_is_type(v, json_type_double) && floor(json_object_get_double(v)) == json_object_get_double(v)))
		return fail(e, path, "%s is not an integer", show(v, b, sizeof b));
	d = json_object_get_double(v);
	if (!(d >= lo && d <= hi))
		return fail(e, path, "%s is out of range (%d to %d)", show(v, b, sizeof b), lo, hi);
	*out = (int) d;
	return 0;
}

static int
get_string(perr *e, const char *path, json_object *v, char *out, size_t n, int allow_empty)
{
	char		b[64];
	const char *s;
	size_t		l;

	if (!json_object_is_type(v, json_type_string))
		return fail(e, path, "%s is not a string", show(v, b, sizeof b));
	s = json_object_get_string(v);
	l = (size_t) json_object_get_string_len(v);
	if (l >= n)
		return fail(e, path, "is longer than %zu bytes", n - 1);
	if (!allow_empty && l == 0)
		return fail(e, path, "must not be empty");
	if (memchr(s, '\0', l))
		return fail(e, path, "contains a NUL character");
	memcpy(out, s, l);
	out[l] = '\0';
	return 0;
}

static int
get_shape(perr *e, const char *path, json_object *v, rm_shape *out)
{
	char		b[64];
	int			i;

	if (json_object_is_type(v, json_type_string))
		for (i = 0; i < RM_SHAPE_NSHAPES; i++)
			if (strcmp(json_object_get_string(v), shape_names[i]) == 0)
			{
				*out = (rm_shape) i;
				return 0;
			}
	return fail(e, path, "%s is not a shape (circle, square, triangle, diamond, cross, star, hexagon)",
				show(v, b, sizeof b));
}

static int
get_color_array(perr *e, const char *path, json_object *v, rm_color *out, int min, int max, int *count)
{
	char		b[64],
				p[600];
	size_t		n,
				i;

	if (!json_object_is_type(v, json_type_array))
		return fail(e, path, "%s is not an array", show(v, b, sizeof b));
	n = json_object_array_length(v);
	if ((int) n < min || (int) n > max)
	{
		if (min == max)
			return fail(e, path, "must have exactly %d colours (got %zu)", min, n);
		return fail(e, path, "must have %d to %d colours (got %zu)", min, max, n);
	}
	for (i = 0; i < n; i++)
	{
		snprintf(p, sizeof p, "%s[%zu]", path, i);
		if (get_color(e, p, json_object_array_get_idx(v, i), &out[i]))
			return -1;
	}
	if (count)
		*count = (int) n;
	return 0;
}

static void
layer_defaults(rm_layer *l)
{
	static const char *const lf[4] = {"#E6000066", "#FF8C0066", "#FFD70066", "#1E64FF4D"};
	static const char *const ls[4] = {"#C00000", "#E07000", "#C8A000", "#1E50C8"};
	int			i;

	memset(l, 0, sizeof *l);
	l->minzoom = 0;
	l->maxzoom = RM_MAX_ZOOM;
	rm_color_parse("#000000", &l->color);
	rm_color_parse("#00000000", &l->fill);
	rm_color_parse("#FFFFFFCC", &l->halo);
	l->width = 1.0;
	l->size = 8.0;
	l->spacing = 8.0;
	l->halo_width = 2.0;
	l->max_level = 2;
	l->default_shape = RM_SHAPE_CIRCLE;
	for (i = 0; i < 4; i++)
	{
		rm_color_parse(lf[i], &l->level_fill[i]);
		rm_color_parse(ls[i], &l->level_stroke[i]);
	}
}

static int
parse_symbols(perr *e, const char *path, json_object *v, rm_layer *l)
{
	char		b[64],
				p[1400];

	if (!json_object_is_type(v, json_type_object))
		return fail(e, path, "%s is not an object", show(v, b, sizeof b));
	l->nsymbols = 0;
	json_object_object_foreach(v, key, val)
	{
		rm_symbol  *s;

		snprintf(p, sizeof p, "%s.%s", path, key);
		if (l->nsymbols >= RM_STYLE_MAX_SYMBOLS)
			return fail(e, path, "has more than %d entries", RM_STYLE_MAX_SYMBOLS);
		if (strlen(key) == 0 || strlen(key) >= RM_STYLE_NAME_LEN)
			return fail(e, p, "key must have 1 to %d bytes", RM_STYLE_NAME_LEN - 1);
		s = &l->symbols[l->nsymbols];
		memset(s, 0, sizeof *s);
		strcpy(s->key, key);
		if (json_object_is_type(val, json_type_string))
		{
			if (get_shape(e, p, val, &s->shape))
				return -1;
		}
		else if (json_object_is_type(val, json_type_object))
		{
			json_object *sh = NULL,
					   *fi = NULL;

			json_object_object_foreach(val, k2, v2)
			{
				(void) v2;
				if (strcmp(k2, "shape") != 0 && strcmp(k2, "fill") != 0)
					return fail(e, p, "unknown key \"%s\" (shape, fill)", k2);
			}
			if (!json_object_object_get_ex(val, "shape", &sh))
				return fail(e, p, "needs a \"shape\"");
			snprintf(p, sizeof p, "%s.%s.shape", path, key);
			if (get_shape(e, p, sh, &s->shape))
				return -1;
			if (json_object_object_get_ex(val, "fill", &fi))
			{
				snprintf(p, sizeof p, "%s.%s.fill", path, key);
				if (get_color(e, p, fi, &s->fill))
					return -1;
				s->has_fill = 1;
			}
		}
		else
			return fail(e, p, "%s is neither a shape name nor an object", show(val, b, sizeof b));
		l->nsymbols++;
	}
	return 0;
}

static int
parse_layer(perr *e, int idx, json_object *o, rm_layer *l)
{
	char		path[64],
				p[600],
				b[64];
	json_object *t;
	int			i,
				have_name = 0;

	snprintf(path, sizeof path, "layers[%d]", idx);
	layer_defaults(l);
	if (!json_object_is_type(o, json_type_object))
		return fail(e, path, "%s is not an object", show(o, b, sizeof b));
	if (!json_object_object_get_ex(o, "type", &t))
		return fail(e, path, "needs a \"type\" (district_borders, district_labels, impact_zones, undrilled, sources, shelters, catchments, unserved)");
	snprintf(p, sizeof p, "%s.type", path);
	for (i = 0; i < RM_LAYER_NTYPES; i++)
		if (json_object_is_type(t, json_type_string) && strcmp(json_object_get_string(t), layer_type_names[i]) == 0)
			break;
	if (i == RM_LAYER_NTYPES)
		return fail(e, p, "%s is not a layer type (district_borders, district_labels, impact_zones, undrilled, sources, shelters, catchments, unserved)",
					show(t, b, sizeof b));
	l->type = (rm_layer_type) i;
	if (l->type == RM_LAYER_DISTRICT_LABELS)
	{
		rm_color_parse("#222222", &l->color);
		l->size = 13;
	}
	if (l->type == RM_LAYER_UNDRILLED)
	{
		rm_color_parse("#7F0000", &l->color);
		l->width = 1.5;
	}

	json_object_object_foreach(o, key, v)
	{
		int			r = 0;

		snprintf(p, sizeof p, "%s.%s", path, key);
		if (strcmp(key, "type") == 0)
			continue;
		else if (strcmp(key, "name") == 0)
		{
			r = get_string(e, p, v, l->name, sizeof l->name, 0);
			have_name = 1;
		}
		else if (strcmp(key, "comment") == 0)
			continue;
		else if (strcmp(key, "minzoom") == 0)
			r = get_int(e, p, v, 0, RM_MAX_ZOOM, &l->minzoom);
		else if (strcmp(key, "maxzoom") == 0)
			r = get_int(e, p, v, 0, RM_MAX_ZOOM, &l->maxzoom);
		else if (strcmp(key, "color") == 0)
			r = get_color(e, p, v, &l->color);
		else if (strcmp(key, "fill") == 0)
			r = get_color(e, p, v, &l->fill);
		else if (strcmp(key, "halo") == 0)
			r = get_color(e, p, v, &l->halo);
		else if (strcmp(key, "width") == 0)
			r = get_number(e, p, v, 0, 32, &l->width);
		else if (strcmp(key, "size") == 0)
			r = get_number(e, p, v, 1, 48, &l->size);
		else if (strcmp(key, "spacing") == 0)
			r = get_number(e, p, v, 3, 64, &l->spacing);
		else if (strcmp(key, "halo_width") == 0)
			r = get_number(e, p, v, 0, 16, &l->halo_width);
		else if (strcmp(key, "max_level") == 0)
			r = get_int(e, p, v, 1, 4, &l->max_level);
		else if (strcmp(key, "bold") == 0)
		{
			if (!json_object_is_type(v, json_type_boolean))
				r = fail(e, p, "%s is not true or false", show(v, b, sizeof b));
			else
				l->bold = json_object_get_boolean(v);
		}
		else if (strcmp(key, "font") == 0)
			r = get_string(e, p, v, l->font, sizeof l->font, 0);
		else if (strcmp(key, "dash") == 0)
		{
			size_t		n,
						j;

			if (!json_object_is_type(v, json_type_array))
				r = fail(e, p, "%s is not an array", show(v, b, sizeof b));
			else if ((n = json_object_array_length(v)) > 4 || n == 1)
				r = fail(e, p, "must have 0, 2, 3 or 4 lengths (got %zu)", n);
			else
			{
				double		sum = 0;

				for (j = 0; j < n && r == 0; j++)
				{
					char		pj[700];

					snprintf(pj, sizeof pj, "%s[%zu]", p, j);
					r = get_number(e, pj, json_object_array_get_idx(v, j), 0, 256, &l->dash[j]);
					sum += l->dash[j];
				}
				if (r == 0 && n > 0 && sum <= 0)
					r = fail(e, p, "lengths must not all be 0");
				l->ndash = (int) n;
			}
		}
		else if (strcmp(key, "fill_by_level") == 0)
			r = get_color_array(e, p, v, l->level_fill, 4, 4, NULL);
		else if (strcmp(key, "stroke_by_level") == 0)
			r = get_color_array(e, p, v, l->level_stroke, 4, 4, NULL);
		else if (strcmp(key, "palette") == 0)
			r = get_color_array(e, p, v, l->palette, 1, RM_STYLE_MAX_PALETTE, &l->npalette);
		else if (strcmp(key, "symbols") == 0)
			r = parse_symbols(e, p, v, l);
		else if (strcmp(key, "default_shape") == 0)
			r = get_shape(e, p, v, &l->default_shape);
		else
			r = fail(e, path, "unknown key \"%s\"", key);
		if (r)
			return -1;
	}
	if (!have_name)
		snprintf(l->name, sizeof l->name, "%s", layer_type_names[l->type]);
	if (l->minzoom > l->maxzoom)
		return fail(e, path, "minzoom %d is greater than maxzoom %d", l->minzoom, l->maxzoom);
	if ((l->type == RM_LAYER_CATCHMENTS) && l->npalette == 0)
		return fail(e, path, "a catchments layer needs a \"palette\"");
	return 0;
}

int
rm_style_parse(const char *json, size_t len, rm_style *out, char *err, size_t errlen)
{
	perr		e = {err, errlen};
	json_tokener *tok;
	char	   *copy;
	json_object *root = NULL,
			   *layers = NULL;
	char		b[64];
	int			rc = -1;
	size_t		n,
				i;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return fail(&e, "", "no output");
	memset(out, 0, sizeof *out);
	strcpy(out->font, "Noto Sans CJK SC");
	if (!json)
		return fail(&e, "", "the style is NULL");
	if (len > 1024 * 1024)
		return fail(&e, "", "the style is larger than 1 MB");
	if (memchr(json, '\0', len))
		return fail(&e, "", "the style contains a NUL byte");
	/* A NUL-terminated copy, parsed with its NUL: the end of the input ends
	 * a trailing number too. */
	copy = malloc(len + 1);
	if (!copy)
		return fail(&e, "", "out of memory");
	memcpy(copy, json, len);
	copy[len] = '\0';
	tok = json_tokener_new();
	if (!tok)
	{
		free(copy);
		return fail(&e, "", "out of memory");
	}
	root = json_tokener_parse_ex(tok, copy, (int) len + 1);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
		json_tokener_get_parse_end(tok) < len)
	{
		enum json_tokener_error je = json_tokener_get_error(tok);

		if (root && je == json_tokener_success)
			fail(&e, "", "trailing characters after the JSON value at offset %zu",
				 json_tokener_get_parse_end(tok));
		else
			fail(&e, "", "not valid JSON: %s", je == json_tokener_continue ? "unexpected end of input"
				 : json_tokener_error_desc(je));
		goto done;
	}
	if (!json_object_is_type(root, json_type_object))
	{
		fail(&e, "", "the style must be a JSON object, not %s", show(root, b, sizeof b));
		goto done;
	}
	{
		json_object_object_foreach(root, key, v)
		{
			if (strcmp(key, "layers") == 0)
				layers = v;
			else if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0)
			{
				if (!json_object_is_type(v, json_type_string))
				{
					fail(&e, key, "%s is not a string", show(v, b, sizeof b));
					goto done;
				}
			}
			else if (strcmp(key, "font") == 0)
			{
				if (get_string(&e, "font", v, out->font, sizeof out->font, 0))
					goto done;
			}
			else if (strcmp(key, "background") == 0)
			{
				if (get_color(&e, "background", v, &out->background))
					goto done;
				out->has_background = 1;
			}
			else
			{
				fail(&e, "", "unknown key \"%s\" (name, description, font, background, layers)", key);
				goto done;
			}
		}
	}
	if (!layers)
	{
		fail(&e, "layers", "is missing");
		goto done;
	}
	if (!json_object_is_type(layers, json_type_array))
	{
		fail(&e, "layers", "%s is not an array", show(layers, b, sizeof b));
		goto done;
	}
	n = json_object_array_length(layers);
	if (n > RM_STYLE_MAX_LAYERS)
	{
		fail(&e, "layers", "has %zu layers (at most %d)", n, RM_STYLE_MAX_LAYERS);
		goto done;
	}
	for (i = 0; i < n; i++)
		if (parse_layer(&e, (int) i, json_object_array_get_idx(layers, i), &out->layers[i]))
			goto done;
	out->nlayers = (int) n;
	rc = 0;
done:
	if (root)
		json_object_put(root);
	json_tokener_free(tok);
	free(copy);
	return rc;
}
