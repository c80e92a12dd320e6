# 001_worker.pl — the background worker's life cycle: it runs, is restarted
# after SIGTERM without a server restart, survives kill -9 through one crash
# recovery, follows sample_interval on reload, and a server without the
# library preloaded gives the clear error.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $node = lg_node('worker');

my $pid = lg_worker_pid($node);
like($pid, qr/^\d+$/, 'worker is running');
is($node->safe_psql('postgres', 'SELECT worker_pid FROM loadguard.status'),
	$pid, 'status.worker_pid is the worker');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"),
	'0', 'the worker takes no client connection slot');

my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# SIGTERM outside shutdown: exit 1, restarted after bgw_restart_time
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok(lg_wait_for($node,
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'loadguard' AND pid <> $pid",
		'worker restarted'),
	'worker is back with a new pid after pg_terminate_backend');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
	$start_time, 'postmaster was not restarted');
my $pid2 = lg_worker_pid($node);
ok(lg_wait_for($node, "SELECT worker_pid = $pid2 AND last_tick_at > now() - interval '5 s' FROM loadguard.status",
		'new worker ticking'), 'new worker ticks and reports its pid');

# kill -9: the postmaster goes through crash recovery once, worker comes back
my $log_offset = -s $node->logfile;
kill 'KILL', $pid2;
ok(lg_wait_for($node,
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'loadguard'",
		'worker after crash recovery', 60),
	'worker is back after kill -9 and crash recovery');
ok(lg_wait_for($node, "SELECT last_tick_at > now() - interval '5 s' FROM loadguard.status",
		'ticking after crash'), 'worker ticks after crash recovery');
my $pid3 = lg_worker_pid($node);
ok(lg_wait_ticks($node, 30), 'the worker ticks 30 more times');
is(lg_worker_pid($node), $pid3, 'no crash loop: the same worker is still running 30 ticks later');
my $log = slurp_file($node->logfile, $log_offset);
my $recoveries = () = $log =~ /all server processes terminated; reinitializing/g;
is($recoveries, 1, 'exactly one crash recovery');

# reload changes the tick rate, read from the gaps between the newest
# history samples (the sample times; a late tick's catch-up only shortens
# the gap after it, so a median over several gaps follows the interval)
my $median_gap = q{SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FROM (
	SELECT extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) * 1000 AS gap
	  FROM (SELECT ts FROM loadguard.history ORDER BY ts DESC LIMIT 9) newest) g
	WHERE gap IS NOT NULL};
$node->safe_psql('postgres', "ALTER SYSTEM SET loadguard.sample_interval = '500ms'");
$node->reload;
ok(lg_wait_for($node, "SELECT ($median_gap) >= 400", 'samples 500 ms apart'),
	'at 500 ms the median gap of the newest samples grows to the interval');
my $slow = $node->safe_psql('postgres', $median_gap);
$node->safe_psql('postgres', "ALTER SYSTEM SET loadguard.sample_interval = '50ms'");
$node->reload;
ok(lg_wait_for($node, "SELECT ($median_gap) < 200", 'samples 50 ms apart'),
	'at 50 ms the median gap of the newest samples shrinks well below 500 ms');
my $fast = $node->safe_psql('postgres', $median_gap);
note("median gap between samples: $slow ms at 500ms, $fast ms at 50ms");

$node->stop;

# without shared_preload_libraries: a clear error, never a crash or zeros
my $bare = PostgreSQL::Test::Cluster->new('bare');
$bare->init;
$bare->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_stat_statements'\n");
$bare->start;
$bare->safe_psql('postgres', 'CREATE EXTENSION loadguard');
my ($ret, $out, $err) = $bare->psql('postgres', 'SELECT * FROM loadguard.status');
isnt($ret, 0, 'status fails without the preloaded library');
like($err, qr/loadguard is not loaded through shared_preload_libraries/, 'error names the problem');
like($err, qr/HINT:  Add loadguard to the existing shared_preload_libraries list \(currently "pg_stat_statements"\)/,
	'hint says to add loadguard to the existing list');
($ret, $out, $err) = $bare->psql('postgres', 'SELECT loadguard.reset()');
like($err, qr/not loaded through shared_preload_libraries/, 'reset fails the same way');
$bare->stop;

done_testing();
