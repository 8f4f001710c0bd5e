-- ground_buffer of a long self-crossing line (issue 9, item 11): GEOS noded
-- the whole offset curve, whose crossings grow with the square of the vertex
-- count (2,000 vertices in a 5 km square: 2.8 GB and minutes). Now the line is
-- buffered in pieces and the pieces unioned (exact), and riskmap.max_vertices
-- bounds the input (ERROR 54000).
SET statement_timeout = '30s';
CREATE TEMP TABLE zigzag AS
SELECT n, ST_SetSRID(ST_MakeLine(array_agg(ST_MakePoint(106.5 + 0.05 * ((i * 7919) % 1000) / 1000.0,
                                                        29.5 + 0.05 * ((i * 104729) % 997) / 997.0) ORDER BY i)), 4326) AS g
FROM (VALUES (300), (20000)) v(n), generate_series(1, n) i
GROUP BY n;
SELECT n, ST_NPoints(g) FROM zigzag ORDER BY n;
-- 20,000 vertices: within the timeout, a valid polygon that covers the line
SELECT ST_IsValid(b) AS valid, GeometryType(b) AS type, (SELECT bool_and(ST_Covers(b, ST_PointN(g, k))) FROM generate_series(1, 20000, 97) k) AS covers_vertices,
       ST_Area(b::geography) BETWEEN ST_Area(ST_Envelope(g)::geography) AND ST_Area(ST_Buffer(ST_Envelope(g)::geography, 500)) AS area_plausible
FROM (SELECT riskmap.ground_buffer(g, 500) AS b, g FROM zigzag WHERE n = 20000 OFFSET 0) s;
-- exact: the pieces' union agrees with PostGIS geography on a line it can do
SELECT abs(ST_Area(riskmap.ground_buffer(g, 200)::geography) / ST_Area(ST_Buffer(g::geography, 200)) - 1) < 0.01 AS agrees_with_geography
FROM zigzag WHERE n = 300;
-- the bound
SET riskmap.max_vertices = 5000;
\set VERBOSITY sqlstate
SELECT riskmap.ground_buffer(g, 500) IS NULL FROM zigzag WHERE n = 20000;
\set VERBOSITY default
SELECT riskmap.ground_buffer(g, 500) IS NULL FROM zigzag WHERE n = 20000;
SELECT ST_IsValid(riskmap.ground_buffer(g, 500)) FROM zigzag WHERE n = 300;
RESET riskmap.max_vertices;
RESET statement_timeout;
DROP TABLE zigzag;
