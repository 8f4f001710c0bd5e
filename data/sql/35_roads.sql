-- 35_roads.sql — a road graph of about 12,000 × scale edges (pgRouting convention).
-- Per district a jittered lattice of junctions (denser where more people live),
-- streets between lattice neighbours (a few missing, a few diagonals), every
-- fourth line a main road; pieces cut off by the district outline are bridged
-- to the main piece, and neighbouring districts are linked by one or two
-- roads. cost_s / reverse_cost_s are seconds (length / speed); some streets in
-- the core are one-way (reverse_cost_s = -1), chosen so that the directed graph
-- stays strongly connected. Node ids are shared by the edges that meet there.

-- Union-find over edges (a[i], b[i]) of nodes 1..n: the component root
-- (smallest node id) of every node.
CREATE FUNCTION riskmap_demo_gen.components(n integer, a integer[], b integer[]) RETURNS integer[]
LANGUAGE plpgsql AS $$
DECLARE
  p integer[] := array_fill(0, ARRAY[n]);
  i integer; x integer; y integer;
BEGIN
  FOR i IN 1 .. n LOOP p[i] := i; END LOOP;
  FOR i IN 1 .. coalesce(cardinality(a), 0) LOOP
    x := a[i];
    WHILE p[x] <> x LOOP p[x] := p[p[x]]; x := p[x]; END LOOP;
    y := b[i];
    WHILE p[y] <> y LOOP p[y] := p[p[y]]; y := p[y]; END LOOP;
    IF x < y THEN p[y] := x; ELSIF y < x THEN p[x] := y; END IF;
  END LOOP;
  FOR i IN 1 .. n LOOP
    x := i;
    WHILE p[x] <> x LOOP x := p[x]; END LOOP;
    p[i] := x;
  END LOOP;
  RETURN p;
END $$;

-- Lattice spacing per district: 7,000 × scale junctions shared by area and people.
CREATE TABLE riskmap_demo_gen.road_spec AS
WITH tot AS (SELECT sum(area_m2) AS area, sum(pop) AS pop FROM riskmap_demo_gen.dist)
SELECT d.code, d.region, d.mountain, d.geom, box2d(d.geom) AS bx,
       sqrt(d.area_m2 / (7000.0 * p.scale * (0.4 * d.area_m2 / tot.area + 0.6 * d.pop / tot.pop))) AS s_m,
       cos(radians(ST_Y(ST_Centroid(d.geom)))) AS coslat
FROM riskmap_demo_gen.dist d, tot, riskmap_demo_gen.param p;

CREATE TABLE riskmap_demo_gen.node AS
WITH cand AS (
  SELECT r.code, i, j, r.geom AS dgeom,
         ST_XMin(r.bx) + (i + 0.5) * r.s_m / (111320.0 * r.coslat) AS bx_,
         ST_YMin(r.bx) + (j + 0.5) * r.s_m / 110574.0 AS by_,
         r.s_m, r.coslat
  FROM riskmap_demo_gen.road_spec r,
       LATERAL generate_series(0, ceil((ST_XMax(r.bx) - ST_XMin(r.bx)) * 111320.0 * r.coslat / r.s_m)::int) AS i,
       LATERAL generate_series(0, ceil((ST_YMax(r.bx) - ST_YMin(r.bx)) * 110574.0 / r.s_m)::int) AS j
), hashed AS (
  -- one md5 per junction: two 52-bit uniforms for the jitter in x and y
  SELECT c.*, md5('node:' || code || ':' || i || ':' || j) AS m FROM cand c
), pts AS (
  SELECT code, i, j, dgeom,
         ST_SetSRID(ST_MakePoint(round(bx_ * 1e6) / 1e6, round(by_ * 1e6) / 1e6), 4326) AS plain,
         ST_SetSRID(ST_MakePoint(
           round((bx_ + 0.6 * (('x' || substr(m, 1, 13))::bit(52)::bigint / 4503599627370496.0 - 0.5) * s_m / (111320.0 * coslat)) * 1e6) / 1e6,
           round((by_ + 0.6 * (('x' || substr(m, 14, 13))::bit(52)::bigint / 4503599627370496.0 - 0.5) * s_m / 110574.0) * 1e6) / 1e6), 4326) AS jittered
  FROM hashed
), kept AS (
  SELECT code, i, j,
         CASE WHEN ST_Contains(dgeom, jittered) THEN jittered
              WHEN ST_Contains(dgeom, plain) THEN plain END AS geom
  FROM pts
)
SELECT row_number() OVER (ORDER BY code, j, i)::integer AS id, code, i, j, geom
FROM kept WHERE geom IS NOT NULL;
CREATE UNIQUE INDEX ON riskmap_demo_gen.node (code, i, j);
CREATE INDEX ON riskmap_demo_gen.node USING gist (geom);

