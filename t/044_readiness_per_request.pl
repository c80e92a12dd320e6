# 044_readiness_per_request.pl — readiness on clients that open a
# connection per transaction (pgbench -C), with the cost of a connection
# measured on this server:
#   1. pgbench -C as role app over TCP loopback with SCRAM authentication,
#      for a bounded time (5 s);
#   2. readiness_summary with a baseline says "per request", with the
#      connections opened per second and the average and p95 setup time
#      (authentication and backend start) measured on those connections;
#   3. the connection_pattern check warns with both figures, says what the
#      cost covers (the postmaster's fork is not included), and its fix
#      names a pooler (PgBouncer in transaction mode) or a client-side pool;
#   4. report() shows the pattern and the connection cost.
# Every wait polls with a deadline; nothing depends on how fast the machine
# is beyond "some connections were made".
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('per_request', "listen_addresses = '127.0.0.1'\n");
$node->safe_psql('postgres', q{
SET password_encryption = 'scram-sha-256';
CREATE ROLE app LOGIN PASSWORD 'app-secret';
});
# app authenticates with SCRAM over TCP, as an application would
my $hba = $node->data_dir . '/pg_hba.conf';
my $rules = slurp_file($hba);
open(my $fh, '>', $hba) or die "cannot write $hba: $!";
print $fh "host all app 127.0.0.1/32 scram-sha-256\n", $rules;
close $fh;
$node->reload;

my $t0 = $node->safe_psql('postgres', 'SELECT now()');
my $lookback = "now() - '$t0'::timestamptz";
my $port = $node->port;

# the baseline: 4 clients, each transaction on a new connection, 5 s
my $script = PostgreSQL::Test::Utils::tempdir() . '/select.sql';
PostgreSQL::Test::Utils::append_to_file($script, "SELECT 1;\n");
my ($out, $err);
{
	local $ENV{PGPASSWORD} = 'app-secret';
	my $ok = IPC::Run::run(
		[ 'pgbench', '-n', '-C', '-h', '127.0.0.1', '-p', $port, '-U', 'app',
		  '-c', '4', '-j', '2', '-T', '5', '-f', $script, 'postgres' ],
		'>', \$out, '2>', \$err);
	ok($ok, 'pgbench -C ran as app over loopback') or diag($err);
}
my ($transactions) = $out =~ /number of transactions actually processed: (\d+)/;
my ($client_ms) = $out =~ /average connection time = ([\d.]+) ms/;
ok(defined $transactions && $transactions > 0, "pgbench made $transactions connections");
diag("pgbench (client side, fork + TCP + authentication): average connection time "
	  . ($client_ms // '?') . " ms over $transactions connections");

# the worker drains the connection log every tick: wait until the baseline
# is seen as per request, with the connections it made
my $summary_sql = "SELECT * FROM loadguard.readiness_summary(40, 4, $lookback, 'app')";
ok(lg_wait_for($node,
		"SELECT connection_pattern = 'per request' AND connects_measured >= $transactions
		   FROM loadguard.readiness_summary(40, 4, $lookback, 'app')",
		'the baseline is read as per request'),
	'readiness_summary: pattern "per request"');

my ($pattern, $rate, $peak_rate, $avg_ms, $p95_ms, $measured, $pool) = split /\|/,
  $node->safe_psql('postgres',
	"SELECT connection_pattern, connections_per_s, peak_connections_per_s, connect_avg_ms,
	        connect_p95_ms, connects_measured, pool_size
	   FROM ($summary_sql) s");
is($pattern, 'per request', 'the pattern is per request');
cmp_ok($rate, '>', 0, "connections per second over the lookback: $rate");
cmp_ok($peak_rate, '>=', $rate, "at most $peak_rate/s in one sample interval, not below the average");
cmp_ok($avg_ms, '>', 0, "measured setup time per connection: $avg_ms ms on average");
cmp_ok($p95_ms, '>', 0, "and $p95_ms ms at p95");
# pgbench's own check connection comes on top of the transactions
cmp_ok($measured, '>=', $transactions, "measured on all $transactions connections ($measured)");
cmp_ok($measured, '<=', $transactions + 8, 'and on no other role\'s');
diag("loadguard (server side, backend start to startup commit): $avg_ms ms on average, p95 $p95_ms ms, over $measured connections");

my ($status, $observed, $detail, $fix) = split /\|/, $node->safe_psql('postgres',
	"SELECT status, observed, detail, fix FROM loadguard.readiness(40, 4, $lookback, 'app')
	  WHERE check_name = 'connection_pattern'");
is($status, 'warn', 'connection_pattern warns for connection per request');
like($observed, qr/^per request: /, 'observed names the pattern');
like($observed,
	qr/(\d+) connections opened in \d+ s \(([\d.]+)\/s, at most ([\d.]+)\/s in one sample interval\)/,
	'observed has the connections opened and per second');
my ($opened, $per_s) = $observed =~ /(\d+) connections opened in \d+ s \(([\d.]+)\/s/;
cmp_ok($opened, '>=', $transactions, "all $transactions connections counted as opened ($opened)");
cmp_ok($per_s, '>', 0, "observed rate $per_s/s");
like($observed,
	qr/authentication and backend start ([\d.]+) ms on average over (\d+) connections \(p95 [\d.]+ ms/,
	'observed has the measured cost of a connection');
my ($obs_ms) = $observed =~ /authentication and backend start ([\d.]+) ms/;
cmp_ok($obs_ms, '>', 0, "observed cost per connection $obs_ms ms");
like($detail, qr/Measured here: authentication and backend start [\d.]+ ms on average over \d+ connections.*per request; the postmaster's fork before the backend starts is not included/,
	'detail says what is measured and what is not');
like($fix, qr/PgBouncer with pool_mode = transaction, default_pool_size = \d+/,
	'the fix names pooling: PgBouncer in transaction mode');
like($fix, qr/client-side pool\), which saves the [\d.]+ ms/, 'or a client-side pool, with the cost it saves');

my $report = join("\n", $node->safe_psql('postgres',
	"SELECT line FROM loadguard.report(40, 4, $lookback, 'app') AS line"));
like($report, qr/^  pattern        per request: held \d+ now/m, 'report() shows the pattern');
like($report, qr/^  pooler         PgBouncer pool_mode = transaction, default_pool_size = \d+/m,
	'report() shows the pooler size');
like($report, qr/^  connecting     [\d.]+\/s opened \(at most [\d.]+\/s\); authentication/m,
	'report() shows the connection rate and cost');

# loadguard.roles: the app role's average setup time over the same lookback
my ($role_ms, $role_est) = split /\|/, $node->safe_psql('postgres',
	"SELECT extract(epoch FROM lookback_avg_connect_time) * 1000, lookback_established
	   FROM loadguard.get_roles(now() - '$t0'::timestamptz) WHERE role = 'app'");
cmp_ok($role_est, '>=', $transactions, "roles: app established $role_est in the lookback");
ok(abs($role_ms - $avg_ms) < 0.01, "roles: app's average connect time $role_ms ms, the same as readiness_summary's");

# the same connections, looked at with no application role: the p95 and
# the average are over every client connection
cmp_ok($node->safe_psql('postgres',
		"SELECT connects_measured FROM loadguard.readiness_summary(40, 4, $lookback)"),
	'>=', $measured, 'without app_role every client connection is measured');

$node->stop;
done_testing();
