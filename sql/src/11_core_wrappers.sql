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
