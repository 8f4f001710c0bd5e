-- wrk: random tiles of the fixture's area (tests/server/fixture.sql), z 11..14,
-- both styles; about 700 distinct tiles, so the cache fills and renders go on.
local floor, log, tan, cos, rad, pi = math.floor, math.log, math.tan, math.cos, math.rad, math.pi
local function tx(lon, z) return floor((lon + 180) / 360 * 2 ^ z) end
local function ty(lat, z) local r = rad(lat); return floor((1 - log(tan(r) + 1 / cos(r)) / pi) / 2 * 2 ^ z) end
local styles = { "risk", "evacuation" }
math.randomseed(42)
request = function()
  local z = math.random(11, 14)
  local x = math.random(tx(106.45, z), tx(106.90, z))
  local y = math.random(ty(30.00, z), ty(29.53, z))
  return wrk.format("GET", string.format("/tiles/%s/%d/%d/%d.png", styles[math.random(1, 2)], z, x, y))
end
