/*
 * rm_plan_content.c — the plan content checker; see rm_plan_content.h and
 * docs/plan_content.md for the shape.
 *
 * The document is parsed by json-c; the checker then walks the parsed tree
 * along the known shape only (unknown keys are reported, not descended), so
 * its own recursion is bounded by the shape, and json-c's by
 * RM_PLAN_CONTENT_MAX_DEPTH.
 */
#include "rm_plan_content.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

typedef struct checker
{
	rm_problems *out;
	char	   *path;			/* current path, NUL-terminated */
	size_t		path_len;
	size_t		path_cap;
	bool		oom;
	/* state of the steps array being checked */
	bool		have_prev_order;
	int64_t		prev_order;
	/* kind of the resource being checked, when it is valid */
	const char *resource_kind;
} checker;

/* ---------------------------------------------------------------- output */

static char *
xstrdup(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static void
problem(checker *c, const char *fmt,...)
{
	rm_problems *out = c->out;
	char		buf[512];
	va_list		ap;
	char	   *path,
			   *msg;

	if (c->oom)
		return;
	if (out->count >= RM_PLAN_CONTENT_MAX_PROBLEMS)
	{
		out->omitted++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);

	if (out->count == out->capacity)
	{
		size_t		cap = out->capacity ? out->capacity * 2 : 8;
		rm_problem *items = realloc(out->items, cap * sizeof(rm_problem));

		if (items == NULL)
		{
			c->oom = true;
			return;
		}
		out->items = items;
		out->capacity = cap;
	}
	path = xstrdup(c->path);
	msg = xstrdup(buf);
	if (path == NULL || msg == NULL)
	{
		free(path);
		free(msg);
		c->oom = true;
		return;
	}
	out->items[out->count].path = path;
	out->items[out->count].message = msg;
	out->count++;
}

void
rm_problems_free(rm_problems *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->count; i++)
	{
		free(p->items[i].path);
		free(p->items[i].message);
	}
	free(p->items);
	p->items = NULL;
	p->count = p->capacity = p->omitted = 0;
}

/* ------------------------------------------------------------------ path */

static bool
path_append(checker *c, const char *s, size_t n)
{
	if (c->oom)
		return false;
	if (c->path_len + n + 1 > c->path_cap)
	{
		size_t		cap = c->path_cap ? c->path_cap : 64;
		char	   *p;

		while (c->path_len + n + 1 > cap)
			cap *= 2;
		p = realloc(c->path, cap);
		if (p == NULL)
		{
			c->oom = true;
			return false;
		}
		c->path = p;
		c->path_cap = cap;
	}
	memcpy(c->path + c->path_len, s, n);
	c->path_len += n;
	c->path[c->path_len] = '\0';
	return true;
}

static void
path_truncate(checker *c, size_t len)
{
	if (c->path && len <= c->path_len)
	{
		c->path_len = len;
		c->path[len] = '\0';
	}
}

/* Length of s cut to at most max bytes at a UTF-8 character boundary. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char) s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/*
 * Write s as a JSON string literal (escaped by json-c), cut to
 * RM_PLAN_CONTENT_MAX_QUOTE bytes, into buf.
 */
static void
quote(const char *s, size_t len, char *buf, size_t bufsize)
{
	size_t		n = utf8_cut(s, len, RM_PLAN_CONTENT_MAX_QUOTE);
	json_object *js = json_object_new_string_len(s, (int) n);
	const char *q = js ? json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	snprintf(buf, bufsize, "%s%s", q ? q : "\"?\"", n < len ? "…" : "");
	json_object_put(js);
}

