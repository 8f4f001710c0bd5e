-- 00_helpers.sql — scratch schema riskmap_demo_gen (dropped at the end of the
-- load), the parameters of the run, and deterministic "random" helpers.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'riskmap') THEN
    RAISE EXCEPTION 'load_demo: extension riskmap is not installed in database %', current_database()
      USING HINT = 'CREATE EXTENSION riskmap CASCADE (scripts/common.sh load_demo does it)';
  END IF;
END $$;

-- Start from empty tables so that a second run gives the same data
-- (drill_quota keeps the extension's seeded rows).
TRUNCATE riskmap.improvement_action, riskmap.drill_material, riskmap.drill_target, riskmap.drill,
         riskmap.plan_event, riskmap.plan_link, riskmap.plan, riskmap.shelter, riskmap.population,
         riskmap.road, riskmap.risk_source, riskmap.user_district, riskmap.department,
         riskmap.district, riskmap.workday_override RESTART IDENTITY CASCADE;

DROP SCHEMA IF EXISTS riskmap_demo_gen CASCADE;
CREATE SCHEMA riskmap_demo_gen;

CREATE TABLE riskmap_demo_gen.param AS
SELECT (:'scale')::integer AS scale,
       current_date        AS today,
       extract(year FROM current_date)::integer AS year;

-- Progress: rows of a table and the seconds since the previous report.
CREATE TABLE riskmap_demo_gen.clock (t timestamptz);
INSERT INTO riskmap_demo_gen.clock VALUES (clock_timestamp());
CREATE FUNCTION riskmap_demo_gen.report(VARIADIC tables text[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  t text; n bigint; secs numeric;
BEGIN
  SELECT round(extract(epoch FROM clock_timestamp() - c.t)::numeric, 1) INTO secs FROM riskmap_demo_gen.clock c;
  UPDATE riskmap_demo_gen.clock SET t = clock_timestamp();
  FOREACH t IN ARRAY tables LOOP
    EXECUTE format('SELECT count(*) FROM riskmap.%I', t) INTO n;
    RETURN NEXT format('      %-20s %9s rows', t, n);
  END LOOP;
  RETURN NEXT format('      (%s s)', secs);
END $$;

-- u(key): a uniform number in [0, 1) that depends on the key only.
CREATE FUNCTION riskmap_demo_gen.u(k text) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ('x' || substr(md5(k), 1, 13))::bit(52)::bigint::double precision / 4503599627370496.0
$$;

-- g(key): a standard normal number (Box-Muller on two hashes of the key).
CREATE FUNCTION riskmap_demo_gen.g(k text) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT sqrt(-2.0 * ln(greatest(riskmap_demo_gen.u(k || '#a'), 1e-12)))
         * cos(2.0 * pi() * riskmap_demo_gen.u(k || '#b'))
$$;

-- pick(array, key): one element of the array.
CREATE FUNCTION riskmap_demo_gen.pick(a anyarray, k text) RETURNS anyelement
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT a[array_lower(a, 1) + floor(riskmap_demo_gen.u(k) * cardinality(a))::int]
$$;

-- level(key, p1, p2, p3): risk level 1..4 with P(1)=p1, P(2)=p2, P(3)=p3.
CREATE FUNCTION riskmap_demo_gen.level(k text, p1 float8, p2 float8, p3 float8) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN x < p1 THEN 1 WHEN x < p1 + p2 THEN 2 WHEN x < p1 + p2 + p3 THEN 3 ELSE 4 END::smallint
  FROM (SELECT riskmap_demo_gen.u(k) AS x) s
$$;

-- A point strictly inside polygon g: the anchor itself if exact, else normal
-- offsets of sigma_m metres around the anchor, then uniform points in the
-- bounding box (rejection sampling); coordinates rounded to 1e-6 degrees.
-- Falls back to ST_PointOnSurface.
CREATE FUNCTION riskmap_demo_gen.pt_in(g geometry, k text, anchor geometry DEFAULT NULL,
                                       sigma_m float8 DEFAULT 0, exact boolean DEFAULT false,
                                       tries integer DEFAULT 60)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  p geometry; i integer; x float8; y float8; kx float8;
  bx box2d := box2d(g);
BEGIN
  FOR i IN 0 .. tries LOOP
    IF i = 0 AND NOT (exact AND anchor IS NOT NULL) THEN
      CONTINUE;
    ELSIF i = 0 THEN
      x := ST_X(anchor); y := ST_Y(anchor);
    ELSIF anchor IS NOT NULL AND sigma_m > 0 AND i <= tries / 2 THEN
      kx := 111320.0 * cos(radians(ST_Y(anchor)));
      x := ST_X(anchor) + sigma_m * riskmap_demo_gen.g(k || ':x' || i) / kx;
      y := ST_Y(anchor) + sigma_m * riskmap_demo_gen.g(k || ':y' || i) / 110574.0;
    ELSE
      x := ST_XMin(bx) + (ST_XMax(bx) - ST_XMin(bx)) * riskmap_demo_gen.u(k || ':ux' || i);
      y := ST_YMin(bx) + (ST_YMax(bx) - ST_YMin(bx)) * riskmap_demo_gen.u(k || ':uy' || i);
    END IF;
    p := ST_SetSRID(ST_MakePoint(round(x::numeric, 6)::float8, round(y::numeric, 6)::float8), 4326);
    IF ST_Contains(g, p) THEN
      RETURN p;
    END IF;
  END LOOP;
  RETURN ST_PointOnSurface(g);
END $$;

-- A polyline of n vertices inside g: a random walk of step_m metres from a
-- point near the anchor; tries again from another start if it leaves g.
CREATE FUNCTION riskmap_demo_gen.line_in(g geometry, k text, anchor geometry, sigma_m float8,
                                         n integer, step_m float8)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t integer; i integer; p0 geometry; pts geometry[]; x float8; y float8; kx float8;
  heading float8; ln geometry;
BEGIN
  FOR t IN 1 .. 25 LOOP
    p0 := riskmap_demo_gen.pt_in(g, k || ':s' || t, anchor, sigma_m);
    x := ST_X(p0); y := ST_Y(p0);
    kx := 111320.0 * cos(radians(y));
    heading := 2 * pi() * riskmap_demo_gen.u(k || ':h' || t);
    pts := ARRAY[p0];
    FOR i IN 2 .. n LOOP
      heading := heading + 0.6 * riskmap_demo_gen.g(k || ':t' || t || ':' || i);
      x := x + step_m * (0.6 + 0.8 * riskmap_demo_gen.u(k || ':l' || t || ':' || i)) * cos(heading) / kx;
      y := y + step_m * (0.6 + 0.8 * riskmap_demo_gen.u(k || ':m' || t || ':' || i)) * sin(heading) / 110574.0;
      pts := pts || ST_SetSRID(ST_MakePoint(round(x::numeric, 6)::float8, round(y::numeric, 6)::float8), 4326);
    END LOOP;
    ln := ST_MakeLine(pts);
    IF ST_IsSimple(ln) AND ST_Within(ln, g) THEN
      RETURN ln;
    END IF;
  END LOOP;
  -- Fallback: a short east-west segment at a point on the surface.
  p0 := ST_PointOnSurface(g);
  RETURN ST_MakeLine(p0, ST_Translate(p0, 0.0005, 0));
END $$;

-- A roughly elliptic polygon (a reservoir) of about radius_m inside g; shrinks
-- until it fits.
CREATE FUNCTION riskmap_demo_gen.blob_in(g geometry, k text, radius_m float8)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t integer; c geometry; r float8 := radius_m; poly geometry; kx float8;
  ang float8; pts geometry[]; i integer; rr float8;
BEGIN
  FOR t IN 1 .. 30 LOOP
    c := riskmap_demo_gen.pt_in(g, k || ':c' || t);
    kx := 111320.0 * cos(radians(ST_Y(c)));
    pts := '{}';
    FOR i IN 0 .. 15 LOOP
      ang := 2 * pi() * i / 16;
      rr := r * (0.75 + 0.5 * riskmap_demo_gen.u(k || ':r' || t || ':' || i))
              * (CASE WHEN i % 8 < 4 THEN 1.0 ELSE 0.8 END);
      pts := pts || ST_SetSRID(ST_MakePoint(
               round((ST_X(c) + rr * 1.6 * cos(ang) / kx)::numeric, 6)::float8,
               round((ST_Y(c) + rr * 0.8 * sin(ang) / 110574.0)::numeric, 6)::float8), 4326);
    END LOOP;
    pts := pts || pts[1];
    poly := ST_MakePolygon(ST_MakeLine(pts));
    IF ST_IsValid(poly) AND ST_Within(poly, g) THEN
      RETURN poly;
    END IF;
    IF t % 5 = 0 THEN r := r * 0.6; END IF;
  END LOOP;
  RETURN ST_Buffer(ST_PointOnSurface(g), 0.001, 4);
END $$;

-- Chinese village / place-name parts for generated names.
CREATE TABLE riskmap_demo_gen.word (kind text, w text[]);
INSERT INTO riskmap_demo_gen.word VALUES
 ('village', ARRAY['大坪','石板','黄桷','白岩','龙井','青杠','桐子','水井湾','高峰','红岩','金竹','银杏',
                   '双河','三合','新华','向阳','柏树','马鞍','狮子','团结','鹿鸣','龙潭','花园','杨柳',
                   '长岭','大湾','落凼','岩口','碑垭','茶园','观音','天坪','堰塘','松林','坪上','槐树',
                   '凉水','老鹰岩','乌龙','鱼泉','太平','永安','庙垭','中坝','石桥','木耳','火烧坪','梨子坪']),
 ('street', ARRAY['人民路','新华路','解放路','建设路','滨江路','中山路','民主路','和平路','光明路','兴隆街',
                  '朝阳街','胜利路','学府大道','金开大道','龙湖路','迎宾大道','沿江大道','正街','北城路','南城大道']),
 ('town',   ARRAY['城关镇','龙门街道','新城街道','双桥镇','白沙镇','石门镇','太和镇','高坪镇','龙凤镇','青龙镇',
                  '长坝镇','大河镇','中和街道','东城街道','西城街道','南坪镇','北山镇','清水镇','凤鸣镇','安平镇']);
CREATE FUNCTION riskmap_demo_gen.word(kind text, k text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT riskmap_demo_gen.pick(w, k) FROM riskmap_demo_gen.word WHERE word.kind = $1
$$;

-- apportion(keys, weights, total): split total over the keys in proportion
-- to the weights (largest remainder, ties by key) — sums exactly to total.
CREATE FUNCTION riskmap_demo_gen.apportion(keys text[], w float8[], total integer)
RETURNS TABLE (key text, n integer) LANGUAGE sql IMMUTABLE AS $$
  WITH x AS (SELECT k, total * wt / sum(wt) OVER () AS q FROM unnest(keys, w) AS t(k, wt)),
       y AS (SELECT k, floor(q)::integer AS b, q - floor(q) AS r FROM x),
       z AS (SELECT k, b, row_number() OVER (ORDER BY r DESC, k) AS rn,
                    total - sum(b) OVER () AS missing FROM y)
  SELECT k, b + (rn <= missing)::integer FROM z ORDER BY k
$$;
