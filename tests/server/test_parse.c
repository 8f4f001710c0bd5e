/* Unit tests of riskmap-tiles' pure parsers (server/rm_parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rm_parse.h"
#include "rm_wmts_parse.h"

static struct rm_route parse(const char *p)
{
    struct rm_route r;
    rm_route_parse(p, strlen(p), &r);
    return r;
}

static void test_tiles(void **state)
{
    (void)state;
    struct rm_route r = parse("/tiles/risk/12/3301/1700.png");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_string_equal(r.style, "risk");
    assert_int_equal(r.z, 12);
    assert_int_equal(r.x, 3301);
    assert_int_equal(r.y, 1700);
    assert_int_equal(r.scale, 1);
    r = parse("/tiles/evacuation/0/0/0@2x.png");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_int_equal(r.scale, 2);
    r = parse("/tiles/risk/22/4194303/4194303.png");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_int_equal(r.x, 4194303);
}

static void test_tiles_bad(void **state)
{
    (void)state;
    const char *bad[] = {"/tiles/risk/99/1/1.png", "/tiles/risk/a/b/c.png", "/tiles/risk/1/2/0.png",
                         "/tiles/risk/1/0/2.png", "/tiles/risk/0/0/0@3x.png", "/tiles/risk/0/0/0@2.png",
                         "/tiles/risk/0/0/0@.png", "/tiles/risk/-1/0/0.png", "/tiles/risk/+1/0/0.png",
                         "/tiles/risk//0/0.png", "/tiles/risk/0/0/.png", "/tiles/risk/23/0/0.png",
                         "/tiles/risk/999999999/0/0.png", "/tiles/risk/1/0x1/0.png", "/tiles/risk/1/ 1/0.png",
                         "/tiles/risk/22/4194304/0.png", "/tiles/risk/0/0/0@2x@2x.png"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rm_route r = parse(bad[i]);
        if (r.kind != RM_ROUTE_BAD_REQUEST)
            fail_msg("%s: kind %d, want 400", bad[i], r.kind);
        assert_non_null(r.reason);
    }
}

static void test_not_found(void **state)
{
    (void)state;
    const char *nf[] = {"", "x", "/nope", "/tiles", "/tiles/", "/tiles/risk", "/tiles/risk/0/0/0.jpg",
                        "/tiles/risk/0/0/0/0.png", "/tiles/Risk/0/0/0.png", "/tiles/ri sk/0/0/0.png",
                        "/tiles/../0/0/0.png", "/tiles/.json", "/tiles/a/b.json", "/api", "/api/",
                        "/health/", "/api/uncovered/x", "/tiles/risk/0/0/0.png/",
                        "/tiles/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/0/0/0.png"};
    for (size_t i = 0; i < sizeof nf / sizeof nf[0]; i++) {
        struct rm_route r = parse(nf[i]);
        if (r.kind != RM_ROUTE_NOT_FOUND)
            fail_msg("%s: kind %d, want 404", nf[i], r.kind);
    }
    struct rm_route r;
    rm_route_parse("/health\0x", 9, &r); /* embedded NUL */
    assert_int_equal(r.kind, RM_ROUTE_NOT_FOUND);
    rm_route_parse(NULL, 0, &r);
    assert_int_equal(r.kind, RM_ROUTE_NOT_FOUND);
}

static void test_api_and_json(void **state)
{
    (void)state;
    assert_int_equal(parse("/health").kind, RM_ROUTE_HEALTH);
    assert_int_equal(parse("/api/uncovered").kind, RM_ROUTE_UNCOVERED);
    assert_int_equal(parse("/api/districts").kind, RM_ROUTE_DISTRICTS);
    assert_int_equal(parse("/api/source").kind, RM_ROUTE_SOURCE);
    assert_int_equal(parse("/api/styles").kind, RM_ROUTE_STYLES);
    assert_int_equal(parse("/api/compliance").kind, RM_ROUTE_COMPLIANCE);
    assert_int_equal(parse("/api/compliance/").kind, RM_ROUTE_NOT_FOUND);
    struct rm_route r = parse("/tiles/evacuation.json");
    assert_int_equal(r.kind, RM_ROUTE_TILEJSON);
    assert_string_equal(r.style, "evacuation");
}