static bool
is_identifier(const char *k)
{
	if (!(isalpha((unsigned char) k[0]) || k[0] == '_'))
		return false;
	for (const char *p = k + 1; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_'))
			return false;
	return true;
}

/* Append ".key", or ["key"] for keys that are not identifiers. */
static size_t
path_push_key(checker *c, const char *key)
{
	size_t		mark = c->path_len;

	if (is_identifier(key) && strlen(key) <= RM_PLAN_CONTENT_MAX_QUOTE)
	{
		path_append(c, ".", 1);
		path_append(c, key, strlen(key));
	}
	else
	{
		char		q[RM_PLAN_CONTENT_MAX_QUOTE * 6 + 16];

		quote(key, strlen(key), q, sizeof q);
		path_append(c, "[", 1);
		path_append(c, q, strlen(q));
		path_append(c, "]", 1);
	}
	return mark;
}

static size_t
path_push_index(checker *c, size_t i)
{
	size_t		mark = c->path_len;
	char		buf[32];

	snprintf(buf, sizeof buf, "[%zu]", i);
	path_append(c, buf, strlen(buf));
	return mark;
}

/* ----------------------------------------------------------- type helpers */

static const char *
type_word(json_object *v)
{
	switch (json_object_get_type(v))
	{
		case json_type_null:
			return "null";
		case json_type_boolean:
			return "a boolean";
		case json_type_double:
		case json_type_int:
			return "a number";
		case json_type_object:
			return "an object";
		case json_type_array:
			return "an array";
		case json_type_string:
			return "a string";
	}
	return "something else";
}

static bool
is_number(json_object *v)
{
	json_type	t = json_object_get_type(v);

	return t == json_type_int || t == json_type_double;
}

/* A finite JSON number as a double (false for NaN and infinities, which json-c accepts). */
static bool
get_finite(json_object *v, double *d)
{
	if (!is_number(v))
		return false;
	*d = json_object_get_double(v);
	return isfinite(*d);
}

/* A JSON number with an integral value in the int64 range (2 and 2.0 alike). */
static bool
get_integer(json_object *v, int64_t *out)
{
	double		d;

	if (json_object_get_type(v) == json_type_int)
	{
		*out = json_object_get_int64(v);	/* saturates beyond the int64 range */
		return true;
	}
	if (!get_finite(v, &d) || d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return false;
	*out = (int64_t) d;
	return true;
}

static bool
is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char) s[i]))
			return false;
	return true;
}

/* --------------------------------------------------------- value checks */

typedef void (*check_fn) (checker *c, json_object *v);

typedef struct field
{
	const char *key;
	bool		required;
	check_fn	check;
} field;

static void
chk_string(checker *c, json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		problem(c, "must be a string, not %s", type_word(v));
}

static void
chk_text(checker *c, json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		problem(c, "must be a non-empty string, not %s", type_word(v));
	else if (is_blank(json_object_get_string(v), (size_t) json_object_get_string_len(v)))
		problem(c, "must be a non-empty string");
}

static void
chk_text_array(checker *c, json_object *v)
{
	size_t		n;

	if (!json_object_is_type(v, json_type_array))
	{
		problem(c, "must be an array of strings, not %s", type_word(v));
		return;
	}
	n = json_object_array_length(v);
	for (size_t i = 0; i < n && !c->oom; i++)
	{
		size_t		mark = path_push_index(c, i);

		chk_text(c, json_object_array_get_idx(v, i));
		path_truncate(c, mark);
	}
}

static void
chk_version(checker *c, json_object *v)
{
	int64_t		i;

	if (!get_integer(v, &i) || i != 1)
		problem(c, "must be 1 (the only version of this format)");
}

static void
chk_positive_number(checker *c, json_object *v)
{
	double		d;

	if (!get_finite(v, &d))
		problem(c, "must be a positive number, not %s", is_number(v) ? "an infinite or NaN value" : type_word(v));
	else if (!(d > 0))
		problem(c, "must be a positive number");
}

static void
chk_quantity(checker *c, json_object *v)
{
	double		d;

	if (!get_finite(v, &d))
		problem(c, "must be a number >= 0, not %s", is_number(v) ? "an infinite or NaN value" : type_word(v));
	else if (d < 0)
		problem(c, "must be a number >= 0");
}

