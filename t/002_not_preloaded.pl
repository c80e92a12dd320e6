# 002_not_preloaded.pl — without loadguard in shared_preload_libraries, every
# SQL entry point (each function of the extension, found in the catalog so
# that a new one cannot be missed, and each view) fails with the designed
# error, whose hint says to add loadguard to the existing list: never a
# crash, never zeros, never another error such as an unrecognized
# loadguard.* setting.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('not_preloaded');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_stat_statements'\n");
$node->start;

# CREATE EXTENSION works (it loads the library in this session, which then
# defines nothing), and the first call in that same session fails as designed
my ($ret, $out, $err) = $node->psql('postgres',
	'CREATE EXTENSION loadguard; SELECT * FROM loadguard.config_check();');
like($out . $err, qr/ERROR:  loadguard is not loaded through shared_preload_libraries/,
	'config_check() in the session that created the extension: the designed error');

my $designed = qr/ERROR:  loadguard is not loaded through shared_preload_libraries\n(?:.*\n)*?HINT:  Add loadguard to the existing shared_preload_libraries list \(currently "pg_stat_statements"\) and restart the server\./;

# one call per function, every argument given (a sample value per type)
my $calls = $node->safe_psql('postgres', q{
	SELECT p.oid::regprocedure || E'\t' ||
	       CASE WHEN a.known THEN format('SELECT * FROM %I.%I(%s)', n.nspname, p.proname, a.args)
	            ELSE 'no sample argument for ' || p.proargtypes::regtype[]::text END
	  FROM pg_proc p
	  JOIN pg_namespace n ON n.oid = p.pronamespace
	  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'loadguard'
	  CROSS JOIN LATERAL (
	    SELECT coalesce(string_agg(v.sample, ', ' ORDER BY t.ord), '') AS args,
	           coalesce(bool_and(v.sample IS NOT NULL), true) AS known
	      FROM unnest(p.proargtypes::regtype[]) WITH ORDINALITY t(typ, ord)
	      LEFT JOIN (VALUES ('integer'::regtype, '10'), ('bigint', '1048576'), ('boolean', 'true'),
	                        ('text', '''work_mem'''), ('name', '''postgres'''),
	                        ('interval', '''15 minutes'''), ('timestamptz', 'now()')) v(typ, sample)
	        ON v.typ = t.typ) a
	 ORDER BY 1
});
my @functions = split /\n/, $calls;
cmp_ok(scalar @functions, '>=', 21, 'every function of the extension is called (' . scalar(@functions) . ')');
for my $line (@functions)
{
	my ($function, $sql) = split /\t/, $line, 2;
	unlike($sql, qr/^no sample argument/, "$function: has a sample call") or next;
	($ret, $out, $err) = $node->psql('postgres', $sql);
	isnt($ret, 0, "$function fails");
	like($err, $designed, "$function: the designed error and hint") or diag($err);
}

# and every view
my @views = split /\n/, $node->safe_psql('postgres', q{
	SELECT c.oid::regclass
	  FROM pg_class c
	  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
	  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'loadguard'
	 WHERE c.relkind = 'v'
	 ORDER BY 1
});
cmp_ok(scalar @views, '>=', 9, 'every view of the extension is read (' . scalar(@views) . ')');
for my $view (@views)
{
	($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM $view");
	isnt($ret, 0, "$view fails");
	like($err, $designed, "$view: the designed error and hint") or diag($err);
}

# with nothing preloaded, the hint says so
$node->append_conf('postgresql.conf', "shared_preload_libraries = ''\n");
$node->restart;
($ret, $out, $err) = $node->psql('postgres', 'SELECT * FROM loadguard.config_check()');
like($err, qr/HINT:  Add loadguard to shared_preload_libraries \(empty now\) and restart the server\./,
	'with an empty list, the hint says to add loadguard to it');

$node->stop;
done_testing();
