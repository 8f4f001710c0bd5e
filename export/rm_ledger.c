/*
 * rm_ledger.c — the ledgers written through GDAL (see rm_ledger.h).
 *
 * Each sheet is one SQL query over a riskmap function, with the Chinese
 * column names as aliases; the cell type follows the column's PostgreSQL
 * type (int2/int4/int8 -> OFTInteger64, float/numeric -> OFTReal, date ->
 * OFTDate, anything else -> OFTString). A bytea column "__geom" (WKB) becomes
 * the layer's point geometry where the format has geometries (GeoPackage).
 * Codes that a reader would have to look up (status, class, form, reason)
 * are given in Chinese; booleans as 是/否.
 */
#define _GNU_SOURCE
#include "rm_ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define YESNO(x) "CASE WHEN " x " THEN '是' WHEN NOT " x " THEN '否' END"

#define PLAN_STATUS(x) "CASE " x " WHEN 'drafting' THEN '编制中' WHEN 'reviewing' THEN '评审中' " \
	"WHEN 'approved' THEN '已批准' WHEN 'published' THEN '已发布' WHEN 'filed' THEN '已备案' " \
	"WHEN 'revising' THEN '修订中' WHEN 'retired' THEN '已废止' ELSE " x " END"

typedef struct sheet
{
	const char *name;
	const char *sql;			/* $1 as_of (date or NULL), $2 district (or NULL) */
} sheet;

static const sheet sheets[RM_LEDGER_NSHEETS] = {
	{"风险源",
		"SELECT l.source_id AS \"编号\", CASE l.kind WHEN 'risk_source' THEN '风险源' WHEN 'hazard_point' THEN '隐患点' ELSE l.kind END AS \"类型\","
		" l.name AS \"名称\", l.category AS \"类别\", l.risk_level AS \"风险等级\", l.district_code AS \"区县代码\","
		" l.district_name AS \"区县\", l.impact_radius_m AS \"影响半径（米）\", l.population_exposed AS \"暴露人口\","
		" l.plans AS \"关联预案（事件，状态）\", l.plans_in_force AS \"有效预案数\", l.last_drill_on AS \"最近演练日期\","
		" " YESNO("l.drilled_this_year") " AS \"本年度已安排演练\","
		" ST_AsBinary(ST_PointOnSurface(s.geom)) AS __geom"
		" FROM riskmap.ledger_sources(coalesce($1::date, current_date), $2::text) WITH ORDINALITY l"
		" JOIN riskmap.risk_source s ON s.id = l.source_id ORDER BY l.ordinality"},
	{"应急预案",
		"SELECT plan_id AS \"编号\", code AS \"预案编码\", title AS \"预案名称\","
		" CASE plan_type WHEN 'overall' THEN '总体预案' WHEN 'special' THEN '专项预案' WHEN 'department' THEN '部门预案'"
		"  WHEN 'grassroots' THEN '基层单位预案' WHEN 'enterprise' THEN '企事业单位预案' WHEN 'one_to_one' THEN '一对一预案' ELSE plan_type END AS \"预案类型\","
		" owner_district AS \"所属区县\", owner_department AS \"所属部门\", " PLAN_STATUS("status") " AS \"状态\","
		" approved_on AS \"批准日期\", published_on AS \"发布日期\", filed_on AS \"备案日期\", revised_on AS \"修订日期\","
		" filing_due_on AS \"备案截止日期\", working_days_late AS \"备案逾期工作日\", linked_sources AS \"关联风险源数\""
		" FROM riskmap.ledger_plans(coalesce($1::date, current_date), $2::text)"},
	{"年度演练",
		"SELECT drill_id AS \"编号\", year AS \"年度\", title AS \"演练名称\","
		" CASE drill_class WHEN 'comprehensive' THEN '综合演练' WHEN 'special' THEN '专项演练' ELSE drill_class END AS \"类别\","
		" CASE subject WHEN 'warning_response' THEN '预警响应' WHEN 'evacuation' THEN '人员疏散' WHEN 'medical_rescue' THEN '医疗救护'"
		"  WHEN 'other' THEN '其他' ELSE subject END AS \"科目\","
		" CASE form WHEN 'tabletop' THEN '桌面推演' WHEN 'live' THEN '实战演练' WHEN 'combined' THEN '桌面与实战结合' ELSE form END AS \"形式\","
		" " YESNO("blind") " AS \"六无盲演\", " YESNO("key_drill") " AS \"重点演练\", organizer AS \"组织单位\","
		" joint_districts AS \"联合区县\", joint_departments AS \"联合部门\", scheduled_on AS \"计划日期\","
		" completed_on AS \"完成日期\","
		" CASE status WHEN 'planned' THEN '计划' WHEN 'completed' THEN '已完成' WHEN 'cancelled' THEN '已取消' ELSE status END AS \"状态\","
		" targets AS \"目标风险源数\", materials AS \"已交材料\", materials_count AS \"材料份数\""
		" FROM riskmap.ledger_drills(coalesce($1::date, current_date), $2::text)"},
	{"未覆盖风险源",
		"SELECT source_id AS \"风险源编号\", name AS \"名称\", district_code AS \"区县代码\", risk_level AS \"风险等级\","
		" CASE reason WHEN 'no_plan' THEN '无预案' WHEN 'plan_not_in_force' THEN '预案未生效'"
		"  WHEN 'revision_overdue' THEN '预案逾期未修订' WHEN 'no_drill' THEN '本年度未安排演练' ELSE reason END AS \"原因\""
		" FROM riskmap.uncovered_sources($2::text, coalesce($1::date, current_date))"},
	{"备案逾期",
		"SELECT plan_id AS \"预案编号\", code AS \"预案编码\", owner_district AS \"所属区县\", owner_department AS \"所属部门\","
		" published_on AS \"发布日期\", due_on AS \"备案截止日期\", working_days_late AS \"逾期工作日\""
		" FROM riskmap.filing_overdue(coalesce($1::date, current_date))"
		" WHERE $2::text IS NULL OR owner_district = $2::text"},
	{"演练达标",
		"SELECT CASE org_kind WHEN 'district' THEN '区县' WHEN 'department' THEN '部门' ELSE org_kind END AS \"单位类型\","
		" org_code AS \"单位代码\", org_name AS \"单位名称\", comprehensive AS \"综合演练次数\", special AS \"专项演练次数\","
		" required_comprehensive AS \"综合演练要求\", required_special AS \"专项演练要求\", " YESNO("quota_met") " AS \"是否达标\","
		" materials_overdue AS \"材料逾期次数\", " YESNO("overall_plan_filed") " AS \"总体预案已备案\""
		" FROM riskmap.compliance(extract(year FROM coalesce($1::date, current_date))::integer, coalesce($1::date, current_date))"
		" WHERE $2::text IS NULL OR (org_kind = 'district' AND org_code = $2::text)"},
	{"整改事项",
		"SELECT action_id AS \"整改编号\", drill_id AS \"演练编号\", org_code AS \"单位\", action AS \"整改措施\", owner AS \"责任人\","
		" due_on AS \"整改期限\", days_overdue AS \"逾期天数\""
		" FROM riskmap.open_actions(coalesce($1::date, current_date), $2::text)"},
};

