/* WMTS 1.0.0 for riskmap-tiles: ServiceMetadata (RESTful and KVP), KVP
 * GetTile, OGC exception reports, and the TileJSON of the vector tiles.
 *
 * XML is written with libxml2's xmlTextWriter: the base URL comes from
 * --public-url or the Host header and is escaped by the writer, never pasted.
 * Tiles themselves are served by the server's tile handler (cache, ETag,
 * NOTIFY invalidation), reached through rm_wmts_ctx.serve_tile. */
#include "rm_wmts.h"
#include "rm_wmts_parse.h"

#include <json-c/json.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_WMTS "http://www.opengis.net/wmts/1.0"
#define NS_OWS "http://www.opengis.net/ows/1.1"
#define NS_XLINK "http://www.w3.org/1999/xlink"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

/* 0.28 mm per pixel (OGC); a = 6378137 m for both WGS 84 and CGCS2000. */
#define PIXEL_M 0.00028
#define EARTH_A 6378137.0

double rm_wmts_scale_denominator(int tms, int z)
{
    double m_per_deg = 2.0 * M_PI * EARTH_A / 360.0;
    if (tms == RM_ROUTE_TMS_CGCS2000) {
        double deg_per_px = 180.0 / ldexp(1.0, z - 1) / 256.0;
        return deg_per_px * m_per_deg / PIXEL_M;
    }
    /* GoogleMapsCompatible: 559082264.0287178 at level 0 */
    return 2.0 * M_PI * EARTH_A / 256.0 / ldexp(1.0, z) / PIXEL_M;
}

static enum MHD_Result send_bytes(struct MHD_Connection *c, const struct rm_wmts_ctx *x, unsigned status,
                                  const char *type, const void *data, size_t len, const char *cache_ctl)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    if (x->common_headers)
        x->common_headers(r);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", cache_ctl);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void xml_init(void)
{
    xmlInitParser(); /* libxml2's global state, once, before threads use it */
}

/* An XML writer into a new memory buffer, the document started; NULL when out of memory. */
static xmlTextWriterPtr new_writer(xmlBufferPtr *buf, int indent)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, xml_init);
    *buf = xmlBufferCreate();
    xmlTextWriterPtr w = *buf ? xmlNewTextWriterMemory(*buf, 0) : NULL;
    if (!w) {
        if (*buf)
            xmlBufferFree(*buf);
        return NULL;
    }
    xmlTextWriterSetIndent(w, indent);
    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
    return w;
}

/* ------------------------------------------------------------ exceptions */

enum MHD_Result rm_wmts_exception(struct MHD_Connection *c, const struct rm_wmts_ctx *x, unsigned status,
                                  const char *code, const char *locator, const char *text)
{
    xmlBufferPtr buf;
    xmlTextWriterPtr w = new_writer(&buf, 0);
    if (!w)
        return MHD_NO;
    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "ExceptionReport", BAD_CAST NS_OWS);
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xmlns", BAD_CAST "xsi", NULL, BAD_CAST NS_XSI);
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xsi", BAD_CAST "schemaLocation", NULL,
                                  BAD_CAST NS_OWS " http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd");
    xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.1.0");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST "en");
    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "Exception", NULL);
    xmlTextWriterWriteAttribute(w, BAD_CAST "exceptionCode", BAD_CAST code);
    if (locator)
        xmlTextWriterWriteAttribute(w, BAD_CAST "locator", BAD_CAST locator);
    if (text)
        xmlTextWriterWriteElementNS(w, BAD_CAST "ows", BAD_CAST "ExceptionText", NULL, BAD_CAST text);
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    enum MHD_Result ret = send_bytes(c, x, status, "application/xml; charset=utf-8", xmlBufferContent(buf),
                                     (size_t)xmlBufferLength(buf), "no-store");
    xmlBufferFree(buf);
    return ret;
}

/* ----------------------------------------------------------- capabilities */

/* The extent of the district table (Chongqing's box when it is empty or the
 * database is away: the capabilities do not need the database). */
static void layer_bounds(const struct rm_wmts_ctx *x, double b[4])
{
    static const double cq[4] = {105.28, 28.16, 110.20, 32.21};
    memcpy(b, cq, sizeof cq);
    struct rm_qresult q;
    rm_query(x->pool,
             "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
             "FROM (SELECT ST_Extent(geom) AS e FROM riskmap.district) s",
             0, NULL, 0, &q);
    if (q.status == RM_Q_OK && PQntuples(q.res) == 1 && !PQgetisnull(q.res, 0, 0))
        for (int i = 0; i < 4; i++)
            b[i] = strtod(PQgetvalue(q.res, 0, i), NULL);
    rm_qresult_clear(&q);
}