-- Lattice streets.
CREATE TABLE riskmap_demo_gen.edge AS
SELECT a.id AS a, b.id AS b, a.code, 'lattice' AS how,
       (o.di = 1 AND o.dj = 0 AND a.j % 4 = 0) OR (o.di = 0 AND o.dj = 1 AND a.i % 4 = 0) AS main
FROM riskmap_demo_gen.node a
CROSS JOIN (VALUES (1, 0), (0, 1), (1, 1)) AS o(di, dj)
JOIN riskmap_demo_gen.node b ON b.code = a.code AND b.i = a.i + o.di AND b.j = a.j + o.dj
WHERE CASE WHEN o.di + o.dj = 2
           THEN riskmap_demo_gen.u('diag:' || a.id) < 0.04
           ELSE riskmap_demo_gen.u('drop:' || a.id || ':' || o.di) >= 0.07 END;

-- Bridge the pieces of each district to its largest piece (closest pair of nodes).
CREATE TABLE riskmap_demo_gen.comp AS
WITH r AS (SELECT riskmap_demo_gen.components((SELECT count(*)::int FROM riskmap_demo_gen.node),
                                              array_agg(a ORDER BY a, b), array_agg(b ORDER BY a, b)) AS root
           FROM riskmap_demo_gen.edge)
SELECT n.id, n.code, r.root[n.id] AS root FROM riskmap_demo_gen.node n, r;
CREATE TABLE riskmap_demo_gen.main_comp AS
SELECT DISTINCT ON (code) code, root
FROM (SELECT code, root, count(*) AS n FROM riskmap_demo_gen.comp GROUP BY 1, 2) s
ORDER BY code, n DESC, root;
INSERT INTO riskmap_demo_gen.edge (a, b, code, how, main)
SELECT DISTINCT ON (c.root) c.id, m.id, c.code, 'bridge', false
FROM riskmap_demo_gen.comp c
JOIN riskmap_demo_gen.node cn ON cn.id = c.id
JOIN riskmap_demo_gen.main_comp mc ON mc.code = c.code AND mc.root <> c.root
CROSS JOIN LATERAL (
  SELECT n.id, n.geom FROM riskmap_demo_gen.node n JOIN riskmap_demo_gen.comp k ON k.id = n.id
  WHERE n.code = c.code AND k.root = mc.root
  ORDER BY n.geom <-> cn.geom, n.id LIMIT 1) m
ORDER BY c.root, ST_Distance(cn.geom, m.geom), c.id;

-- Junctions at the edge of their district's lattice (a lattice neighbour is
-- missing): the only candidates for links to the neighbouring districts.
CREATE TABLE riskmap_demo_gen.border_node AS
SELECT n.* FROM riskmap_demo_gen.node n
WHERE EXISTS (SELECT 1 FROM (VALUES (1, 0), (-1, 0), (0, 1), (0, -1)) AS o(di, dj)
              WHERE NOT EXISTS (SELECT 1 FROM riskmap_demo_gen.node m
                                WHERE m.code = n.code AND m.i = n.i + o.di AND m.j = n.j + o.dj));
CREATE INDEX ON riskmap_demo_gen.border_node (code);

-- Link neighbouring districts: the closest pair of junctions across the
-- border, and a second pair at least 8 km from the first when there is one.
DO $$
DECLARE
  nb record; best record; second record;
