# 040_readiness.pl — readiness against a real baseline: a pgbench run as an
# application role (8 connections for 4 "users") next to two monitoring
# sessions, then readiness for a few U gives the expected statuses; the
# predicted largest U is checked against real pgbench runs (one fits, one
# more user gets connections refused, which readiness then reports);
# config_check's fixes run as printed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

# 50 slots, 3 reserved: 47 usable; pass up to 37 (80 %)
my $node = lg_node('readiness', "max_connections = 50\n");

$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	CREATE ROLE monitor LOGIN;
	ALTER ROLE app SET statement_timeout = '30s';
});
$node->command_ok([ 'pgbench', '-i', '-q', '-s', '1', 'postgres' ], 'pgbench -i');
$node->safe_psql('postgres', q{
	GRANT ALL ON ALL TABLES IN SCHEMA public TO app;
});

# fixed overhead: two monitoring sessions held open during the baseline
my @monitors = map {
	$node->background_psql('postgres', extra_params => [ '-U', 'monitor' ])
} 1 .. 2;

my $t0 = $node->safe_psql('postgres', 'SELECT now()');
$node->command_ok(
	[ 'pgbench', '-n', '-U', 'app', '-c', '8', '-j', '2', '-T', '5', 'postgres' ],
	'baseline: pgbench with 8 connections as app');

my $lookback = "now() - '$t0'::timestamptz";