static void el(xmlTextWriterPtr w, const char *prefix, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void el(xmlTextWriterPtr w, const char *prefix, const char *name, const char *fmt, ...)
{
    char v[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    if (prefix)
        xmlTextWriterWriteElementNS(w, BAD_CAST prefix, BAD_CAST name, NULL, BAD_CAST v);
    else
        xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v);
}

static void operation(xmlTextWriterPtr w, const char *name, const char *base)
{
    char href[1100];
    snprintf(href, sizeof href, "%s/wmts?", base);
    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "Operation", NULL);
    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name);
    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "DCP", NULL);
    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "HTTP", NULL);
    for (int i = 0; i < 2; i++) {
        /* KVP at /wmts?, RESTful below /wmts/1.0.0/ */
        if (i == 1)
            snprintf(href, sizeof href, "%s/wmts/1.0.0/", base);
        xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "Get", NULL);
        xmlTextWriterWriteAttributeNS(w, BAD_CAST "xlink", BAD_CAST "href", NULL, BAD_CAST href);
        xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "Constraint", NULL);
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "GetEncoding");
        xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "AllowedValues", NULL);
        el(w, "ows", "Value", "%s", i == 0 ? "KVP" : "RESTful");
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
}

static void tile_matrix_set(xmlTextWriterPtr w, int tms, int minzoom, int maxzoom)
{
    xmlTextWriterStartElement(w, BAD_CAST "TileMatrixSet");
    el(w, "ows", "Identifier", "%s", rm_tms_to_name(tms));
    if (tms == RM_ROUTE_TMS_CGCS2000) {
        el(w, "ows", "Title", "CGCS2000 lon/lat quad (天地图 _c tile matrix)");
        el(w, "ows", "SupportedCRS", "urn:ogc:def:crs:EPSG::4490");
    } else {
        el(w, "ows", "Title", "Google Maps compatible Web Mercator quad");
        el(w, "ows", "SupportedCRS", "urn:ogc:def:crs:EPSG::3857");
        el(w, NULL, "WellKnownScaleSet", "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible");
    }
    int lo = tms == RM_ROUTE_TMS_CGCS2000 && minzoom < 1 ? 1 : minzoom;
    for (int z = lo; z <= maxzoom; z++) {
        xmlTextWriterStartElement(w, BAD_CAST "TileMatrix");
        el(w, "ows", "Identifier", "%d", z);
        el(w, NULL, "ScaleDenominator", "%.10f", rm_wmts_scale_denominator(tms, z));
        /* EPSG:4490 has latitude first: "90 -180"; EPSG:3857 easting first */
        if (tms == RM_ROUTE_TMS_CGCS2000)
            el(w, NULL, "TopLeftCorner", "90 -180");
        else
            el(w, NULL, "TopLeftCorner", "-20037508.3427892 20037508.3427892");
        el(w, NULL, "TileWidth", "256");
        el(w, NULL, "TileHeight", "256");
        el(w, NULL, "MatrixWidth", "%ld", rm_tms_width(tms, z));
        el(w, NULL, "MatrixHeight", "%ld", rm_tms_height(tms, z));
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
}

enum MHD_Result rm_wmts_capabilities(struct MHD_Connection *c, const struct rm_wmts_ctx *x)
{
    char base[1024], tmpl[1200];
    double b[4];
    x->base_url(c, base, sizeof base);
    layer_bounds(x, b);
    xmlBufferPtr buf;
    xmlTextWriterPtr w = new_writer(&buf, 1);
    if (!w)
        return MHD_NO;
    xmlTextWriterStartElementNS(w, NULL, BAD_CAST "Capabilities", BAD_CAST NS_WMTS);
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xmlns", BAD_CAST "ows", NULL, BAD_CAST NS_OWS);
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xmlns", BAD_CAST "xlink", NULL, BAD_CAST NS_XLINK);
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xmlns", BAD_CAST "xsi", NULL, BAD_CAST NS_XSI);
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xsi", BAD_CAST "schemaLocation", NULL,
                                  BAD_CAST NS_WMTS " http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd");
    xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.0.0");

    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "ServiceIdentification", NULL);
    el(w, "ows", "Title", "riskmap — 应急预案与演练风险图");
    el(w, "ows", "Abstract", "Risk sources, impact zones by level, high-risk zones with no drill this year, shelters and "
                             "districts (riskmap %s). Tile matrix sets: WebMercatorQuad (EPSG:3857) and "
                             "CGCS2000Quad (EPSG:4490, aligned with 天地图 _c layers).", x->version);
    el(w, "ows", "ServiceType", "OGC WMTS");
    el(w, "ows", "ServiceTypeVersion", "1.0.0");
    xmlTextWriterEndElement(w);

    xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "OperationsMetadata", NULL);
    operation(w, "GetCapabilities", base);
    operation(w, "GetTile", base);
    xmlTextWriterEndElement(w);

    xmlTextWriterStartElement(w, BAD_CAST "Contents");
    for (int i = 0; i < x->n_styles; i++) {
        const char *s = x->styles[i];
        xmlTextWriterStartElement(w, BAD_CAST "Layer");
        el(w, "ows", "Title", "%s", !strcmp(s, "risk")         ? "风险图 · risk sources and impact zones"
                                    : !strcmp(s, "evacuation") ? "疏散 · evacuation catchments and shelters"
                                    : !strcmp(s, "clearance")  ? "疏散时间 · clearance against the plans"
                                                               : s);
        xmlTextWriterStartElementNS(w, BAD_CAST "ows", BAD_CAST "WGS84BoundingBox", NULL);
        el(w, "ows", "LowerCorner", "%.6f %.6f", b[0], b[1]);
        el(w, "ows", "UpperCorner", "%.6f %.6f", b[2], b[3]);
        xmlTextWriterEndElement(w);
        el(w, "ows", "Identifier", "%s", s);
        xmlTextWriterStartElement(w, BAD_CAST "Style");
        xmlTextWriterWriteAttribute(w, BAD_CAST "isDefault", BAD_CAST "true");
        el(w, "ows", "Identifier", "default");
        xmlTextWriterEndElement(w);
        el(w, NULL, "Format", "image/png");
        for (int t = 0; t < 2; t++) {
            xmlTextWriterStartElement(w, BAD_CAST "TileMatrixSetLink");
            el(w, NULL, "TileMatrixSet", "%s", rm_tms_to_name(t));
            xmlTextWriterEndElement(w);
        }
        snprintf(tmpl, sizeof tmpl, "%s/wmts/1.0.0/%s/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png",
                 base, s);
        xmlTextWriterStartElement(w, BAD_CAST "ResourceURL");
        xmlTextWriterWriteAttribute(w, BAD_CAST "format", BAD_CAST "image/png");
        xmlTextWriterWriteAttribute(w, BAD_CAST "resourceType", BAD_CAST "tile");
        xmlTextWriterWriteAttribute(w, BAD_CAST "template", BAD_CAST tmpl);
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);
    }
    tile_matrix_set(w, RM_ROUTE_TMS_WEBMERCATOR, x->minzoom, x->maxzoom);
    tile_matrix_set(w, RM_ROUTE_TMS_CGCS2000, x->minzoom, x->maxzoom);
    xmlTextWriterEndElement(w); /* Contents */
    snprintf(tmpl, sizeof tmpl, "%s/wmts/1.0.0/WMTSCapabilities.xml", base);
    xmlTextWriterStartElement(w, BAD_CAST "ServiceMetadataURL");
    xmlTextWriterWriteAttributeNS(w, BAD_CAST "xlink", BAD_CAST "href", NULL, BAD_CAST tmpl);
    xmlTextWriterEndElement(w);
    int rc = xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    enum MHD_Result ret;
    if (rc < 0)
        ret = rm_wmts_exception(c, x, 500, "NoApplicableCode", NULL, "cannot write the capabilities");
    else
        ret = send_bytes(c, x, 200, "application/xml; charset=utf-8", xmlBufferContent(buf),
                         (size_t)xmlBufferLength(buf), "no-cache");
    xmlBufferFree(buf);
    return ret;
}

