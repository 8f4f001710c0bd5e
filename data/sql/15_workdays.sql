-- 15_workdays.sql — China's official public holidays and make-up working days
-- (调休) for 2025 and 2026, from the State Council General Office notices
-- 国办发明电〔2024〕12号 (2025) and 国办发明电〔2025〕7号 (2026).
-- Every day of each holiday period is listed (is_workday = false, weekends
-- included for readability); make-up working days are weekend days with
-- is_workday = true.
INSERT INTO riskmap.workday_override (day, is_workday, name)
SELECT d::date, false, h.name
FROM (VALUES
  -- 2025
  ('2025-01-01', '2025-01-01', '元旦'),
  ('2025-01-28', '2025-02-04', '春节'),
  ('2025-04-04', '2025-04-06', '清明节'),
  ('2025-05-01', '2025-05-05', '劳动节'),
  ('2025-05-31', '2025-06-02', '端午节'),
  ('2025-10-01', '2025-10-08', '国庆节、中秋节'),
  -- 2026
  ('2026-01-01', '2026-01-03', '元旦'),
  ('2026-02-15', '2026-02-23', '春节'),
  ('2026-04-04', '2026-04-06', '清明节'),
  ('2026-05-01', '2026-05-05', '劳动节'),
  ('2026-06-19', '2026-06-21', '端午节'),
  ('2026-09-25', '2026-09-27', '中秋节'),
  ('2026-10-01', '2026-10-07', '国庆节')
) AS h(first_day, last_day, name),
LATERAL generate_series(h.first_day::date, h.last_day::date, interval '1 day') AS d
UNION ALL
SELECT day::date, true, name || '调休上班'
FROM (VALUES
  -- 2025
  ('2025-01-26', '春节'),   -- Sunday
  ('2025-02-08', '春节'),   -- Saturday
  ('2025-04-27', '劳动节'), -- Sunday
  ('2025-09-28', '国庆节'), -- Sunday
  ('2025-10-11', '国庆节'), -- Saturday
  -- 2026
  ('2026-01-04', '元旦'),   -- Sunday
  ('2026-02-14', '春节'),   -- Saturday
  ('2026-02-28', '春节'),   -- Saturday
  ('2026-05-09', '劳动节'), -- Saturday
  ('2026-09-20', '国庆节'), -- Sunday
  ('2026-10-10', '国庆节')  -- Saturday
) AS m(day, name)
ORDER BY 1;

DO $$
BEGIN
  -- Make-up working days must fall on a weekend, or the list is wrong.
  IF EXISTS (SELECT 1 FROM riskmap.workday_override WHERE is_workday AND extract(isodow FROM day) < 6) THEN
    RAISE EXCEPTION 'load_demo: a make-up working day in 15_workdays.sql is not a weekend day';
  END IF;
END $$;

SELECT riskmap_demo_gen.report('workday_override');
