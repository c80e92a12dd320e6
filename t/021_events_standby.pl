# 021_events_standby.pl — on a hot standby, a query cancelled because replay
# needs its lock counts once in recovery_conflict, and in nothing else.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $primary = lg_node('primary', "lc_messages = 'C'\n", allows_streaming => 1);
$primary->safe_psql('postgres', 'CREATE TABLE rc (i int); INSERT INTO rc VALUES (1)');
$primary->backup('b');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', "max_standby_streaming_delay = 0\nhot_standby = on\n");
$standby->start;
$primary->wait_for_catchup($standby);
ok(lg_wait_for($standby, "SELECT last_tick_at IS NOT NULL FROM loadguard.status",
		'standby worker ticking', 60), 'the worker runs on the standby');

my $s = $standby->background_psql('postgres', on_error_stop => 0, timeout => 600);
$s->set_query_timer_restart();
my $pid = $s->query('SELECT pg_backend_pid()');
chomp $pid;
$s->query_until(qr/started/, "\\echo started\nSELECT pg_sleep(120) FROM rc;\n");
ok(lg_wait_for($standby, "SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $pid",
		'standby query running', 60), 'a query reads rc on the standby');

# TRUNCATE takes an AccessExclusiveLock that replay must get at once
$primary->safe_psql('postgres', 'TRUNCATE rc');
ok(lg_wait_for($standby,
		"SELECT total = 1 FROM loadguard.events WHERE event = 'recovery_conflict'",
		'recovery conflict counted', 60), 'the conflict is counted once');
$s->query('SELECT 1');
like($s->{stderr}, qr/due to conflict with recovery/, 'the client saw the conflict');
is($standby->safe_psql('postgres',
		"SELECT string_agg(event, ',') FROM loadguard.events WHERE total > 0 AND event NOT IN ('recovery_conflict', 'connections_established')"),
	'', 'no other kind counted');
$s->quit;

$standby->stop;
$primary->stop;
done_testing();
