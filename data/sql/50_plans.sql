-- 50_plans.sql — emergency plans in every lifecycle state and of every type,
-- their links to sources (一源一事一案) and their lifecycle history.
--   overall     the city's and one per district: most filed; four only published and
--               overdue for filing (20 working days), two published in the last days
--   special     the city's per category (owned by the department), and per district
--               and category
--   department  one per department
--   grassroots  3 × scale per district (街道/乡镇)
--   enterprise  one per chemical plant and mine of level 1..3
--   one_to_one  one per (source, event type) of most level 1/2 sources: about 13 % of
--               the pairs have none, some are not in force, some are in force but last
--               revised more than 3 years ago
-- Level 3/4 sources are partly linked to their district's special plan (or an
-- enterprise plan). Dates are relative to current_date; plans are inserted with
-- their final status, and plan_event tells the history that led there.
-- plan.content is filled by 55_plan_content.sql.

-- Dates of a plan of a given status and profile:
--   fresh   in force, approved 60..1000 days ago (some revised: revised_on = the day the
--           revision began, 60 days before the revision's approval; the first version
--           approved 3..5 years earlier)
--   stale   in force, approved 3.1..5.5 years ago, never revised
--   late    filed, but after its 20-working-day deadline
--   overdue published 35..185 days ago, not filed
--   recent  published 2..13 days ago, not filed
CREATE FUNCTION riskmap_demo_gen.plan_dates(status text, profile text, k text, today date,
    OUT created date, OUT approved date, OUT published date, OUT filed date, OUT revised date,
    OUT first_approved date, OUT changed date)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  u1 float8 := riskmap_demo_gen.u(k || ':d1');
  u2 float8 := riskmap_demo_gen.u(k || ':d2');
  u3 float8 := riskmap_demo_gen.u(k || ':d3');
  u4 float8 := riskmap_demo_gen.u(k || ':d4');
BEGIN
  CASE status
    WHEN 'drafting' THEN
      created := today - (10 + floor(100 * u1))::int;
    WHEN 'reviewing' THEN
      created := today - (40 + floor(150 * u1))::int;
    WHEN 'approved' THEN
      approved := today - (2 + floor(40 * u1))::int;
    WHEN 'published' THEN
      IF profile = 'overdue' THEN
        published := today - (35 + floor(150 * u1))::int;
      ELSIF profile = 'recent' THEN
        published := today - (2 + floor(12 * u1))::int;
      ELSE
        published := today - (2 + floor(25 * u1))::int;
      END IF;
      approved := published - (3 + floor(15 * u2))::int;
    WHEN 'filed' THEN
      IF profile = 'stale' THEN
        approved := today - (1130 + floor(880 * u1))::int;
      ELSE
        approved := today - (60 + floor(940 * u1))::int;
      END IF;
      published := approved + (3 + floor(15 * u2))::int;
      IF profile = 'late' THEN
        filed := published + (40 + floor(30 * u3))::int;
      ELSE
        filed := published + (5 + floor(20 * u3))::int;
      END IF;
      IF filed > today THEN filed := today; END IF;
      IF profile = 'fresh' AND today - approved > 400 AND u4 < 0.35 THEN
        -- A revised plan: the current version is the revision, and (as
        -- riskmap.plan_transition does on entering 'revising') revised_on is
        -- the day the revision began: the plan_event row filed → revising below.
        revised := approved - 60;
        first_approved := approved - (1100 + floor(700 * u4 / 0.35))::int;
      END IF;
    WHEN 'revising' THEN
      approved := today - (900 + floor(700 * u1))::int;
      published := approved + (3 + floor(15 * u2))::int;
      filed := published + (5 + floor(20 * u3))::int;
      changed := today - (5 + floor(80 * u4))::int;
    WHEN 'retired' THEN
      approved := today - (1400 + floor(1000 * u1))::int;
      published := approved + (3 + floor(15 * u2))::int;
      filed := published + (5 + floor(20 * u3))::int;
      changed := today - (30 + floor(300 * u4))::int;
  END CASE;
  created := coalesce(created, coalesce(first_approved, approved) - (30 + floor(60 * u2))::int);
END $$;

