# 042_readiness_timeouts.pl — timeouts judged as the application's sessions
# ran them over the lookback: every app session connected with
# -c statement_timeout=30000 (as Django's OPTIONS do) while the role has no
# default → readiness and config_check see 30 s on those sessions and do not
# warn, also once they have disconnected; one session without it (mixed
# values) → both warn, with the same fix; no session in the lookback → the
# role's default, said so.  A clean restart keeps the evidence (the
# timeout minutes are in the state file, section 8): with no app session
# since, readiness and config_check say what they said before; a state
# file without the section (an older build's) or with a bad one still
# starts, with no timeout minutes and every other section restored.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('timeouts');
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');

# the option given at connect, as libpq's PGOPTIONS (Django: OPTIONS)
my @app;
{
	local $ENV{PGOPTIONS} = '-c statement_timeout=30000';
	@app = map {
		my $h = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
		$h->query_safe('SELECT 1');
		$h;
	} 1 .. 5;
}

ok(lg_wait_for($node,
		"SELECT count(*) = 5 FROM pg_stat_activity WHERE usename = 'app'", 'five app sessions'),
	'five app sessions connected with statement_timeout at connect');

sub check
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', $sql);
}

# the worker tallies the sessions' timeouts at most once a second: wait
# until a tally has seen all five (one may have run while they connected)
ok(lg_wait_for($node,
		"SELECT observed LIKE '30 s on all 5 app sessions %'
		   FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		  WHERE check_name = 'statement_timeout'", 'the five app sessions tallied'),
	'the worker has seen the five app sessions');
is(check("SELECT status FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		   WHERE check_name = 'statement_timeout'"),
	'pass', 'no statement_timeout warning when every app session runs with 30 s');
like(check("SELECT observed FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		     WHERE check_name = 'statement_timeout'"),
	qr/^30 s on all 5 app sessions seen in the last 15 min \(set at connect\)/,
	'observed says what the sessions ran with, and who set it');

# the sessions are gone before readiness is called: judged over the
# lookback, not from the sessions connected now
$_->quit for @app;
ok(lg_wait_for($node,
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = 'app'", 'app sessions gone'),
	'every app session has disconnected');
is(check("SELECT status FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		   WHERE check_name = 'statement_timeout'"),
	'pass', 'still no statement_timeout warning: the sessions ran with 30 s in the lookback');
like(check("SELECT observed FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		     WHERE check_name = 'statement_timeout'"),
	qr/^30 s on all 5 app sessions seen in the last 15 min \(set at connect\)/,
	'observed counts the sessions seen in the lookback');
is(check("SELECT severity || ' ' || source FROM loadguard.config_check('app')
		   WHERE setting = 'statement_timeout'"),
	'ok observed on 5 sessions of role app seen in the last 15 min',
	'config_check agrees, from the same observation');

# mixed: one session without it joins: both warn, with one fix
my $plain = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
$plain->query_safe('SELECT 1');
ok(lg_wait_for($node,
		"SELECT status = 'warn' FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		  WHERE check_name = 'statement_timeout'", 'statement_timeout warns'),
	'a session without a timeout makes it warn');
like(check("SELECT observed FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		     WHERE check_name = 'statement_timeout'"),
	qr/^off to 30 s over 6 app sessions seen in the last 15 min \(set at connect, the server's value, on different sessions\)/,
	'observed shows the range and both sources');
is(check("SELECT r.fix = c.fix_sql
		    FROM loadguard.readiness(10, NULL, '15 minutes', 'app') r,
		         loadguard.config_check('app') c
		   WHERE r.check_name = 'statement_timeout' AND c.setting = 'statement_timeout'"),
	't', 'readiness and config_check give the same fix');
is(check("SELECT fix FROM loadguard.readiness(10, NULL, '15 minutes', 'app')
		   WHERE check_name = 'statement_timeout'"),
	"ALTER ROLE app SET statement_timeout = '30s';", 'the fix is the role default');

# no app session in a short lookback: the role's default, said so
$plain->quit;
ok(lg_wait_for($node,
		"SELECT observed LIKE 'off (default for role app; none of its sessions seen in the last 2 s)%'
		   FROM loadguard.readiness(10, NULL, '2 seconds', 'app')
		  WHERE check_name = 'statement_timeout'", 'fallback to the default'),
	'without an app session in the lookback, the default a new session gets');

# ---- a clean restart keeps what the sessions ran with ----------------------
my $q_observed = "SELECT status || ' ' || observed
	FROM loadguard.readiness(10, NULL, '15 minutes', 'app') WHERE check_name = 'statement_timeout'";
my $q_config = "SELECT severity || ' ' || source || ' ' || current
	FROM loadguard.config_check('app') WHERE setting = 'statement_timeout'";
my $observed_before = check($q_observed);
my $config_before = check($q_config);
like($observed_before, qr/^warn off to 30 s over 6 app sessions seen in the last 15 min/,
	'before the restart: the six app sessions of the lookback');
my $offset = -s $node->logfile;
$node->restart;
my $log = slurp_file($node->logfile, $offset);
like($log, qr/loadguard restored its state/, 'state restored at start');
unlike($log, qr/WARNING:.*loadguard/, 'no loadguard WARNING on a clean restart');
is(check("SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'"), '0',
	'no app session since the restart');
is(check($q_observed), $observed_before,
	'after the restart readiness still judges from the sessions seen before it');
is(check($q_config), $config_before, 'and so does config_check');
# reset() zeroes counters, not what sessions ran with (as history_minutes)
check('SELECT loadguard.reset()');
is(check($q_observed), $observed_before, 'loadguard.reset() keeps the timeout minutes');

# ---- a state file without the section, or with a bad one -------------------
my $state = $node->data_dir . '/pg_stat/loadguard.stat';
$node->stop;
my ($head, @sections) = lg_state_split(slurp_file($state));
my ($tominutes) = grep { $_->[0] == 8 } @sections;
ok(defined $tominutes, 'the state file has a timeout minutes section (tag 8)');
my @others = grep { $_->[0] != 8 } @sections;
$tominutes //= [ 8, '' ];

# section: nminutes, minute_size (uint32), 8 reserved bytes; then the minutes,
# oldest first, each led by its ts (int64) and nroles (int32)
my $nminutes = unpack('L', $tominutes->[1]) // 0;
ok($nminutes >= 1, "the section holds the minutes ($nminutes)");
my $bad_nroles = $tominutes->[1];
substr($bad_nroles, 16 + 8, 4) = pack('l', 1000) if length($bad_nroles) >= 28;
my %files = (
	'without the section (an older build)' => [ lg_state_join($head, @others), 0 ],
	'section truncated' => [ lg_state_join($head, @others,
			[ 8, substr($tominutes->[1], 0, int(length($tominutes->[1]) / 2)) ]), 1 ],
	'a minute with 1000 roles' => [ lg_state_join($head, @others, [ 8, $bad_nroles ]), 1 ],
);
for my $case (sort keys %files)
{
	my ($bytes, $warns) = @{ $files{$case} };
	open(my $fh, '>:raw', $state) or die "cannot write $state: $!";
	print $fh $bytes;
	close $fh;
	$offset = -s $node->logfile;
	$node->start;
	$log = slurp_file($node->logfile, $offset);
	like($log, qr/loadguard restored its state/, "$case: the file loads");
	my @warnings = $log =~ /WARNING:  loadguard state file "pg_stat\/loadguard.stat": section "timeout_minutes" ignored/g;
	is(scalar(@warnings), $warns, "$case: " . ($warns ? 'one WARNING naming the section' : 'no WARNING'));
	like(check($q_observed),
		qr/^warn off \(default for role app; none of its sessions seen in the last 15 min\)/,
		"$case: no timeout minutes, the role's default");
	ok(check('SELECT count(*) FROM loadguard.history') > 0, "$case: the other sections load");
	ok(lg_wait_for($node, 'SELECT worker_pid IS NOT NULL FROM loadguard.status', 'worker'),
		"$case: the worker runs");
	$node->stop;
}
done_testing();
