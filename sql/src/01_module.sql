-- The C module.
CREATE FUNCTION version() RETURNS text
AS 'MODULE_PATHNAME', 'riskmap_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION version() IS 'Version of the riskmap C module (calling it loads the module and its settings).';
