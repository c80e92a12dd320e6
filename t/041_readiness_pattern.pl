# 041_readiness_pattern.pl — readiness v2 on the connection pattern that
# broke v1: an application that keeps a connection per thread, mostly idle.
#   1. 30 idle persistent app connections + 2 busy ones (usable 37, baseline
#      30): readiness for 60 users fails connection_pattern, and its fix
#      names PgBouncer in transaction mode with a pool of at most 10.
#   2. More app clients than slots (refusals at B = 40): readiness_summary
#      (40, 40, ...) is NOT READY, max_users < 40, nothing says "Up to".
#   3. The fix, proven: 60 clients connecting directly are refused; through
#      a real PgBouncer (transaction mode, the printed pool size) the same 60
#      clients are all served and loadguard counts no refusal.
#   4. max_connections given on the command line (as Patroni does): no
#      ALTER SYSTEM fix, the place to change it is named instead.
use strict;
use warnings;
use File::Temp qw(tempdir);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

# 40 slots, 3 reserved: 37 usable
my $node = lg_node('pattern', "max_connections = 40\n");
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');

my $t0 = $node->safe_psql('postgres', 'SELECT now()');
my $lookback = "now() - '$t0'::timestamptz";

# the application's threads: 30 idle connections, 2 busy in pg_sleep
my @idle = map { $node->background_psql('postgres', extra_params => [ '-U', 'app' ]) } 1 .. 30;
my @busy = map {
	my $h = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
	$h->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep(600);\n");
	$h;
} 1 .. 2;

ok(lg_wait_for($node,
		"SELECT count(*) >= 10 FROM loadguard.history
		  WHERE ts > '$t0' AND client_connections >= 32 AND active >= 2",
		'ten samples with the 32 app connections'),
	'the history holds the baseline: 32 app connections, 2 active');