const char *
rm_ledger_sheet_name(int i)
{
	return i >= 0 && i < RM_LEDGER_NSHEETS ? sheets[i].name : NULL;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t		n = strlen(s),
				m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *
rm_ledger_driver(const char *path)
{
	if (!path)
		return NULL;
	if (ends_with(path, ".xlsx"))
		return "XLSX";
	if (ends_with(path, ".ods"))
		return "ODS";
	if (ends_with(path, ".gpkg"))
		return "GPKG";
	if (ends_with(path, ".csv") || ends_with(path, ".csv/"))
		return "CSV";
	return NULL;
}

static int
fail(char *err, size_t errlen, int code, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a ? a : "", b ? b : "");
	return code;
}

/* An error of a query: 22xxx (bad district or date) is the user's. */
static int
db_fail(PGresult *res, PGconn *conn, const char *what, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int			code = (state && strncmp(state, "22", 2) == 0) ? RM_LEDGER_USAGE : RM_LEDGER_DB;

	snprintf(err, errlen, "%s: %s%s%s", what, msg ? msg : PQerrorMessage(conn), state ? " (SQLSTATE " : "",
			 state ? state : "");
	if (state)
		strncat(err, ")", errlen - strlen(err) - 1);
	return code;
}

static int
exec_simple(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult   *res = PQexec(conn, sql);
	int			rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = db_fail(res, conn, sql, err, errlen);
	PQclear(res);
	return rc;
}

static OGRFieldType
field_type(Oid t)
{
	switch (t)
	{
		case 20:				/* int8 */
		case 21:				/* int2 */
		case 23:				/* int4 */
			return OFTInteger64;
		case 700:				/* float4 */
		case 701:				/* float8 */
		case 1700:				/* numeric */
			return OFTReal;
		case 1082:				/* date */
			return OFTDate;
		default:
			return OFTString;
	}
}

