/*
 * plan_lifecycle_fmgr.c — fmgr glue of the plan lifecycle (core: rm_plan_lifecycle).
 *
 *   riskmap._plan_move_allowed(p_from text, p_to text) → boolean
 *   riskmap._plan_date_column(p_to text) → text
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "rm_plan_lifecycle.h"
#include "riskmap_pg.h"

PG_FUNCTION_INFO_V1(riskmap_plan_move_allowed);
PG_FUNCTION_INFO_V1(riskmap_plan_date_column);

static int
plan_state_arg(text *t, const char *argname)
{
	int			s = rm_plan_state_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	if (s < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown plan status \"%s\" in %s", text_to_cstring(t), argname),
				 errhint("Plan statuses are drafting, reviewing, approved, published, filed, revising and retired.")));
	return s;
}

Datum
riskmap_plan_move_allowed(PG_FUNCTION_ARGS)
{
	int			from = plan_state_arg(PG_GETARG_TEXT_PP(0), "p_from");
	int			to = plan_state_arg(PG_GETARG_TEXT_PP(1), "p_to");

	PG_RETURN_BOOL(rm_plan_move_allowed(from, to));
}

Datum
riskmap_plan_date_column(PG_FUNCTION_ARGS)
{
	int			to = plan_state_arg(PG_GETARG_TEXT_PP(0), "p_to");
	const char *col = rm_plan_date_column(to);

	if (col == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(col));
}
