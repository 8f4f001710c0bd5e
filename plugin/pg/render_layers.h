/*
 * render_layers.h — the renderer's layer queries and the style read, shared
 * by riskmap.tile (tile_fmgr.c) and riskmap.map_pdf (print_fmgr.c). Call
 * within SPI_connect().
 */
#ifndef RENDER_LAYERS_H
#define RENDER_LAYERS_H

#include "rm_render.h"
#include "rm_style.h"

/* Fetches the rows of layer l that can reach r's output and draws them
 * (begin, features, end). year: the undrilled layer's year. Returns the
 * row count; ERROR (naming who and the layer) when drawing fails. */
int			riskmap_draw_layer(rm_render *r, const rm_layer *l, int year, const char *who);

/* The style named style_name of riskmap.tile_style, parsed (palloc'd).
 * ERROR 22023 for an unknown or invalid style. */
rm_style   *riskmap_load_style(const char *style_name, const char *who);

#endif
