/*
 * Unit tests of rm_plan_content: the 数字化预案 content checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rm_plan_content.h"

/* The example of docs/plan_content.md: valid. */
static const char *valid_doc =
	"{\"version\": 1,"
	" \"scope\": \"渝中区危险化学品储存场所泄漏、火灾、爆炸事故\","
	" \"command\": {\"lead\": \"区应急管理局局长\", \"members\": [\"区消防救援支队\", \"区卫生健康委\"]},"
	" \"workflows\": [{\"name\": \"泄漏处置\", \"trigger\": \"储罐液位异常下降或气体报警\", \"risk_level\": 2,"
	"   \"steps\": [{\"order\": 1, \"action\": \"启动应急响应，报告区应急局\", \"responsible\": \"企业值班长\", \"within_minutes\": 5},"
	"               {\"order\": 2, \"action\": \"疏散下风向500米内人员\", \"responsible\": \"解放碑街道办\", \"within_minutes\": 30},"
	"               {\"order\": 4, \"action\": \"堵漏、收集泄漏物\", \"responsible\": \"区消防救援支队\"}]}],"
	" \"measures\": [{\"name\": \"警戒隔离\", \"description\": \"设置300米警戒区\", \"event_types\": [\"leak\", \"fire\"]}],"
	" \"resources\": [{\"kind\": \"shelter\", \"shelter_id\": 12},"
	"                 {\"kind\": \"team\", \"name\": \"危化品救援队\", \"quantity\": 25, \"unit\": \"人\"},"
	"                 {\"kind\": \"material\", \"name\": \"吸附棉\", \"quantity\": 0.5, \"unit\": \"吨\"}],"
	" \"contacts\": [{\"role\": \"总指挥\", \"name\": \"张伟\", \"phone\": \"023-63800000\"}]}";

static rm_problems
check(const char *json)
{
	rm_problems p = {0};

	assert_int_equal(rm_plan_content_check(json, strlen(json), &p), 0);
	return p;
}

/* Assert that json has exactly the given problems, as "path: message" strings, in order. */
static void
expect(const char *json, int n, ...)
{
	rm_problems p = check(json);
	va_list		ap;
	char		got[2048];

	if ((int) p.count != n)
	{
		fprintf(stderr, "for %s\n", json);
		for (size_t i = 0; i < p.count; i++)
			fprintf(stderr, "  got %s: %s\n", p.items[i].path, p.items[i].message);
		rm_problems_free(&p);
		fail_msg("expected %d problems", n);
	}
	va_start(ap, n);
	for (int i = 0; i < n; i++)
	{
		const char *want = va_arg(ap, const char *);

		snprintf(got, sizeof got, "%s: %s", p.items[i].path, p.items[i].message);
		if (strcmp(got, want) != 0)
		{
			va_end(ap);
			rm_problems_free(&p);
			fail_msg("problem %d: got \"%s\", expected \"%s\"", i, got, want);
		}
	}
	va_end(ap);
	assert_int_equal(p.omitted, 0);
	rm_problems_free(&p);
}

static void
test_valid(void **state)
{
	(void) state;
	expect(valid_doc, 0);
	expect("{\"version\": 1}", 0);
	expect("{\"version\": 1.0}", 0);
	expect("  {\"version\": 1, \"workflows\": [], \"resources\": [], \"contacts\": []}\n", 0);
	/* jsonb's own text form: keys sorted by length */
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"shelter\", \"name\": \"北区广场\", \"shelter_id\": 9007199254740993}]}", 0);
}

static void
test_not_json(void **state)
{
	(void) state;
	expect("", 1, "content: is not valid JSON: unexpected end of data");
	expect("   ", 1, "content: is not valid JSON: unexpected end of data");
	expect("{\"version\": 1", 1, "content: is not valid JSON: unexpected end of data");
	expect("{\"version\": 1,}", 1, "content: is not valid JSON: unexpected character at byte 14");
	expect("{\"version\": 1} x", 1, "content: is not valid JSON: unexpected character at byte 15");
	expect("{\"version\": 1}{}", 1, "content: is not valid JSON: unexpected character at byte 14");
	expect("{\"a\": \"\xff\"}", 1, "content: is not valid JSON: invalid utf-8 string at byte 7");
	expect("12", 1, "content: must be a JSON object, not a number");
	expect("[{\"version\": 1}]", 1, "content: must be a JSON object, not an array");
	expect("null", 1, "content: must be a JSON object, not null");
	expect("\"x\"", 1, "content: must be a JSON object, not a string");
}

