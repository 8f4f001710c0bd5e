-- 60_drills.sql — drills of the current and the previous year.
-- Per district and year: 1 comprehensive drill (some 2) and 2 special drills
-- (some 3); per department 1..2 special drills. In the current year three
-- districts have no comprehensive drill, four have only one special drill, and
-- 国家矿山安全监察局重庆局 has none (市应急局 has three, above the maximum);
-- in the previous year one and two districts fall short. A few drills are
-- cancelled. A drill scheduled before current_date is completed, later ones are
-- planned. Targets are high-risk sources (special: of the drill's category;
-- comprehensive: within 10 km of each other); some drills have an area.
-- Completed key drills have materials: most complete and on time, some late,
-- some missing. Completed drills have improvement actions, some open and overdue.

CREATE TABLE riskmap_demo_gen.org AS
SELECT 'district' AS org_kind, code AS org_code, name AS org_name, name || '应急管理局' AS office FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'department', code, name, name FROM riskmap.department;

-- Which districts / departments fall short (ranked by a hash, so stable).
CREATE TABLE riskmap_demo_gen.short AS
SELECT code,
       row_number() OVER (ORDER BY riskmap_demo_gen.u('shortC:' || code), code) AS rc,
       row_number() OVER (ORDER BY riskmap_demo_gen.u('shortS:' || code), code) AS rs
FROM riskmap_demo_gen.dist;

CREATE TABLE riskmap_demo_gen.dr0 AS
WITH y AS (SELECT year AS yr, true AS cur FROM riskmap_demo_gen.param
           UNION ALL SELECT year - 1, false FROM riskmap_demo_gen.param),
counts AS (
  SELECT o.org_kind, o.org_code, y.yr, y.cur, 'comprehensive' AS cls,
         CASE WHEN o.org_kind = 'department' THEN 0
              WHEN y.cur AND s.rc <= 3 THEN 0
              WHEN NOT y.cur AND s.rc = 38 THEN 0
              WHEN riskmap_demo_gen.u('nC:' || o.org_code || y.yr) < 0.15 THEN 2 ELSE 1 END AS n
  FROM riskmap_demo_gen.org o CROSS JOIN y LEFT JOIN riskmap_demo_gen.short s ON s.code = o.org_code
  UNION ALL
  SELECT o.org_kind, o.org_code, y.yr, y.cur, 'special',
         CASE WHEN o.org_kind = 'department' THEN
                CASE WHEN y.cur AND o.org_code = 'CQ-KSJ' THEN 0
                     WHEN y.cur AND o.org_code = 'CQ-YJJ' THEN 3
                     WHEN riskmap_demo_gen.u('nS:' || o.org_code || y.yr) < 0.5 THEN 2 ELSE 1 END
              WHEN y.cur AND s.rs <= 4 THEN 1
              WHEN NOT y.cur AND s.rs > 36 THEN 1
              WHEN riskmap_demo_gen.u('nS:' || o.org_code || y.yr) < 0.3 THEN 3 ELSE 2 END
  FROM riskmap_demo_gen.org o CROSS JOIN y LEFT JOIN riskmap_demo_gen.short s ON s.code = o.org_code
)
SELECT org_kind, org_code, yr, cur, cls, k, false AS cancelled FROM counts, generate_series(1, n) AS k
UNION ALL
-- A cancelled extra drill for about 8 % of the organisations and years.
SELECT org_kind, org_code, yr, cur, CASE WHEN org_kind = 'district' AND riskmap_demo_gen.u('cxC:' || org_code || yr) < 0.4
                                         THEN 'comprehensive' ELSE 'special' END, 9, true
FROM (SELECT DISTINCT org_kind, org_code, yr, cur FROM counts) c
WHERE riskmap_demo_gen.u('cancel:' || org_code || yr) < 0.08;

-- Categories: a district's special drills go through its categories by number
-- of high-risk sources; a department's through its own categories.
CREATE TABLE riskmap_demo_gen.org_cat AS
SELECT 'district' AS org_kind, district_code AS org_code, category AS cat,
       row_number() OVER (PARTITION BY district_code ORDER BY count(*) FILTER (WHERE risk_level <= 2) DESC, count(*) DESC, category) AS r