static void
chk_risk_level(checker *c, json_object *v)
{
	int64_t		i;

	if (!get_integer(v, &i) || i < 1 || i > 4)
		problem(c, "must be an integer from 1 (特别重大) to 4 (一般)");
}

static void
chk_step_order(checker *c, json_object *v)
{
	int64_t		i;

	if (!get_integer(v, &i) || i < 1)
	{
		problem(c, "must be a positive integer");
		return;
	}
	if (c->have_prev_order && i <= c->prev_order)
		problem(c, "must be greater than the previous step's order (%lld)", (long long) c->prev_order);
	c->have_prev_order = true;
	c->prev_order = i;
}

static const char *const resource_kinds[] = {"shelter", "team", "material", "equipment"};

static const char *
valid_resource_kind(json_object *v)
{
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	for (size_t i = 0; i < sizeof resource_kinds / sizeof resource_kinds[0]; i++)
		if (strcmp(json_object_get_string(v), resource_kinds[i]) == 0 &&
			(size_t) json_object_get_string_len(v) == strlen(resource_kinds[i]))
			return resource_kinds[i];
	return NULL;
}

static void
chk_resource_kind(checker *c, json_object *v)
{
	char		q[RM_PLAN_CONTENT_MAX_QUOTE * 6 + 16];

	if (!json_object_is_type(v, json_type_string))
		problem(c, "must be one of \"shelter\", \"team\", \"material\", \"equipment\", not %s", type_word(v));
	else if (valid_resource_kind(v) == NULL)
	{
		quote(json_object_get_string(v), (size_t) json_object_get_string_len(v), q, sizeof q);
		problem(c, "must be one of \"shelter\", \"team\", \"material\", \"equipment\", not %s", q);
	}
}

static void
chk_shelter_id(checker *c, json_object *v)
{
	int64_t		i;

	if (!get_integer(v, &i) || i < 1)
		problem(c, "must be a positive integer (a riskmap.shelter id)");
	else if (c->resource_kind != NULL && strcmp(c->resource_kind, "shelter") != 0)
		problem(c, "is only allowed when kind is \"shelter\"");
}

/*
 * Check the members of object v against fields: unknown keys, each known
 * member's value (in document order), then missing required members.
 * found[i] tells whether fields[i] is present (its value may be JSON null,
 * which json-c represents as NULL).
 */
static void
check_fields(checker *c, json_object *v, const field *fields, size_t nfields, bool *found)
{
	struct json_object_iterator it,
				end;

	for (size_t i = 0; i < nfields; i++)
		found[i] = false;
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	while (!json_object_iter_equal(&it, &end) && !c->oom)
	{
		const char *key = json_object_iter_peek_name(&it);
		json_object *val = json_object_iter_peek_value(&it);
		size_t		mark = path_push_key(c, key);
		size_t		i;

		for (i = 0; i < nfields; i++)
			if (strcmp(fields[i].key, key) == 0)
				break;
		if (i == nfields)
			problem(c, "unknown key");
		else
		{
			found[i] = true;
			fields[i].check(c, val);
		}
		path_truncate(c, mark);
		json_object_iter_next(&it);
	}
	for (size_t i = 0; i < nfields && !c->oom; i++)
		if (fields[i].required && !found[i])
		{
			size_t		mark = path_push_key(c, fields[i].key);

			problem(c, "is required");
			path_truncate(c, mark);
		}
}

#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/* Check v as an array whose items are objects checked by item. */
static void
check_array_of(checker *c, json_object *v, const char *what, check_fn item, bool nonempty)
{
	size_t		n;

	if (!json_object_is_type(v, json_type_array))
	{
		problem(c, "must be an array of %s, not %s", what, type_word(v));
		return;
	}
	n = json_object_array_length(v);
	if (n == 0 && nonempty)
		problem(c, "must not be empty");
	for (size_t i = 0; i < n && !c->oom; i++)
	{
		json_object *e = json_object_array_get_idx(v, i);
		size_t		mark = path_push_index(c, i);

		if (!json_object_is_type(e, json_type_object))
			problem(c, "must be an object, not %s", type_word(e));
		else
			item(c, e);
		path_truncate(c, mark);
	}
}

