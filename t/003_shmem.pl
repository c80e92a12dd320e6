# 003_shmem.pl — loadguard's shared memory at default settings stays within
# its 4 MB budget (issue 21), and the per-role counts the history packs into
# its byte pool (src/model/rolepack.h) read back the same before and after a
# clean restart, which saves them unpacked in the state file.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('shmem');

# every loadguard setting that sizes shared memory is at its default (the
# sample interval lg_node sets does not size anything)
is($node->safe_psql('postgres',
		"SELECT string_agg(name, ', ') FROM pg_settings
		  WHERE name LIKE 'loadguard.%' AND setting <> boot_val
		    AND name <> 'loadguard.sample_interval'"),
	'', 'loadguard settings at their defaults');

my $total = $node->safe_psql('postgres',
	"SELECT sum(allocated_size) FROM pg_shmem_allocations WHERE name LIKE 'loadguard%'");
note(sprintf('loadguard shared memory at defaults: %d bytes (%.1f kB)', $total, $total / 1024));
cmp_ok($total, '<=', 4 * 1024 * 1024, 'loadguard shared memory at defaults <= 4 MB');
# the ring holds its samples' figures and a pool for their roles and setup-time
# buckets, not whole 728-byte samples
cmp_ok($node->safe_psql('postgres',
		"SELECT allocated_size FROM pg_shmem_allocations WHERE name = 'loadguard history'"),
	'<', 3600 * 464, 'the history ring packs its samples');

# ---- per-role counts survive the pool and a restart --------------------------

$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');
my @sessions;
for (1 .. 3)
{
	my $s = $node->background_psql('postgres', on_error_stop => 0, timeout => 300,
		extra_params => [ '-U', 'app' ]);
	$s->query_safe('SELECT 1');
	push @sessions, $s;
}
ok(lg_wait_for($node,
		"SELECT count(*) > 0 FROM loadguard.get_roles('1 day') WHERE role = 'app' AND peak_connections = 3",
		'a sample with app at 3'),
	'a sample shows 3 connections of app');
$_->quit for @sessions;
ok(lg_wait_for($node,
		"SELECT connections = 0 FROM loadguard.get_roles('1 day') WHERE role = 'app'",
		'app gone'),
	'app has no connection left');

my $q_app = "SELECT peak_connections, lookback_established, lookback_ended,
                    lookback_avg_connect_time
               FROM loadguard.get_roles('1 day') WHERE role = 'app'";
my $before = $node->safe_psql('postgres', $q_app);
like($before, qr/^3\|3\|3\|\d\d:\d\d:\d\d\.?\d*$/,
	'per role: peak 3, 3 established and 3 ended over the lookback, and their measured setup time (packed in the pool)');

$node->restart;
lg_wait_for($node, 'SELECT last_tick_at IS NOT NULL FROM loadguard.status', 'ticking again');
is($node->safe_psql('postgres', $q_app), $before,
	'the same per-role figures after a clean restart');
is($node->safe_psql('postgres',
		"SELECT sum(allocated_size) FROM pg_shmem_allocations WHERE name LIKE 'loadguard%'"),
	$total, 'the same shared memory after the restart');

$node->stop;
done_testing();