FROM riskmap.risk_source GROUP BY district_code, category
UNION ALL
SELECT 'department', dp.code, c.cat, row_number() OVER (PARTITION BY dp.code ORDER BY o, c.cat)
FROM riskmap.department dp CROSS JOIN LATERAL unnest(dp.categories) WITH ORDINALITY AS c(cat, o);

CREATE TABLE riskmap_demo_gen.dr AS
SELECT row_number() OVER (ORDER BY d.yr, d.org_kind, d.org_code, d.cls, d.k)::bigint AS id,
       d.*, oc.cat, o.org_name, o.office,
       'drill:' || d.org_code || ':' || d.yr || ':' || d.cls || ':' || d.k AS key
FROM riskmap_demo_gen.dr0 d
JOIN riskmap_demo_gen.org o USING (org_kind, org_code)
LEFT JOIN LATERAL (
  SELECT oc.cat FROM riskmap_demo_gen.org_cat oc
  WHERE oc.org_kind = d.org_kind AND oc.org_code = d.org_code AND d.cls = 'special'
    AND oc.r = 1 + ((d.k - 1 + (d.yr % 2)) % (SELECT nullif(count(*), 0) FROM riskmap_demo_gen.org_cat x
                                              WHERE x.org_kind = d.org_kind AND x.org_code = d.org_code))
) oc ON true;

CREATE TABLE riskmap_demo_gen.dr2 AS
SELECT d.*,
       CASE WHEN d.cls = 'comprehensive' THEN riskmap_demo_gen.draw('subj:' || d.key, '{evacuation:45,warning_response:30,medical_rescue:25}')
            ELSE CASE d.cat
                   WHEN 'landslide' THEN riskmap_demo_gen.draw('subj:' || d.key, '{evacuation:60,warning_response:40}')
                   WHEN 'flood' THEN riskmap_demo_gen.draw('subj:' || d.key, '{warning_response:60,evacuation:40}')
                   WHEN 'dam' THEN 'warning_response'
                   WHEN 'chemical' THEN riskmap_demo_gen.draw('subj:' || d.key, '{medical_rescue:50,other:30,evacuation:20}')
                   WHEN 'mine' THEN 'medical_rescue'
                   WHEN 'crowd' THEN 'evacuation'
                   WHEN 'fire' THEN riskmap_demo_gen.draw('subj:' || d.key, '{other:70,evacuation:30}')
                   WHEN 'gas_pipeline' THEN 'other'
                   ELSE 'medical_rescue' END END AS subject,
       riskmap_demo_gen.draw('form:' || d.key, '{tabletop:25,live:45,combined:30}') AS form,
       -- day of the year by season: flood season drills before it, forest fire
       -- drills in the dry winter, the rest spread over the year
       make_date(d.yr, 1, 1) + CASE
         WHEN d.cat IN ('flood', 'dam', 'landslide') THEN 60 + floor(150 * riskmap_demo_gen.u('doy:' || d.key))
         WHEN d.cat = 'fire' THEN CASE WHEN riskmap_demo_gen.u('doy2:' || d.key) < 0.6 THEN floor(100 * riskmap_demo_gen.u('doy:' || d.key))
                                       ELSE 315 + floor(45 * riskmap_demo_gen.u('doy:' || d.key)) END
         WHEN d.cls = 'comprehensive' THEN 100 + floor(230 * riskmap_demo_gen.u('doy:' || d.key))
         ELSE 30 + floor(320 * riskmap_demo_gen.u('doy:' || d.key)) END::int AS scheduled_on
FROM riskmap_demo_gen.dr d;

CREATE TABLE riskmap_demo_gen.dr3 AS
SELECT d.*,
       d.form <> 'tabletop' AND riskmap_demo_gen.u('blind:' || d.key) < 0.15 AS blind,
       riskmap_demo_gen.u('key:' || d.key) < CASE WHEN d.cls = 'comprehensive' THEN 0.5 WHEN d.org_kind = 'department' THEN 0.3 ELSE 0.2 END AS key_drill,
       CASE WHEN d.cancelled THEN 'cancelled' WHEN d.scheduled_on < p.today THEN 'completed' ELSE 'planned' END AS status,
       CASE WHEN NOT d.cancelled AND d.scheduled_on < p.today
            THEN least(d.scheduled_on + (riskmap_demo_gen.u('late:' || d.key) < 0.2)::int, p.today - 1) END AS completed_on
FROM riskmap_demo_gen.dr2 d, riskmap_demo_gen.param p;

