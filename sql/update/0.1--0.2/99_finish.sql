-- As at the end of a fresh install (sql/src/99_finish.sql), for the functions of 0.1 and of this update.
-- Every function of riskmap runs with a fixed search_path, whatever the
-- caller's, with pg_catalog first (a function or operator planted in a schema
-- that someone else can write never shadows a built-in one) and pg_temp last
-- (docs/security.md):
--  * SECURITY INVOKER functions: pg_catalog, riskmap, PostGIS's schema, pg_temp;
--  * SECURITY DEFINER functions keep the schemas they pin, reordered so that
--    pg_catalog comes first and pg_temp last (ours pin "pg_catalog, pg_temp"
--    and qualify every name: PostGIS's schema may be public, where the
--    database owner can plant overloads that beat a built-in function whose
--    argument types are not an exact match); one that pins nothing gets the
--    invokers' path.
-- Bodies in SQL-standard form are bound when created and left alone.
DO $$
DECLARE
    f      regprocedure;
    cfg    text;
    secdef boolean;
    canon  text;
    path   text;
BEGIN
    SELECT 'pg_catalog, riskmap, ' || pg_catalog.quote_ident(n.nspname) || ', pg_temp' INTO canon
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'postgis';
    FOR f, secdef, cfg IN
        SELECT p.oid::regprocedure, p.prosecdef,
               (SELECT pg_catalog.substr(c, 13) FROM pg_catalog.unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'riskmap'::regnamespace
          AND l.lanname IN ('plpgsql', 'sql', 'c')
          AND p.prosqlbody IS NULL
          AND p.prokind IN ('f', 'p')
    LOOP
        IF secdef AND cfg IS NOT NULL THEN
            SELECT pg_catalog.string_agg(s, ', ' ORDER BY o) INTO path
            FROM (SELECT 'pg_catalog' AS s, 0 AS o
                  UNION ALL
                  SELECT x.s, x.o FROM pg_catalog.unnest(pg_catalog.string_to_array(cfg, ', ')) WITH ORDINALITY AS x(s, o)
                  WHERE x.s NOT IN ('pg_catalog', 'pg_temp')
                  UNION ALL
                  SELECT 'pg_temp', 1000) y;
        ELSE
            path := canon;
        END IF;
        IF cfg IS DISTINCT FROM path THEN
            EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f, path);
        END IF;
    END LOOP;
END $$;
