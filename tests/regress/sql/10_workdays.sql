-- Working-day calendar: riskmap._workday_add, riskmap._workdays_between and
-- the wrappers over riskmap.workday_override.
SET search_path = riskmap, public;
SET datestyle = ISO, YMD;
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

-- Plain weeks: Friday + 1 = Monday, Saturday + 0 = Saturday, Saturday + 1 = Monday.
SELECT _workday_add('2024-01-05', 1, '{}', '{}') AS fri_plus_1,
       _workday_add('2024-01-06', 0, '{}', '{}') AS sat_plus_0,
       _workday_add('2024-01-06', 1, '{}', '{}') AS sat_plus_1,
       _workday_add('2024-01-08', -1, '{}', '{}') AS mon_minus_1,
       _workday_add('2024-01-07', -1, '{}', '{}') AS sun_minus_1,
       _workday_add('1999-12-31', 1, '{}', '{}') AS across_2000;
SELECT _workdays_between('2024-01-05', '2024-01-08', '{}', '{}') AS fri_to_mon,
       _workdays_between('2024-01-06', '2024-01-07', '{}', '{}') AS weekend,
       _workdays_between('2024-01-08', '2024-01-05', '{}', '{}') AS backwards,
       _workdays_between('2024-01-01', '2024-12-31', '{}', '{}') AS year_2024,
       _workdays_between('1900-01-01', '2100-01-01', '{}', '{}') AS two_centuries;

-- China, National Day 2024: Oct 1-7 off, Sunday Sep 29 and Saturday Oct 12 worked.
-- The overrides are deliberately unsorted.
\set days '''{2024-10-12,2024-10-03,2024-10-01,2024-09-29,2024-10-02,2024-10-04,2024-10-07,2024-10-05}'''
\set flags '''{t,f,f,t,f,f,f,f}'''
SELECT _workday_add('2024-09-30', 1, :days, :flags) AS after_sep30,
       _workday_add('2024-09-27', 1, :days, :flags) AS makeup_sunday,
       _workday_add('2024-10-11', 1, :days, :flags) AS makeup_saturday,
       _workday_add('2024-10-08', -1, :days, :flags) AS before_oct8,
       _workday_add('2024-10-08', -2, :days, :flags) AS two_before_oct8,
       _workday_add('2024-09-20', 20, :days, :flags) AS filing_due;
SELECT _workdays_between('2024-09-30', '2024-10-31', :days, :flags) AS october,
       _workdays_between('2024-10-31', '2024-09-30', :days, :flags) AS october_backwards,
       _workdays_between('2024-09-20', '2024-10-23', :days, :flags) AS to_filing_due;

-- Per-row use against a day-by-day reference over the same calendar:
-- every start day of Sep 15 .. Oct 20 and every n in -12 .. 12.
WITH cal AS (
    SELECT d::date AS day,
           CASE WHEN d::date = ANY (:days::date[])
                THEN (:flags::boolean[])[array_position(:days::date[], d::date)]
                ELSE extract(isodow FROM d) < 6 END AS work
    FROM generate_series('2024-08-01'::date, '2024-12-31'::date, '1 day') AS d
), numbered AS (
    SELECT day, work, count(*) FILTER (WHERE work) OVER (ORDER BY day) AS c FROM cal
), starts AS (
    SELECT s.day AS start, s.c AS c0, n
    FROM numbered AS s, generate_series(-12, 12) AS n
    WHERE s.day BETWEEN '2024-09-15' AND '2024-10-20'
), expected AS (
    SELECT start, n,
           CASE WHEN n = 0 THEN start
                WHEN n > 0 THEN (SELECT min(day) FROM numbered WHERE work AND c = c0 + n)
                -- the |n|-th working day before start: working days in [d, start) = |n|
                ELSE (SELECT max(day) FROM numbered WHERE work AND day < start
                        AND (SELECT count(*) FROM numbered AS x WHERE x.work AND x.day >= numbered.day AND x.day < start) = -n)
           END AS want
    FROM starts
)
SELECT count(*) AS cases,
       count(*) FILTER (WHERE _workday_add(start, n, :days, :flags) = want) AS add_ok,
       count(*) FILTER (WHERE _workdays_between(start, want, :days, :flags) = n
                          OR n = 0 OR NOT (SELECT work FROM cal WHERE day = start)) AS between_ok
FROM expected;

-- Duplicates with the same flag are fine; days that change nothing are ignored.
SELECT _workday_add('2024-04-30', 1, '{2024-05-01,2024-05-01,2024-05-06,2024-05-05}', '{f,f,t,f}') AS dedup;

-- NULL arguments: STRICT.
SELECT _workday_add(NULL, 1, '{}', '{}') IS NULL AS null_from,
       _workdays_between('2024-01-01', NULL, '{}', '{}') IS NULL AS null_to;

-- Bad input: ERROR 22023 (22008 for a result outside the date range).
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 1, '{2024-01-01}', '{}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 1, '{2024-01-01,NULL}', '{f,f}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 1, '{2024-01-01}', '{NULL}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 1, '{2024-01-01,2024-01-01}', '{f,t}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 100001, '{}', '{}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', -100001, '{}', '{}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('infinity', 1, '{}', '{}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 1, '{-infinity}', '{f}')$$);
SELECT pg_temp.err($$SELECT riskmap._workdays_between('2024-01-01', 'infinity', '{}', '{}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('2024-01-01', 1, '{{2024-01-01},{2024-01-02}}', '{{f},{f}}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('5874897-12-30', 100, '{}', '{}')$$);
SELECT pg_temp.err($$SELECT riskmap._workday_add('4714-11-25 BC', -100, '{}', '{}')$$);
SELECT _workday_add('2024-01-01', 100000, '{}', '{}') AS max_n,
       _workdays_between('2024-01-01', _workday_add('2024-01-01', 100000, '{}', '{}'), '{}', '{}') AS back;

-- The wrappers over riskmap.workday_override (emptied first, whatever other tests loaded).
BEGIN;
DELETE FROM workday_override;
-- Without overrides: plain Monday to Friday.
SELECT add_working_days('2024-09-30', 1) AS plain, is_working_day('2024-10-01') AS tuesday,
       working_days_between('2024-09-30', '2024-10-31') AS october;
INSERT INTO workday_override (day, is_workday, name) VALUES
    ('2024-10-01', false, '国庆节'), ('2024-10-02', false, '国庆节'), ('2024-10-03', false, '国庆节'),
    ('2024-10-04', false, '国庆节'), ('2024-10-07', false, '国庆节'),
    ('2024-09-29', true, '国庆节调休'), ('2024-10-12', true, '国庆节调休');
SELECT add_working_days('2024-09-20', 20) AS filing_due,
       add_working_days('2024-09-30', 1) AS after_holiday,
       add_working_days('2024-10-08', -2) AS back_two,
       working_days_between('2024-09-20', '2024-10-23') AS between_due,
       working_days_between('2024-10-23', '2024-09-20') AS between_backwards;
SELECT d::date AS day, to_char(d, 'Dy') AS dow, is_working_day(d::date) AS working
FROM generate_series('2024-09-28'::date, '2024-10-13'::date, '1 day') AS d
ORDER BY d;
-- One wrapper call per row (each reads the table; the C side caches the parsed calendar).
SELECT count(*) AS days, count(*) FILTER (WHERE working_days_between(d::date, add_working_days(d::date, 20)) = 20) AS consistent
FROM generate_series('2024-01-01'::date, '2024-12-31'::date, '1 day') AS d;
ROLLBACK;