static void test_static(void **state)
{
    (void)state;
    struct rm_route r = parse("/");
    assert_int_equal(r.kind, RM_ROUTE_STATIC);
    assert_string_equal(r.path, "index.html");
    r = parse("/viewer.js");
    assert_int_equal(r.kind, RM_ROUTE_STATIC);
    assert_int_equal(r.root, RM_STATIC_WEB);
    r = parse("/leaflet/images/marker-icon.png");
    assert_int_equal(r.kind, RM_ROUTE_STATIC);
    assert_int_equal(r.root, RM_STATIC_LEAFLET);
    assert_string_equal(r.path, "images/marker-icon.png");
    const char *evil[] = {"/../../etc/passwd", "/..", "/.", "/./index.html", "/a/../index.html",
                          "/leaflet/../../package.json", "/leaflet/../index.html", "/.git/config",
                          "/node_modules/leaflet/dist/leaflet.js", "/leaflet/..%2f..%2fetc/passwd.js",
                          "/index.html/", "//index.html", "/a//b.js", "/package.json", "/etc/passwd",
                          "/viewer.js\\..\\x.js", "/%2e%2e/%2e%2e/etc/passwd", "/.env", "/leaflet/.hidden.js",
                          "/leaflet/", "/leaflet", "/index.html?x"};
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        r = parse(evil[i]);
        if (r.kind != RM_ROUTE_NOT_FOUND)
            fail_msg("%s: kind %d, want 404", evil[i], r.kind);
    }
}

static void test_numbers(void **state)
{
    (void)state;
    double v;
    assert_true(rm_parse_double("106.55", -180, 180, &v));
    assert_true(v > 106.54 && v < 106.56);
    assert_true(rm_parse_double("-29.5e0", -90, 90, &v));
    assert_false(rm_parse_double("", -180, 180, &v));
    assert_false(rm_parse_double(NULL, -180, 180, &v));
    assert_false(rm_parse_double("181", -180, 180, &v));
    assert_false(rm_parse_double("nan", -180, 180, &v));
    assert_false(rm_parse_double("inf", -1e308, 1e308, &v));
    assert_false(rm_parse_double("1e999", -1e308, 1e308, &v));
    assert_false(rm_parse_double(" 1", -180, 180, &v));
    assert_false(rm_parse_double("1 ", -180, 180, &v));
    assert_false(rm_parse_double("0x10", -180, 180, &v));
    assert_false(rm_parse_double("1;drop", -180, 180, &v));
    assert_true(rm_parse_date("2026-11-29"));
    assert_false(rm_parse_date("2026-13-01"));
    assert_false(rm_parse_date("2026-1-01"));
    assert_false(rm_parse_date("yesterday"));
    int y = 0;
    assert_true(rm_parse_year("2026", &y));
    assert_int_equal(y, 2026);
    assert_true(rm_parse_year("1949", &y) && rm_parse_year("2200", &y));
    assert_false(rm_parse_year("1948", &y));
    assert_false(rm_parse_year("2201", &y));
    assert_false(rm_parse_year("202", &y));
    assert_false(rm_parse_year("20261", &y));
    assert_false(rm_parse_year("+026", &y));
    assert_false(rm_parse_year("2o26", &y));
    assert_false(rm_parse_year("", &y));
    assert_false(rm_parse_year(NULL, &y));
    assert_true(rm_valid_code("500103"));
    assert_false(rm_valid_code(""));
    assert_false(rm_valid_code("5001'03"));
    assert_false(rm_valid_code("500103 OR 1=1"));
}

static void test_notify(void **state)
{
    (void)state;
    const char *styles[] = {"risk", "evacuation"};
    struct rm_notify n;
    assert_true(rm_parse_notify("106.5 29.5 106.6 29.6", styles, 2, &n));
    assert_true(n.has_box);
    assert_false(n.everything);
    assert_int_equal(n.all_styles, 0);
    assert_true(n.minx == 106.5 && n.maxy == 29.6);
    assert_true(rm_parse_notify("106.5 29.5 106.6 29.6 evacuation", styles, 2, &n));
    assert_int_equal(n.all_styles, 2);
    assert_true(rm_parse_notify("1e-06 2 3 4 unknown risk", styles, 2, &n));
    assert_int_equal(n.all_styles, 1);
    assert_true(rm_parse_notify("*", styles, 2, &n));
    assert_true(n.everything);
    assert_false(rm_parse_notify("", styles, 2, &n));
    assert_false(rm_parse_notify("1 2 3", styles, 2, &n));
    assert_false(rm_parse_notify("3 2 1 4", styles, 2, &n)); /* minx > maxx */
    assert_false(rm_parse_notify("a b c d", styles, 2, &n));
    assert_false(rm_parse_notify("NaN 1 2 3", styles, 2, &n));
    assert_false(rm_parse_notify(NULL, styles, 2, &n));
}

