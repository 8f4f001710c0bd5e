/*
 * riskmap_module.c — the extension's entry point: module magic and GUCs.
 *
 * Every other file in plugin/pg is thin fmgr glue over the plain C core in
 * plugin/core (which never includes postgres.h).
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "riskmap_pg.h"

PG_MODULE_MAGIC;

char *riskmap_revision_interval = NULL;
int riskmap_max_targets_per_drill = 5;
int riskmap_evacuation_step_s = 60;
int riskmap_clearance_exact_arcs = 1000000;
int riskmap_max_vertices = 1000000;
int riskmap_evacuation_max_pairs = 20000000;

/* Internal: set by riskmap.plan_transition() for the history trigger. */
static char *riskmap_transition_on = NULL;
static char *riskmap_transition_note = NULL;

void _PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("riskmap.revision_interval",
							   "How long a plan in force may go without revision before uncovered_sources reports it (an interval).",
							   NULL,
							   &riskmap_revision_interval,
							   "3 years",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("riskmap.max_targets_per_drill",
							"Largest number of sources one proposed drill may target (allocate_drills).",
							NULL,
							&riskmap_max_targets_per_drill,
							5, 1, 1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("riskmap.evacuation_step_s",
							"Time step (seconds) of the evacuation clearance model (evacuation_clearance, clearance_report).",
							NULL,
							&riskmap_evacuation_step_s,
							60, 1, 600,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("riskmap.clearance_exact_arcs",
							"Largest time-expanded network (arcs, about 80 bytes each) the evacuation clearance solves exactly when its heuristic cannot be certified.",
							"0 = never; above it the heuristic's schedule stands with its proven lower bound.",
							&riskmap_clearance_exact_arcs,
							1000000, 0, 50000000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("riskmap.max_vertices",
							"Largest number of vertices of one geometry that ground_buffer (and the zones built on it) accepts.",
							"Bounds the memory of a buffer; a bigger geometry is ERROR 54000.",
							&riskmap_max_vertices,
							1000000, 1000, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("riskmap.evacuation_max_pairs",
							"Most (cell or road node, shelter) pairs within reach that one capacitated evacuation may hold in memory (about 60 bytes each); 0 = no limit.",
							"Beyond it evacuation_assignment and evacuation_catchments fail with SQLSTATE 54000 instead of growing without bound.",
							&riskmap_evacuation_max_pairs,
							20000000, 0, PG_INT32_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("riskmap.transition_on",
							   "Internal: the date plan_transition() records in plan_event.",
							   NULL, &riskmap_transition_on, "",
							   PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("riskmap.transition_note",
							   "Internal: the note plan_transition() records in plan_event.",
							   NULL, &riskmap_transition_note, "",
							   PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("riskmap");
}

PG_FUNCTION_INFO_V1(riskmap_version);

/* riskmap.version(): the module's version; calling it also loads the module,
 * which defines the riskmap.* settings in this session. */
Datum
riskmap_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(RISKMAP_VERSION));
}
