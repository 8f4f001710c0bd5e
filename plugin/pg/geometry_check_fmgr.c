/*
 * geometry_check_fmgr.c — fmgr glue of the geometry guard (core: rm_geometry_check).
 *
 *   riskmap._geometry_problem_ewkb(p_ewkb bytea) → text
 *
 * NULL when the geometry is fine, else a short reason. Bytes that are not
 * readable EWKB are ERROR 22023. All GEOS work happens in the core, which
 * frees every GEOS object and never longjmps; errors are raised here, after
 * it has returned.
 *
 * GEOS 3.11 reads nested collections recursively without a depth limit, so
 * an input longer than RM_GEOM_UNCHECKED_MAX_BYTES is first parsed by
 * PostGIS's own WKB reader (the function geometry(bytea) of the postgis
 * extension), which refuses more than 200 levels of nesting.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "rm_geometry_check.h"
#include "rm_pg.h"
#include "riskmap_pg.h"

PG_FUNCTION_INFO_V1(riskmap_geometry_problem_ewkb);

/* The schema of an extension (get_extension_schema is not exported before PostgreSQL 16). */
static Oid
extension_schema(Oid ext)
{
	Oid			result = InvalidOid;
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		result = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/* PostGIS's geometry(bytea), looked up once per call site (fn_extra). */
static FmgrInfo *
postgis_from_bytea(FunctionCallInfo fcinfo)
{
	FmgrInfo   *fi = (FmgrInfo *) fcinfo->flinfo->fn_extra;
	Oid			ext,
				fn;
	char	   *nspname;
	Oid			argtypes[1] = {BYTEAOID};

	if (fi != NULL)
		return fi;
	ext = get_extension_oid("postgis", true);
	nspname = OidIsValid(ext) ? get_namespace_name(extension_schema(ext)) : NULL;
	if (nspname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("riskmap needs the postgis extension to check large geometries")));
	fn = LookupFuncName(list_make2(makeString(nspname), makeString("geometry")), 1, argtypes, true);
	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function %s.geometry(bytea) of postgis not found", nspname)));
	fi = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo));
	fmgr_info_cxt(fn, fi, fcinfo->flinfo->fn_mcxt);
	fcinfo->flinfo->fn_extra = fi;
	return fi;
}

/*
 * Let PostGIS parse the bytes (bounding their nesting); its complaint about
 * malformed input becomes ERROR 22023. Other errors (cancel, out of memory)
 * pass unchanged.
 */
static void
postgis_parse_guard(FunctionCallInfo fcinfo, bytea *b)
{
	FmgrInfo   *volatile fi = postgis_from_bytea(fcinfo);
	MemoryContext oldcxt = CurrentMemoryContext;
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "riskmap EWKB guard",
											  ALLOCSET_DEFAULT_SIZES);

	PG_TRY();
	{
		MemoryContextSwitchTo(tmp);
		(void) FunctionCall1Coll(fi, InvalidOid, PointerGetDatum(b));
		MemoryContextSwitchTo(oldcxt);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			category;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
		if (category != ERRCODE_TO_CATEGORY(ERRCODE_INTERNAL_ERROR) &&
			category != ERRCODE_TO_CATEGORY(ERRCODE_DATA_EXCEPTION))
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid EWKB: %s", edata->message)));
	}
	PG_END_TRY();
	MemoryContextDelete(tmp);
}

Datum
riskmap_geometry_problem_ewkb(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	size_t		len = VARSIZE_ANY_EXHDR(b);
	bool		checked = false;
	char		msg[1024];
	rm_geom_status st;

	if (len > RM_GEOM_UNCHECKED_MAX_BYTES)
	{
		postgis_parse_guard(fcinfo, b);
		checked = true;
	}
	st = rm_geometry_problem((const unsigned char *) VARDATA_ANY(b), len, checked, msg, sizeof msg);
	switch (st)
	{
		case RM_GEOM_FINE:
			PG_RETURN_NULL();
		case RM_GEOM_PROBLEM:
			PG_RETURN_TEXT_P(cstring_to_text(msg));
		case RM_GEOM_UNREADABLE:
			rm_pg_raise(RM_EINPUT, "invalid EWKB", msg);
		case RM_GEOM_FAILED:
			rm_pg_raise(RM_EGEOS, "geometry check failed", msg);
	}
	PG_RETURN_NULL();
}