my ($status, $fix) = split /\|/, $node->safe_psql('postgres',
	"SELECT status, fix FROM loadguard.readiness(60, 30, $lookback, 'app')
	  WHERE check_name = 'connection_pattern'");
is($status, 'fail', 'connection_pattern fails for 60 users');
like($fix, qr/PgBouncer with pool_mode = transaction, default_pool_size = (\d+), max_client_conn = \d+/,
	'the fix names PgBouncer in transaction mode with its settings');
my ($pool) = $fix =~ /default_pool_size = (\d+)/;
ok(defined $pool && $pool >= 1 && $pool <= 10, "the pool is small: default_pool_size = $pool");
like($node->safe_psql('postgres',
		"SELECT observed FROM loadguard.readiness(60, 30, $lookback, 'app')
		  WHERE check_name = 'connection_pattern'"),
	qr/^persistent, mostly idle: 3[0-9] held, busy p95 [0-9.]+ and peak [0-9]+ at 30 users/,
	'the pattern and both numbers are shown');
is($node->safe_psql('postgres',
		"SELECT fix = '$fix' AND NOT restart_required FROM loadguard.readiness(60, 30, $lookback, 'app')
		  WHERE check_name = 'connections'"),
	't', 'the connections check gives the same fix, not a bigger max_connections');
like($node->safe_psql('postgres',
		"SELECT summary FROM loadguard.readiness_summary(60, 30, $lookback, 'app')"),
	qr/NOT READY for 60 users.*persistent, mostly idle.*default_pool_size = $pool/,
	'the summary names the pattern and the pool size');

is($node->safe_psql('postgres',
		"SELECT connection_pattern || ' ' || held_connections || ' ' || held_connections_projected || ' '
		        || busy_p95_projected || ' ' || pool_size
		   FROM loadguard.readiness_summary(60, 30, $lookback, 'app')"),
	"persistent, mostly idle 32 64 4 $pool", 'readiness_summary has the pattern, held and busy, and the pool size');

# refusals at B = 40: the 32 held plus 8 more app clients, some refused
my $t1 = $node->safe_psql('postgres', 'SELECT now()');
my @more;
my $refused = 0;
for (1 .. 8)
{
	my $h = eval { $node->background_psql('postgres', extra_params => [ '-U', 'app' ]) };
	if ($h) { push @more, $h; } else { $refused++; }
}
ok($refused > 0, "app clients beyond the slots were refused ($refused of 8)");
ok(lg_wait_for($node,
		"SELECT sum(rejected_too_many_clients + rejected_reserved_slots) > 0
		   FROM loadguard.history WHERE ts > '$t1'",
		'refusals in the history'),
	'the refusals reached the history');
my ($verdict, $max_users, $summary) = split /\|/, $node->safe_psql('postgres',
	"SELECT verdict, max_users, summary FROM loadguard.readiness_summary(40, 40, $lookback, 'app')");
is($verdict, 'NOT READY', 'refusals at 40 users: NOT READY for 40');
ok(defined $max_users && $max_users ne '' && $max_users < 40, "max_users ($max_users) is below 40");
unlike($summary, qr/Up to/, 'a lower-bound c never claims "up to N users"');
is($node->safe_psql('postgres',
		"SELECT status FROM loadguard.readiness(40, 40, $lookback, 'app') WHERE check_name = 'connections'"),
	'fail', 'the connections check fails at the user count that was refused');

$_->quit for @idle, @more;
# the busy sessions are in pg_sleep: end them from outside
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'");
eval { $_->quit } for @busy;
ok(lg_wait_for($node,
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = 'app'", 'app sessions gone'),
	'the baseline sessions are closed');

# the fix, proven: 60 clients directly are refused, through PgBouncer served
my $script = PostgreSQL::Test::Utils::tempdir() . '/select.sql';
PostgreSQL::Test::Utils::append_to_file($script, "SELECT pg_sleep(0.01);\n");
$node->command_fails_like(
	[ 'pgbench', '-n', '-U', 'app', '-c', '60', '-j', '2', '-t', '20', '-f', $script, 'postgres' ],
	qr/too many clients|remaining connection slots are reserved/,
	'60 clients connecting directly are refused');

my $t2 = $node->safe_psql('postgres', 'SELECT now()');
my $before = $node->safe_psql('postgres',
	"SELECT total FROM loadguard.events WHERE event = 'rejected_too_many_clients'") +
  $node->safe_psql('postgres',
	"SELECT total FROM loadguard.events WHERE event = 'rejected_reserved_slots'");

my $dir = PostgreSQL::Test::Utils::tempdir();
my $bport = PostgreSQL::Test::Cluster::get_free_port();
my $host = $node->host;
my $port = $node->port;
PostgreSQL::Test::Utils::append_to_file("$dir/pgbouncer.ini", <<"EOF");
[databases]
postgres = host=$host port=$port dbname=postgres user=app

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 100
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
system('/usr/sbin/pgbouncer', '-d', "$dir/pgbouncer.ini") == 0
  or BAIL_OUT('pgbouncer did not start');
my $up = 0;
for (1 .. 100)
{
	my $r = system("pg_isready -q -h 127.0.0.1 -p $bport -d postgres");
	if ($r == 0) { $up = 1; last; }
	select(undef, undef, undef, 0.1);
}
ok($up, 'PgBouncer accepts connections');

$node->command_ok(
	[ 'pgbench', '-n', '-h', '127.0.0.1', '-p', $bport, '-U', 'app', '-c', '60', '-j', '2',
	  '-t', '20', '-f', $script, 'postgres' ],
	"60 clients through PgBouncer (pool $pool) are all served");
my $after = $node->safe_psql('postgres',
	"SELECT total FROM loadguard.events WHERE event = 'rejected_too_many_clients'") +
  $node->safe_psql('postgres',
	"SELECT total FROM loadguard.events WHERE event = 'rejected_reserved_slots'");
is($after, $before, 'loadguard counts no refusal while the pooler serves them');
ok($node->safe_psql('postgres',
		"SELECT max(client_connections) <= $pool + 3 FROM loadguard.history
		  WHERE ts > '$t2'") eq 't',
	"the server saw at most the pool ($pool) plus this test's sessions");

if (open(my $fh, '<', "$dir/pgbouncer.pid"))
{
	my $pid = <$fh>;
	chomp $pid;
	kill 'INT', $pid;
}

# a value on the server's command line (as Patroni passes max_connections)
# cannot be fixed by ALTER SYSTEM: the fix says so and names the place
$node->stop;
command_ok([ 'pg_ctl', '-D', $node->data_dir, '-l', $node->logfile, '-w',
		'-o', '-c max_connections=42', 'start' ], 'restart with max_connections on the command line');
$node->_update_pid(1);
is($node->safe_psql('postgres', "SELECT source FROM pg_settings WHERE name = 'max_connections'"),
	'command line', 'max_connections comes from the command line');
my $cl_fix = $node->safe_psql('postgres',
	"SELECT fix FROM loadguard.readiness(100) WHERE check_name = 'connections'");
unlike($cl_fix, qr/ALTER SYSTEM SET max_connections/, 'readiness proposes no ALTER SYSTEM for it');
like($cl_fix, qr/given on the server's command line.*max_connections = \d+ where the server is started/,
	'readiness says where to change it');
like($cl_fix, qr/Its command line \(postmaster\.opts in the data directory\): .*"max_connections=42"/,
	'readiness names the command that set it (postmaster.opts)');
unlike($cl_fix, qr/patronictl/, 'not a Patroni member: no patronictl form');
my ($cl_sql, $cl_reason) = split /\|/, $node->safe_psql('postgres',
	"SET loadguard.target_users = 100;
	 SELECT coalesce(fix_sql, '<none>'), reason FROM loadguard.config_check() WHERE setting = 'max_connections'");
is($cl_sql, '<none>', 'config_check has no SQL fix for a command-line value');
like($cl_reason, qr/ALTER SYSTEM cannot override/, 'config_check says why and where');

$node->stop;
done_testing();
