# 090_prometheus.pl — integrations/prometheus/queries.yaml through Debian's
# real postgres_exporter (prometheus-postgres-exporter 0.11).
#
# A throwaway cluster gets refused connections (a role and a database
# connection limit), statement timeouts, a held session of a known role and a
# readiness target; the exporter runs with the shipped queries file against
# it, listening on a free loopback port, and /metrics must show exactly what
# was induced, with Prometheus types and names (counters end in _total).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use HTTP::Tiny;
use IPC::Run;
use File::Basename qw(dirname);
use LoadGuardTest;

my $top = dirname(__FILE__) . '/..';
my $queries = "$top/integrations/prometheus/queries.yaml";
my $exporter = '/usr/bin/prometheus-postgres-exporter';
ok(-f $queries, 'queries.yaml is shipped') or BAIL_OUT("no $queries");
ok(-x $exporter, 'prometheus-postgres-exporter is installed')
  or BAIL_OUT("install the Debian package prometheus-postgres-exporter");

my $node = lg_node('prom', "listen_addresses = '127.0.0.1'\n");
$node->safe_psql('postgres', q{
CREATE ROLE prom LOGIN IN ROLE pg_monitor;
ALTER ROLE prom SET loadguard.target_users = 50;
CREATE ROLE app LOGIN;
CREATE ROLE capped LOGIN CONNECTION LIMIT 0;
CREATE DATABASE closed CONNECTION LIMIT 0;
GRANT CONNECT ON DATABASE closed TO app;
});

# what we induce
my %events = (rejected_role_limit => 2, rejected_database_limit => 1, statement_timeout => 2);
for (1 .. $events{rejected_role_limit})
{
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'capped' ]);
	like($err, qr/too many connections for role/, 'refused: role connection limit');
}
{
	my ($ret, $out, $err) = $node->psql('closed', 'SELECT 1', extra_params => [ '-U', 'app' ]);
	like($err, qr/too many connections for database/, 'refused: database connection limit');
}
for (1 .. $events{statement_timeout})
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '50ms'; SELECT pg_sleep(5)", extra_params => [ '-U', 'app' ]);
	like($err, qr/canceling statement due to statement timeout/, 'statement timeout induced');
}
# lives through the whole test: its harness timer needs room beyond the default
my $held = $node->background_psql('postgres', extra_params => [ '-U', 'app' ],
	timeout => 10 * $PostgreSQL::Test::Utils::timeout_default);
$held->query_safe('SELECT 1');
ok(lg_wait_for($node,
		q{SELECT current >= 1 FROM loadguard.connections WHERE dimension = 'role' AND name = 'app'},
		'the sampler sees the app session'), 'the held app session is sampled');

# the exporter, on a free loopback port
my $http_port = PostgreSQL::Test::Cluster::get_free_port();
my $dsn = sprintf('postgresql://prom@127.0.0.1:%d/postgres?sslmode=disable', $node->port);
my ($exp_out, $exp_err) = ('', '');
sub start_exporter
{
	return IPC::Run::start(
		[
			$exporter, "--web.listen-address=127.0.0.1:$http_port",
			"--extend.query-path=$queries", '--disable-default-metrics',
			'--disable-settings-metrics', '--no-collector.database', '--no-collector.bgwriter'
		],
		'>', \$exp_out, '2>', \$exp_err,
		init => sub { $ENV{DATA_SOURCE_NAME} = $dsn });
}

sub stop_exporter
{
	my ($h) = @_;
	eval { $h->signal('TERM'); $h->finish; 1 } or eval { $h->kill_kill };
}

my $exp = start_exporter();

my $http = HTTP::Tiny->new(timeout => 10);
my %m;       # "name{labels}" => value, labels sorted, server label dropped
my %type;    # name => type

