/*
 * fuzz_tile — tile parameters and features into the renderer (rm_render):
 * rm_tile_check on raw integers, the tile math (rm_tile_bounds,
 * rm_lonlat_to_global_px), and, for a valid tile, a render of the built-in
 * styles (styles/risk.json, styles/evacuation.json) with features whose
 * EWKB, radius, level, key and label come from the input, down to the PNG.
 *
 * Input: a 16-byte header
 *   [0..3] z  [4..7] x  [8..11] y  (int32, little endian)
 *   [12] scale  [13] flags: bit 0 = raw z/x/y/scale (else reduced into range),
 *        bit 1 = style evacuation (else risk)
 *   [14..15] reserved
 * then features: [layer u8][level u8][radius_code u8][wkb_len u16 LE][wkb]
 * (label text = "标签" + key byte), up to 16 features.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_render.h"
#include "rm_style.h"

#ifndef RISKMAP_SOURCE_DIR
#define RISKMAP_SOURCE_DIR "."
#endif

static rm_style *styles[2];

static rm_style *
load_style(const char *name)
{
	char		path[1024], err[256];
	FILE	   *f;
	char	   *buf;
	long		n;
	rm_style   *s;

	snprintf(path, sizeof path, "%s/styles/%s.json", RISKMAP_SOURCE_DIR, name);
	f = fopen(path, "rb");
	if (!f)
	{
		fprintf(stderr, "fuzz_tile: cannot open %s\n", path);
		abort();
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (!buf || fread(buf, 1, n, f) != (size_t) n)
		abort();
	fclose(f);
	s = malloc(sizeof *s);
	if (!s || rm_style_parse(buf, n, s, err, sizeof err))
	{
		fprintf(stderr, "fuzz_tile: %s: %s\n", path, err);
		abort();
	}
	free(buf);
	return s;
}

static void
fini(void)
{
	free(styles[0]);
	free(styles[1]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	styles[0] = load_style("risk");
	styles[1] = load_style("evacuation");
	atexit(fini);
	return 0;
}

static int32_t
rd32(const uint8_t *p)
{
	return (int32_t) ((uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24);
}

#define MAXF 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double radii[] = {0, 10, 500, 3000, 50000, 1e6, -5, NAN, INFINITY, 1e300};
	char		err[128];
	int			z, x, y, scale, flags, i, k, nf = 0;
	double		box[4], gx, gy;
	rm_style   *st;
	rm_render  *r;
	rm_feature	f[MAXF];
	int			flayer[MAXF];
	char		text[MAXF][16];
	size_t		pos = 16;
	unsigned char *png = NULL;
	size_t		len = 0;

	if (size < 16)
		return 0;
	z = rd32(data);
	x = rd32(data + 4);
	y = rd32(data + 8);
	scale = data[12];
	flags = data[13];
	if (!(flags & 1))
	{
		z = (int) ((uint32_t) z % (RM_MAX_ZOOM + 1));
		x = (int) ((uint32_t) x % (1u << z));
		y = (int) ((uint32_t) y % (1u << z));
		scale = 1 + scale % RM_MAX_SCALE;
	}
	st = styles[(flags >> 1) & 1];
	if (rm_tile_check(z, x, y, scale, err, sizeof err) != 0)
	{
		if (!err[0])
			__builtin_trap();
		if (rm_render_new(st, z, x, y, scale) != NULL)
			__builtin_trap();	/* the renderer must refuse what the check refuses */
		return 0;
	}
	rm_tile_bounds(z, x, y, scale, 64, box);
	if (!(box[0] <= box[2] && box[1] <= box[3]) || !isfinite(box[0]) || !isfinite(box[3]))
		__builtin_trap();
	rm_lonlat_to_global_px(z, scale, box[0], box[1], &gx, &gy);

	/* features */
	while (nf < MAXF && pos + 5 <= size)
	{
		size_t		wl = (size_t) data[pos + 3] | (size_t) data[pos + 4] << 8;

		flayer[nf] = data[pos];
		memset(&f[nf], 0, sizeof f[nf]);
		f[nf].level = data[pos + 1] % 6;	/* 0..5: out-of-range levels too */
		f[nf].radius_m = radii[data[pos + 2] % (sizeof radii / sizeof radii[0])];
		f[nf].key = (data[pos + 2] & 0x80) ? "chemical" : "shelter";
		f[nf].id = data[pos + 1];
		snprintf(text[nf], sizeof text[nf], "标签%u", data[pos]);
		f[nf].text = text[nf];
		pos += 5;
		if (wl > size - pos)
			wl = size - pos;
		f[nf].wkb = data + pos;
		f[nf].wkb_len = wl;
		pos += wl;
		/* label anchor: the tile's centre, nudged */
		f[nf].lon = (box[0] + box[2]) / 2 + (data[pos - 1 - (wl ? 0 : 0)] % 7) * 1e-4;
		f[nf].lat = (box[1] + box[3]) / 2;
		f[nf].priority = data[pos - 1];
		nf++;
	}

	r = rm_render_new(st, z, x, y, scale);
	if (!r)
		return 0;
	for (k = 0; k < st->nlayers; k++)
	{
		const rm_layer *l = &st->layers[k];

		if (!rm_render_layer_visible(r, l))
			continue;
		rm_render_query_bounds(r, l, box);
		if (rm_render_begin(r, l))
			goto done;
		for (i = 0; i < nf; i++)
			if (flayer[i] % st->nlayers == k && rm_render_feature(r, l, &f[i]))
			{
				if (!rm_render_error(r)[0])
					__builtin_trap();
			}
		if (rm_render_end(r, l))
			goto done;
	}
	if (rm_render_png(r, &png, &len) == 0)
	{
		if (!png || len < 8 || memcmp(png, "\x89PNG", 4) != 0)
			__builtin_trap();
		free(png);
	}
done:
	rm_render_free(r);
	return 0;
}