/* A step's kind; "evacuation" marks the step whose within_minutes clearance_report checks. */
static const char *const step_kinds[] = {"report", "warning", "evacuation", "rescue", "other"};

static void
chk_step_kind(checker *c, json_object *v)
{
	char		q[RM_PLAN_CONTENT_MAX_QUOTE * 6 + 16];

	if (json_object_is_type(v, json_type_string))
		for (size_t i = 0; i < sizeof step_kinds / sizeof step_kinds[0]; i++)
			if (strcmp(json_object_get_string(v), step_kinds[i]) == 0 &&
				(size_t) json_object_get_string_len(v) == strlen(step_kinds[i]))
				return;
	if (!json_object_is_type(v, json_type_string))
		problem(c, "must be one of \"report\", \"warning\", \"evacuation\", \"rescue\", \"other\", not %s", type_word(v));
	else
	{
		quote(json_object_get_string(v), (size_t) json_object_get_string_len(v), q, sizeof q);
		problem(c, "must be one of \"report\", \"warning\", \"evacuation\", \"rescue\", \"other\", not %s", q);
	}
}

static const field step_fields[] = {
	{"order", true, chk_step_order},
	{"action", true, chk_text},
	{"responsible", true, chk_text},
	{"within_minutes", false, chk_positive_number},
	{"kind", false, chk_step_kind},
};

static void
chk_step(checker *c, json_object *v)
{
	bool		found[NFIELDS(step_fields)];

	check_fields(c, v, step_fields, NFIELDS(step_fields), found);
}

static void
chk_steps(checker *c, json_object *v)
{
	c->have_prev_order = false;
	check_array_of(c, v, "steps", chk_step, true);
	c->have_prev_order = false;
}

static const field workflow_fields[] = {
	{"name", true, chk_text},
	{"trigger", false, chk_string},
	{"risk_level", false, chk_risk_level},
	{"steps", true, chk_steps},
};

static void
chk_workflow(checker *c, json_object *v)
{
	bool		found[NFIELDS(workflow_fields)];

	check_fields(c, v, workflow_fields, NFIELDS(workflow_fields), found);
}

static const field measure_fields[] = {
	{"name", true, chk_text},
	{"description", false, chk_string},
	{"event_types", false, chk_text_array},
};

static void
chk_measure(checker *c, json_object *v)
{
	bool		found[NFIELDS(measure_fields)];

	check_fields(c, v, measure_fields, NFIELDS(measure_fields), found);
}

/* "name" is required unless kind is "shelter" (the shelter row names it). */
static const field resource_fields[] = {
	{"kind", true, chk_resource_kind},
	{"name", false, chk_text},
	{"shelter_id", false, chk_shelter_id},
	{"quantity", false, chk_quantity},
	{"unit", false, chk_string},
};

static void
chk_resource(checker *c, json_object *v)
{
	bool		found[NFIELDS(resource_fields)];
	json_object *kind = NULL;
	bool		is_shelter;

	json_object_object_get_ex(v, "kind", &kind);
	c->resource_kind = valid_resource_kind(kind);
	check_fields(c, v, resource_fields, NFIELDS(resource_fields), found);
	is_shelter = c->resource_kind != NULL && strcmp(c->resource_kind, "shelter") == 0;
	if (is_shelter && !found[2])
	{
		size_t		mark = path_push_key(c, "shelter_id");

		problem(c, "is required when kind is \"shelter\"");
		path_truncate(c, mark);
	}
	if (!is_shelter && !found[1])
	{
		size_t		mark = path_push_key(c, "name");

		problem(c, "is required");
		path_truncate(c, mark);
	}
	c->resource_kind = NULL;
}

static const field contact_fields[] = {
	{"role", false, chk_string},
	{"name", true, chk_text},
	{"phone", true, chk_text},
};