-- Joint participants.
CREATE TABLE riskmap_demo_gen.joint AS
SELECT d.id,
       coalesce((SELECT array_agg(b ORDER BY b) FROM (
                   SELECT n.b FROM riskmap_demo_gen.neighbour n WHERE n.a = d.org_code
                   ORDER BY riskmap_demo_gen.u('jd:' || d.key || n.b), n.b
                   LIMIT 1 + (riskmap_demo_gen.u('jdn:' || d.key) < 0.4)::int) s
                 WHERE d.org_kind = 'district' AND d.cls = 'comprehensive' AND riskmap_demo_gen.u('joint:' || d.key) < 0.3),
                '{}') AS joint_districts,
       coalesce((SELECT array_agg(code ORDER BY code) FROM (
                   SELECT dp.code FROM riskmap.department dp
                   WHERE dp.code <> d.org_code
                     AND (d.cat = ANY (dp.categories) OR (d.cls = 'comprehensive' AND dp.code IN ('CQ-YJJ', 'CQ-WJW', 'CQ-XFZD')))
                   ORDER BY riskmap_demo_gen.u('jp:' || d.key || dp.code), dp.code
                   LIMIT 1 + (riskmap_demo_gen.u('jpn:' || d.key) < 0.4)::int) s
                 WHERE riskmap_demo_gen.u('jointp:' || d.key) < 0.35),
                '{}') AS joint_departments
FROM riskmap_demo_gen.dr3 d;

-- Targets.
CREATE TABLE riskmap_demo_gen.target AS
WITH cand AS (
  -- special drills of a district: its high-risk sources of the category (level 3 if none)
  SELECT d.id, r.id AS source_id, r.risk_level,
         row_number() OVER (PARTITION BY d.id ORDER BY r.risk_level <= 2 DESC, riskmap_demo_gen.u('tgt:' || d.key || ':' || r.id), r.id) AS rn,
         1 + floor(3 * riskmap_demo_gen.u('ntgt:' || d.key))::int AS want
  FROM riskmap_demo_gen.dr3 d
  JOIN riskmap.risk_source r ON r.category = d.cat AND r.risk_level <= 3
   AND (d.org_kind = 'department' OR r.district_code = d.org_code)
  WHERE d.cls = 'special'
)
SELECT id, source_id FROM cand
WHERE rn <= want AND (risk_level <= 2 OR rn = 1);
-- comprehensive drills: an anchor high-risk source and up to three more
-- high-risk sources of the district within 10 km of it
INSERT INTO riskmap_demo_gen.target
SELECT d.id, t.id
FROM riskmap_demo_gen.dr3 d
CROSS JOIN LATERAL (SELECT r.id, r.geom FROM riskmap.risk_source r
                    WHERE r.district_code = d.org_code AND r.risk_level <= 2
                    ORDER BY riskmap_demo_gen.u('anchor:' || d.key || ':' || r.id), r.id LIMIT 1) a
CROSS JOIN LATERAL (SELECT r.id FROM riskmap.risk_source r
                    WHERE r.district_code = d.org_code AND r.risk_level <= 2
                      AND ST_DWithin(r.geom::geography, a.geom::geography, 10000)
                    ORDER BY r.id = a.id DESC, riskmap_demo_gen.u('near:' || d.key || ':' || r.id), r.id
                    LIMIT 2 + floor(3 * riskmap_demo_gen.u('ncomp:' || d.key))::int) t
WHERE d.cls = 'comprehensive';

INSERT INTO riskmap.drill (id, year, title, drill_class, subject, form, blind, organizer_district, organizer_department,
                           joint_districts, joint_departments, key_drill, scheduled_on, completed_on, status, area)