static void test_etag(void **state)
{
    (void)state;
    const char *e = "\"0123456789abcdef0123456789abcdef\"";
    assert_true(rm_etag_matches(e, e));
    assert_true(rm_etag_matches("*", e));
    assert_true(rm_etag_matches("W/\"0123456789abcdef0123456789abcdef\"", e));
    assert_true(rm_etag_matches("\"x\", \"0123456789abcdef0123456789abcdef\"", e));
    assert_true(rm_etag_matches("\"x\",\"0123456789abcdef0123456789abcdef\",\"y\"", e));
    assert_false(rm_etag_matches("\"0123456789abcdef0123456789abcde\"", e));
    assert_false(rm_etag_matches("\"x\"", e));
    assert_false(rm_etag_matches("", e));
    assert_false(rm_etag_matches(NULL, e));
    assert_false(rm_etag_matches("a\"0123456789abcdef0123456789abcdef\"", e));
}

/* /tiles/{style}/{tms}/..., /mvt, /wmts RESTful paths (rm_wmts_parse.c). */
static void test_wmts_routes(void **state)
{
    (void)state;
    struct rm_route r = parse("/tiles/risk/CGCS2000Quad/12/3260/688@2x.png");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_int_equal(r.tms, RM_ROUTE_TMS_CGCS2000);
    assert_int_equal(r.scale, 2);
    assert_int_equal(r.y, 688);
    r = parse("/tiles/risk/WebMercatorQuad/0/0/0.png");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_int_equal(r.tms, RM_ROUTE_TMS_WEBMERCATOR);
    r = parse("/tiles/risk/12/3301/1700.png"); /* XYZ: tms 0 */
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_int_equal(r.tms, RM_ROUTE_TMS_WEBMERCATOR);
    assert_int_equal(parse("/tiles/risk/CGCS2000Quad/0/0/0.png").kind, RM_ROUTE_BAD_REQUEST);   /* no level 0 */
    assert_int_equal(parse("/tiles/risk/CGCS2000Quad/3/0/4.png").kind, RM_ROUTE_BAD_REQUEST);   /* 4 rows */
    assert_int_equal(parse("/tiles/risk/CGCS2000Quad/3/8/0.png").kind, RM_ROUTE_BAD_REQUEST);
    assert_int_equal(parse("/tiles/risk/CGCS2000Quad/3/7/3.png").kind, RM_ROUTE_TILE);
    assert_int_equal(parse("/tiles/risk/EPSG4326/3/0/0.png").kind, RM_ROUTE_NOT_FOUND);
    assert_int_equal(parse("/tiles/risk/CGCS2000Quad/3/0/0.jpg").kind, RM_ROUTE_NOT_FOUND);
    assert_int_equal(parse("/tiles/risk/CGCS2000Quad/3/0/0@3x.png").kind, RM_ROUTE_BAD_REQUEST);
    r = parse("/mvt/14/13040/6760.mvt");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_int_equal(r.tms, RM_ROUTE_TMS_MVT);
    assert_int_equal(r.x, 13040);
    assert_int_equal(parse("/mvt/3/8/0.mvt").kind, RM_ROUTE_BAD_REQUEST);
    assert_int_equal(parse("/mvt/23/0/0.mvt").kind, RM_ROUTE_BAD_REQUEST);
    assert_int_equal(parse("/mvt/3/0/0.pbf").kind, RM_ROUTE_NOT_FOUND);
    assert_int_equal(parse("/mvt/3/0/0/0.mvt").kind, RM_ROUTE_NOT_FOUND);
    assert_int_equal(parse("/mvt.json").kind, RM_ROUTE_MVTJSON);
    assert_int_equal(parse("/wmts").kind, RM_ROUTE_WMTS_KVP);
    assert_int_equal(parse("/wmts/1.0.0/WMTSCapabilities.xml").kind, RM_ROUTE_WMTS_CAPS);
    r = parse("/wmts/1.0.0/risk/default/CGCS2000Quad/5/7/25.png");
    assert_int_equal(r.kind, RM_ROUTE_TILE);
    assert_true(r.ogc);
    assert_int_equal(r.tms, RM_ROUTE_TMS_CGCS2000);
    assert_int_equal(r.x, 25); /* TileCol */
    assert_int_equal(r.y, 7);  /* TileRow */
    r = parse("/wmts/1.0.0/risk/default/CGCS2000Quad/5/16/0.png");
    assert_int_equal(r.kind, RM_ROUTE_WMTS_ERROR);
    assert_int_equal(r.ogc_status, 404);
    assert_string_equal(r.ogc_code, "TileOutOfRange");
    assert_string_equal(r.ogc_locator, "tilerow");
    r = parse("/wmts/1.0.0/risk/default/WebMercatorQuad/23/0/0.png");
    assert_int_equal(r.kind, RM_ROUTE_WMTS_ERROR);
    assert_string_equal(r.ogc_locator, "tilematrix");
    r = parse("/wmts/1.0.0/../../etc/passwd");
    assert_int_equal(r.kind, RM_ROUTE_WMTS_ERROR);
    assert_int_equal(r.ogc_status, 404);
}

