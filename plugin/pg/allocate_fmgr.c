/*
 * allocate_fmgr.c — fmgr glue of allocate_drills: reads the problem through
 * SPI (riskmap._allocation_sources / _allocation_orgs), solves it with the
 * core (plugin/core/rm_allocate_*.c), returns the proposals.
 *
 *   riskmap._allocate(p_year integer)
 *     RETURNS TABLE(org_kind text, org_code text, drill_class text, month integer,
 *                   source_ids bigint[], score double precision)
 *   riskmap.allocation_stats(p_year integer, p_node_limit bigint DEFAULT NULL)
 *     RETURNS TABLE(sources integer, eligible integer, slots integer, filled integer,
 *                   heuristic_score double precision, score double precision,
 *                   upper_bound double precision, optimal boolean, nodes bigint,
 *                   near_pairs bigint, solve_ms double precision, near_ms double precision,
 *                   heuristic_ms double precision, exact_ms double precision,
 *                   polish_ms double precision)
 */
#include "postgres.h"

#include <math.h>
#include <time.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "riskmap_pg.h"
#include "rm_allocate.h"
#include "rm_pg.h"

PG_FUNCTION_INFO_V1(riskmap_allocate);
PG_FUNCTION_INFO_V1(riskmap_allocate_stats);

typedef struct
{
	char *kind;			/* "district" / "department" */
	char *code;
	int need_comp;
	int need_spec;
	unsigned busy;
	int *cats;			/* departments: category indices of the pool */
	int ncats;
	int *pool;
	int npool;
	int first_slot;
	int nslots;
} org_t;

typedef struct
{
	int n;
	int64 *id;
	double *w;
	int *cat;
	int ncat;
	int *org;			/* district org index or -1 */
	const unsigned char **wkb;
	size_t *wkb_len;
	int norg;
	org_t *orgs;
	int S;
	rm_alloc_slot *slots;
	int *slot_month;
	rm_alloc_solution sol;
	double heuristic_score;
	double upper_bound;
	long near_pairs;
	double ms;
	double near_ms;
	double heuristic_ms;
	double polish_ms;
	double exact_ms;
	int eligible;
} alloc_run;

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
cmp_org_code(const void *key, const void *elem)
{
	return strcmp((const char *) key, (*(org_t *const *) elem)->code);
}

/* Reads the problem (inside SPI) and solves it. Everything malloc'ed by the
 * core is freed before any ereport. */