SELECT d.id, d.yr,
       d.org_name || d.yr || '年'
         || CASE WHEN d.cls = 'comprehensive'
                 THEN (CASE d.subject WHEN 'evacuation' THEN '人员疏散' WHEN 'warning_response' THEN '预警响应'
                                      WHEN 'medical_rescue' THEN '医疗救援' ELSE '抢险救援' END) || '综合应急演练'
                 ELSE coalesce(c.title, '卫生应急') || '专项应急演练' END
         || CASE WHEN d.blind THEN '（“六无”盲演）' ELSE '' END
         || CASE WHEN d.k > 1 AND NOT d.cancelled THEN '（' || d.k || '）' ELSE '' END,
       d.cls, d.subject, d.form, d.blind,
       CASE WHEN d.org_kind = 'district' THEN d.org_code END,
       CASE WHEN d.org_kind = 'department' THEN d.org_code END,
       j.joint_districts, j.joint_departments, d.key_drill, d.scheduled_on, d.completed_on, d.status,
       -- about a fifth of the live and combined drills with targets mark an area
       CASE WHEN d.form <> 'tabletop' AND riskmap_demo_gen.u('area:' || d.key) < 0.25 THEN
         (SELECT ST_Multi(ST_Buffer(ST_PointOnSurface(r.geom)::geography,
                                    1000 + 1500 * riskmap_demo_gen.u('arear:' || d.key), 'quad_segs=16')::geometry)
          FROM riskmap_demo_gen.target t JOIN riskmap.risk_source r ON r.id = t.source_id
          WHERE t.id = d.id ORDER BY r.risk_level, r.id LIMIT 1) END
FROM riskmap_demo_gen.dr3 d
JOIN riskmap_demo_gen.joint j ON j.id = d.id
LEFT JOIN riskmap_demo_gen.category c ON c.cat = d.cat
ORDER BY d.id;

INSERT INTO riskmap.drill_target (drill_id, source_id)
SELECT DISTINCT id, source_id FROM riskmap_demo_gen.target ORDER BY 1, 2;

-- Materials. Key drills: on time (55 %), evaluation late (20 %), evaluation
-- (and sometimes the script) missing (20 %), nothing submitted (5 %). Half of
-- the other completed drills file a plan and an evaluation. Nothing is dated
-- after current_date.
INSERT INTO riskmap.drill_material (id, drill_id, kind, submitted_on, uri, sha256)
SELECT row_number() OVER (ORDER BY m.drill_id, m.ord), m.drill_id, m.kind, m.submitted_on, m.uri,
       encode(sha256(convert_to(m.uri, 'UTF8')), 'hex')
FROM (
  SELECT d.id AS drill_id, k.ord, k.kind,
         d.completed_on + k.offset_days AS submitted_on,
         format('s3://riskmap-drills/%s/%s/%s.%s', d.yr, d.id, k.kind, k.ext) AS uri
  FROM riskmap.drill dd
  JOIN riskmap_demo_gen.dr3 d ON d.id = dd.id
  CROSS JOIN LATERAL (SELECT CASE WHEN d.key_drill THEN riskmap_demo_gen.draw('mat:' || d.key, '{on_time:55,late:20,missing:20,none:5}')
                                  WHEN riskmap_demo_gen.u('matn:' || d.key) < 0.5 THEN 'basic' ELSE 'none' END AS profile) p
  CROSS JOIN LATERAL (VALUES
    (1, 'plan', 'pdf', CASE WHEN p.profile <> 'none' THEN -(5 + floor(10 * riskmap_demo_gen.u('mp:' || d.key)))::int END),
    (2, 'script', 'docx', CASE WHEN p.profile IN ('on_time', 'late') OR (p.profile = 'missing' AND riskmap_demo_gen.u('ms:' || d.key) < 0.5)
                               THEN -(1 + floor(4 * riskmap_demo_gen.u('ms2:' || d.key)))::int END),
    (3, 'evaluation', 'pdf', CASE WHEN p.profile IN ('on_time', 'basic') THEN (7 + floor(21 * riskmap_demo_gen.u('me:' || d.key)))::int
                                  WHEN p.profile = 'late' THEN (35 + floor(40 * riskmap_demo_gen.u('me:' || d.key)))::int END),
    (4, 'image', 'jpg', CASE WHEN p.profile IN ('on_time', 'late', 'missing') THEN 1 END),
    (5, 'video', 'mp4', CASE WHEN p.profile IN ('on_time', 'late') AND riskmap_demo_gen.u('mv:' || d.key) < 0.5 THEN 2 END)
  ) AS k(ord, kind, ext, offset_days)
  WHERE dd.status = 'completed' AND k.offset_days IS NOT NULL
) m, riskmap_demo_gen.param prm
WHERE m.submitted_on <= prm.today
ORDER BY 1;