/* Writes one sheet from res into ds. Returns 0 or an error code. */
static int
write_sheet(GDALDatasetH ds, const char *driver, const char *name, PGresult *res, char *err, size_t errlen)
{
	int			nf = PQnfields(res),
				nr = PQntuples(res),
				geom_col = -1,
				i,
				j;
	OGRLayerH	lyr;
	OGRSpatialReferenceH srs = NULL;
	int			want_geom = strcmp(driver, "GPKG") == 0;
	char	  **lco = NULL;

	for (j = 0; j < nf; j++)
		if (strcmp(PQfname(res, j), "__geom") == 0)
			geom_col = j;
	if (geom_col >= 0 && want_geom)
	{
		srs = OSRNewSpatialReference(NULL);
		OSRImportFromEPSG(srs, 4326);
		OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	}
	if (strcmp(driver, "CSV") == 0)
		lco = CSLSetNameValue(lco, "STRING_QUOTING", "IF_NEEDED");
	lyr = GDALDatasetCreateLayer(ds, name, srs, (srs ? wkbPoint : wkbNone), lco);
	CSLDestroy(lco);
	if (srs)
		OSRDestroySpatialReference(srs);
	if (!lyr)
		return fail(err, errlen, RM_LEDGER_OPEN, "cannot create the sheet %s: %s", name, CPLGetLastErrorMsg());
	for (j = 0; j < nf; j++)
	{
		OGRFieldDefnH fd;

		if (j == geom_col)
			continue;
		fd = OGR_Fld_Create(PQfname(res, j), field_type(PQftype(res, j)));
		if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
		{
			OGR_Fld_Destroy(fd);
			return fail(err, errlen, RM_LEDGER_OPEN, "cannot create the column %s: %s", PQfname(res, j),
						CPLGetLastErrorMsg());
		}
		OGR_Fld_Destroy(fd);
	}
	if (OGR_L_StartTransaction(lyr) != OGRERR_NONE)
		CPLErrorReset();		/* formats without transactions */
	for (i = 0; i < nr; i++)
	{
		OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
		int			k = 0;

		for (j = 0; j < nf; j++)
		{
			const char *v;

			if (j == geom_col)
				continue;
			if (PQgetisnull(res, i, j))
			{
				OGR_F_SetFieldNull(f, k++);
				continue;
			}
			v = PQgetvalue(res, i, j);
			switch (field_type(PQftype(res, j)))
			{
				case OFTInteger64:
					OGR_F_SetFieldInteger64(f, k, strtoll(v, NULL, 10));
					break;
				case OFTReal:
					OGR_F_SetFieldDouble(f, k, strtod(v, NULL));
					break;
				case OFTDate:
					{
						int			y = 0,
									m = 0,
									d = 0;

						if (sscanf(v, "%d-%d-%d", &y, &m, &d) == 3)
							OGR_F_SetFieldDateTime(f, k, y, m, d, 0, 0, 0, 0);
						else
							OGR_F_SetFieldString(f, k, v);	/* infinity */
					}
					break;
				default:
					OGR_F_SetFieldString(f, k, v);
			}
			k++;
		}
		if (geom_col >= 0 && want_geom && !PQgetisnull(res, i, geom_col))
		{
			size_t		len = 0;
			unsigned char *wkb = PQunescapeBytea((const unsigned char *) PQgetvalue(res, i, geom_col), &len);
			OGRGeometryH g = NULL;

			if (wkb && OGR_G_CreateFromWkb(wkb, NULL, &g, (int) len) == OGRERR_NONE)
				OGR_F_SetGeometryDirectly(f, g);
			PQfreemem(wkb);
		}
		if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
		{
			OGR_F_Destroy(f);
			return fail(err, errlen, RM_LEDGER_OPEN, "cannot write a row of %s: %s", name, CPLGetLastErrorMsg());
		}
		OGR_F_Destroy(f);
	}
	if (OGR_L_CommitTransaction(lyr) != OGRERR_NONE)
		CPLErrorReset();
	return 0;
}

/* Removes what a failed run left at path. */
static void
remove_output(const char *path, const char *driver)
{
	if (strcmp(driver, "CSV") == 0)
	{
		int			i;
		char		f[4096];

		for (i = 0; i < RM_LEDGER_NSHEETS; i++)
		{
			snprintf(f, sizeof f, "%s/%s.csv", path, sheets[i].name);
			VSIUnlink(f);
		}
		VSIRmdir(path);
	}
	else
		VSIUnlink(path);
}