BEGIN
  FOR nb IN SELECT n.a, n.b, ra.s_m AS sa FROM riskmap_demo_gen.neighbour n
            JOIN riskmap_demo_gen.road_spec ra ON ra.code = n.a WHERE n.a < n.b ORDER BY n.a, n.b LOOP
    CREATE TEMP TABLE IF NOT EXISTS pair_cand (na integer, nbn integer, d float8, ga geometry);
    TRUNCATE pair_cand;
    INSERT INTO pair_cand
    SELECT x.id, y.id, ST_Distance(x.geom, y.geom), x.geom
    FROM riskmap_demo_gen.border_node x
    JOIN riskmap_demo_gen.dist db ON db.code = nb.b
    CROSS JOIN LATERAL (SELECT n.id, n.geom FROM riskmap_demo_gen.border_node n WHERE n.code = nb.b
                        ORDER BY n.geom <-> x.geom, n.id LIMIT 1) y
    WHERE x.code = nb.a AND x.geom && ST_Expand(box2d(db.geom), 2.5 * nb.sa / 100000.0)
      AND ST_DWithin(x.geom, db.geom, 2.5 * nb.sa / 100000.0);
    SELECT * INTO best FROM pair_cand ORDER BY d, na LIMIT 1;
    IF best IS NULL OR best.na IS NULL THEN
      CONTINUE;
    END IF;
    INSERT INTO riskmap_demo_gen.edge VALUES (best.na, best.nbn, nb.a, 'link', true);
    SELECT * INTO second FROM pair_cand
    WHERE riskmap_demo_gen.km(ga, best.ga) > 8 AND nbn <> best.nbn ORDER BY d, na LIMIT 1;
    IF second.na IS NOT NULL THEN
      INSERT INTO riskmap_demo_gen.edge VALUES (second.na, second.nbn, nb.a, 'link', true);
    END IF;
  END LOOP;
END $$;

-- Geometry (a slight bend in the middle), length, speed, one-way candidates.
CREATE TABLE riskmap_demo_gen.edge2 AS
WITH e AS (
  SELECT row_number() OVER (ORDER BY CASE how WHEN 'lattice' THEN 0 WHEN 'bridge' THEN 1 ELSE 2 END, e.code, e.a, e.b)::bigint AS id,
         e.*, na.geom AS ga, nb.geom AS gb, r.region, r.mountain
  FROM riskmap_demo_gen.edge e
  JOIN riskmap_demo_gen.node na ON na.id = e.a
  JOIN riskmap_demo_gen.node nb ON nb.id = e.b
  JOIN riskmap_demo_gen.road_spec r ON r.code = e.code
)
SELECT e.id, e.a, e.b, e.code, e.how, e.main, e.region,
       g.geom,
       ST_Length(g.geom::geography) AS len_m,
       CASE WHEN e.how = 'link' THEN 60
            WHEN e.region = 'core' THEN CASE WHEN e.main THEN 40 ELSE 25 END
            WHEN e.mountain THEN CASE WHEN e.main THEN 45 ELSE 25 END
            ELSE CASE WHEN e.main THEN 60 ELSE 35 END END / 3.6 AS speed_mps
FROM e
CROSS JOIN LATERAL (
  SELECT ST_MakeLine(ARRAY[e.ga,
           ST_SetSRID(ST_MakePoint(
             round(((ST_X(e.ga) + ST_X(e.gb)) / 2 + 0.12 * (riskmap_demo_gen.u('bend:' || e.id) - 0.5) * (ST_Y(e.gb) - ST_Y(e.ga)))::numeric, 6)::float8,
             round(((ST_Y(e.ga) + ST_Y(e.gb)) / 2 - 0.12 * (riskmap_demo_gen.u('bend:' || e.id) - 0.5) * (ST_X(e.gb) - ST_X(e.ga)))::numeric, 6)::float8), 4326),
           e.gb]) AS geom) g;

-- One-way streets: core local streets (12 %) and others (2 %), at most one
-- per junction, both ends with degree >= 3; then any one-way street that is
-- the only link between two pieces of the two-way graph is made two-way again.
CREATE TABLE riskmap_demo_gen.deg AS
SELECT n, count(*) AS deg FROM (SELECT a AS n FROM riskmap_demo_gen.edge2 UNION ALL SELECT b FROM riskmap_demo_gen.edge2) s GROUP BY n;
CREATE TABLE riskmap_demo_gen.oneway AS
WITH cand AS (
  SELECT e.id, e.a, e.b FROM riskmap_demo_gen.edge2 e
  JOIN riskmap_demo_gen.deg da ON da.n = e.a JOIN riskmap_demo_gen.deg db ON db.n = e.b
  WHERE e.how = 'lattice' AND NOT e.main AND da.deg >= 3 AND db.deg >= 3
    AND riskmap_demo_gen.u('oneway:' || e.id) < CASE WHEN e.region = 'core' THEN 0.12 ELSE 0.02 END
), ends AS (SELECT id, a AS n FROM cand UNION ALL SELECT id, b FROM cand),
   first_at AS (SELECT n, min(id) AS id FROM ends GROUP BY n)
