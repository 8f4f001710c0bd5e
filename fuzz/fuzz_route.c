/*
 * fuzz_route — the riskmap-tiles request parsers (server/rm_parse.c):
 * the request path (rm_route_parse) and, selected by the first byte, the
 * query values, NOTIFY payloads and If-None-Match headers it also parses.
 * A tile route must name a tile the core accepts (rm_tile_check) and a
 * static route a safe relative path.
 * Input: byte 0 = which parser (0..3 path, 4 double, 5 date, 6 code,
 * 7 notify, 8 etag; modulo 9), the rest = the bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rm_parse.h"
#include "rm_render.h"

static void
check_route(const struct rm_route *r)
{
	char		err[128];
	size_t		i, n;

	switch (r->kind)
	{
		case RM_ROUTE_TILE:
			/* in its matrix set (vector tiles are WebMercatorQuad's, no style) */
			if (rm_tms_tile_check(r->tms == RM_ROUTE_TMS_CGCS2000 ? RM_TMS_CGCS2000 : RM_TMS_WEBMERCATOR,
								  r->z, r->x, r->y, r->scale, err, sizeof err) != 0)
				__builtin_trap();
			if (r->tms == RM_ROUTE_TMS_MVT)
				break;
			/* fall through */
		case RM_ROUTE_TILEJSON:
			n = strnlen(r->style, sizeof r->style);
			if (n == 0 || n > RM_STYLE_MAX)
				__builtin_trap();
			for (i = 0; i < n; i++)
				if (!((r->style[i] >= 'a' && r->style[i] <= 'z') || (r->style[i] >= '0' && r->style[i] <= '9') ||
					  r->style[i] == '_' || r->style[i] == '-'))
					__builtin_trap();
			break;
		case RM_ROUTE_STATIC:
			n = strnlen(r->path, sizeof r->path);
			if (n == 0 || n > RM_STATIC_PATH_MAX || r->path[0] == '/' || r->path[0] == '.' ||
				strstr(r->path, "/.") || strstr(r->path, "//") || !rm_mime_type(r->path))
				__builtin_trap();
			break;
		case RM_ROUTE_NOT_FOUND:
		case RM_ROUTE_BAD_REQUEST:
			if (!r->reason)
				__builtin_trap();
			break;
		default:
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const styles[] = {"risk", "evacuation", "risk-dark"};
	struct rm_route r;
	struct rm_notify nt;
	char	   *s;
	double		d;
	int			sel;

	if (size < 1)
		return 0;
	sel = data[0] % 9;
	data++;
	size--;
	if (sel <= 3)
	{
		/* Exactly size bytes, not NUL-terminated: ASan catches any over-read. */
		char	   *p = malloc(size ? size : 1);

		if (!p)
			return 0;
		memcpy(p, data, size);
		rm_route_parse(p, size, &r);
		check_route(&r);
		free(p);
		return 0;
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	switch (sel)
	{
		case 4:
			if (rm_parse_double(s, -180, 180, &d) && !(d >= -180 && d <= 180))
				__builtin_trap();
			break;
		case 5:
			(void) rm_parse_date(s);
			break;
		case 6:
			(void) rm_valid_code(s);
			break;
		case 7:
			if (rm_parse_notify(s, styles, 3, &nt) && nt.has_box &&
				!(nt.minx <= nt.maxx && nt.miny <= nt.maxy))
				__builtin_trap();
			if (nt.has_box)
			{
				double		wx, wy;

				rm_lonlat_to_world(nt.minx, nt.miny, &wx, &wy);
			}
			break;
		case 8:
			{
				/* header = s up to the first '|', etag = the rest */
				char	   *bar = strchr(s, '|');

				if (bar)
				{
					*bar = '\0';
					(void) rm_etag_matches(s, bar + 1);
				}
				else
					(void) rm_etag_matches(s, "\"abc\"");
			}
			break;
	}
	free(s);
	return 0;
}
