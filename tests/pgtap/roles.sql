-- Roles' rights, table by table and function by function (docs/reference.md, Roles), and
-- the search_path of every SECURITY DEFINER function. Everything happens in one
-- transaction that is rolled back: the test logins and rows leave no trace.
BEGIN;
SELECT no_plan();

-- as_role(role, sql): runs sql as role and answers 'ok' or the SQLSTATE. A
-- statement that succeeds is undone (the raise rolls its subtransaction back),
-- so each attempt sees the same fixture.
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    BEGIN
        EXECUTE q;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'RMOK0';
    EXCEPTION WHEN OTHERS THEN
        v := CASE WHEN SQLSTATE = 'RMOK0' THEN 'ok' ELSE SQLSTATE END;
    END;
    RESET ROLE;
    RETURN v;
END $$;

CREATE ROLE rm_tap_reader LOGIN IN ROLE riskmap_reader;
CREATE ROLE rm_tap_lead LOGIN IN ROLE riskmap_district;
CREATE ROLE rm_tap_office LOGIN IN ROLE riskmap_office;

INSERT INTO riskmap.district (code, name) VALUES ('500101', 'A区'), ('500102', 'B区');
INSERT INTO riskmap.department (code, name) VALUES ('D1', '市水利局');
INSERT INTO riskmap.user_district VALUES ('rm_tap_lead', '500101');
INSERT INTO riskmap.risk_source (id, name, category, risk_level, district_code, geom) OVERRIDING SYSTEM VALUE VALUES
  (901, 'A源', 'flood', 1, '500101', 'SRID=4326;POINT(106.1 29.1)'),
  (902, 'B源', 'flood', 1, '500102', 'SRID=4326;POINT(106.6 29.1)');
INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district, status) OVERRIDING SYSTEM VALUE VALUES
  (901, 'TAP-A', 'A预案', 'special', '500101', 'drafting'),
  (902, 'TAP-B', 'B预案', 'special', '500102', 'drafting');
INSERT INTO riskmap.drill (id, year, title, drill_class, blind, organizer_district, scheduled_on) OVERRIDING SYSTEM VALUE VALUES
  (901, extract(year FROM current_date)::int, 'A盲演', 'special', true, '500101', current_date + 30),
  (902, extract(year FROM current_date)::int, 'B演练', 'special', false, '500102', current_date + 30),
  (903, extract(year FROM current_date)::int, 'A已过', 'special', true, '500101', current_date - 1);
INSERT INTO riskmap.drill_scenario (drill_id, seed, scenario) VALUES (901, 7, '{"sealed": 1}'), (903, 7, '{"past": 1}');

-- Every table of schema riskmap.
CREATE TEMP TABLE rm_tables AS
SELECT c.relname::text AS t FROM pg_class c
WHERE c.relnamespace = 'riskmap'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1;
SELECT cmp_ok((SELECT count(*) FROM rm_tables)::int, '>=', 17, 'schema riskmap has its tables');

-- riskmap_reader: SELECT on every table, no INSERT/UPDATE/DELETE/TRUNCATE, and a
-- real write attempt on each table is 42501.
SELECT ok(has_table_privilege('rm_tap_reader', 'riskmap.' || t, 'SELECT'), 'reader may SELECT riskmap.' || t) FROM rm_tables;
SELECT is(pg_temp.as_role('rm_tap_reader', format('SELECT count(*) FROM riskmap.%I', t)), 'ok', 'reader reads riskmap.' || t) FROM rm_tables;
SELECT ok(NOT has_table_privilege('rm_tap_reader', 'riskmap.' || t, p), format('reader has no %s on riskmap.%s', p, t))
FROM rm_tables, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p;
SELECT is(pg_temp.as_role('rm_tap_reader', format('INSERT INTO riskmap.%I DEFAULT VALUES', t)), '42501', 'reader INSERT into riskmap.' || t || ' is 42501') FROM rm_tables;
SELECT is(pg_temp.as_role('rm_tap_reader', format('DELETE FROM riskmap.%I', t)), '42501', 'reader DELETE from riskmap.' || t || ' is 42501') FROM rm_tables;
SELECT is(pg_temp.as_role('rm_tap_reader', format('TRUNCATE riskmap.%I CASCADE', t)), '42501', 'reader TRUNCATE riskmap.' || t || ' is 42501') FROM rm_tables;
SELECT ok(NOT has_sequence_privilege('rm_tap_reader', s.oid, 'UPDATE') AND NOT has_sequence_privilege('rm_tap_reader', s.oid, 'USAGE'),
          'reader cannot draw from sequence ' || s.relname)
FROM pg_class s WHERE s.relnamespace = 'riskmap'::regnamespace AND s.relkind = 'S';
SELECT ok(NOT has_schema_privilege('rm_tap_reader', 'riskmap', 'CREATE'), 'reader cannot create in schema riskmap');
SELECT ok(NOT has_schema_privilege(r, 'riskmap', 'CREATE'), r || ' cannot create in schema riskmap')
FROM unnest(ARRAY['riskmap_reader', 'riskmap_district', 'riskmap_office']) r;

