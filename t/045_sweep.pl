# 045_sweep.pl — the readiness connection check against reality.
#
# After a baseline of the application role "app", readiness is asked for
# each U from usable - 2 to usable + 2 and a few far values; then U real
# clients of role app connect at once and the refused attempts are counted.
# With app_role the connection check must fail exactly when the real run was
# refused.  Without app_role every connection scales (conservative): a fail
# may also be predicted where the run passed, never the other way round;
# the test reports how many.
#
# Fixed overhead held open through the baseline and every run: two
# monitoring sessions and this test's own controlling superuser session.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $usable = 17;
my $node = lg_node('sweep',
	"max_connections = 20\nsuperuser_reserved_connections = 3\n");

$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	CREATE ROLE monitor LOGIN;
	CREATE TABLE work (id int);
	GRANT SELECT ON work TO app;
});

# the fixed overhead: two monitors and the controller, open throughout
my @monitors = map {
	my $m = $node->background_psql('postgres', extra_params => [ '-U', 'monitor' ]);
	$m->query_safe("SET application_name = 'monitoring'");
	$m;
} 1 .. 2;
my $ctl = $node->background_psql('postgres');
$ctl->set_query_timer_restart();

# Only the fixed overhead is connected from here on (a backend whose client
# just left may linger a moment on a busy machine: wait until it is gone).
# Every wait below goes through $ctl: a new connection would be counted.
my $only_fixed = "SELECT count(*) = 3 FROM pg_stat_activity WHERE backend_type = 'client backend'";
ok(lg_session_wait_for($ctl, $only_fixed, 'only the fixed overhead connected'),
	'only the fixed overhead is connected');

# baseline: 5 app users, each one session running a few queries, all held
# until two samples have seen them together (5 app + 3 fixed)
my $baseline = 5;
$ctl->query_safe('SELECT loadguard.reset()');
my $start = $ctl->query_safe('SELECT clock_timestamp()');
my @users_now = map {
	my $s = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
	$s->query_safe('SELECT count(*) FROM work') for 1 .. 3;
	$s;
} 1 .. $baseline;
my $all_in = $ctl->query_safe('SELECT clock_timestamp()');
ok(lg_session_wait_for($ctl,
		"SELECT count(*) >= 2 FROM loadguard.history WHERE ts > '$all_in' AND client_connections = $baseline + 3",
		'two samples of the whole baseline'),
	'baseline ran with 5 app users');
$_->quit for @users_now;
ok(lg_session_wait_for($ctl, $only_fixed, 'baseline sessions gone'), 'baseline sessions gone');
# every moment of the baseline is sampled once a sample follows its end
my $end = $ctl->query_safe('SELECT clock_timestamp()');
ok(lg_session_wait_for($ctl, "SELECT count(*) > 0 FROM loadguard.history WHERE ts > '$end'",
		'a sample after the baseline'),
	'baseline sampled');

my $lookback = $ctl->query_safe("SELECT (now() - '$start'::timestamptz)::text");
# around the real boundary (usable - fixed overhead) and around usable itself
my @users = (1, 8, 11 .. 14, $usable - 2 .. $usable + 2, 25);
my (%with_role, %without_role);
for my $u (@users)
{
	$with_role{$u} = $ctl->query_safe(
		"SELECT status FROM loadguard.readiness($u, $baseline, '$lookback', 'app') WHERE check_name = 'connections'");
	$without_role{$u} = $ctl->query_safe(
		"SELECT status FROM loadguard.readiness($u, $baseline, '$lookback') WHERE check_name = 'connections'");
}

# the real runs: U app clients connect and hold their slot until all of
# them are either connected or refused.  They wait for an advisory lock
# that the controller holds; the controller (an open session, so no slot of
# its own is taken meanwhile) releases it once every client is accounted for.
my $errdir = PostgreSQL::Test::Utils::tempdir();
sub real_run
{
	my ($u) = @_;
	$ctl->query_safe('SELECT pg_advisory_lock(4545)');
	my @runs;
	for my $i (1 .. $u)
	{
		unlink "$errdir/$i";
		push @runs, IPC::Run::start(
			[
				'psql', '-X', '-q', '-U', 'app', '-h', $node->host, '-p', $node->port,
				'-d', 'postgres', '-c', 'SELECT pg_advisory_lock_shared(4545)'
			],
			'>', '/dev/null', '2>', "$errdir/$i");
	}
	my $refused_now = sub { scalar grep { -s "$errdir/$_" } 1 .. $u };
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my $all_in;
	while (time() < $deadline)
	{
		my $waiting = $ctl->query_safe(
			"SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND wait_event_type = 'Lock'");
		$all_in = $waiting + $refused_now->() == $u;
		last if $all_in;
		usleep(50_000);
	}
	ok($all_in, "U=$u: every client connected or was refused");
	$ctl->query_safe('SELECT pg_advisory_unlock(4545)');
	my $refused = 0;
	for my $r (@runs)
	{
		$r->finish;
		$refused++ if $r->result != 0;
	}
	return $refused;
}

my $table = sprintf("%6s  %-12s  %-15s  %s\n", 'users', 'app_role', 'no app_role', 'refused');
my $conservative_extra = 0;
for my $u (@users)
{
	my $refused = real_run($u);
	$table .= sprintf("%6d  %-12s  %-15s  %d of %d\n",
		$u, $with_role{$u}, $without_role{$u}, $refused, $u);
	is($with_role{$u} eq 'fail' ? 1 : 0, $refused > 0 ? 1 : 0,
		"U=$u: with app_role the check ($with_role{$u}) fails exactly when the run was refused ($refused)");
	ok(!($refused > 0 && $without_role{$u} ne 'fail'),
		"U=$u: without app_role a refused run is always predicted to fail");
	$conservative_extra++ if $without_role{$u} eq 'fail' && $refused == 0;
	# every attempt has ended before the next run (watched through $ctl: a
	# new connection could linger into the next run and take a slot)
	ok(lg_session_wait_for($ctl, $only_fixed, "U=$u: app sessions gone"),
		"U=$u: app sessions gone");
}
note("sweep (usable connections $usable; fixed overhead 3 sessions):\n$table");
note("without app_role, $conservative_extra runs were predicted to fail but were not refused");
ok(1, "sweep table:\n$table");

# psql sessions that the server ends first may make quit() die: not a result
eval { $_->quit } for @monitors, $ctl;
$node->stop;
done_testing();
