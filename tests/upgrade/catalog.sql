-- One line per catalog fact of schema riskmap (and of the extension's entry),
-- sorted, so that two installations can be compared with diff. Column order
-- is not compared (ALTER TABLE ADD COLUMN appends); everything else is.
-- The view riskmap.user_data_guard belongs to no extension (docs/security.md)
-- and exists only once data was written: left out.
\pset format unaligned
\pset tuples_only on
\pset footer off
WITH ns AS (SELECT 'riskmap'::regnamespace AS oid),
rels AS (
    SELECT c.oid, c.relname, c.relkind FROM pg_class c, ns
    WHERE c.relnamespace = ns.oid AND c.relname <> 'user_data_guard'
)
SELECT line FROM (
    SELECT format('function %s | %s', p.oid::regprocedure,
                  regexp_replace(pg_get_functiondef(p.oid), '\s+', ' ', 'g')) AS line
    FROM pg_proc p, ns WHERE p.pronamespace = ns.oid AND p.prokind <> 'a'
    UNION ALL
    SELECT format('function %s | secdef=%s leakproof=%s strict=%s volatile=%s parallel=%s cost=%s rows=%s config=%s acl=%s',
                  p.oid::regprocedure, p.prosecdef, p.proleakproof, p.proisstrict, p.provolatile, p.proparallel,
                  p.procost, p.prorows, p.proconfig, p.proacl)
    FROM pg_proc p, ns WHERE p.pronamespace = ns.oid
    UNION ALL
    SELECT format('relation %s | kind=%s rls=%s force_rls=%s acl=%s options=%s', r.relname, r.relkind,
                  c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.reloptions)
    FROM rels r JOIN pg_class c ON c.oid = r.oid
    UNION ALL
    SELECT format('column %s.%s | %s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s',
                  r.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attacl)
    FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE r.relkind IN ('r', 'v', 'm', 'p', 'f')
    UNION ALL
    SELECT format('constraint %s.%s | %s deferrable=%s deferred=%s validated=%s', r.relname, co.conname,
                  pg_get_constraintdef(co.oid), co.condeferrable, co.condeferred, co.convalidated)
    FROM rels r JOIN pg_constraint co ON co.conrelid = r.oid
    UNION ALL
    SELECT format('index %s | %s', i.indexrelid::regclass, pg_get_indexdef(i.indexrelid))
    FROM rels r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT format('trigger %s.%s | %s enabled=%s', r.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled)
    FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT format('policy %s.%s | cmd=%s permissive=%s roles=%s using=%s check=%s', po.tablename, po.policyname,
                  po.cmd, po.permissive, po.roles, po.qual, po.with_check)
    FROM pg_policies po WHERE po.schemaname = 'riskmap'
    UNION ALL
    SELECT format('view %s | %s', r.relname, regexp_replace(pg_get_viewdef(r.oid), '\s+', ' ', 'g'))
    FROM rels r WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('sequence %s | type=%s start=%s inc=%s min=%s max=%s cache=%s cycle=%s', r.relname,
                  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    UNION ALL
    SELECT format('type %s | %s', t.typname, t.typtype)
    FROM pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typrelid = 0 AND t.typelem = 0
    UNION ALL
    SELECT format('comment %s | %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
    FROM pg_description d
    WHERE (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM rels))
       OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT p.oid FROM pg_proc p, ns WHERE p.pronamespace = ns.oid))
    UNION ALL
    SELECT format('schema riskmap | owner=%s acl=%s', n.nspowner::regrole, n.nspacl) FROM pg_namespace n, ns WHERE n.oid = ns.oid
    UNION ALL
    SELECT format('member %s', pg_describe_object(d.classid, d.objid, d.objsubid))
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass
    WHERE e.extname = 'riskmap' AND d.deptype = 'e'
    UNION ALL
    SELECT format('extension riskmap | version=%s relocatable=%s', e.extversion, e.extrelocatable)
    FROM pg_extension e WHERE e.extname = 'riskmap'
    UNION ALL
    SELECT format('config-dump %s | %s', c.cfg::regclass, c.cond)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(cfg, cond) WHERE e.extname = 'riskmap'
) x
ORDER BY line COLLATE "C";