static void
test_nul_and_length(void **state)
{
	rm_problems p = {0};
	const char	doc[] = "{\"version\": 1}\0garbage";

	(void) state;
	assert_int_equal(rm_plan_content_check(doc, sizeof doc - 1, &p), 0);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].message, "is not valid JSON: it contains a NUL byte at byte 14");
	rm_problems_free(&p);
	/* only len bytes are read: a valid prefix is valid */
	assert_int_equal(rm_plan_content_check(doc, 14, &p), 0);
	assert_int_equal(p.count, 0);
	rm_problems_free(&p);
	/* NULL input is an empty document */
	assert_int_equal(rm_plan_content_check(NULL, 5, &p), 0);
	assert_int_equal(p.count, 1);
	rm_problems_free(&p);
}

static void
test_deep(void **state)
{
	size_t		depth = 100000;
	char	   *s = malloc(2 * depth + 32);
	size_t		n = 0;
	rm_problems p = {0};

	(void) state;
	n += (size_t) sprintf(s, "{\"version\": 1, \"x\": ");
	for (size_t i = 0; i < depth; i++)
		s[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		s[n++] = ']';
	s[n++] = '}';
	assert_int_equal(rm_plan_content_check(s, n, &p), 0);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].path, "content");
	assert_non_null(strstr(p.items[0].message, "nesting deeper than 32 levels"));
	rm_problems_free(&p);
	free(s);

	/* 31 levels under the root are fine for the parser (the unknown key is still reported) */
	expect("{\"version\":1,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 1,
		   "content.x: unknown key");
}