SELECT c.id, c.a, c.b FROM cand c
JOIN first_at fa ON fa.n = c.a AND fa.id = c.id
JOIN first_at fb ON fb.n = c.b AND fb.id = c.id;
WITH two AS (SELECT e.a, e.b FROM riskmap_demo_gen.edge2 e WHERE e.id NOT IN (SELECT id FROM riskmap_demo_gen.oneway)),
     r AS (SELECT riskmap_demo_gen.components((SELECT count(*)::int FROM riskmap_demo_gen.node),
                                              array_agg(a ORDER BY a, b), array_agg(b ORDER BY a, b)) AS root FROM two)
DELETE FROM riskmap_demo_gen.oneway o USING r WHERE r.root[o.a] <> r.root[o.b];

INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom)
SELECT e.id,
       CASE WHEN flip THEN e.b ELSE e.a END,
       CASE WHEN flip THEN e.a ELSE e.b END,
       round((e.len_m / e.speed_mps)::numeric, 1)::float8,
       CASE WHEN o.id IS NOT NULL THEN -1 ELSE round((e.len_m / e.speed_mps)::numeric, 1)::float8 END,
       CASE WHEN flip THEN ST_Reverse(e.geom) ELSE e.geom END
FROM riskmap_demo_gen.edge2 e
LEFT JOIN riskmap_demo_gen.oneway o ON o.id = e.id
CROSS JOIN LATERAL (SELECT o.id IS NOT NULL AND riskmap_demo_gen.u('flip:' || e.id) < 0.5 AS flip) f
ORDER BY e.id;

-- Capacities (riskmap 0.2: road.capacity_pph, people per hour who may enter
-- one direction), from road class and lanes. Evacuees travel at the edges'
-- driving speeds, in vehicles: HCM's base saturation flow is 1,900 passenger
-- cars per hour per lane; with the traffic control of an evacuation (交通管制,
-- police holding the cross streets) about 1,800 per lane pass, and at 2.5
-- people per vehicle (cars carry 2-3, buses many more) a lane moves 4,500
-- people per hour. Main roads and district links have 2 lanes per direction
-- in the plains (9,000 pph) and 1 in the mountains (4,500); streets have 1
-- lane per direction (4,500) but lose half of it to parking, junctions and
-- pedestrians (2,250). Skipped on an installation without the column.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'riskmap.road'::regclass
               AND attname = 'capacity_pph' AND NOT attisdropped) THEN
    EXECUTE $q$
      UPDATE riskmap.road r
         SET capacity_pph = CASE WHEN e.main OR e.how = 'link'
                                 THEN CASE WHEN e.mountain THEN 4500 ELSE 9000 END
                                 ELSE 2250 END
        FROM (SELECT e.id, e.main, e.how, s.mountain
                FROM riskmap_demo_gen.edge2 e JOIN riskmap_demo_gen.road_spec s ON s.code = e.code) e
       WHERE e.id = r.id $q$;
  END IF;
END $$;

-- The whole network must be one piece.
DO $$
DECLARE pieces integer; used integer; total integer;
BEGIN
  SELECT count(DISTINCT x) INTO pieces
  FROM unnest((SELECT riskmap_demo_gen.components((SELECT count(*)::int FROM riskmap_demo_gen.node),
                                                  array_agg(source::int ORDER BY id), array_agg(target::int ORDER BY id))
               FROM riskmap.road)) AS x;
  SELECT count(*) INTO used FROM riskmap_demo_gen.node n
  WHERE EXISTS (SELECT 1 FROM riskmap.road r WHERE r.source = n.id OR r.target = n.id);
  SELECT count(*) INTO total FROM riskmap_demo_gen.node;
  IF pieces <> 1 OR used <> total THEN
    RAISE EXCEPTION 'load_demo: the road graph has % pieces (expected 1) and % of % junctions in use', pieces, used, total;
  END IF;
END $$;

SELECT format('      one connected network: %s junctions, %s edges (%s one-way, %s district links), %s km of road',
              (SELECT count(*) FROM riskmap_demo_gen.node), count(*), count(*) FILTER (WHERE reverse_cost_s < 0),
              (SELECT count(*) FROM riskmap_demo_gen.edge WHERE how = 'link'),
              round((sum(ST_Length(geom::geography)) / 1000)::numeric))
FROM riskmap.road;
SELECT riskmap_demo_gen.report('road');