static void test_wmts_kvp(void **state)
{
    (void)state;
    const char *layers[] = {"risk", "evacuation"};
    struct rm_wmts_req q;
    const char *k1[] = {"service", "Request"}, *v1[] = {"WMTS", "GetCapabilities"};
    rm_wmts_kvp_parse(k1, v1, 2, layers, 2, 0, 20, &q);
    assert_true(q.ok);
    assert_int_equal(q.op, RM_WMTS_GETCAPABILITIES);
    const char *k[] = {"SERVICE", "REQUEST", "VERSION", "LAYER", "STYLE", "FORMAT", "TILEMATRIXSET", "TILEMATRIX",
                       "TILEROW", "TILECOL"};
    const char *v[] = {"WMTS", "GetTile", "1.0.0", "risk", "default", "image/png", "CGCS2000Quad", "12", "688", "3260"};
    rm_wmts_kvp_parse(k, v, 10, layers, 2, 0, 20, &q);
    assert_true(q.ok);
    assert_int_equal(q.op, RM_WMTS_GETTILE);
    assert_int_equal(q.tms, RM_ROUTE_TMS_CGCS2000);
    assert_int_equal(q.z, 12);
    assert_int_equal(q.row, 688);
    assert_int_equal(q.col, 3260);
    /* each parameter wrong in turn: the code and the locator */
    static const struct {
        int i;
        const char *value;
        int status;
        const char *code, *locator;
    } bad[] = {
        {0, "WMS", 400, "InvalidParameterValue", "service"},   {1, "GetMap", 501, "OperationNotSupported", "request"},
        {2, "2.0.0", 400, "InvalidParameterValue", "version"}, {3, "nope", 400, "InvalidParameterValue", "layer"},
        {4, "fancy", 400, "InvalidParameterValue", "style"},   {5, "image/jpeg", 400, "InvalidParameterValue", "format"},
        {6, "EPSG:4326", 400, "InvalidParameterValue", "tilematrixset"},
        {7, "0", 400, "InvalidParameterValue", "tilematrix"},  {7, "21", 400, "InvalidParameterValue", "tilematrix"},
        {8, "-1", 400, "InvalidParameterValue", "tilerow"},    {8, "2048", 400, "TileOutOfRange", "tilerow"},
        {9, "4096", 400, "TileOutOfRange", "tilecol"},         {9, "", 400, "MissingParameterValue", "tilecol"},
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        const char *vv[10];
        memcpy(vv, v, sizeof vv);
        vv[bad[b].i] = bad[b].value;
        rm_wmts_kvp_parse(k, vv, 10, layers, 2, 0, 20, &q);
        assert_false(q.ok);
        assert_int_equal(q.status, bad[b].status);
        assert_string_equal(q.code, bad[b].code);
        assert_string_equal(q.locator, bad[b].locator);
    }
    rm_wmts_kvp_parse(k, v, 9, layers, 2, 0, 20, &q); /* no TILECOL */
    assert_false(q.ok);
    assert_string_equal(q.code, "MissingParameterValue");
    assert_string_equal(q.locator, "tilecol");
}

static void test_mercator(void **state)
{
    (void)state;
    double x, y;
    rm_lonlat_to_world(0, 0, &x, &y);
    assert_true(x > 0.4999 && x < 0.5001 && y > 0.4999 && y < 0.5001);
    rm_lonlat_to_world(-180, 90, &x, &y);
    assert_true(x == 0 && y < 1e-9);
    rm_lonlat_to_world(180, -90, &x, &y);
    assert_true(x == 1 && y > 1 - 1e-9);
    /* 重庆 解放碑 106.5775 29.5577 is in tile 12/3260/1695 */
    rm_lonlat_to_world(106.5775, 29.5577, &x, &y);
    assert_int_equal((int)(x * 4096), 3260);
    assert_int_equal((int)(y * 4096), 1695);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiles),   cmocka_unit_test(test_tiles_bad), cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_api_and_json), cmocka_unit_test(test_static), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_notify),  cmocka_unit_test(test_etag),      cmocka_unit_test(test_mercator),
        cmocka_unit_test(test_wmts_routes), cmocka_unit_test(test_wmts_kvp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