-- Improvement actions of completed drills (0..3 each); most of the older ones are closed.
CREATE TABLE riskmap_demo_gen.finding (n integer, finding text, action text);
INSERT INTO riskmap_demo_gen.finding VALUES
  (1, '预警信息传递到村（社区）用时过长', '建立预警信息“叫应”机制，完善村（社区）网格员名单'),
  (2, '疏散路线标识不清，部分群众走错方向', '增设疏散路线指示牌并更新避难场所标识'),
  (3, '应急物资储备数量不足、部分过期', '补充储备物资并建立定期轮换台账'),
  (4, '通信中断后缺少备用通信手段', '为重点村配备卫星电话并开展使用培训'),
  (5, '医疗救护与现场指挥衔接不畅', '明确现场医疗救护组职责，完善联络机制'),
  (6, '企业应急预案与区县预案衔接不够', '组织企业修订预案，明确与属地预案的响应衔接'),
  (7, '部分队员个人防护装备使用不熟练', '开展防护装备专项训练并纳入考核'),
  (8, '现场警戒范围划定偏小', '修订警戒范围确定标准，按影响半径划定警戒区'),
  (9, '转移群众清点不及时，存在漏报', '推行转移人员实名登记和清点复核制度'),
  (10, '指挥部信息汇总上报滞后', '规范信息报送模板和时限要求');

INSERT INTO riskmap.improvement_action (id, drill_id, finding, action, owner, due_on, closed_on)
SELECT row_number() OVER (ORDER BY a.drill_id, a.k), a.drill_id, f.finding, f.action, a.owner, a.due_on,
       CASE WHEN a.closed_on <= prm.today THEN a.closed_on END
FROM (
  SELECT d.id AS drill_id, n.k, d.office AS owner,
         1 + floor(10 * riskmap_demo_gen.u('fnd:' || d.key || ':' || n.k))::int AS fn,
         dd.completed_on + (ARRAY[30, 45, 60, 90])[1 + floor(4 * riskmap_demo_gen.u('due:' || d.key || ':' || n.k))::int] AS due_on,
         CASE WHEN riskmap_demo_gen.u('close:' || d.key || ':' || n.k)
                   < CASE WHEN dd.completed_on < prm.today - 180 THEN 0.85 ELSE 0.6 END
              THEN dd.completed_on + round(((ARRAY[30, 45, 60, 90])[1 + floor(4 * riskmap_demo_gen.u('due:' || d.key || ':' || n.k))::int])
                                           * (0.4 + 0.9 * riskmap_demo_gen.u('clat:' || d.key || ':' || n.k)))::int END AS closed_on
  FROM riskmap.drill dd
  JOIN riskmap_demo_gen.dr3 d ON d.id = dd.id
  CROSS JOIN riskmap_demo_gen.param prm
  CROSS JOIN LATERAL generate_series(1, floor(4 * riskmap_demo_gen.u('nact:' || d.key))::int) AS n(k)
  WHERE dd.status = 'completed'
) a
JOIN riskmap_demo_gen.finding f ON f.n = a.fn
CROSS JOIN riskmap_demo_gen.param prm
ORDER BY 1;

SELECT format('      %s: %s drills (%s comprehensive, %s special; %s completed, %s planned, %s cancelled; %s blind, %s key, %s with an area)',
              year, count(*), count(*) FILTER (WHERE drill_class = 'comprehensive'), count(*) FILTER (WHERE drill_class = 'special'),
              count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'planned'),
              count(*) FILTER (WHERE status = 'cancelled'), count(*) FILTER (WHERE blind), count(*) FILTER (WHERE key_drill),
              count(*) FILTER (WHERE area IS NOT NULL))
FROM riskmap.drill GROUP BY year ORDER BY year;
SELECT format('      high-risk sources targeted by a planned/completed drill of %s: %s of %s', p.year,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id
                                             WHERE t.source_id = r.id AND d.year = p.year AND d.status <> 'cancelled')),
              count(*))
FROM riskmap.risk_source r, riskmap_demo_gen.param p WHERE r.risk_level <= 2 GROUP BY p.year;
SELECT format('      improvement actions: %s closed, %s open and overdue, %s open and not yet due',
              count(*) FILTER (WHERE closed_on IS NOT NULL), count(*) FILTER (WHERE closed_on IS NULL AND due_on < p.today),
              count(*) FILTER (WHERE closed_on IS NULL AND due_on >= p.today))
FROM riskmap.improvement_action, riskmap_demo_gen.param p;
SELECT riskmap_demo_gen.report('drill', 'drill_target', 'drill_material', 'improvement_action');
