-- As at the end of a fresh install (sql/src/99_finish.sql), for the functions of 0.1 and of this update.
-- Every function of riskmap runs with a fixed search_path, whatever the
-- caller's: pg_catalog first (a function or operator planted in a schema that
-- someone else can write never shadows a built-in one), then riskmap, then
-- PostGIS's schema, and pg_temp last (docs/security.md). Exceptions: bodies
-- in SQL-standard form (bound when created) and functions pinned to exactly
-- "pg_catalog, pg_temp" (the SECURITY DEFINER ones, whose names are all
-- qualified and which must not search PostGIS's schema: it may be public,
-- where the database owner can plant overloads).
DO $$
DECLARE
    f    regprocedure;
    path text;
BEGIN
    SELECT 'pg_catalog, riskmap, ' || pg_catalog.quote_ident(n.nspname) || ', pg_temp' INTO path
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'postgis';
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'riskmap'::regnamespace
          AND l.lanname IN ('plpgsql', 'sql', 'c')
          AND p.prosqlbody IS NULL
          AND p.prokind IN ('f', 'p')
          AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f, path);
    END LOOP;
END $$;
