-- As at the end of a fresh install (sql/src/99_finish.sql): new PL/pgSQL functions get the pinned search_path.
-- PL/pgSQL functions run with riskmap and PostGIS on their search_path,
-- whatever the caller's (functions that set their own path keep it).
DO $$
DECLARE
    f    regprocedure;
    path text := pg_catalog.current_setting('search_path') || ', pg_temp';
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'riskmap'::regnamespace AND l.lanname = 'plpgsql' AND p.proconfig IS NULL
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f, path);
    END LOOP;
END $$;