static void
alloc_solve(int32 year, int64 node_limit, bool want_bound, alloc_run *r)
{
	Oid argtypes[1] = {INT4OID};
	Datum args[1] = {Int32GetDatum(year)};
	int ret;
	uint64 nrows;
	int *near_start = NULL, *near = NULL;
	char *want;
	const int *group;
	int *so;
	org_t **dorgs;
	int ndorg = 0;
	char errbuf[256];
	rm_alloc_problem p;
	int rc;
	struct timespec t0, t1;

	memset(r, 0, sizeof(*r));
	/* Sources, in id order: weight 0 = covered by a drill of the year. */
	ret = SPI_execute_with_args("SELECT id, cat_idx, district_code, weight, ST_AsEWKB(geom) "
								"FROM riskmap._allocation_sources($1) ORDER BY id",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "riskmap._allocation_sources failed: %s", SPI_result_code_string(ret));
	nrows = SPI_processed;
	if (nrows > INT_MAX / 16)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("too many risk sources (%llu)", (unsigned long long) nrows)));
	r->n = (int) nrows;
	r->id = palloc0((r->n + 1) * sizeof(int64));
	r->w = palloc0((r->n + 1) * sizeof(double));
	r->cat = palloc0((r->n + 1) * sizeof(int));
	r->org = palloc0((r->n + 1) * sizeof(int));
	r->wkb = palloc0((r->n + 1) * sizeof(unsigned char *));
	r->wkb_len = palloc0((r->n + 1) * sizeof(size_t));
	{
		SPITupleTable *tt = SPI_tuptable;
		char **dcode = palloc0((r->n + 1) * sizeof(char *));

		for (int i = 0; i < r->n; i++)
		{
			HeapTuple tup = tt->vals[i];
			TupleDesc td = tt->tupdesc;
			bool isnull;
			Datum d;

			r->id[i] = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
			r->cat[i] = DatumGetInt32(SPI_getbinval(tup, td, 2, &isnull)) - 1;
			if (r->cat[i] + 1 > r->ncat)
				r->ncat = r->cat[i] + 1;
			dcode[i] = SPI_getvalue(tup, td, 3);
			r->w[i] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
			if (r->w[i] > 0)
				r->eligible++;
			d = SPI_getbinval(tup, td, 5, &isnull);
			if (isnull)
				ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
								errmsg("risk_source %lld has no geometry", (long long) r->id[i])));
			{
				bytea *b = DatumGetByteaPP(d);

				r->wkb_len[i] = VARSIZE_ANY_EXHDR(b);
				r->wkb[i] = palloc(r->wkb_len[i] + 1);
				memcpy((void *) r->wkb[i], VARDATA_ANY(b), r->wkb_len[i]);
			}
		}
		SPI_freetuptable(tt);

		/* Organisations, districts sorted by code. */
		ret = SPI_execute_with_args("SELECT org_kind, org_code, need_comp, need_spec, busy_mask, past_mask, pool_cats "
									"FROM riskmap._allocation_orgs($1) ORDER BY org_kind, org_code",
									1, argtypes, args, NULL, true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "riskmap._allocation_orgs failed: %s", SPI_result_code_string(ret));
		tt = SPI_tuptable;
		r->norg = (int) SPI_processed;
		r->orgs = palloc0((r->norg + 1) * sizeof(org_t));
		dorgs = palloc0((r->norg + 1) * sizeof(org_t *));
		for (int o = 0; o < r->norg; o++)
		{
			HeapTuple tup = tt->vals[o];
			TupleDesc td = tt->tupdesc;
			org_t *g = &r->orgs[o];
			bool isnull;
			Datum d;

			g->kind = SPI_getvalue(tup, td, 1);
			g->code = SPI_getvalue(tup, td, 2);
			g->need_comp = DatumGetInt32(SPI_getbinval(tup, td, 3, &isnull));
			g->need_spec = DatumGetInt32(SPI_getbinval(tup, td, 4, &isnull));
			g->busy = (unsigned) DatumGetInt32(SPI_getbinval(tup, td, 5, &isnull));
			{
				/* avoid past months when enough later ones are free */
				unsigned past = (unsigned) DatumGetInt32(SPI_getbinval(tup, td, 6, &isnull));
				int nfree = 0;

				for (int m = 0; m < 12; m++)
					if (!((g->busy | past) & (1u << m)))
						nfree++;
				if (nfree >= g->need_comp + g->need_spec)
					g->busy |= past;
			}
			d = SPI_getbinval(tup, td, 7, &isnull);
			if (!isnull)
			{
				ArrayType *a = DatumGetArrayTypeP(d);
				Datum *el;
				bool *nulls;
				int ne;

				deconstruct_array(a, INT4OID, 4, true, TYPALIGN_INT, &el, &nulls, &ne);
				g->cats = palloc0((ne + 1) * sizeof(int));
				for (int k = 0; k < ne; k++)
					if (!nulls[k])
						g->cats[g->ncats++] = DatumGetInt32(el[k]) - 1;
			}
			if (strcmp(g->kind, "district") == 0)
				dorgs[ndorg++] = g;
		}
		SPI_freetuptable(tt);

		/* Pools: a district's own sources; a department's categories. */
		for (int i = 0; i < r->n; i++)
		{
			org_t **hit = dcode[i] ? bsearch(dcode[i], dorgs, ndorg, sizeof(org_t *), cmp_org_code) : NULL;

			r->org[i] = hit ? (int) (*hit - r->orgs) : -1;
			if (hit)
				(*hit)->npool++;
		}
		for (int o = 0; o < r->norg; o++)
		{
			org_t *g = &r->orgs[o];

			if (strcmp(g->kind, "district") == 0)
			{
				g->pool = palloc((g->npool + 1) * sizeof(int));
				g->npool = 0;
			}
			else
			{
				bool *in = palloc0((r->ncat + 1) * sizeof(bool));

				for (int k = 0; k < g->ncats; k++)
					if (g->cats[k] >= 0 && g->cats[k] < r->ncat)
						in[g->cats[k]] = true;
				g->npool = 0;
				for (int i = 0; i < r->n; i++)
					if (in[r->cat[i]])
						g->npool++;
				g->pool = palloc((g->npool + 1) * sizeof(int));
				g->npool = 0;
				for (int i = 0; i < r->n; i++)
					if (in[r->cat[i]])
						g->pool[g->npool++] = i;
			}
		}
		for (int i = 0; i < r->n; i++)
			if (r->org[i] >= 0)
			{
				org_t *g = &r->orgs[r->org[i]];

				g->pool[g->npool++] = i;
			}
	}

	/* Slots: an organisation's missing drills, as many as it has free months. */
	r->slots = palloc0((r->norg * 24 + 1) * sizeof(rm_alloc_slot));
	want = palloc0(r->n + 1);
	for (int o = 0; o < r->norg; o++)
	{
		org_t *g = &r->orgs[o];
		int months[12];
		int k = rm_alloc_months(g->busy, Max(0, g->need_comp) + Max(0, g->need_spec), months);

		g->first_slot = r->S;
		for (int j = 0; j < k; j++)
		{
			rm_alloc_slot *sl = &r->slots[r->S++];

			sl->org = o;
			sl->cls = j < g->need_comp ? RM_ALLOC_COMPREHENSIVE : RM_ALLOC_SPECIAL;
			sl->pool = g->pool;
			sl->n_pool = g->npool;
			if (sl->cls == RM_ALLOC_COMPREHENSIVE)
				for (int q = 0; q < g->npool; q++)
					if (r->w[g->pool[q]] > 0)
						want[g->pool[q]] = 1;
		}
		g->nslots = k;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Pairs matter within one comprehensive pool: a district's sources,
	 * unless a department has comprehensive drills to do too. */
	{
		bool dept_comp = false;

		for (int o = 0; o < r->norg; o++)
			if (strcmp(r->orgs[o].kind, "department") == 0 && r->orgs[o].nslots > 0 && r->orgs[o].need_comp > 0)
				dept_comp = true;
		group = dept_comp ? NULL : r->org;
	}
	/* palloc'ed before the core mallocs anything: from the near graph to
	 * the frees below nothing may ereport */
	so = palloc((r->n + 1) * sizeof(int));
	rc = rm_alloc_near_graph(r->n, r->wkb, r->wkb_len, want, group, RM_ALLOC_NEAR_M, &near_start, &near,
							 errbuf, sizeof(errbuf), rm_pg_interrupted, NULL);
	if (rc == RM_EINTERRUPTED)
		rm_pg_raise(RM_EINTERRUPTED, NULL, "drill allocation interrupted");
	if (rc == RM_ENOMEM)
		rm_pg_raise(RM_ENOMEM, NULL, "out of memory building the 10 km graph of risk sources");
	if (rc != RM_OK)
	{
		int idx = -1;
		const char *h = strchr(errbuf, '#');

		if (h)
			idx = atoi(h + 1);
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						errmsg("risk_source %lld: cannot measure its geometry (%s)",
							   idx >= 0 && idx < r->n ? (long long) r->id[idx] : -1LL, errbuf)));
	}
	r->near_pairs = near_start[r->n] / 2;
	r->near_ms = ms_since(&t0);

	memset(&p, 0, sizeof(p));
	p.n_sources = r->n;
	p.weight = r->w;
	p.category = r->cat;
	p.n_categories = Max(r->ncat, 1);
	p.near_start = near_start;
	p.near = near;
	p.n_slots = r->S;
	p.slots = r->slots;
	p.max_targets = riskmap_max_targets_per_drill;
	p.interrupted = rm_pg_interrupted;

	rc = rm_alloc_solution_init(&r->sol, r->n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == RM_OK)
		rc = rm_alloc_heuristic(&p, &r->sol);
	r->heuristic_ms = ms_since(&t1);
	if (rc == RM_OK)
	{
		/* each organisation re-solved exactly, the others fixed */
		r->heuristic_score = r->sol.score;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rc = rm_alloc_polish_orgs(&p, &r->sol, 20000);
		r->polish_ms = ms_since(&t1);
	}
	if (rc == RM_OK)
	{
		/* Polish with branch and bound from the heuristic's solution; the
		 * work is bounded (each node costs about n + S*K). */
		long pool_total = 0, limit;

		for (int s = 0; s < r->S; s++)
			pool_total += r->slots[s].n_pool;
		limit = (long) (2e7 / ((double) r->n + (double) pool_total + (double) r->S * p.max_targets + 1));

		if (limit > 200000)
			limit = 200000;
		if (limit < 20)
			limit = 20;
		if (node_limit > 0)
			limit = node_limit;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* (a deep search with huge groups is pointless: the heuristic stands) */
		if ((long) r->S * p.max_targets <= 20000)
			rc = rm_alloc_exact(&p, &r->sol, limit);
		r->exact_ms = ms_since(&t1);
		if (rc == RM_OK && want_bound)
			r->upper_bound = rm_alloc_upper_bound(&p);
	}
	r->ms = ms_since(&t0);
	free(near_start);
	free(near);
	if (rc != RM_OK)
	{
		rm_alloc_solution_free(&r->sol);
		if (rc == RM_EINTERRUPTED)
			rm_pg_raise(RM_EINTERRUPTED, NULL, "drill allocation interrupted");
		if (rc == RM_ENOMEM)
			rm_pg_raise(RM_ENOMEM, NULL, "out of memory in drill allocation");
		rm_pg_raise(rc, "drill allocation failed", NULL);
	}
	/* Keep the solution in palloc'ed memory. */
	memcpy(so, r->sol.slot_of, r->n * sizeof(int));
	rm_alloc_solution_free(&r->sol);
	r->sol.slot_of = so;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64 x = *(const int64 *) a, y = *(const int64 *) b;

	return (x > y) - (x < y);
}

