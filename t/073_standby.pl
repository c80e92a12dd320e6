# 073_standby.pl — loadguard on a hot standby made with pg_basebackup over
# streaming replication: the worker runs there, every view and function
# answers (reset and a dry-run terminate_stuck included), nothing tries to
# write (no error in the standby's log), and the standby keeps its own
# counters across a clean restart.  recovery_conflict counting on a standby
# is covered by 021_events_standby.pl.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $primary = lg_node('primary', "lc_messages = 'C'\n", allows_streaming => 1);
$primary->safe_psql('postgres', 'CREATE TABLE t (i int); INSERT INTO t VALUES (1)');
$primary->backup('b');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', "hot_standby = on\n");
$standby->start;
$primary->safe_psql('postgres', 'INSERT INTO t VALUES (2)');
$primary->wait_for_catchup($standby);
my $offset = 0;

sub ssql { return $standby->safe_psql('postgres', $_[0]); }

is(ssql('SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is(ssql('SELECT count(*) FROM t'), '2', 'the standby replays');
ok(lg_wait_for($standby, q{SELECT last_tick_at > now() - interval '5 s' FROM loadguard.status},
		'standby worker ticking', 60), 'the worker runs and ticks on the standby');
is(ssql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'loadguard'}), '1',
	'one loadguard worker on the standby');

# a session that stays, so that the per-name table has someone to show
my $session = $standby->background_psql('postgres', on_error_stop => 0, timeout => 600);
$session->query_safe("SET application_name = 'standby_app'");
ok(lg_wait_for($standby, q{SELECT count(*) > 0 FROM loadguard.connections WHERE name = 'standby_app'},
		'session sampled'), 'the worker samples the standby\'s sessions');

my @reads = (
	'SELECT count(*) > 0 FROM loadguard.status',
	'SELECT count(*) > 0 FROM loadguard.history',
	'SELECT count(*) > 0 FROM loadguard.events',
	'SELECT count(*) > 0 FROM loadguard.connections',
	'SELECT count(*) >= 0 FROM loadguard.sessions',
	'SELECT count(*) > 0 FROM loadguard.statement_latency',
	'SELECT count(*) > 0 FROM loadguard.latency_histogram',
	'SELECT count(*) >= 0 FROM loadguard.terminations',
	'SELECT count(*) > 0 FROM loadguard.policy_stats',
	'SELECT count(*) = 1 FROM loadguard.readiness',
	'SELECT count(*) > 0 FROM loadguard.readiness(100)',
	'SELECT count(*) = 1 FROM loadguard.readiness_summary(100)',
	'SELECT count(*) > 0 FROM loadguard.config_check()',
	'SELECT count(*) > 0 FROM loadguard.report(100)',
	'SELECT count(*) >= 0 FROM loadguard.terminate_stuck(true)',
	'SELECT true FROM loadguard.reset()',
);
for my $q (@reads)
{
	my ($ret, $out, $err) = $standby->psql('postgres', $q);
	is("$ret $out", '0 t', "standby answers: $q") or diag($err);
}

$session->quit;

# the standby counts its own events and keeps them over a clean restart
my ($ret, $out, $err) = $standby->psql('postgres',
	"SET statement_timeout = '100ms'; SELECT pg_sleep(30)");
like($err, qr/statement timeout/, 'a statement timeout on the standby');
ok(lg_wait_for($standby, q{SELECT total = 1 FROM loadguard.events WHERE event = 'statement_timeout'},
		'counted'), 'counted on the standby');
$standby->restart;
is(ssql(q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'}), '1',
	'the standby keeps its counters over a clean restart');
is(ssql('SELECT pg_is_in_recovery()'), 't', 'still a standby after the restart');
is($primary->safe_psql('postgres', q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'}),
	'0', 'the primary counts only its own');
$primary->safe_psql('postgres', 'INSERT INTO t VALUES (3)');
$primary->wait_for_catchup($standby);
is(ssql('SELECT count(*) FROM t'), '3', 'replication goes on');

# nothing tried to write: no error in the standby's log but the timeout
my $log = slurp_file($standby->logfile, $offset);
# (a walreceiver stopped by a shutdown reports FATAL; that is no error)
my @errors = grep { !/canceling statement due to statement timeout|terminating walreceiver process due to administrator command/ }
  ($log =~ /^.*(?:ERROR|FATAL|PANIC):.*$/mg);
is(join("\n", @errors), '', 'no errors in the standby log');
unlike($log, qr/read-only transaction|cannot execute .* during recovery/, 'no write attempted');

$standby->stop;
$primary->stop;
done_testing();
