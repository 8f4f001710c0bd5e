/*
 * fuzz_style — style JSON into rm_style_parse (riskmap.tile_style.spec,
 * styles/NAME.json). Input: the JSON text (not NUL-terminated: the parser gets
 * a length). A style that parses must satisfy the invariants the renderer
 * relies on (counts within the fixed arrays, strings terminated).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rm_style.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rm_style   *s = malloc(sizeof *s);
	char		err[256];
	int			i, k;

	if (!s)
		return 0;
	memset(err, 0x55, sizeof err);
	if (rm_style_parse((const char *) data, size, s, err, sizeof err) != 0)
	{
		if (!memchr(err, '\0', sizeof err) || err[0] == '\0')
			__builtin_trap();
		free(s);
		return 0;
	}
	if (s->nlayers < 0 || s->nlayers > RM_STYLE_MAX_LAYERS || !memchr(s->font, '\0', sizeof s->font))
		__builtin_trap();
	for (i = 0; i < s->nlayers; i++)
	{
		const rm_layer *l = &s->layers[i];

		if (l->type < 0 || l->type >= RM_LAYER_NTYPES || l->nsymbols < 0 ||
			l->nsymbols > RM_STYLE_MAX_SYMBOLS || l->npalette < 0 ||
			l->npalette > RM_STYLE_MAX_PALETTE || l->ndash < 0 || l->ndash > 4 ||
			!memchr(l->name, '\0', sizeof l->name) || !memchr(l->font, '\0', sizeof l->font))
			__builtin_trap();
		(void) rm_layer_type_name(l->type);
		for (k = 0; k < l->nsymbols; k++)
			if (!memchr(l->symbols[k].key, '\0', sizeof l->symbols[k].key) ||
				l->symbols[k].shape < 0 || l->symbols[k].shape >= RM_SHAPE_NSHAPES)
				__builtin_trap();
		(void) rm_layer_symbol(l, "chemical");
	}
	free(s);
	return 0;
}