-- Sealed scenarios: the reader sees none before the drill date, the past one after.
SELECT is(pg_temp.as_role('rm_tap_reader', $q$DO $d$ BEGIN IF (SELECT count(*) FROM riskmap.drill_scenario WHERE drill_id = 901) <> 0 THEN RAISE EXCEPTION 'seen' USING ERRCODE = 'RMSEE'; END IF; END $d$$q$),
          'ok', 'reader does not see the sealed drill_scenario row');
SELECT is(pg_temp.as_role('rm_tap_reader', $q$DO $d$ BEGIN IF (SELECT count(*) FROM riskmap.drill_scenario WHERE drill_id = 903) <> 1 THEN RAISE EXCEPTION 'unseen' USING ERRCODE = 'RMSEE'; END IF; END $d$$q$),
          'ok', 'reader sees the scenario of a drill whose date has come');
SELECT is(pg_temp.as_role('rm_tap_reader', 'SELECT riskmap.blind_scenario(901)'), '42501', 'reader may not call blind_scenario before the drill date');
SELECT is(pg_temp.as_role('rm_tap_reader', 'SELECT riskmap.blind_scenario(901, 8)'), '42501', 'reader may not draw blind_scenario with another seed');
SELECT is(pg_temp.as_role('rm_tap_lead', 'SELECT riskmap.blind_scenario(901)'), '42501', 'district lead may not call blind_scenario of its own sealed drill');
SELECT is(pg_temp.as_role('rm_tap_lead', $q$DO $d$ BEGIN IF (SELECT count(*) FROM riskmap.drill_scenario WHERE drill_id = 901) <> 0 THEN RAISE EXCEPTION 'seen' USING ERRCODE = 'RMSEE'; END IF; END $d$$q$),
          'ok', 'district lead does not see the sealed drill_scenario row');
SELECT is(pg_temp.as_role('rm_tap_office', 'SELECT riskmap.blind_scenario(901)'), 'ok', 'office may call blind_scenario before the drill date');

-- Writing functions, called by the reader: 42501 (they write through its rights).
SELECT is(pg_temp.as_role('rm_tap_reader', $$SELECT riskmap.plan_transition(901, 'reviewing')$$), '42501', 'reader may not call plan_transition');
SELECT is(pg_temp.as_role('rm_tap_reader', $$SELECT riskmap.accept_allocation(extract(year FROM current_date)::int, '500101')$$), '42501', 'reader may not call accept_allocation');
-- Reading functions: the reader may call them.
SELECT is(pg_temp.as_role('rm_tap_reader', q), 'ok', 'reader may call ' || q)
FROM unnest(ARRAY['SELECT count(*) FROM riskmap.uncovered_sources()',
                  'SELECT count(*) FROM riskmap.undrilled_areas()',
                  'SELECT count(*) FROM riskmap.open_actions()',
                  'SELECT count(*) FROM riskmap.filing_overdue()',
                  $$SELECT count(*) FROM riskmap.compliance(extract(year FROM current_date)::int)$$,
                  'SELECT length(riskmap.tile(0, 0, 0))']) q;

-- riskmap_district: write privileges on exactly its six tables.
CREATE TEMP TABLE rm_district_tables(t text PRIMARY KEY);
INSERT INTO rm_district_tables VALUES ('plan'), ('plan_link'), ('drill'), ('drill_target'), ('drill_material'), ('improvement_action');
SELECT ok(has_table_privilege('rm_tap_lead', 'riskmap.' || t, p) = (t IN (SELECT t FROM rm_district_tables) AND p <> 'TRUNCATE'),
          format('district lead %s %s on riskmap.%s', CASE WHEN t IN (SELECT t FROM rm_district_tables) AND p <> 'TRUNCATE' THEN 'has' ELSE 'has no' END, p, t))
FROM rm_tables, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p;
SELECT is(pg_temp.as_role('rm_tap_lead', format('DELETE FROM riskmap.%I', t)), '42501', 'district lead DELETE from riskmap.' || t || ' is 42501')
FROM rm_tables WHERE t NOT IN (SELECT t FROM rm_district_tables);