int
rm_ledger_write(PGconn *conn, const char *path, const char *driver, const rm_ledger_opts *o,
				long rows[RM_LEDGER_NSHEETS], char *err, size_t errlen)
{
	GDALDriverH drv = GDALGetDriverByName(driver);
	GDALDatasetH ds = NULL;
	int			rc,
				i,
				created = 0;
	const char *params[2] = {o ? o->as_of : NULL, o ? o->district : NULL};
	VSIStatBufL st;

	if (!drv)
		return fail(err, errlen, RM_LEDGER_OPEN, "GDAL has no %s driver%s", driver, "");
	/* the transaction first: a bad date or district leaves no file behind */
	if ((rc = exec_simple(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen)) ||
		(rc = exec_simple(conn, "SET LOCAL DateStyle = 'ISO, YMD'", err, errlen)) ||
		(rc = exec_simple(conn, "SET LOCAL extra_float_digits = 1", err, errlen)) ||
		/* JIT compiles each ledger query for longer than it runs (scale 16:
		 * 8.4 s with JIT, 4.6 s without, CSV) */
		(rc = exec_simple(conn, "SET LOCAL jit = off", err, errlen)))
		goto done;
	{
		PGresult   *res = PQexecParams(conn, "SELECT $1::date, riskmap._check_district($2::text)", 2, NULL,
									   params, NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			rc = db_fail(res, conn, "checking the date and the district", err, errlen);
			PQclear(res);
			goto done;
		}
		PQclear(res);
	}
	/* the output's folder must exist (XLSX and ODS are written on close) */
	{
		char	   *dir = CPLStrdup(CPLGetPath(path));

		if (dir[0] && (VSIStatL(dir, &st) != 0 || !VSI_ISDIR(st.st_mode)))
		{
			rc = fail(err, errlen, RM_LEDGER_OPEN, "cannot create %s: no folder %s", path, dir);
			CPLFree(dir);
			goto done;
		}
		CPLFree(dir);
	}
	/* the output: replace a previous export */
	if (VSIStatL(path, &st) == 0)
	{
		if (strcmp(driver, "CSV") == 0 && !VSI_ISDIR(st.st_mode))
		{
			rc = fail(err, errlen, RM_LEDGER_OPEN, "%s exists and is not a folder%s", path, "");
			goto done;
		}
		remove_output(path, driver);
	}
	CPLErrorReset();
	created = 1;
	if (strcmp(driver, "CSV") == 0)
	{
		/* a name ending in .csv would be one file: a trailing slash makes
		 * GDAL's CSV driver create the folder, one file per sheet */
		char	   *dir = CPLStrdup(CPLSPrintf("%s/", path));

		if (ends_with(path, "/"))
			dir[strlen(dir) - 1] = '\0';
		ds = GDALCreate(drv, dir, 0, 0, 0, GDT_Unknown, NULL);
		CPLFree(dir);
	}
	else
		ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
	if (!ds)
	{
		rc = fail(err, errlen, RM_LEDGER_OPEN, "cannot create %s: %s", path, CPLGetLastErrorMsg());
		goto done;
	}
	for (i = 0; i < RM_LEDGER_NSHEETS; i++)
	{
		PGresult   *res = PQexecParams(conn, sheets[i].sql, 2, NULL, params, NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			rc = db_fail(res, conn, sheets[i].name, err, errlen);
			PQclear(res);
			goto done;
		}
		rc = write_sheet(ds, driver, sheets[i].name, res, err, errlen);
		if (rows)
			rows[i] = PQntuples(res);
		if (o && o->progress)
			o->progress(o->progress_arg, i + 1, RM_LEDGER_NSHEETS, sheets[i].name, PQntuples(res));
		PQclear(res);
		if (rc)
			goto done;
	}
	CPLErrorReset();
	GDALClose(ds);
	ds = NULL;
	if (CPLGetLastErrorType() >= CE_Failure)
		rc = fail(err, errlen, RM_LEDGER_OPEN, "writing %s failed: %s", path, CPLGetLastErrorMsg());
done:
	if (ds)
		GDALClose(ds);
	if (rc && created)
		remove_output(path, driver);
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		PGresult   *res = PQexec(conn, "ROLLBACK");

		PQclear(res);
	}
	return rc;
}
