/*
 * plan_content_fmgr.c — fmgr glue of the plan content checker (core: rm_plan_content).
 *
 *   riskmap.plan_content_problems(p_content jsonb) → TABLE(path text, problem text)
 *   riskmap._check_plan_content(p_content jsonb, p_plan_code text) → void
 *
 * The jsonb is handed to the core as its text form (JsonbToCString), in
 * UTF-8. The core allocates with malloc and never longjmps; its result is
 * copied into palloc'd memory under PG_TRY and freed on every path.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "rm_pg.h"
#include "rm_plan_content.h"
#include "riskmap_pg.h"

PG_FUNCTION_INFO_V1(riskmap_plan_content_problems);
PG_FUNCTION_INFO_V1(riskmap_check_plan_content);

typedef struct ContentProblem
{
	char	   *path;
	char	   *message;
} ContentProblem;

/* A palloc'd copy of the malloc'd UTF-8 string s, in the server encoding. */
static char *
to_server(const char *s)
{
	char	   *r = pg_any_to_server(s, strlen(s), PG_UTF8);

	/* pg_any_to_server returns its input when no conversion is needed */
	return r == s ? pstrdup(s) : r;
}

/*
 * Check the document; returns the problems (palloc'd, server encoding),
 * *n their number and *omitted how many more were found but not listed.
 */
static ContentProblem *
check_content(Jsonb *jb, int *n, int64 *omitted)
{
	char	   *text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	char	   *utf8 = pg_server_to_any(text, strlen(text), PG_UTF8);
	rm_problems problems = {0};
	ContentProblem *result = NULL;
	volatile int rc;

	rc = rm_plan_content_check(utf8, strlen(utf8), &problems);
	PG_TRY();
	{
		if (rc != RM_OK)
			rm_pg_raise(rc, NULL, "out of memory while checking plan content");
		result = palloc(sizeof(ContentProblem) * (problems.count > 0 ? problems.count : 1));
		for (size_t i = 0; i < problems.count; i++)
		{
			result[i].path = to_server(problems.items[i].path);
			result[i].message = to_server(problems.items[i].message);
		}
		*n = (int) problems.count;
		*omitted = (int64) problems.omitted;
	}
	PG_FINALLY();
	{
		rm_problems_free(&problems);
	}
	PG_END_TRY();
	return result;
}

Datum
riskmap_plan_content_problems(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	ContentProblem *problems;
	int			n;
	int64		omitted;

	InitMaterializedSRF(fcinfo, 0);
	problems = check_content(jb, &n, &omitted);
	for (int i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(problems[i].path);
		values[1] = CStringGetTextDatum(problems[i].message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (omitted > 0)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum("content");
		values[1] = CStringGetTextDatum(psprintf("%lld more problems are not listed", (long long) omitted));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
riskmap_check_plan_content(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb;
	const char *code;
	ContentProblem *problems;
	int			n;
	int64		omitted;
	StringInfoData detail;
	int64		others;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	jb = PG_GETARG_JSONB_P(0);
	code = PG_ARGISNULL(1) ? "(no code)" : text_to_cstring(PG_GETARG_TEXT_PP(1));

	problems = check_content(jb, &n, &omitted);
	if (n == 0)
		PG_RETURN_VOID();

	others = (int64) (n - 1) + omitted;
	initStringInfo(&detail);
	if (others > 0)
	{
		appendStringInfo(&detail, "%lld other problem%s:", (long long) others, others == 1 ? "" : "s");
		for (int i = 1; i < n; i++)
			appendStringInfo(&detail, "\n%s: %s", problems[i].path, problems[i].message);
		if (omitted > 0)
			appendStringInfo(&detail, "\n(and %lld more not listed)", (long long) omitted);
	}
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("plan \"%s\": content is invalid: %s: %s", code, problems[0].path, problems[0].message),
			 others > 0 ? errdetail_internal("%s", detail.data) : 0,
			 errhint("See riskmap.plan_content_problems(content) and docs/plan_content.md for the expected shape.")));
	PG_RETURN_VOID();
}
