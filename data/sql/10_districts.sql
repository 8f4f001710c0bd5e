-- 10_districts.sql — the 38 districts and counties of Chongqing.
-- The GeoJSON is read by PostGIS (ST_GeomFromGeoJSON) from a psql variable
-- filled with `cat`; it is staged, invalid multipolygons are repaired with
-- ST_MakeValid (polygonal parts only, ST_Multi) and reported, and only then
-- inserted into riskmap.district (which may reject invalid geometries).
\set districts_geojson `cat :'datadir'/chongqing_districts.geojson`

CREATE TABLE riskmap_demo_gen.district_raw AS
SELECT f -> 'properties' ->> 'code' AS code,
       f -> 'properties' ->> 'name' AS name,
       ST_SetSRID(ST_GeomFromGeoJSON(f ->> 'geometry'), 4326) AS geom,
       CASE WHEN json_typeof(f -> 'properties' -> 'label_point') = 'array'
            THEN ST_SetSRID(ST_MakePoint((f -> 'properties' -> 'label_point' ->> 0)::float8,
                                         (f -> 'properties' -> 'label_point' ->> 1)::float8), 4326)
       END AS label_point
FROM json_array_elements((:'districts_geojson')::json -> 'features') AS f;
\unset districts_geojson

DO $$
DECLARE n integer;
BEGIN
  SELECT count(*) INTO n FROM riskmap_demo_gen.district_raw WHERE code ~ '^5001|^5002' AND geom IS NOT NULL;
  IF n <> 38 THEN
    RAISE EXCEPTION 'load_demo: expected 38 Chongqing districts in chongqing_districts.geojson, found %', n;
  END IF;
END $$;

CREATE TABLE riskmap_demo_gen.district_fixed AS
SELECT code, name, label_point,
       NOT ST_IsValid(geom) AS repaired,
       CASE WHEN ST_IsValid(geom) THEN NULL ELSE ST_IsValidReason(geom) END AS reason,
       ST_Area(geom::geography) AS area_before,
       CASE WHEN ST_IsValid(geom) THEN ST_Multi(geom)
            ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) END AS geom
FROM riskmap_demo_gen.district_raw;

SELECT format('      repaired %s %s: %s (area %s -> %s km2)', code, name, reason,
              round((area_before / 1e6)::numeric, 1), round((ST_Area(geom::geography) / 1e6)::numeric, 1))
FROM riskmap_demo_gen.district_fixed WHERE repaired ORDER BY code;
SELECT format('      %s of 38 districts repaired with ST_MakeValid', count(*))
FROM riskmap_demo_gen.district_fixed WHERE repaired;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM riskmap_demo_gen.district_fixed
             WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom) OR GeometryType(geom) <> 'MULTIPOLYGON') THEN
    RAISE EXCEPTION 'load_demo: ST_MakeValid left an invalid or empty district';
  END IF;
END $$;

INSERT INTO riskmap.district (code, name, parent_code, geom, label_point)
SELECT code, name, '500000', geom, label_point
FROM riskmap_demo_gen.district_fixed ORDER BY code;

-- Attributes of the generator (not stored in riskmap): 2020 census population
-- (万人), the region, the seat (the label point; 开州 has none in the file) and
-- a short name for generated labels.
CREATE TABLE riskmap_demo_gen.dist AS
WITH census(code, pop_wan) AS (VALUES
  ('500101',156.4),('500102',111.5),('500103',58.9),('500104',42.1),('500105',92.6),('500106',147.8),
  ('500107',152.7),('500108',119.8),('500109',83.5),('500110',101.1),('500111',83.5),('500112',219.2),
  ('500113',117.9),('500114',48.7),('500115',69.3),('500116',135.9),('500117',124.5),('500118',114.9),
  ('500119',57.2),('500120',76.1),('500151',68.6),('500152',68.9),('500153',66.9),('500154',120.3),
  ('500228',64.6),('500229',19.8),('500230',55.7),('500231',64.9),('500232',35.7),('500233',72.1),
  ('500235',92.9),('500236',74.5),('500237',46.2),('500238',38.9),('500240',38.9),('500241',50.2),
  ('500242',55.7),('500243',49.2))
SELECT d.code, d.name,
       regexp_replace(d.name, '(土家族苗族自治县|苗族土家族自治县|土家族自治县|区|县)$', '') AS short,
       CASE WHEN d.name LIKE '%自治县' THEN regexp_replace(d.name, '(土家族苗族自治县|苗族土家族自治县|土家族自治县)$', '县')
            ELSE d.name END AS label,
       c.pop_wan * 10000.0 AS pop,
       CASE WHEN d.code IN ('500103','500104','500105','500106','500107','500108','500109','500112','500113') THEN 'core'
            WHEN d.code IN ('500101','500154','500235','500236','500237','500238','500229','500228','500233','500230','500231') THEN 'northeast'
            WHEN d.code IN ('500114','500232','500240','500241','500242','500243') THEN 'southeast'
            ELSE 'west' END AS region,
       d.code IN ('500237','500238','500236','500235','500229','500240','500242','500241','500243','500232') AS mountain,
       coalesce(d.label_point, ST_SetSRID(ST_MakePoint(108.393, 31.160), 4326)) AS seat,
       d.geom,
       ST_Area(d.geom::geography) AS area_m2
FROM riskmap.district d JOIN census c USING (code);
CREATE INDEX ON riskmap_demo_gen.dist USING gist (geom);

-- Neighbouring districts (share a border).
CREATE TABLE riskmap_demo_gen.neighbour AS
SELECT a.code AS a, b.code AS b
FROM riskmap_demo_gen.dist a JOIN riskmap_demo_gen.dist b
  ON a.code <> b.code AND ST_DWithin(a.geom, b.geom, 0.002)
ORDER BY 1, 2;

SELECT riskmap_demo_gen.report('district');