/* ------------------------------------------------------------------- KVP */

#define KVP_MAX 32
struct kvp_args {
    const char *keys[KVP_MAX], *vals[KVP_MAX];
    int n;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct kvp_args *a = cls;
    if (a->n < KVP_MAX) {
        a->keys[a->n] = key;
        a->vals[a->n] = value;
        a->n++;
    }
    return MHD_YES;
}

enum MHD_Result rm_wmts_kvp(struct MHD_Connection *c, const struct rm_wmts_ctx *x)
{
    struct kvp_args a = {.n = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &a);
    struct rm_wmts_req req;
    rm_wmts_kvp_parse(a.keys, a.vals, a.n, x->styles, x->n_styles, x->minzoom, x->maxzoom, &req);
    if (!req.ok) {
        char text[160];
        snprintf(text, sizeof text, "%s: %s", req.code, req.locator ? req.locator : "request");
        return rm_wmts_exception(c, x, (unsigned)req.status, req.code, req.locator, text);
    }
    if (req.op == RM_WMTS_GETCAPABILITIES)
        return rm_wmts_capabilities(c, x);
    struct rm_route rt;
    memset(&rt, 0, sizeof rt);
    rt.kind = RM_ROUTE_TILE;
    snprintf(rt.style, sizeof rt.style, "%s", req.layer);
    rt.tms = req.tms;
    rt.z = req.z;
    rt.x = req.col;
    rt.y = req.row;
    rt.scale = 1;
    rt.ogc = true;
    return x->serve_tile(c, &rt);
}

