-- Core helpers that read the tables (so they come after 10_tables.sql):
-- the working-day calendar of riskmap.workday_override.

CREATE FUNCTION add_working_days(p_from date, p_n integer)
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT riskmap._workday_add(p_from, p_n,
                                coalesce(array_agg(o.day ORDER BY o.day), '{}'),
                                coalesce(array_agg(o.is_workday ORDER BY o.day), '{}'))
    FROM riskmap.workday_override AS o
$$;
COMMENT ON FUNCTION add_working_days(date, integer) IS
'The p_n-th working day after p_from (before it when p_n < 0), by riskmap.workday_override.';

CREATE FUNCTION working_days_between(p_from date, p_to date)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT riskmap._workdays_between(p_from, p_to,
                                     coalesce(array_agg(o.day ORDER BY o.day), '{}'),
                                     coalesce(array_agg(o.is_workday ORDER BY o.day), '{}'))
    FROM riskmap.workday_override AS o
$$;
COMMENT ON FUNCTION working_days_between(date, date) IS
'Working days d with p_from < d <= p_to (negative when p_to < p_from), by riskmap.workday_override.';

CREATE FUNCTION is_working_day(p_day date)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce((SELECT o.is_workday FROM riskmap.workday_override AS o WHERE o.day = p_day),
                    extract(isodow FROM p_day) < 6)
$$;
COMMENT ON FUNCTION is_working_day(date) IS
'Whether p_day is a working day: Monday to Friday unless riskmap.workday_override says otherwise.';

-- ---------------------------------------------------------------------------
-- Plans whose content lists a shelter among its resources
-- ({"kind": "shelter", "shelter_id": N}; see docs/plan_content.md).

CREATE INDEX plan_content_idx ON plan USING gin (content jsonb_path_ops);

CREATE FUNCTION plans_using_shelter(p_shelter_id bigint)
RETURNS TABLE (plan_id bigint, code text, title text, status text,
               owner_district text, owner_department text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.id, p.code, p.title, p.status, p.owner_district, p.owner_department
    FROM riskmap.plan AS p
    -- containment (indexed by plan_content_idx) compares numbers by value: 7 = 7.0
    WHERE p.content @> jsonb_build_object('resources',
                                          jsonb_build_array(jsonb_build_object('shelter_id', p_shelter_id)))
    ORDER BY p.id
$$;
COMMENT ON FUNCTION plans_using_shelter(bigint) IS
'Plans whose content.resources reference riskmap.shelter p_shelter_id, by plan id.';
