/*
 * rm_style.h — tile styles: parsing and validation of the style JSON
 * (styles/NAME.json, table riskmap.tile_style) with json-c.
 *
 * Plain C core: no postgres.h. A parsed style is a flat struct with fixed
 * arrays (no pointers inside), so it can be copied and freed with free().
 * Every error message names the JSON path of the offending value, e.g.
 *   layers[2].fill_by_level[1]: "#GG0000" is not a colour (#RGB, #RRGGBB or #RRGGBBAA)
 * See docs/tiles.md for the format.
 */
#ifndef RM_STYLE_H
#define RM_STYLE_H

#include <stddef.h>

#define RM_STYLE_MAX_LAYERS 32
#define RM_STYLE_MAX_SYMBOLS 16
#define RM_STYLE_MAX_PALETTE 16
#define RM_STYLE_NAME_LEN 64
#define RM_STYLE_FONT_LEN 128
#define RM_MAX_ZOOM 22

typedef struct rm_color
{
	double r, g, b, a;			/* 0..1, not premultiplied */
} rm_color;

typedef enum rm_layer_type
{
	RM_LAYER_DISTRICT_BORDERS,	/* district outlines (and optional fill) */
	RM_LAYER_DISTRICT_LABELS,	/* district names, Chinese, pango */
	RM_LAYER_IMPACT_ZONES,		/* sources buffered by impact_radius_m, fill by level */
	RM_LAYER_UNDRILLED,			/* undrilled high-risk zones, cross-hatched */
	RM_LAYER_SOURCES,			/* source symbols by category, coloured by level */
	RM_LAYER_SHELTERS,			/* shelter symbols by kind */
	RM_LAYER_CATCHMENTS,		/* evacuation catchments, coloured per shelter */
	RM_LAYER_UNSERVED,			/* population cells with unserved people */
	RM_LAYER_CLEARANCE_ZONES,	/* high-risk zones by clearance check: fill_by_level 1 fails, 2 no time promised, 3 meets */
	RM_LAYER_BOTTLENECKS,		/* road edges that limited an evacuation, stroked */
	RM_LAYER_NTYPES
} rm_layer_type;

typedef enum rm_shape
{
	RM_SHAPE_CIRCLE,
	RM_SHAPE_SQUARE,
	RM_SHAPE_TRIANGLE,
	RM_SHAPE_DIAMOND,
	RM_SHAPE_CROSS,
	RM_SHAPE_STAR,
	RM_SHAPE_HEXAGON,
	RM_SHAPE_NSHAPES
} rm_shape;

typedef struct rm_symbol
{
	char		key[RM_STYLE_NAME_LEN];	/* category / kind it applies to */
	rm_shape	shape;
	int			has_fill;
	rm_color	fill;				/* overrides the layer's fill when set */
} rm_symbol;

typedef struct rm_layer
{
	char		name[RM_STYLE_NAME_LEN];
	rm_layer_type type;
	int			minzoom, maxzoom;	/* drawn when minzoom <= z <= maxzoom */
	rm_color	color;				/* stroke / text / hatch colour */
	rm_color	fill;				/* fill colour (alpha 0 = none) */
	rm_color	halo;				/* label halo / symbol outline */
	double		width;				/* stroke width, px at scale 1 */
	double		size;				/* symbol size or font size, px at scale 1 */
	double		spacing;			/* hatch spacing, px at scale 1 */
	double		halo_width;			/* px at scale 1 */
	double		dash[4];
	int			ndash;
	int			max_level;			/* undrilled: levels <= max_level (default 2) */
	int			bold;				/* labels: bold weight */
	char		font[RM_STYLE_FONT_LEN];	/* family; "" = the style's font */
	rm_color	level_fill[4];		/* per risk level 1..4 */
	rm_color	level_stroke[4];
	int			nsymbols;
	rm_symbol	symbols[RM_STYLE_MAX_SYMBOLS];
	rm_shape	default_shape;
	int			npalette;
	rm_color	palette[RM_STYLE_MAX_PALETTE];
} rm_layer;

typedef struct rm_style
{
	char		font[RM_STYLE_FONT_LEN];	/* default font family */
	int			has_background;
	rm_color	background;
	int			nlayers;
	rm_layer	layers[RM_STYLE_MAX_LAYERS];
} rm_style;

/* Parses and validates a style. Returns 0 and fills *out, or -1 with a
 * message naming the JSON path in err. Never crashes on any bytes. */
int			rm_style_parse(const char *json, size_t len, rm_style *out, char *err, size_t errlen);

/* Parses "#RGB", "#RRGGBB" or "#RRGGBBAA". 0 on success, -1 otherwise. */
int			rm_color_parse(const char *s, rm_color *c);

const char *rm_layer_type_name(rm_layer_type t);

/* The symbol of a category/kind: its entry in symbols[] or the default. */
const rm_symbol *rm_layer_symbol(const rm_layer *l, const char *key);

#endif