-- status_mix(key, mix): a status drawn from a text[] of 'status:weight'.
CREATE FUNCTION riskmap_demo_gen.draw(k text, mix text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  WITH m AS (SELECT split_part(x, ':', 1) AS s, split_part(x, ':', 2)::float8 AS w, o
             FROM unnest(mix) WITH ORDINALITY AS t(x, o)),
       c AS (SELECT s, sum(w) OVER (ORDER BY o) / sum(w) OVER () AS hi FROM m)
  SELECT s FROM c WHERE riskmap_demo_gen.u(k) < hi ORDER BY hi LIMIT 1
$$;

CREATE TABLE riskmap_demo_gen.pl (
  ord integer, code text, title text, plan_type text, owner_district text, owner_department text,
  status text, profile text, link_source bigint, link_event text);

-- City overall plan and city special plans (owned by departments).
INSERT INTO riskmap_demo_gen.pl
SELECT 1, 'CQ-ZT', '重庆市突发事件总体应急预案', 'overall', NULL, 'CQ-YJJ', 'filed', 'fresh', NULL, NULL;
INSERT INTO riskmap_demo_gen.pl
SELECT 2, 'CQ-ZX-' || upper(c.cat), '重庆市' || c.plan_title || '应急预案', 'special', NULL, c.dept,
       CASE c.cat WHEN 'gas_pipeline' THEN 'revising' WHEN 'crowd' THEN 'reviewing' ELSE 'filed' END,
       CASE c.cat WHEN 'mine' THEN 'stale' ELSE 'fresh' END, NULL, NULL
FROM riskmap_demo_gen.category c;

-- District overall plans: four only published and overdue for filing, two
-- published in the last days, three filed late, the rest filed in time.
INSERT INTO riskmap_demo_gen.pl
SELECT 3, 'ZT-' || d.code, d.name || '突发事件总体应急预案', 'overall', d.code, NULL,
       CASE WHEN r <= 6 THEN 'published' ELSE 'filed' END,
       CASE WHEN r <= 4 THEN 'overdue' WHEN r <= 6 THEN 'recent' WHEN r <= 9 THEN 'late'
            WHEN r <= 12 THEN 'stale' ELSE 'fresh' END,
       NULL, NULL
FROM (SELECT d.*, row_number() OVER (ORDER BY riskmap_demo_gen.u('overall:' || d.code), d.code) AS r
      FROM riskmap_demo_gen.dist d) d;

-- District special plans per category present in the district.
INSERT INTO riskmap_demo_gen.pl
SELECT 4, 'ZX-' || s.district_code || '-' || upper(s.category),
       d.name || c.plan_title || '专项应急预案', 'special', s.district_code, NULL, st.status,
       CASE WHEN st.status = 'filed' AND riskmap_demo_gen.u('stale:zx:' || s.district_code || s.category) < 0.15 THEN 'stale'
            WHEN st.status = 'filed' AND riskmap_demo_gen.u('stale:zx:' || s.district_code || s.category) > 0.92 THEN 'late'
            WHEN st.status = 'published' THEN 'overdue' ELSE 'fresh' END,
       NULL, NULL
FROM (SELECT district_code, category FROM riskmap.risk_source GROUP BY 1, 2 HAVING count(*) >= 2) s
JOIN riskmap_demo_gen.dist d ON d.code = s.district_code
JOIN riskmap_demo_gen.category c ON c.cat = s.category
CROSS JOIN LATERAL (SELECT riskmap_demo_gen.draw('st:zx:' || s.district_code || ':' || s.category,
  '{filed:66,published:8,approved:4,reviewing:5,drafting:4,revising:9,retired:4}') AS status) st;

-- Department plans.
INSERT INTO riskmap_demo_gen.pl
SELECT 5, 'BM-' || dp.code, dp.name || '突发事件应急预案', 'department', NULL, dp.code,
       CASE dp.code WHEN 'CQ-YJJ' THEN 'filed' WHEN 'CQ-WJW' THEN 'drafting' WHEN 'CQ-QXJ' THEN 'approved'
                    WHEN 'CQ-XFZD' THEN 'published' WHEN 'CQ-KSJ' THEN 'revising' ELSE 'filed' END,
       CASE dp.code WHEN 'CQ-XFZD' THEN 'overdue' WHEN 'CQ-LYJ' THEN 'stale' ELSE 'fresh' END, NULL, NULL
FROM riskmap.department dp;

-- Grassroots plans (街道/乡镇).
INSERT INTO riskmap_demo_gen.pl
SELECT 6, 'JC-' || d.code || '-' || lpad(k::text, 3, '0'),
       d.short || riskmap_demo_gen.word('town', 'jc:' || d.code || ':' || k) || '突发事件应急预案（' || k || '）',
       'grassroots', d.code, NULL, st.status,
       CASE WHEN st.status = 'published' THEN 'recent'
            WHEN riskmap_demo_gen.u('stale:jc:' || d.code || ':' || k) < 0.2 THEN 'stale' ELSE 'fresh' END,
       NULL, NULL
FROM riskmap_demo_gen.dist d, riskmap_demo_gen.param p, generate_series(1, 3 * p.scale) AS k,
     LATERAL (SELECT riskmap_demo_gen.draw('st:jc:' || d.code || ':' || k,
       '{filed:60,published:10,approved:6,reviewing:8,drafting:8,revising:4,retired:4}') AS status) st;

-- Enterprise plans of chemical plants and mines of level 1..3.
INSERT INTO riskmap_demo_gen.pl
SELECT 7, 'QY-' || r.district_code || '-' || r.id, r.name || '生产安全事故应急预案', 'enterprise', r.district_code, NULL,
       st.status,
       CASE WHEN st.status = 'published' THEN 'recent'
            WHEN riskmap_demo_gen.u('stale:qy:' || r.id) < 0.15 THEN 'stale' ELSE 'fresh' END,
       NULL, NULL
FROM riskmap.risk_source r,
     LATERAL (SELECT riskmap_demo_gen.draw('st:qy:' || r.id,
       '{filed:60,published:15,approved:5,reviewing:5,drafting:5,revising:5,retired:5}') AS status) st
WHERE r.category IN ('chemical', 'mine') AND r.risk_level <= 3;

-- One-to-one plans for (source, event type) pairs of level 1/2 sources.
INSERT INTO riskmap_demo_gen.pl
SELECT 8, 'YDY-' || r.district_code || '-' || r.id || '-' || e.event_type,
       r.name || et.title || '一对一应急预案', 'one_to_one', r.district_code, NULL, st.status,
       CASE WHEN st.status = 'filed' AND riskmap_demo_gen.u('prof:' || r.id || e.event_type) < 0.14 THEN 'stale'
            WHEN st.status = 'filed' AND riskmap_demo_gen.u('prof:' || r.id || e.event_type) > 0.95 THEN 'late'
            WHEN st.status = 'published' AND riskmap_demo_gen.u('prof:' || r.id || e.event_type) < 0.3 THEN 'overdue'
            WHEN st.status = 'published' THEN 'recent' ELSE 'fresh' END,
       r.id, e.event_type
FROM riskmap.risk_source r
CROSS JOIN LATERAL unnest(r.event_types) AS e(event_type)
JOIN riskmap_demo_gen.event_title et ON et.event_type = e.event_type
CROSS JOIN LATERAL (SELECT riskmap_demo_gen.draw('st:ydy:' || r.id || ':' || e.event_type,
  '{filed:70,published:12,approved:3,reviewing:4,drafting:3,revising:4,retired:4}') AS status) st
WHERE r.risk_level <= 2
  AND riskmap_demo_gen.u('has:ydy:' || r.id || ':' || e.event_type) >= 0.13;

INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district, owner_department, status,
                          approved_on, published_on, filed_on, revised_on, content)