/* --------------------------------------------------------------- TileJSON */

static json_object *field_map(const char *const *kv)
{
    json_object *o = json_object_new_object();
    for (int i = 0; kv[i]; i += 2)
        json_object_object_add(o, kv[i], json_object_new_string(kv[i + 1]));
    return o;
}

enum MHD_Result rm_mvt_tilejson(struct MHD_Connection *c, const struct rm_wmts_ctx *x)
{
    static const struct {
        const char *id, *description;
        const char *fields[20];
    } layers[] = {
        {"districts", "区县 districts; id = numeric GB/T 2260 code",
         {"code", "String", "name", "String", "parent_code", "String", NULL}},
        {"zones", "impact zones (ground buffer by impact_radius_m); id = risk_source.id",
         {"name", "String", "kind", "String", "category", "String", "level", "Number", "district_code", "String",
          "impact_radius_m", "Number", NULL}},
        {"undrilled", "high-risk zones (level <= 2) with no planned or completed drill this year; id = risk_source.id",
         {"name", "String", "category", "String", "level", "Number", "district_code", "String", "impact_radius_m",
          "Number", NULL}},
        {"sources", "risk sources and hazard points; id = risk_source.id",
         {"name", "String", "kind", "String", "category", "String", "level", "Number", "district_code", "String",
          "district_name", "String", "impact_radius_m", "Number", "population_exposed", "Number", NULL}},
        {"shelters", "shelters, hospitals, fire stations, warehouses; id = shelter.id",
         {"name", "String", "kind", "String", "capacity", "Number", "district_code", "String", "district_name",
          "String", NULL}},
    };
    char base[1024], url[1200];
    double b[4];
    x->base_url(c, base, sizeof base);
    layer_bounds(x, b);
    snprintf(url, sizeof url, "%s/mvt/{z}/{x}/{y}.mvt", base);
    json_object *o = json_object_new_object(), *tiles = json_object_new_array(), *bounds = json_object_new_array(),
                *center = json_object_new_array(), *vl = json_object_new_array();
    json_object_object_add(o, "tilejson", json_object_new_string("3.0.0"));
    json_object_object_add(o, "name", json_object_new_string("riskmap"));
    json_object_object_add(o, "version", json_object_new_string(x->version));
    json_object_object_add(o, "scheme", json_object_new_string("xyz"));
    json_object_array_add(tiles, json_object_new_string(url));
    json_object_object_add(o, "tiles", tiles);
    json_object_object_add(o, "minzoom", json_object_new_int(x->minzoom));
    json_object_object_add(o, "maxzoom", json_object_new_int(x->maxzoom));
    for (int i = 0; i < 4; i++)
        json_object_array_add(bounds, json_object_new_double(b[i]));
    json_object_object_add(o, "bounds", bounds);
    json_object_array_add(center, json_object_new_double((b[0] + b[2]) / 2));
    json_object_array_add(center, json_object_new_double((b[1] + b[3]) / 2));
    json_object_array_add(center, json_object_new_int(x->minzoom > 8 ? x->minzoom : 8));
    json_object_object_add(o, "center", center);
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        json_object *l = json_object_new_object();
        json_object_object_add(l, "id", json_object_new_string(layers[i].id));
        json_object_object_add(l, "description", json_object_new_string(layers[i].description));
        json_object_object_add(l, "fields", field_map(layers[i].fields));
        json_object_array_add(vl, l);
    }
    json_object_object_add(o, "vector_layers", vl);
    json_object_object_add(o, "attribution",
                           json_object_new_string("riskmap · 应急预案与演练 · boundaries: district table"));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    enum MHD_Result ret = send_bytes(c, x, 200, "application/json; charset=utf-8", s, strlen(s), "no-cache");
    json_object_put(o);
    return ret;
}
