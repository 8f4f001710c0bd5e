-- Evacuation clearance with road capacities (docs/clearance.md).
-- C implementation in plugin/pg/clearance_fmgr.c over plugin/core/rm_clearance.c;
-- the time step is the GUC riskmap.evacuation_step_s (seconds, 1..600, default 60).

ALTER TABLE road ADD COLUMN capacity_pph double precision
    CONSTRAINT road_capacity_pph_check CHECK (capacity_pph >= 0 AND capacity_pph < 'Infinity');
COMMENT ON COLUMN road.capacity_pph IS
'People per hour who may enter the edge in each open direction (NULL = unlimited, 0 = closed to evacuees); used by evacuation_clearance and clearance_report only.';

CREATE FUNCTION evacuation_clearance(
    p_source_id bigint,
    p_speed_mps double precision DEFAULT 1.2,
    p_horizon_s double precision DEFAULT 14400)
RETURNS TABLE(population_id bigint, shelter_id bigint, people double precision,
              depart_s double precision, arrive_s double precision,
              edges bigint[], enter_s double precision[])
AS 'MODULE_PATHNAME', 'riskmap_evacuation_clearance'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;
COMMENT ON FUNCTION evacuation_clearance(bigint, double precision, double precision) IS
'Evacuation schedule of the people in a source''s zone to shelters outside it over the capacitated road network, in steps of riskmap.evacuation_step_s: the most people who can arrive by p_horizon_s, with a clearance time within 10 % plus one step of the optimum. Rows ordered by population_id, depart_s, shelter_id; unserved people have shelter_id NULL.';

-- p_ids: only these sources (NULL: all of the level and district).
CREATE FUNCTION _clearance_report(
    p_max_level integer, p_district text, p_speed_mps double precision, p_horizon_s double precision,
    p_ids bigint[])
RETURNS TABLE(source_id bigint, district_code text, risk_level smallint, people double precision,
              unserved double precision, clearance_s double precision, lower_bound_s double precision,
              bottleneck_edges bigint[])
AS 'MODULE_PATHNAME', 'riskmap_clearance_report'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

-- For tests and bench/clearance: one source in mode 'auto', 'heuristic' or 'exact'.
CREATE FUNCTION _clearance_solve(
    p_source_id bigint, p_speed_mps double precision, p_horizon_s double precision, p_mode text)
RETURNS TABLE(people double precision, served double precision, clearance_s double precision,
              lower_bound_s double precision, heuristic_s double precision, exact boolean,
              served_proven boolean, exact_arcs bigint, exact_flows integer, sources integer)
AS 'MODULE_PATHNAME', 'riskmap_clearance_solve'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

-- The evacuation time a plan promises: the smallest within_minutes of its
-- steps marked "kind": "evacuation", in seconds (NULL when none is marked).
CREATE FUNCTION _plan_evacuation_limit_s(p_content jsonb)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT min((st.value ->> 'within_minutes')::double precision) * 60
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_content -> 'workflows') = 'array'
                                     THEN p_content -> 'workflows' ELSE '[]' END) AS w(value),
           jsonb_array_elements(CASE WHEN jsonb_typeof(w.value -> 'steps') = 'array'
                                     THEN w.value -> 'steps' ELSE '[]' END) AS st(value)
     WHERE st.value ->> 'kind' = 'evacuation'
       AND jsonb_typeof(st.value -> 'within_minutes') = 'number'
$$;

-- The report's rows (unordered) for the sources p_ids, or all when NULL; the
-- tile style 'clearance' reads it for the sources near a tile.
CREATE FUNCTION _clearance_checked(
    p_max_level integer, p_district text, p_speed_mps double precision, p_horizon_s double precision,
    p_ids bigint[])
RETURNS TABLE(source_id bigint, district_code text, risk_level smallint, people double precision,
              unserved double precision, clearance_s double precision, lower_bound_s double precision,
              bottleneck_edges bigint[], plan_id bigint, plan_limit_s double precision, meets_plan boolean)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
    SELECT r.source_id, r.district_code, r.risk_level, r.people, r.unserved, r.clearance_s,
           r.lower_bound_s, r.bottleneck_edges, pl.plan_id, pl.limit_s,
           CASE WHEN pl.limit_s IS NOT NULL
                THEN r.unserved = 0 AND coalesce(r.clearance_s <= pl.limit_s, false) END
      FROM riskmap._clearance_report(p_max_level, p_district, p_speed_mps, p_horizon_s, p_ids) AS r
      LEFT JOIN LATERAL (
            SELECT l.plan_id, riskmap._plan_evacuation_limit_s(p.content) AS limit_s
              FROM riskmap.plan_link l
              JOIN riskmap.plan p ON p.id = l.plan_id
             WHERE l.source_id = r.source_id AND p.status <> 'retired'
             ORDER BY 2 NULLS LAST, 1
             LIMIT 1) AS pl ON true
$$;

CREATE FUNCTION clearance_report(
    p_max_level integer DEFAULT 2,
    p_district text DEFAULT NULL,
    p_speed_mps double precision DEFAULT 1.2,
    p_horizon_s double precision DEFAULT 14400)
RETURNS TABLE(source_id bigint, district_code text, risk_level smallint, people double precision,
              unserved double precision, clearance_s double precision, lower_bound_s double precision,
              bottleneck_edges bigint[], plan_id bigint, plan_limit_s double precision, meets_plan boolean)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
    SELECT c.* FROM riskmap._clearance_checked(p_max_level, p_district, p_speed_mps, p_horizon_s, NULL) AS c
     ORDER BY c.meets_plan, c.risk_level, c.source_id
$$;
COMMENT ON FUNCTION clearance_report(integer, text, double precision, double precision) IS
'Per source of risk_level <= p_max_level whose zone holds people: clearance time, a proven lower bound on the optimum, the bottleneck edges, and the check against the evacuation time its linked plan promises (a step with "kind": "evacuation" and within_minutes).';


GRANT EXECUTE ON FUNCTION evacuation_clearance(bigint, double precision, double precision),
      _clearance_report(integer, text, double precision, double precision, bigint[]),
      _clearance_solve(bigint, double precision, double precision, text),
      _plan_evacuation_limit_s(jsonb),
      _clearance_checked(integer, text, double precision, double precision, bigint[]),
      clearance_report(integer, text, double precision, double precision) TO riskmap_reader;
