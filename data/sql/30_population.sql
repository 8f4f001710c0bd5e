-- 30_population.sql — a population grid of about 6,000 × scale square cells.
-- Each district holds its 2020 census population (第七次全国人口普查, 万人
-- rounded), spread by a density model anchored on the district seat (the
-- label point), on six generated towns per district, and — for the nine core
-- districts — on 解放碑, the centre of the main city. A coarse grid covers the
-- city; the most populated cells are split into four, so the core is finer.
-- A cell belongs to the district containing its centroid.

-- Density model: relative people per km² at a point of district d.
CREATE TABLE riskmap_demo_gen.town AS
SELECT d.code, t AS n,
       riskmap_demo_gen.pt_in(d.geom, 'town:' || d.code || ':' || t, d.seat, 12000) AS geom,
       0.15 + 0.35 * riskmap_demo_gen.u('townw:' || d.code || ':' || t) AS w
FROM riskmap_demo_gen.dist d, generate_series(1, 6) AS t
ORDER BY 1, 2;
CREATE INDEX ON riskmap_demo_gen.town (code);
CREATE UNIQUE INDEX ON riskmap_demo_gen.dist (code);

-- Fast planar distance in km (equirectangular; fine at city scale).
CREATE FUNCTION riskmap_demo_gen.km(a geometry, b geometry) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT sqrt(((ST_X(a) - ST_X(b)) * 111.32 * cos(radians((ST_Y(a) + ST_Y(b)) / 2))) ^ 2
              + ((ST_Y(a) - ST_Y(b)) * 110.574) ^ 2)
$$;

CREATE FUNCTION riskmap_demo_gen.density(p geometry, code text) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT 0.02
       + exp(-riskmap_demo_gen.km(p, d.seat) / 3.5)
       + CASE WHEN d.region = 'core'
              THEN 2.5 * exp(-riskmap_demo_gen.km(p, 'SRID=4326;POINT(106.5775 29.5572)'::geometry) / 6.0)
              ELSE 0 END
       + coalesce((SELECT sum(t.w * exp(-riskmap_demo_gen.km(p, t.geom) / 1.5))
                   FROM riskmap_demo_gen.town t WHERE t.code = d.code), 0)
  FROM riskmap_demo_gen.dist d WHERE d.code = $2
$$;

-- Base grid: about 40 % of the target count; two rounds then split the most
-- populated cells into four (about 30 % more cells each round).
CREATE TABLE riskmap_demo_gen.grid_spec AS
WITH t AS (SELECT 6000 * scale AS target FROM riskmap_demo_gen.param),
     a AS (SELECT sum(area_m2) AS area, ST_Extent(geom) AS ext FROM riskmap_demo_gen.dist)
SELECT t.target,
       sqrt(a.area / (0.4 * t.target)) AS side_m,
       sqrt(a.area / (0.4 * t.target)) / 110574.0 AS dy,
       sqrt(a.area / (0.4 * t.target)) / (111320.0 * cos(radians(29.9))) AS dx,
       floor(ST_XMin(a.ext) * 100) / 100 AS x0, floor(ST_YMin(a.ext) * 100) / 100 AS y0,
       ST_XMax(a.ext) AS x1, ST_YMax(a.ext) AS y1
FROM t, a;

-- Cell (lvl, ix, iy) spans x0 + ix·dx/2^lvl .. x0 + (ix+1)·dx/2^lvl (same for y).
CREATE TABLE riskmap_demo_gen.cell (lvl integer, ix integer, iy integer, code text, centre geometry, w float8);
INSERT INTO riskmap_demo_gen.cell
SELECT DISTINCT ON (c.ix, c.iy) 0, c.ix, c.iy, d.code, c.centre, riskmap_demo_gen.density(c.centre, d.code)
FROM (SELECT ix, iy,
             ST_SetSRID(ST_MakePoint(s.x0 + (ix + 0.5) * s.dx, s.y0 + (iy + 0.5) * s.dy), 4326) AS centre
      FROM riskmap_demo_gen.grid_spec s,
           generate_series(0, ceil((s.x1 - s.x0) / s.dx)::int) AS ix,
           generate_series(0, ceil((s.y1 - s.y0) / s.dy)::int) AS iy) c
JOIN riskmap_demo_gen.dist d ON ST_Contains(d.geom, c.centre)
ORDER BY c.ix, c.iy, d.code;

DO $$
DECLARE
  rnd integer; k integer; s record;
BEGIN
  SELECT * INTO s FROM riskmap_demo_gen.grid_spec;
  FOR rnd IN 1 .. 2 LOOP
    SELECT greatest(0, round((s.target - count(*)) / (3.0 * (3 - rnd))))::int INTO k FROM riskmap_demo_gen.cell;
    CREATE TEMP TABLE split ON COMMIT DROP AS
    SELECT c.lvl, c.ix, c.iy
    FROM (SELECT c.*, d.pop * c.w / 4.0 ^ c.lvl / sum(c.w / 4.0 ^ c.lvl) OVER (PARTITION BY c.code) AS people
          FROM riskmap_demo_gen.cell c JOIN riskmap_demo_gen.dist d USING (code)) c
    ORDER BY c.people DESC, c.lvl, c.ix, c.iy LIMIT k;
    DELETE FROM riskmap_demo_gen.cell c USING split p WHERE (c.lvl, c.ix, c.iy) = (p.lvl, p.ix, p.iy);
    INSERT INTO riskmap_demo_gen.cell
    SELECT DISTINCT ON (ch.ix, ch.iy) ch.lvl, ch.ix, ch.iy, d.code, ch.centre, riskmap_demo_gen.density(ch.centre, d.code)
    FROM (SELECT p.lvl + 1 AS lvl, p.ix * 2 + qx AS ix, p.iy * 2 + qy AS iy,
                 ST_SetSRID(ST_MakePoint(s.x0 + (p.ix * 2 + qx + 0.5) * s.dx / 2 ^ (p.lvl + 1),
                                         s.y0 + (p.iy * 2 + qy + 0.5) * s.dy / 2 ^ (p.lvl + 1)), 4326) AS centre
          FROM split p, generate_series(0, 1) qx, generate_series(0, 1) qy) ch
    JOIN riskmap_demo_gen.dist d ON ST_Contains(d.geom, ch.centre)
    ORDER BY ch.ix, ch.iy, d.code;
    DROP TABLE split;
  END LOOP;
END $$;

INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT row_number() OVER (ORDER BY c.code, ST_Y(c.centre), ST_X(c.centre)),
       c.code, round((d.pop * c.w / 4.0 ^ c.lvl / sum(c.w / 4.0 ^ c.lvl) OVER (PARTITION BY c.code))::numeric, 1)::float8,
       ST_MakeEnvelope(s.x0 + c.ix * s.dx / 2 ^ c.lvl, s.y0 + c.iy * s.dy / 2 ^ c.lvl,
                       s.x0 + (c.ix + 1) * s.dx / 2 ^ c.lvl, s.y0 + (c.iy + 1) * s.dy / 2 ^ c.lvl, 4326)
FROM riskmap_demo_gen.cell c JOIN riskmap_demo_gen.dist d USING (code), riskmap_demo_gen.grid_spec s
ORDER BY 1;

SELECT format('      %s people in %s cells (base side %s m), densest cell %s people',
              round(sum(people)), count(*), round((SELECT side_m FROM riskmap_demo_gen.grid_spec)::numeric),
              round(max(people)))
FROM riskmap.population;
SELECT riskmap_demo_gen.report('population');
