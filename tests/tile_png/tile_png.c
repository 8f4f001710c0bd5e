/*
 * tile_png — decodes a PNG with cairo and answers pixel questions, for the
 * tile tests. The PNG comes on stdin, as raw bytes or as hex text (psql's
 * bytea output "\x89504e47..." or encode(..., 'hex')); whitespace is ignored.
 *
 *   tile_png QUESTION...
 *     size                       prints "size WxH"
 *     has RRGGBBAA X0 Y0 X1 Y1   "has #RRGGBBAA: yes|no": some pixel of the box
 *                                [X0,X1) x [Y0,Y1) (clamped) has that exact colour
 *     count RRGGBBAA X0 Y0 X1 Y1 "count #RRGGBBAA: N"
 *     opaque X0 Y0 X1 Y1         "opaque: yes|no": some pixel with alpha > 0
 *     blank                      "blank: yes|no": every pixel fully transparent
 *     save FILE                  writes the PNG to FILE, prints nothing
 * Exit status 2 when the input is not a PNG cairo can decode.
 */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct input
{
	unsigned char *data;
	size_t		len,
				pos;
} input;

static cairo_status_t
read_cb(void *closure, unsigned char *data, unsigned int length)
{
	input	   *in = closure;

	if (in->pos + length > in->len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, in->data + in->pos, length);
	in->pos += length;
	return CAIRO_STATUS_SUCCESS;
}

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unpremultiplied RGBA of a pixel. */
static void
pixel(const unsigned char *d, int stride, int x, int y, unsigned rgba[4])
{
	uint32_t	p = *(const uint32_t *) (d + (size_t) y * stride + 4 * (size_t) x);
	unsigned	a = p >> 24;

	rgba[3] = a;
	if (a == 0)
	{
		rgba[0] = rgba[1] = rgba[2] = 0;
		return;
	}
	rgba[0] = (((p >> 16) & 0xFF) * 255 + a / 2) / a;
	rgba[1] = (((p >> 8) & 0xFF) * 255 + a / 2) / a;
	rgba[2] = ((p & 0xFF) * 255 + a / 2) / a;
}

static void
box(char **argv, int w, int h, int b[4])
{
	int			i;

	for (i = 0; i < 4; i++)
		b[i] = atoi(argv[i]);
	if (b[0] < 0)
		b[0] = 0;
	if (b[1] < 0)
		b[1] = 0;
	if (b[2] > w)
		b[2] = w;
	if (b[3] > h)
		b[3] = h;
}

int
main(int argc, char **argv)
{
	input		in = {NULL, 0, 0};
	size_t		cap = 1 << 16,
				n = 0;
	int			c,
				i,
				w,
				h,
				stride;
	cairo_surface_t *s;
	const unsigned char *d;

	in.data = malloc(cap);
	while ((c = getchar()) != EOF)
	{
		if (n == cap)
			in.data = realloc(in.data, cap *= 2);
		in.data[n++] = (unsigned char) c;
	}
	in.len = n;
	if (!(n >= 8 && memcmp(in.data, "\x89PNG", 4) == 0))
	{
		/* hex text */
		size_t		k = 0,
					j = 0;
		int			hi = -1;

		while (j < n && (in.data[j] == ' ' || in.data[j] == '\n' || in.data[j] == '\r' || in.data[j] == '\t'))
			j++;
		if (j + 1 < n && in.data[j] == '\\' && in.data[j + 1] == 'x')
			j += 2;
		for (; j < n; j++)
		{
			int			v = hexv(in.data[j]);

			if (v < 0)
				continue;
			if (hi < 0)
				hi = v;
			else
			{
				in.data[k++] = (unsigned char) (hi * 16 + v);
				hi = -1;
			}
		}
		in.len = k;
	}
	s = cairo_image_surface_create_from_png_stream(read_cb, &in);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
	{
		printf("not a PNG: %s\n", cairo_status_to_string(cairo_surface_status(s)));
		return 2;
	}
	w = cairo_image_surface_get_width(s);
	h = cairo_image_surface_get_height(s);
	stride = cairo_image_surface_get_stride(s);
	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	if (cairo_image_surface_get_format(s) == CAIRO_FORMAT_RGB24)
	{
		/* no alpha channel in the file: opaque */
		for (i = 0; i < h; i++)
		{
			uint32_t   *row = (uint32_t *) (cairo_image_surface_get_data(s) + (size_t) i * stride);
			int			j;

			for (j = 0; j < w; j++)
				row[j] |= 0xFF000000u;
		}
	}
	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "size") == 0)
			printf("size %dx%d\n", w, h);
		else if ((strcmp(argv[i], "has") == 0 || strcmp(argv[i], "count") == 0) && i + 5 < argc)
		{
			unsigned long want = strtoul(argv[i + 1], NULL, 16);
			unsigned	rgba[4];
			int			b[4],
						x,
						y;
			long		cnt = 0;

			box(argv + i + 2, w, h, b);
			for (y = b[1]; y < b[3]; y++)
				for (x = b[0]; x < b[2]; x++)
				{
					pixel(d, stride, x, y, rgba);
					if (((unsigned long) rgba[0] << 24 | rgba[1] << 16 | rgba[2] << 8 | rgba[3]) == want)
						cnt++;
				}
			if (argv[i][0] == 'h')
				printf("has #%08lX: %s\n", want, cnt > 0 ? "yes" : "no");
			else
				printf("count #%08lX: %ld\n", want, cnt);
			i += 5;
		}
		else if (strcmp(argv[i], "opaque") == 0 && i + 4 < argc)
		{
			unsigned	rgba[4];
			int			b[4],
						x,
						y,
						found = 0;

			box(argv + i + 1, w, h, b);
			for (y = b[1]; y < b[3] && !found; y++)
				for (x = b[0]; x < b[2] && !found; x++)
				{
					pixel(d, stride, x, y, rgba);
					found = rgba[3] > 0;
				}
			printf("opaque: %s\n", found ? "yes" : "no");
			i += 4;
		}
		else if (strcmp(argv[i], "blank") == 0)
		{
			unsigned	rgba[4];
			int			x,
						y,
						blank = 1;

			for (y = 0; y < h && blank; y++)
				for (x = 0; x < w && blank; x++)
				{
					pixel(d, stride, x, y, rgba);
					blank = rgba[3] == 0;
				}
			printf("blank: %s\n", blank ? "yes" : "no");
		}
		else if (strcmp(argv[i], "save") == 0 && i + 1 < argc)
		{
			FILE	   *f = fopen(argv[++i], "wb");

			if (!f || fwrite(in.data, 1, in.len, f) != in.len)
			{
				fprintf(stderr, "cannot write %s\n", argv[i]);
				return 1;
			}
			fclose(f);
		}
		else
		{
			fprintf(stderr, "tile_png: bad question at '%s'\n", argv[i]);
			return 1;
		}
	}
	fflush(stdout);
	cairo_surface_destroy(s);
	free(in.data);
	return 0;
}
