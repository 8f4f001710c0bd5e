/*
 * rm_ledger.h — the ledgers (台账) written through GDAL: one sheet (layer)
 * per ledger, Chinese sheet and column names, typed cells (dates as OFTDate,
 * integers as OFTInteger64, reals as OFTReal). Shared by riskmap-export and
 * riskmap-tiles' GET /export/ledger.xlsx. The rows come from SQL functions
 * (riskmap.ledger_sources, ledger_plans, ledger_drills, uncovered_sources,
 * filing_overdue, compliance, open_actions), read in one REPEATABLE READ,
 * READ ONLY transaction so that the sheets agree with each other.
 */
#ifndef RM_LEDGER_H
#define RM_LEDGER_H

#include <stddef.h>
#include <libpq-fe.h>

enum
{
	RM_LEDGER_OK = 0,
	RM_LEDGER_USAGE = 1,		/* bad --as-of / --district / extension */
	RM_LEDGER_OPEN = 2,			/* cannot create the output */
	RM_LEDGER_DB = 4			/* a query failed */
};

#define RM_LEDGER_NSHEETS 7

typedef struct rm_ledger_opts
{
	const char *as_of;			/* 'YYYY-MM-DD', NULL = current_date */
	const char *district;		/* NULL = the whole city */
	/* called after each sheet (may be NULL) */
	void		(*progress) (void *arg, int sheet, int nsheets, const char *name, long rows);
	void	   *progress_arg;
} rm_ledger_opts;

/* The GDAL driver for an output path by its extension: .xlsx XLSX, .ods
 * ODS, .gpkg GPKG, .csv (a folder of CSV files) CSV. NULL when unknown. */
const char *rm_ledger_driver(const char *path);

/* The sheet names, in order. */
const char *rm_ledger_sheet_name(int i);

/* Writes the ledgers to path with driver (GDALAllRegister() first). Returns
 * RM_LEDGER_OK or an error code with a message in err. rows[i], when given,
 * gets the row count of sheet i. */
int			rm_ledger_write(PGconn *conn, const char *path, const char *driver, const rm_ledger_opts *o,
							long rows[RM_LEDGER_NSHEETS], char *err, size_t errlen);

#endif
