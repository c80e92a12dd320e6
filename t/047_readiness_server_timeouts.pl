# 047_readiness_server_timeouts.pl — what a new session of the application
# role gets for a timeout is its role and database defaults over the
# SERVER-WIDE value, which the worker publishes (at start and after each
# reload), never the caller's own value: neither the caller's SET nor its
# role's default may leak into the verdict about the app role.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('server_timeouts');
$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	CREATE ROLE mon LOGIN SUPERUSER;
	ALTER ROLE mon SET statement_timeout = '1h';
});

sub as_mon
{
	my ($sql) = @_;
	local $ENV{PGUSER} = 'mon';
	return $node->safe_psql('postgres', $sql);
}

my $readiness_st = "SELECT status || ' | ' || observed
	  FROM loadguard.readiness(100, 4, '1 min', 'app') WHERE check_name = 'statement_timeout'";

# a monitoring role with a statement_timeout of its own asks about app,
# which has none and no session yet: app's sessions would run with 0
is(as_mon('SHOW statement_timeout'), '1h', 'mon runs with its role default');
like(as_mon($readiness_st),
	qr/^warn \| off \(default for role app; none of its sessions seen in the last 1 min\)/,
	"readiness as mon: the caller's role default is not app's");
is(as_mon("SELECT string_agg(severity || ' | ' || source, '; ') FROM loadguard.config_check('app')
		    WHERE setting = 'statement_timeout'"),
	'warn | default; ok | ALTER ROLE mon',
	"config_check as mon: app's default is the server's built-in one (mon's own is its override row)");
is(as_mon("SELECT severity || ' | ' || fix_sql FROM loadguard.config_check()
		    WHERE setting = 'statement_timeout' AND source NOT LIKE 'ALTER ROLE%'"),
	"warn | ALTER ROLE app SET statement_timeout = '30s';",
	"without app_role: mon's own 1 h is not a global statement_timeout");

# a server-wide value set by ALTER SYSTEM reaches the worker on reload; the
# caller's SET of the same setting does not count
$node->safe_psql('postgres',
	"ALTER SYSTEM SET lock_timeout = '3s'; SELECT pg_reload_conf();");
ok(lg_wait_for($node,
		"SET lock_timeout = 0;
		 SELECT current LIKE '3 s (default for role app; %' FROM loadguard.config_check('app')
		  WHERE setting = 'lock_timeout'", 'the worker publishes lock_timeout after the reload'),
	'after the reload, app gets the server-wide 3 s although the caller SET 0');
like($node->safe_psql('postgres', "SET lock_timeout = '1min';
		SELECT severity || ' | ' || current || ' | ' || source FROM loadguard.config_check('app')
		 WHERE setting = 'lock_timeout'"),
	qr/^ok \| 3 s \(default for role app; .* \| .*postgresql\.auto\.conf:\d+$/,
	'the source is the file the server-wide value comes from');

# ALTER ROLE ALL is a default below app's own and the database's
# (the main row: config_check also lists each override as a row of its own)
$node->safe_psql('postgres',
	"ALTER ROLE ALL SET idle_in_transaction_session_timeout = '45s'");
like($node->safe_psql('postgres', "SELECT current || ' | ' || source FROM loadguard.config_check('app')
		WHERE setting = 'idle_in_transaction_session_timeout'
		  AND current LIKE '% (default for role app;%'"),
	qr/^45 s \(default for role app; .* \| ALTER ROLE ALL$/, 'ALTER ROLE ALL counts for app');
$node->safe_psql('postgres', "ALTER ROLE app SET idle_in_transaction_session_timeout = '20s'");
like($node->safe_psql('postgres', "SELECT current || ' | ' || source FROM loadguard.config_check('app')
		WHERE setting = 'idle_in_transaction_session_timeout'
		  AND current LIKE '% (default for role app;%'"),
	qr/^20 s \(default for role app; .* \| ALTER ROLE app$/, "app's own default wins over ALL");
$node->safe_psql('postgres', 'ALTER ROLE ALL RESET ALL; ALTER ROLE app RESET ALL');

# app's sessions run with 0; a caller that SETs 30 s must still be told so
my @app = map {
	my $h = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
	$h->query_safe('SELECT 1');
	$h;
} 1 .. 4;
ok(lg_wait_for($node,
		"SELECT observed LIKE 'off on all 4 app sessions seen in the last 1 min (the server''s value)%'
		   FROM loadguard.readiness(100, 4, '1 min', 'app') WHERE check_name = 'statement_timeout'",
		'the four app sessions tallied'),
	'the worker has seen the four app sessions');
is($node->safe_psql('postgres', "SET statement_timeout = '30s'; $readiness_st"),
	"warn | off on all 4 app sessions seen in the last 1 min (the server's value)",
	"the caller's SET does not make app's sessions bounded");
is(as_mon("SELECT status FROM loadguard.readiness(100, 4, '1 min', 'app')
		    WHERE check_name = 'statement_timeout'"),
	'warn', "nor does the caller's role default");
is(as_mon("SELECT fix FROM loadguard.readiness(100, 4, '1 min', 'app')
		    WHERE check_name = 'statement_timeout'"),
	"ALTER ROLE app SET statement_timeout = '30s';", 'the fix is the role default for app');

$_->quit for @app;
$node->stop;
done_testing();
