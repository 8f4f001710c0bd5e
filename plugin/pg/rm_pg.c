/*
 * rm_pg.c — status -> SQLSTATE, interrupt bridge, MemoryContext allocator,
 * the backend's GEOS/PROJ context, SPI and EWKB helpers. See rm_pg.h.
 */
#include "rm_pg.h"

#include "executor/spi.h"
#include "miscadmin.h"

int
rm_pg_sqlstate(int status)
{
	switch (status)
	{
		case RM_EINVAL:
		case RM_EINPUT:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case RM_ENOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case RM_EINTERRUPTED:
			return ERRCODE_QUERY_CANCELED;
		case RM_ELIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		default:
			return ERRCODE_INTERNAL_ERROR;
	}
}

void
rm_pg_raise(int status, const char *what, const char *msg)
{
	if (status == RM_EINTERRUPTED)
	{
		CHECK_FOR_INTERRUPTS();
		if (!msg || !*msg)
			msg = "canceling statement due to user request";
	}
	if (!msg || !*msg)
		msg = rm_status_name(status);
	if (what)
		ereport(ERROR, (errcode(rm_pg_sqlstate(status)), errmsg("%s: %s", what, msg)));
	ereport(ERROR, (errcode(rm_pg_sqlstate(status)), errmsg("%s", msg)));
	pg_unreachable();
}

int
rm_pg_interrupted(void *arg)
{
	(void) arg;
	return (InterruptPending && (QueryCancelPending || ProcDiePending)) ? 1 : 0;
}

static void *
cxt_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size ? size : 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
cxt_release(void *ctx, void *ptr)
{
	(void) ctx;
	if (ptr)
		pfree(ptr);
}

rm_allocator
rm_pg_allocator(MemoryContext cxt)
{
	rm_allocator a = {cxt_alloc, cxt_release, cxt};

	return a;
}

static rm_geo *backend_geo = NULL;

rm_geo *
rm_pg_geo(void)
{
	if (!backend_geo)
	{
		backend_geo = rm_geo_new();
		if (!backend_geo)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("riskmap: cannot create a GEOS/PROJ context")));
	}

	/*
	 * PostGIS's SIGINT handler asks GEOS to interrupt (GEOS_interruptRequest).
	 * A request that arrived while no GEOS operation ran is still pending and
	 * would abort our next, unrelated operation: drop it. (GEOS 3.11 has no
	 * per-context interrupt API; this one only clears a flag.)
	 */
	GEOS_interruptCancel();
	rm_geo_clear_error(backend_geo);
	return backend_geo;
}

double
rm_spi_float8(HeapTuple tup, TupleDesc td, int col, bool *isnull)
{
	Datum v = SPI_getbinval(tup, td, col, isnull);

	return *isnull ? 0.0 : DatumGetFloat8(v);
}

int64
rm_spi_int8(HeapTuple tup, TupleDesc td, int col, bool *isnull)
{
	Datum v = SPI_getbinval(tup, td, col, isnull);

	return *isnull ? 0 : DatumGetInt64(v);
}

bytea *
rm_spi_bytea(HeapTuple tup, TupleDesc td, int col)
{
	bool isnull;
	Datum v = SPI_getbinval(tup, td, col, &isnull);

	return isnull ? NULL : DatumGetByteaPCopy(v);
}

bytea *
rm_pg_bytea(const unsigned char *buf, size_t len)
{
	bytea *out = (bytea *) palloc(len + VARHDRSZ);

	SET_VARSIZE(out, len + VARHDRSZ);
	memcpy(VARDATA(out), buf, len);
	return out;
}