SELECT row_number() OVER (ORDER BY p.ord, p.code), p.code, p.title, p.plan_type, p.owner_district, p.owner_department,
       p.status, dt.approved, dt.published, dt.filed, dt.revised, NULL
FROM riskmap_demo_gen.pl p, riskmap_demo_gen.param prm,
     LATERAL riskmap_demo_gen.plan_dates(p.status, p.profile, 'plan:' || p.code, prm.today) dt
ORDER BY 1;

-- Links: one-to-one pairs; level 3/4 sources partly to their enterprise plan
-- or to the district special plan of their category.
INSERT INTO riskmap.plan_link (source_id, event_type, plan_id)
SELECT p.link_source, p.link_event, pl.id
FROM riskmap_demo_gen.pl p JOIN riskmap.plan pl ON pl.code = p.code
WHERE p.link_source IS NOT NULL
UNION ALL
SELECT r.id, e.event_type, coalesce(q.id, z.id)
FROM riskmap.risk_source r
CROSS JOIN LATERAL unnest(r.event_types) AS e(event_type)
LEFT JOIN riskmap.plan q ON q.code = 'QY-' || r.district_code || '-' || r.id
                         AND riskmap_demo_gen.u('lnk:qy:' || r.id) < 0.8
LEFT JOIN riskmap.plan z ON z.code = 'ZX-' || r.district_code || '-' || upper(r.category)
WHERE r.risk_level >= 3
  AND (q.id IS NOT NULL OR (z.id IS NOT NULL AND riskmap_demo_gen.u('lnk:zx:' || r.id || ':' || e.event_type) < 0.55))