static void
chk_contact(checker *c, json_object *v)
{
	bool		found[NFIELDS(contact_fields)];

	check_fields(c, v, contact_fields, NFIELDS(contact_fields), found);
}

static const field command_fields[] = {
	{"lead", true, chk_text},
	{"members", false, chk_text_array},
};

static void
chk_command(checker *c, json_object *v)
{
	bool		found[NFIELDS(command_fields)];

	if (!json_object_is_type(v, json_type_object))
	{
		problem(c, "must be an object, not %s", type_word(v));
		return;
	}
	check_fields(c, v, command_fields, NFIELDS(command_fields), found);
}

static void
chk_workflows(checker *c, json_object *v)
{
	check_array_of(c, v, "workflows", chk_workflow, false);
}

static void
chk_measures(checker *c, json_object *v)
{
	check_array_of(c, v, "measures", chk_measure, false);
}

static void
chk_resources(checker *c, json_object *v)
{
	check_array_of(c, v, "resources", chk_resource, false);
}

static void
chk_contacts(checker *c, json_object *v)
{
	check_array_of(c, v, "contacts", chk_contact, false);
}

static const field content_fields[] = {
	{"version", true, chk_version},
	{"scope", false, chk_string},
	{"command", false, chk_command},
	{"workflows", false, chk_workflows},
	{"measures", false, chk_measures},
	{"resources", false, chk_resources},
	{"contacts", false, chk_contacts},
};

/* ------------------------------------------------------------- entry */

/*
 * Parse json[0..len). Returns false (after recording the problem) when it is
 * not JSON; else *root is the document (NULL for a JSON null).
 */
static bool
parse(checker *c, const char *json, size_t len, json_object **root_out)
{
	struct json_tokener *tok;
	json_object *root;
	enum json_tokener_error err;

	if (len > (size_t) INT_MAX - 1)
	{
		problem(c, "is too large to check (%zu bytes)", len);
		return false;
	}
	if (memchr(json, '\0', len) != NULL)
	{
		problem(c, "is not valid JSON: it contains a NUL byte at byte %zu",
				(size_t) ((const char *) memchr(json, '\0', len) - json));
		return false;
	}
	tok = json_tokener_new_ex(RM_PLAN_CONTENT_MAX_DEPTH);
	if (tok == NULL)
	{
		c->oom = true;
		return false;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, json, (int) len);
	err = json_tokener_get_error(tok);
	if (root == NULL && err == json_tokener_continue)
	{
		/* A top-level number is only complete at the end of the input. */
		root = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
	}
	if (err != json_tokener_success)
	{
		if (err == json_tokener_error_depth)
			problem(c, "is not valid JSON: nesting deeper than %d levels at byte %zu",
					RM_PLAN_CONTENT_MAX_DEPTH, json_tokener_get_parse_end(tok));
		else if (err == json_tokener_success || err == json_tokener_continue ||
				 err == json_tokener_error_parse_eof)
			problem(c, "is not valid JSON: unexpected end of data");
		else
			problem(c, "is not valid JSON: %s at byte %zu",
					json_tokener_error_desc(err), json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		return false;
	}
	json_tokener_free(tok);
	*root_out = root;
	return true;
}

int
rm_plan_content_check(const char *json, size_t len, rm_problems *out)
{
	checker		c;
	json_object *root;

	memset(&c, 0, sizeof c);
	c.out = out;
	if (!path_append(&c, "content", 7))
		return RM_ENOMEM;
	if (json == NULL)
		len = 0, json = "";
	if (parse(&c, json, len, &root))
	{
		if (!json_object_is_type(root, json_type_object))
			problem(&c, "must be a JSON object, not %s", type_word(root));
		else
		{
			bool		found[NFIELDS(content_fields)];

			check_fields(&c, root, content_fields, NFIELDS(content_fields), found);
		}
		json_object_put(root);
	}
	free(c.path);
	return c.oom ? RM_ENOMEM : RM_OK;
}