sub summary
{
	my ($users, $app_role) = @_;
	my $role = defined $app_role ? "'$app_role'" : 'NULL';
	my $row = $node->safe_psql('postgres',
		"SELECT connections_per_user, fixed_connections, max_users, coalesce(bottleneck, ''), verdict
		   FROM loadguard.readiness_summary($users, 4, $lookback, $role)");
	return split /\|/, $row;
}

sub status_of
{
	my ($users, $check) = @_;
	return $node->safe_psql('postgres',
		"SELECT status FROM loadguard.readiness($users, 4, $lookback, 'app')
		  WHERE check_name = '$check'");
}

# app_role splits scaling from fixed connections: c = 8 / 4
my ($c, $fixed, $max_users, $bottleneck) = summary(10, 'app');
is($c, '2', 'connections per user = peak app connections / baseline users');
ok($fixed >= 2 && $fixed <= 4, "fixed overhead counts the monitoring sessions (got $fixed)");
is($max_users, int((47 - $fixed) / 2), 'max_users = floor((usable - F) / c)');
is($bottleneck, 'connections', 'the connection slots are the bottleneck');

# without app_role every client connection scales (conservative)
my ($c_all, $fixed_all) = summary(10, undef);
ok($c_all >= 2.5, "without app_role the monitors scale too (c = $c_all)");
is($fixed_all, '0', 'without app_role nothing is fixed overhead');

# statuses for a few U: D = 2U + F against 37 (80 %) and 47 usable
is(status_of(10, 'connections'), 'pass', '10 users: connections pass');
is(status_of(20, 'connections'), 'warn', '20 users: connections warn (above 80 % of the slots)');
is(status_of(30, 'connections'), 'fail', '30 users: connections fail');
is(status_of(30, 'memory'), 'pass', '30 users: memory passes');
like(status_of(10, 'cpu'), qr/^(pass|warn)$/, 'with a baseline the cpu check is assessed');
is(status_of(10, 'statement_timeout'), 'pass', "the app role's own statement_timeout counts");
is(status_of(10, 'refused_connections'), 'pass', 'no refusals in the baseline');
my $fix = $node->safe_psql('postgres',
	"SELECT fix FROM loadguard.readiness(30, 4, $lookback, 'app') WHERE check_name = 'connections'");
like($fix, qr/ALTER SYSTEM SET max_connections = \d+;|PgBouncer/, 'the failing check carries a fix');

# the view has no baseline: c = loadguard.connections_per_user = 1
is($node->safe_psql('postgres', 'SET loadguard.target_users = 30; SELECT verdict FROM loadguard.readiness'),
	'AT RISK', 'the view follows loadguard.target_users (30 of 47 slots: warn)');
is($node->safe_psql('postgres', 'SET loadguard.target_users = 50; SELECT verdict FROM loadguard.readiness'),
	'NOT READY', 'the view follows loadguard.target_users (50 of 47 slots: fail)');

# the prediction against real runs: max_users fits, one more user does not
$node->command_ok(
	[ 'pgbench', '-n', '-U', 'app', '-c', 2 * $max_users, '-j', '2', '-t', '5', 'postgres' ],
	"a real run at max_users ($max_users users, " . 2 * $max_users . ' app connections) connects');
$node->command_fails_like(
	[ 'pgbench', '-n', '-U', 'app', '-c', 2 * ($max_users + 1) + ($fixed - 2), '-j', '2', '-t', '5', 'postgres' ],
	qr/too many clients|remaining connection slots are reserved/,
	'a real run at max_users + 1 gets connections refused');


# the refusals are now in the window: an observed failure, and c from this
# window is only a lower bound
ok(lg_wait_for($node,
		"SELECT status = 'fail' FROM loadguard.readiness(10, 4, $lookback, 'app') WHERE check_name = 'refused_connections'",
		'refused connections counted'),
	'refused connections in the lookback fail the readiness check');
is($node->safe_psql('postgres',
		"SELECT connections_per_user_lower_bound FROM loadguard.readiness_summary(10, 4, $lookback, 'app')"),
	't', 'connections per user is flagged as a lower bound');
like($node->safe_psql('postgres',
		"SELECT detail FROM loadguard.readiness(10, 4, $lookback, 'app') WHERE check_name = 'connections'"),
	qr/lower bound/, 'the connections detail says so');

$_->quit for @monitors;

# config_check: every reloadable ALTER SYSTEM / ALTER ROLE fix runs as printed
# and its row then comes back ok
my @fixes = split /\n/, $node->safe_psql('postgres', q{
	SELECT setting || E'\t' || fix_sql FROM loadguard.config_check('app')
	 WHERE fix_sql IS NOT NULL AND NOT restart_required ORDER BY setting});
ok(scalar(@fixes) >= 2, 'config_check offers reloadable fixes on a default configuration');
for my $line (@fixes)
{
	my ($setting, $sql) = split /\t/, $line, 2;
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	is($ret, 0, "fix for $setting runs as printed: $sql") or diag($err);
}
for my $line (@fixes)
{
	my ($setting) = split /\t/, $line;
	# a new session sees the reloaded value once the postmaster has read it
	ok(lg_wait_for($node,
			"SELECT string_agg(DISTINCT severity, ',') = 'ok' FROM loadguard.config_check('app') WHERE setting = '$setting'",
			"$setting ok after its fix"),
		"$setting is ok after its fix");
}

# fixes that need a restart are valid statements too (undone, not restarted)
my @restart = split /\n/, $node->safe_psql('postgres', q{
	SET loadguard.target_users = 50;
	SELECT setting || E'\t' || fix_sql FROM loadguard.config_check('app')
	 WHERE fix_sql IS NOT NULL AND restart_required ORDER BY setting});
ok(grep(/^max_connections\tALTER SYSTEM SET max_connections = \d+;$/, @restart),
	'max_connections fix for 50 users is printed');
for my $line (@restart)
{
	my ($setting, $sql) = split /\t/, $line, 2;
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	is($ret, 0, "restart fix for $setting is accepted: $sql") or diag($err);
	is($node->safe_psql('postgres',
			"SELECT count(*) FROM pg_file_settings WHERE name = '$setting' AND sourcefile LIKE '%postgresql.auto.conf'"),
		'1', "$setting is written to postgresql.auto.conf (pending a restart)");
	$node->safe_psql('postgres', "ALTER SYSTEM RESET $setting");
}

$node->stop;
done_testing();