sub scrape
{
	my $res = $http->get("http://127.0.0.1:$http_port/metrics");
	return 0 unless $res->{success};
	%m = ();
	%type = ();
	for my $line (split /\n/, $res->{content})
	{
		if ($line =~ /^# TYPE (\S+) (\S+)$/) { $type{$1} = $2; next }
		next if $line =~ /^#/;
		my ($name, $labels, $value) = $line =~ /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/
		  or next;
		my @l = grep { !/^server=/ } ($labels // '') =~ /(\w+="(?:[^"\\]|\\.)*")/g;
		$m{ $name . (@l ? '{' . join(',', sort @l) . '}' : '') } = $value;
	}
	return 1;
}

# Poll until every expectation holds (values are read live at each scrape).
my %want = (
	'pg_up' => 1,
	'pg_exporter_last_scrape_error' => 0,
	'loadguard_worker_up' => 1,
	'loadguard_rejected_connections_total' => 3,
	'loadguard_events_total{kind="rejected_role_limit"}' => $events{rejected_role_limit},
	'loadguard_events_total{kind="rejected_database_limit"}' => $events{rejected_database_limit},
	'loadguard_events_total{kind="rejected_too_many_clients"}' => 0,
	'loadguard_events_total{kind="statement_timeout"}' => $events{statement_timeout},
	'loadguard_readiness_target_users' => 50,
	'loadguard_readiness_verdict' => 2,    # refusals in the lookback: NOT READY
	'loadguard_usable_connections' => $node->safe_psql('postgres',
		q{SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int}),
);
my $deadline = time() + 60;
my @missing;
while (time() < $deadline)
{
	if (scrape())
	{
		@missing = grep { !defined $m{$_} || $m{$_} != $want{$_} } sort keys %want;
		last unless @missing;
	}
	usleep(200_000);
}
is_deeply(\@missing, [], 'the exporter shows what was induced')
  or diag(join("\n", map { "$_: want $want{$_}, got " . ($m{$_} // 'nothing') } @missing)
	  . "\n$exp_err");
is($m{$_}, $want{$_}, "$_ = $want{$_}") for sort keys %want;

my @files = grep { /^pg_exporter_user_queries_load_error/ } keys %m;
ok(@files && !grep({ $m{$_} != 0 } @files), 'the queries file loads without error');

# connections by role, database and application; busy and held
cmp_ok($m{'loadguard_connections_current{dimension="role",name="app"}'} // -1, '>=', 1,
	'connections of role app');
ok(defined $m{'loadguard_connections_current{dimension="database",name="postgres"}'},
	'connections by database');
ok(grep({ /^loadguard_connections_current\{dimension="application"/ } keys %m),
	'connections by application');
ok(!grep({ /dimension="client"/ } keys %m), 'no client-address series (unbounded cardinality)');
is($m{'loadguard_connections_refused_total{dimension="role",name="capped"}'},
	$events{rejected_role_limit}, 'refusals of role capped');
cmp_ok($m{'loadguard_role_connections{role="app"}'} // -1, '>=', 1, 'roles: app connections');
cmp_ok($m{'loadguard_role_busy_connections{role="app"}'} + $m{'loadguard_role_held_connections{role="app"}'},
	'==', $m{'loadguard_role_connections{role="app"}'}, 'roles: busy + held = connections');
cmp_ok($m{loadguard_busy_connections} + $m{loadguard_held_connections}, '==',
	$m{loadguard_client_connections}, 'busy + held = client connections');
cmp_ok($m{loadguard_readiness_max_users}, '>', 0, 'readiness max_users');
ok(defined $m{'loadguard_policy_actions_total{action="terminate"}'}, 'policy actions by action');

# latency: the statements above ran, some for 50 ms
cmp_ok($m{loadguard_statements_total}, '>', 0, 'statements counted');
cmp_ok($m{'loadguard_statement_latency_since_reset_seconds{quantile="0.99"}'}, '>=', 0.04,
	'p99 latency since reset in seconds (the 50 ms timeouts count)');
cmp_ok($m{'loadguard_statement_latency_since_reset_seconds{quantile="0.99"}'}, '<', 5,
	'p99 latency below the 5 s sleeps that were cut short');

# The last complete minute's quantiles: the induced 50 ms statements are in
# a rolled-up minute (at most a minute from now), and the exporter shows the
# newest minute's percentiles as history_minutes has them.
ok(lg_wait_for($node,
		q{SELECT max(latency_p99_ms) >= 40 FROM loadguard.history_minutes},
		'a minute with the 50 ms statements is rolled up', 150),
	'the minute rollup has the 50 ms statements in its p99');
my $p99 = 'loadguard_statement_latency_seconds{quantile="0.99"}';
my ($got, $want) = (undef, undef);
$deadline = time() + 60;
while (time() < $deadline)
{
	usleep(200_000);
	my $before = $node->safe_psql('postgres',
		'SELECT ts, latency_p99_ms FROM loadguard.history_minutes ORDER BY ts DESC LIMIT 1');
	next unless scrape() && defined $m{$p99};
	my $after = $node->safe_psql('postgres',
		'SELECT ts, latency_p99_ms FROM loadguard.history_minutes ORDER BY ts DESC LIMIT 1');
	next unless $before eq $after;    # no minute ended in between
	($got, $want) = ($m{$p99}, (split /\|/, $after)[1] / 1000);
	last;
}
ok(defined $got && abs($got - $want) < 1e-6,
	"p99 of the last complete minute as in history_minutes (@{[ $got // 'none' ]} s)");
cmp_ok($m{'loadguard_statement_latency_seconds{quantile="0.5"}'} // -1, '<=', $got // 0,
	'p50 <= p99 in that minute');

# Prometheus conventions over every loadguard metric
my @ours = grep { /^loadguard_/ } keys %type;
cmp_ok(scalar @ours, '>=', 20, scalar(@ours) . ' loadguard metrics exposed');
for my $name (sort @ours)
{
	if ($type{$name} eq 'counter')
	{
		like($name, qr/_total$/, "$name: a counter ends in _total");
	}
	else
	{
		is($type{$name}, 'gauge', "$name: typed (gauge)");
		unlike($name, qr/_total$/, "$name: only counters end in _total");
	}
	unlike($name, qr/_(ms|us|pct|percent|kb|mb)$|_ms_/, "$name: base units");
}

# a scrape while target_users is 0 for the exporter's role: no readiness
# series.  The exporter keeps its connection, and a role setting applies to
# new sessions: start a second exporter (on another free port).
$node->safe_psql('postgres', 'ALTER ROLE prom RESET loadguard.target_users');
stop_exporter($exp);
$http_port = PostgreSQL::Test::Cluster::get_free_port();
$exp = start_exporter();
$deadline = time() + 60;
my $ok = 0;
while (time() < $deadline)
{
	if (scrape() && ($m{pg_up} // 0) == 1 && defined $m{loadguard_worker_up})
	{
		$ok = 1;
		last;
	}
	usleep(200_000);
}
ok($ok, 'the second exporter scrapes') or diag($exp_err);
ok(!grep({ /^loadguard_readiness_/ } keys %m), 'no readiness series while target_users is 0');
is($m{pg_exporter_last_scrape_error}, 0, 'and no scrape error');

stop_exporter($exp);
$held->quit;
$node->stop;
done_testing();