static void
test_huge(void **state)
{
	/* 200000 steps, valid, then the same with every order repeated */
	size_t		n = 200000;
	size_t		cap = n * 64 + 256;
	char	   *s = malloc(cap);
	size_t		len;
	rm_problems p = {0};

	(void) state;
	len = (size_t) sprintf(s, "{\"version\":1,\"workflows\":[{\"name\":\"w\",\"steps\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t) sprintf(s + len, "%s{\"order\":%zu,\"action\":\"a\",\"responsible\":\"r\"}", i ? "," : "", i + 1);
	len += (size_t) sprintf(s + len, "]}]}");
	assert_int_equal(rm_plan_content_check(s, len, &p), 0);
	assert_int_equal(p.count, 0);
	rm_problems_free(&p);

	len = (size_t) sprintf(s, "{\"version\":1,\"workflows\":[{\"name\":\"w\",\"steps\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t) sprintf(s + len, "%s{\"order\":1,\"action\":\"a\",\"responsible\":\"r\"}", i ? "," : "");
	len += (size_t) sprintf(s + len, "]}]}");
	assert_int_equal(rm_plan_content_check(s, len, &p), 0);
	assert_int_equal(p.count, RM_PLAN_CONTENT_MAX_PROBLEMS);
	assert_int_equal(p.omitted, n - 1 - RM_PLAN_CONTENT_MAX_PROBLEMS);
	assert_string_equal(p.items[0].path, "content.workflows[0].steps[1].order");
	assert_string_equal(p.items[0].message, "must be greater than the previous step's order (1)");
	rm_problems_free(&p);
	free(s);
}

static void
test_random_bytes(void **state)
{
	unsigned char buf[256];
	static const char alphabet[] = "{}[]\":,0123456789.eE-+ truefalsnul\\u\xe4\xb8\xad\xff\x00";

	(void) state;
	srand(7);
	for (int round = 0; round < 20000; round++)
	{
		size_t		n = (size_t) (rand() % (int) sizeof buf);
		rm_problems p = {0};

		for (size_t i = 0; i < n; i++)
			buf[i] = round % 2 ? (unsigned char) rand() : (unsigned char) alphabet[rand() % (int) (sizeof alphabet - 1)];
		assert_int_equal(rm_plan_content_check((const char *) buf, n, &p), 0);
		assert_true(p.count >= 1);	/* none of these is a valid plan */
		rm_problems_free(&p);
	}
}

static void
test_top_level_rules(void **state)
{
	(void) state;
	expect("{}", 1, "content.version: is required");
	expect("{\"version\": 2}", 1, "content.version: must be 1 (the only version of this format)");
	expect("{\"version\": \"1\"}", 1, "content.version: must be 1 (the only version of this format)");
	expect("{\"version\": 1, \"scope\": 3}", 1, "content.scope: must be a string, not a number");
	/* a member that is present with a null value is not "missing" */
	expect("{\"version\": null}", 1, "content.version: must be 1 (the only version of this format)");
	expect("{\"version\": 1, \"command\": null}", 1, "content.command: must be an object, not null");
	expect("{\"version\": 1, \"titel\": \"x\", \"Version\": 1}", 2,
		   "content.titel: unknown key", "content.Version: unknown key");
	expect("{\"version\": 1, \"a b\": 1, \"\": 2, \"引号\\\"\": 3}", 3,
		   "content[\"a b\"]: unknown key", "content[\"\"]: unknown key", "content[\"引号\\\"\"]: unknown key");
	expect("{\"version\": 1, \"workflows\": {}, \"measures\": null, \"resources\": \"x\", \"contacts\": 1}", 4,
		   "content.workflows: must be an array of workflows, not an object",
		   "content.measures: must be an array of measures, not null",
		   "content.resources: must be an array of resources, not a string",
		   "content.contacts: must be an array of contacts, not a number");
	/* problems come in document order; missing required members after an object's own keys */
	expect("{\"scope\": 1, \"command\": [], \"version\": 0}", 3,
		   "content.scope: must be a string, not a number",
		   "content.command: must be an object, not an array",
		   "content.version: must be 1 (the only version of this format)");
}

static void
test_long_key_is_cut(void **state)
{
	char		doc[600];
	rm_problems p = {0};

	(void) state;
	/* 100 × "中" (3 bytes): the quote is cut at 64 bytes = 21 characters */
	strcpy(doc, "{\"version\": 1, \"");
	for (int i = 0; i < 100; i++)
		strcat(doc, "中");
	strcat(doc, "\": 1}");
	p = check(doc);
	assert_int_equal(p.count, 1);
	{
		char		want[200] = "content[\"";

		for (int i = 0; i < 21; i++)
			strcat(want, "中");
		strcat(want, "\"…]");
		assert_string_equal(p.items[0].path, want);
	}
	rm_problems_free(&p);
}

static void
test_command(void **state)
{
	(void) state;
	expect("{\"version\": 1, \"command\": {}}", 1, "content.command.lead: is required");
	expect("{\"version\": 1, \"command\": {\"lead\": \"  \", \"members\": [\"a\", 2, \"\"], \"deputy\": \"x\"}}", 4,
		   "content.command.lead: must be a non-empty string",
		   "content.command.members[1]: must be a non-empty string, not a number",
		   "content.command.members[2]: must be a non-empty string",
		   "content.command.deputy: unknown key");
	expect("{\"version\": 1, \"command\": {\"lead\": \"x\", \"members\": \"a\"}}", 1,
		   "content.command.members: must be an array of strings, not a string");
}

static void
test_workflows(void **state)
{
	(void) state;
	expect("{\"version\": 1, \"workflows\": [{}]}", 2,
		   "content.workflows[0].name: is required", "content.workflows[0].steps: is required");
	expect("{\"version\": 1, \"workflows\": [1, {\"name\": \"w\", \"steps\": []}]}", 2,
		   "content.workflows[0]: must be an object, not a number",
		   "content.workflows[1].steps: must not be empty");
	expect("{\"version\": 1, \"workflows\": [{\"name\": \"w\", \"risk_level\": 0, \"trigger\": 1,"
		   " \"steps\": [{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\"}]},"
		   " {\"name\": \"v\", \"risk_level\": 4.5, \"steps\": [{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\"}]},"
		   " {\"name\": \"u\", \"risk_level\": 4, \"steps\": [{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\"}]},"
		   " {\"name\": \"t\", \"risk_level\": \"2\", \"steps\": [{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\"}]}]}", 4,
		   "content.workflows[0].risk_level: must be an integer from 1 (特别重大) to 4 (一般)",
		   "content.workflows[0].trigger: must be a string, not a number",
		   "content.workflows[1].risk_level: must be an integer from 1 (特别重大) to 4 (一般)",
		   "content.workflows[3].risk_level: must be an integer from 1 (特别重大) to 4 (一般)");
}

static void
test_steps(void **state)
{
	(void) state;
	expect("{\"version\": 1, \"workflows\": [{\"name\": \"w\", \"steps\": [{}]}]}", 3,
		   "content.workflows[0].steps[0].order: is required",
		   "content.workflows[0].steps[0].action: is required",
		   "content.workflows[0].steps[0].responsible: is required");
	expect("{\"version\": 1, \"workflows\": [{\"name\": \"w\", \"steps\": ["
		   "{\"order\": 0, \"action\": \"\", \"responsible\": 5, \"within_minutes\": 0},"
		   "{\"order\": 2.5, \"action\": \"a\", \"responsible\": \"r\", \"within_minutes\": -1},"
		   "{\"order\": 3, \"action\": \"a\", \"responsible\": \"r\", \"within_minutes\": \"5\"},"
		   "{\"order\": 3, \"action\": \"a\", \"responsible\": \"r\", \"within_minutes\": 1e400},"
		   "{\"order\": 2, \"action\": \"a\", \"responsible\": \"r\", \"within_minutes\": 0.5, \"who\": 1},"
		   "{\"order\": 10, \"action\": \"a\", \"responsible\": \"r\"}]}]}", 11,
		   "content.workflows[0].steps[0].order: must be a positive integer",
		   "content.workflows[0].steps[0].action: must be a non-empty string",
		   "content.workflows[0].steps[0].responsible: must be a non-empty string, not a number",
		   "content.workflows[0].steps[0].within_minutes: must be a positive number",
		   "content.workflows[0].steps[1].order: must be a positive integer",
		   "content.workflows[0].steps[1].within_minutes: must be a positive number",
		   "content.workflows[0].steps[2].within_minutes: must be a positive number, not a string",
		   "content.workflows[0].steps[3].order: must be greater than the previous step's order (3)",
		   "content.workflows[0].steps[3].within_minutes: must be a positive number, not an infinite or NaN value",
		   "content.workflows[0].steps[4].order: must be greater than the previous step's order (3)",
		   "content.workflows[0].steps[4].who: unknown key");
	/* orders restart in each workflow */
	expect("{\"version\": 1, \"workflows\": ["
		   "{\"name\": \"w\", \"steps\": [{\"order\": 5, \"action\": \"a\", \"responsible\": \"r\"}]},"
		   "{\"name\": \"v\", \"steps\": [{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\"},"
		   "                             {\"order\": 1, \"action\": \"a\", \"responsible\": \"r\"}]}]}", 1,
		   "content.workflows[1].steps[1].order: must be greater than the previous step's order (1)");
	/* NaN, which json-c accepts as an extension, is not a number here */
	expect("{\"version\": 1, \"workflows\": [{\"name\": \"w\", \"steps\": ["
		   "{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\", \"within_minutes\": NaN}]}]}", 1,
		   "content.workflows[0].steps[0].within_minutes: must be a positive number, not an infinite or NaN value");
	/* a step's kind: "evacuation" marks the evacuation step (clearance_report) */
	expect("{\"version\": 1, \"workflows\": [{\"name\": \"w\", \"steps\": ["
		   "{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\", \"kind\": \"report\"},"
		   "{\"order\": 2, \"action\": \"a\", \"responsible\": \"r\", \"kind\": \"evacuation\", \"within_minutes\": 30}]}]}", 0);
	expect("{\"version\": 1, \"workflows\": [{\"name\": \"w\", \"steps\": ["
		   "{\"order\": 1, \"action\": \"a\", \"responsible\": \"r\", \"kind\": \"Evacuation\"},"
		   "{\"order\": 2, \"action\": \"a\", \"responsible\": \"r\", \"kind\": 1}]}]}", 2,
		   "content.workflows[0].steps[0].kind: must be one of \"report\", \"warning\", \"evacuation\", \"rescue\", \"other\", not \"Evacuation\"",
		   "content.workflows[0].steps[1].kind: must be one of \"report\", \"warning\", \"evacuation\", \"rescue\", \"other\", not a number");
}

static void
test_measures(void **state)
{
	(void) state;
	expect("{\"version\": 1, \"measures\": [{\"description\": \"d\"}, {\"name\": \"m\", \"event_types\": [\"fire\", null]},"
		   " {\"name\": \"n\", \"description\": [], \"events\": []}]}", 4,
		   "content.measures[0].name: is required",
		   "content.measures[1].event_types[1]: must be a non-empty string, not null",
		   "content.measures[2].description: must be a string, not an array",
		   "content.measures[2].events: unknown key");
}

static void
test_resources(void **state)
{
	(void) state;
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"shelter\"}]}", 1,
		   "content.resources[0].shelter_id: is required when kind is \"shelter\"");
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"team\", \"name\": \"t\", \"shelter_id\": 3}]}", 1,
		   "content.resources[0].shelter_id: is only allowed when kind is \"shelter\"");
	expect("{\"version\": 1, \"resources\": [{\"shelter_id\": 3, \"kind\": \"material\", \"name\": \"m\"}]}", 1,
		   "content.resources[0].shelter_id: is only allowed when kind is \"shelter\"");
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"team\"}]}", 1,
		   "content.resources[0].name: is required");
	expect("{\"version\": 1, \"resources\": [{}]}", 2,
		   "content.resources[0].kind: is required", "content.resources[0].name: is required");
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"boat\", \"name\": \"b\"}, {\"kind\": 1, \"name\": \"c\"}]}", 2,
		   "content.resources[0].kind: must be one of \"shelter\", \"team\", \"material\", \"equipment\", not \"boat\"",
		   "content.resources[1].kind: must be one of \"shelter\", \"team\", \"material\", \"equipment\", not a number");
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"shelter\", \"shelter_id\": 0},"
		   " {\"kind\": \"shelter\", \"shelter_id\": \"7\"}, {\"kind\": \"shelter\", \"shelter_id\": 7.5},"
		   " {\"kind\": \"shelter\", \"shelter_id\": -2}, {\"kind\": \"shelter\", \"shelter_id\": 7.0}]}", 4,
		   "content.resources[0].shelter_id: must be a positive integer (a riskmap.shelter id)",
		   "content.resources[1].shelter_id: must be a positive integer (a riskmap.shelter id)",
		   "content.resources[2].shelter_id: must be a positive integer (a riskmap.shelter id)",
		   "content.resources[3].shelter_id: must be a positive integer (a riskmap.shelter id)");
	expect("{\"version\": 1, \"resources\": [{\"kind\": \"equipment\", \"name\": \"e\", \"quantity\": -1, \"unit\": 2},"
		   " {\"kind\": \"equipment\", \"name\": \"f\", \"quantity\": 0}, {\"kind\": \"team\", \"name\": \"g\", \"quantity\": \"5\"},"
		   " {\"kind\": \"team\", \"name\": \"\", \"colour\": \"red\"}]}", 5,
		   "content.resources[0].quantity: must be a number >= 0",
		   "content.resources[0].unit: must be a string, not a number",
		   "content.resources[2].quantity: must be a number >= 0, not a string",
		   "content.resources[3].name: must be a non-empty string",
		   "content.resources[3].colour: unknown key");
}

static void
test_contacts(void **state)
{
	(void) state;
	expect("{\"version\": 1, \"contacts\": [{\"role\": \"总指挥\"}, {\"name\": \"n\", \"phone\": 12345, \"email\": \"x\"}, \"张伟\"]}", 5,
		   "content.contacts[0].name: is required",
		   "content.contacts[0].phone: is required",
		   "content.contacts[1].phone: must be a non-empty string, not a number",
		   "content.contacts[1].email: unknown key",
		   "content.contacts[2]: must be an object, not a string");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_nul_and_length),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_top_level_rules),
		cmocka_unit_test(test_long_key_is_cut),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_workflows),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_measures),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_contacts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