ORDER BY 1, 2;

-- Lifecycle history, consistent with the dates and the final status. The
-- extension's plan_history trigger recorded each INSERT as one 'created'
-- event dated today; the demo replaces those with the full history.
DELETE FROM riskmap.plan_event;
INSERT INTO riskmap.plan_event (id, plan_id, from_status, to_status, on_date, actor, note, recorded_at)
SELECT row_number() OVER (ORDER BY e.plan_id, e.on_date, e.step), e.plan_id, e.from_status, e.to_status, e.on_date,
       e.actor, e.note, (e.on_date + time '10:00')::timestamp AT TIME ZONE 'Asia/Shanghai'
FROM (
  SELECT p.id AS plan_id, s.step, s.from_status, s.to_status, s.on_date, s.note,
         CASE WHEN s.to_status = 'filed' THEN '重庆市应急管理局'
              ELSE coalesce(d.name || '应急管理局', dp.name) END AS actor
  FROM riskmap.plan p
  JOIN riskmap_demo_gen.pl q ON q.code = p.code
  CROSS JOIN riskmap_demo_gen.param prm
  CROSS JOIN LATERAL riskmap_demo_gen.plan_dates(q.status, q.profile, 'plan:' || q.code, prm.today) dt
  LEFT JOIN riskmap.district d ON d.code = p.owner_district
  LEFT JOIN riskmap.department dp ON dp.code = p.owner_department
  CROSS JOIN LATERAL (VALUES
    (1, NULL, 'drafting', dt.created, '起草'),
    (2, 'drafting', 'reviewing', CASE WHEN p.status <> 'drafting'
                                      THEN least(dt.created + 20, coalesce(dt.first_approved, dt.approved, prm.today) - 1) END, '提交评审'),
    (3, 'reviewing', 'approved', dt.first_approved, '审批'),
    (4, 'approved', 'published', dt.first_approved + (dt.published - dt.approved), '印发'),
    (5, 'published', 'filed', dt.first_approved + (dt.filed - dt.approved), '备案'),
    (6, 'filed', 'revising', CASE WHEN dt.revised IS NOT NULL THEN dt.approved - 60 END, '启动修订（评估）'),
    (7, 'revising', 'reviewing', CASE WHEN dt.revised IS NOT NULL THEN dt.approved - 30 END, '修订稿评审'),
    (8, 'reviewing', 'approved', dt.approved, CASE WHEN dt.revised IS NOT NULL THEN '修订稿审批' ELSE '审批' END),
    (9, 'approved', 'published', dt.published, '印发'),
    (10, 'published', 'filed', dt.filed, '备案'),
    (11, CASE WHEN dt.filed IS NOT NULL THEN 'filed' ELSE 'published' END,
         CASE WHEN p.status IN ('revising', 'retired') THEN p.status END, dt.changed,
         CASE p.status WHEN 'revising' THEN '启动修订' ELSE '废止' END)
  ) AS s(step, from_status, to_status, on_date, note)
  WHERE s.on_date IS NOT NULL AND s.to_status IS NOT NULL
) e
ORDER BY 1;

DO $$
DECLARE missing text;
BEGIN
  SELECT string_agg(x, ', ') INTO missing
  FROM (SELECT 'status ' || s AS x FROM unnest('{drafting,reviewing,approved,published,filed,revising,retired}'::text[]) s
        WHERE NOT EXISTS (SELECT 1 FROM riskmap.plan WHERE status = s)
        UNION ALL
        SELECT 'type ' || t FROM unnest('{overall,special,department,grassroots,enterprise,one_to_one}'::text[]) t
        WHERE NOT EXISTS (SELECT 1 FROM riskmap.plan WHERE plan_type = t)) m;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'load_demo: no plan with %', missing;
  END IF;
END $$;

SELECT format('      %-11s %5s  (%s)', plan_type, count(*),
              (SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
               FROM (SELECT status, count(*) AS n FROM riskmap.plan q WHERE q.plan_type = p.plan_type GROUP BY status) s))
FROM riskmap.plan p GROUP BY plan_type ORDER BY min(id);
SELECT format('      high-risk (source, event) pairs: %s, with a plan link: %s', count(*), count(l.plan_id))
FROM riskmap.risk_source r CROSS JOIN LATERAL unnest(r.event_types) e
LEFT JOIN riskmap.plan_link l ON l.source_id = r.id AND l.event_type = e
WHERE r.risk_level <= 2;
SELECT riskmap_demo_gen.report('plan', 'plan_link', 'plan_event');