Datum
riskmap_allocate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32 year;
	alloc_run r;
	int64 *ids;
	Datum *idd;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("p_year must not be NULL")));
	year = PG_GETARG_INT32(0);
	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	alloc_solve(year, 0, false, &r);
	ids = palloc((riskmap_max_targets_per_drill + 1) * sizeof(int64));
	idd = palloc((riskmap_max_targets_per_drill + 1) * sizeof(Datum));
	for (int o = 0; o < r.norg; o++)
	{
		org_t *g = &r.orgs[o];
		int filled = 0, months[12], mi = 0;

		for (int s = g->first_slot; s < g->first_slot + g->nslots; s++)
			for (int i = 0; i < r.n; i++)
				if (r.sol.slot_of[i] == s)
				{
					filled++;
					break;
				}
		/* months for the drills actually proposed, spread over the free ones */
		filled = rm_alloc_months(g->busy, filled, months);
		for (int s = g->first_slot; s < g->first_slot + g->nslots && mi < filled; s++)
		{
			int k = 0;
			double score = 0;
			Datum values[6];
			bool nulls[6] = {false, false, false, false, false, false};

			for (int i = 0; i < r.n && k < riskmap_max_targets_per_drill; i++)
				if (r.sol.slot_of[i] == s)
				{
					ids[k++] = r.id[i];
					score += r.w[i];
				}
			if (k == 0)
				continue;
			qsort(ids, k, sizeof(int64), cmp_int64);
			for (int j = 0; j < k; j++)
				idd[j] = Int64GetDatum(ids[j]);
			values[0] = CStringGetTextDatum(g->kind);
			values[1] = CStringGetTextDatum(g->code);
			values[2] = CStringGetTextDatum(r.slots[s].cls == RM_ALLOC_COMPREHENSIVE ? "comprehensive" : "special");
			values[3] = Int32GetDatum(months[mi++]);
			values[4] = PointerGetDatum(construct_array(idd, k, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			values[5] = Float8GetDatum(score);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
riskmap_allocate_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32 year;
	alloc_run r;
	Datum values[15];
	bool nulls[15] = {0};
	int filled = 0;
	double score = 0;
	bool *seen;
	int64 node_limit;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("p_year must not be NULL")));
	year = PG_GETARG_INT32(0);
	node_limit = PG_NARGS() > 1 && !PG_ARGISNULL(1) ? PG_GETARG_INT64(1) : 0;
	if (node_limit < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("p_node_limit must not be negative")));
	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	alloc_solve(year, node_limit, true, &r);
	seen = palloc0((r.S + 1) * sizeof(bool));
	for (int i = 0; i < r.n; i++)
		if (r.sol.slot_of[i] >= 0)
		{
			score += r.w[i];
			if (!seen[r.sol.slot_of[i]])
			{
				seen[r.sol.slot_of[i]] = true;
				filled++;
			}
		}
	values[0] = Int32GetDatum(r.n);
	values[1] = Int32GetDatum(r.eligible);
	values[2] = Int32GetDatum(r.S);
	values[3] = Int32GetDatum(filled);
	values[4] = Float8GetDatum(r.heuristic_score);
	values[5] = Float8GetDatum(score);
	values[6] = Float8GetDatum(r.upper_bound);
	/* proven by the search, or by meeting the upper bound */
	values[7] = BoolGetDatum(r.sol.optimal || r.upper_bound - score <= 1e-9);
	values[8] = Int64GetDatum(r.sol.nodes);
	values[9] = Int64GetDatum(r.near_pairs);
	values[10] = Float8GetDatum(r.ms);
	values[11] = Float8GetDatum(r.near_ms);
	values[12] = Float8GetDatum(r.heuristic_ms);
	values[13] = Float8GetDatum(r.exact_ms);
	values[14] = Float8GetDatum(r.polish_ms);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}
