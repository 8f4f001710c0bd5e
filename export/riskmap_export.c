/*
 * riskmap-export — the ledgers (台账) through GDAL, in the format OUT's
 * extension names (docs/print.md):
 *
 *   riskmap-export [--db CONNINFO] [--as-of DATE] [--district CODE] OUT
 *
 * OUT: .xlsx (Excel), .ods (LibreOffice), .gpkg (GeoPackage; sources get
 * their point), or a .csv folder (one CSV file per sheet). Sheets: 风险源,
 * 应急预案, 年度演练, 未覆盖风险源, 备案逾期, 演练达标, 整改事项 — the rows of
 * riskmap.ledger_sources, ledger_plans, ledger_drills, uncovered_sources,
 * filing_overdue, compliance and open_actions (rm_ledger.c).
 *
 * Exit codes, as riskmap-import's: 0 written, 1 usage (bad arguments, an
 * unknown district or a bad date), 2 cannot connect or cannot create OUT,
 * 4 a database error.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <libpq-fe.h>

#include "rm_ledger.h"

static void
usage(FILE *f)
{
	fprintf(f,
			"usage: riskmap-export [--db CONNINFO] [--as-of DATE] [--district CODE] OUT\n"
			"  OUT ends in .xlsx, .ods, .gpkg or .csv (a folder of CSV files)\n"
			"  --db CONNINFO     libpq connection string (default: the PG* environment)\n"
			"  --as-of DATE      the ledgers' date, YYYY-MM-DD (default: today in the database)\n"
			"  --district CODE   only this district (GB/T 2260 code, e.g. 500103)\n"
			"exit codes: 0 ok, 1 usage, 2 cannot connect or create OUT, 4 database error\n");
}

typedef struct progress
{
	int			tty;
	double		t0;
} progress;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
on_sheet(void *arg, int sheet, int nsheets, const char *name, long rows)
{
	progress   *p = arg;

	if (p->tty)
		fprintf(stderr, "\r\033[K[%d/%d] %s: %ld 行 (%.1f s)%s", sheet, nsheets, name, rows, now_s() - p->t0,
				sheet == nsheets ? "\n" : "");
	else
		fprintf(stderr, "riskmap-export: [%d/%d] %s: %ld rows\n", sheet, nsheets, name, rows);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"as-of", required_argument, NULL, 'a'},
		{"district", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *conninfo = "",
			   *out,
			   *driver;
	rm_ledger_opts o = {0};
	progress	p = {isatty(2), now_s()};
	PGconn	   *conn;
	char		err[1024];
	long		rows[RM_LEDGER_NSHEETS];
	int			c,
				rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				conninfo = optarg;
				break;
			case 'a':
				{
					int			y,
								m,
								d;
					char		extra;

					if (sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
					{
						fprintf(stderr, "riskmap-export: --as-of \"%s\" is not a date YYYY-MM-DD\n", optarg);
						return RM_LEDGER_USAGE;
					}
					o.as_of = optarg;
				}
				break;
			case 's':
				o.district = optarg;
				break;
			case 'h':
				usage(stdout);
				return 0;
			default:
				usage(stderr);
				return RM_LEDGER_USAGE;
		}
	}
	if (optind != argc - 1)
	{
		fprintf(stderr, "riskmap-export: %s\n", optind >= argc ? "OUT is missing" : "one OUT only");
		usage(stderr);
		return RM_LEDGER_USAGE;
	}
	out = argv[optind];
	driver = rm_ledger_driver(out);
	if (!driver)
	{
		fprintf(stderr, "riskmap-export: cannot tell the format of \"%s\": use .xlsx, .ods, .gpkg or .csv\n", out);
		return RM_LEDGER_USAGE;
	}
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "riskmap-export: cannot connect to the database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return RM_LEDGER_OPEN;
	}
	GDALAllRegister();
	o.progress = on_sheet;
	o.progress_arg = &p;
	rc = rm_ledger_write(conn, out, driver, &o, rows, err, sizeof err);
	PQfinish(conn);
	if (rc)
	{
		if (p.tty)
			fputc('\n', stderr);
		fprintf(stderr, "riskmap-export: %s\n", err);
		return rc;
	}
	{
		VSIStatBufL st;
		long		total = 0;
		int			i;

		for (i = 0; i < RM_LEDGER_NSHEETS; i++)
			total += rows[i];
		if (VSIStatL(out, &st) == 0 && !VSI_ISDIR(st.st_mode))
			printf("riskmap-export: wrote %s (%s, %d sheets, %ld rows, %lld bytes) in %.1f s\n", out, driver,
				   RM_LEDGER_NSHEETS, total, (long long) st.st_size, now_s() - p.t0);
		else
			printf("riskmap-export: wrote %s (%s, %d sheets, %ld rows) in %.1f s\n", out, driver,
				   RM_LEDGER_NSHEETS, total, now_s() - p.t0);
	}
	return 0;
}