-- ... and there, its own district's rows only (row-level security + guard).
CREATE TEMP TABLE rm_pairs AS SELECT * FROM (VALUES
  ($$INSERT INTO riskmap.plan (code, title, plan_type, owner_district) VALUES ('TAP-A2', 'x', 'special', '500101')$$,
   $$INSERT INTO riskmap.plan (code, title, plan_type, owner_district) VALUES ('TAP-B2', 'x', 'special', '500102')$$),
  ($$UPDATE riskmap.plan SET title = 'y' WHERE id = 901$$, $$UPDATE riskmap.plan SET title = 'y' WHERE id = 902$$),
  ($$UPDATE riskmap.plan SET owner_district = '500101' WHERE id = 901$$, $$UPDATE riskmap.plan SET owner_district = '500102' WHERE id = 901$$),
  ($$DELETE FROM riskmap.plan WHERE id = 901$$, $$DELETE FROM riskmap.plan WHERE id = 902$$),
  ($$INSERT INTO riskmap.plan_link VALUES (901, 'flood', 901)$$, $$INSERT INTO riskmap.plan_link VALUES (902, 'flood', 901)$$),
  ($$INSERT INTO riskmap.drill (year, title, drill_class, organizer_district) VALUES (2026, 'x', 'special', '500101')$$,
   $$INSERT INTO riskmap.drill (year, title, drill_class, organizer_district) VALUES (2026, 'x', 'special', '500102')$$),
  ($$UPDATE riskmap.drill SET title = 'y' WHERE id = 901$$, $$UPDATE riskmap.drill SET title = 'y' WHERE id = 902$$),
  ($$DELETE FROM riskmap.drill WHERE id = 901$$, $$DELETE FROM riskmap.drill WHERE id = 902$$),
  ($$INSERT INTO riskmap.drill_target VALUES (901, 901)$$, $$INSERT INTO riskmap.drill_target VALUES (902, 902)$$),
  ($$INSERT INTO riskmap.drill_material (drill_id, kind, uri) VALUES (901, 'script', 'file:///a')$$,
   $$INSERT INTO riskmap.drill_material (drill_id, kind, uri) VALUES (902, 'script', 'file:///b')$$),
  ($$INSERT INTO riskmap.improvement_action (drill_id, finding, action, owner) VALUES (901, 'f', 'a', 'o')$$,
   $$INSERT INTO riskmap.improvement_action (drill_id, finding, action, owner) VALUES (902, 'f', 'a', 'o')$$),
  ($$SELECT riskmap.plan_transition(901, 'reviewing')$$, $$SELECT riskmap.plan_transition(902, 'reviewing')$$)
) v(own, other);
SELECT is(pg_temp.as_role('rm_tap_lead', own), 'ok', 'district lead writes its own: ' || own) FROM rm_pairs;
SELECT is(pg_temp.as_role('rm_tap_lead', other), '42501', 'district lead may not: ' || other) FROM rm_pairs;

-- Every SECURITY DEFINER function of schema riskmap pins a search_path that
-- starts with pg_catalog (an explicitly listed pg_catalog is searched where
-- it is listed), ends with pg_temp and names only schemas in which no role
-- but a superuser can create: not "$user", not a schema owned by a
-- non-superuser role (in PostgreSQL 15 public belongs to pg_database_owner,
-- i.e. the database owner, who could plant overloads there), not one where
-- CREATE is granted to PUBLIC or to a non-superuser. (The check of 0.1 took
-- "the owner may create" as safe, and missed public.)
CREATE TEMP TABLE rm_secdef AS
SELECT p.oid::regprocedure::text AS f,
       (SELECT regexp_split_to_array(substr(c, length('search_path=') + 1), '\s*,\s*')
        FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') AS path
FROM pg_proc p WHERE p.pronamespace = 'riskmap'::regnamespace AND p.prosecdef;
SELECT cmp_ok((SELECT count(*) FROM rm_secdef)::int, '>', 0, 'there are SECURITY DEFINER functions to check');
SELECT ok(path IS NOT NULL, f || ' (SECURITY DEFINER) sets search_path') FROM rm_secdef ORDER BY f;
SELECT is(path[1], 'pg_catalog', f || ': pg_catalog is first in ' || coalesce(array_to_string(path, ', '), '(none)'))
FROM rm_secdef ORDER BY f;
SELECT is(path[array_length(path, 1)], 'pg_temp', f || ': pg_temp is last in ' || coalesce(array_to_string(path, ', '), '(none)'))
FROM rm_secdef ORDER BY f;
CREATE TEMP TABLE rm_secdef_writable AS
SELECT f, coalesce(array_agg(s ORDER BY i) FILTER (WHERE s = '"$user"' OR s = '$user' OR writable), '{}') AS bad
FROM (
    SELECT d.f, e.s, e.i,
           EXISTS (SELECT 1 FROM pg_namespace n
                   WHERE n.nspname = trim(both '"' FROM e.s)
                     AND (NOT (SELECT rolsuper FROM pg_roles WHERE oid = n.nspowner)
                          OR EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                                     WHERE a.privilege_type = 'CREATE'
                                       AND (a.grantee = 0 OR NOT (SELECT rolsuper FROM pg_roles WHERE oid = a.grantee))))) AS writable
    FROM rm_secdef d, unnest(d.path) WITH ORDINALITY e(s, i)
) x GROUP BY f;
SELECT is(bad, '{}'::text[], f || ': no schema on its search_path that a non-superuser can create in')
FROM rm_secdef_writable WHERE f !~ '^riskmap\._tile' ORDER BY f;
-- OPEN (docs/security.md, "Open"): the tile feed's definer functions search
-- PostGIS's schema, public here, with unqualified calls.
SELECT todo('open: the tile feed''s SECURITY DEFINER functions search PostGIS''s schema (docs/security.md)',
            (SELECT count(*)::int FROM rm_secdef_writable WHERE f ~ '^riskmap\._tile'));
SELECT is(bad, '{}'::text[], f || ': no schema on its search_path that a non-superuser can create in')
FROM rm_secdef_writable WHERE f ~ '^riskmap\._tile' ORDER BY f;

SELECT * FROM finish();
ROLLBACK;
