/*
 * riskmap_module.c — the extension's entry point: module magic and GUCs.
 *
 * Every other file in plugin/pg is thin fmgr glue over the plain C core in
 * plugin/core (which never includes postgres.h).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "riskmap_pg.h"

PG_MODULE_MAGIC;

char *riskmap_revision_interval = NULL;
int riskmap_max_targets_per_drill = 5;

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
	MarkGUCPrefixReserved("riskmap");
}
