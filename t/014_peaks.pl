# 014_peaks.pl — exact connection peaks between ticks (live.c): a burst of
# connections that opens and closes between two ticks shows in the next
# history row's peak_connections although no tick sampled it, and a burst
# of one role's connections in that role's peak (loadguard.roles,
# peak_connections); and the live counters behind them do not drift: after
# 1,000 short connections, sessions terminated by signal, logins that fail,
# connections refused before and after authentication, and a crash
# restart, the peak of a quiet interval equals the number of open client
# sessions, and a role with none open has no peak.  Readiness takes its
# held connections from those peaks.
#
# Timing: nothing sleeps a fixed time.  The test synchronises on tick
# boundaries by polling loadguard.status.last_tick_at and loadguard.history
# from one kept session (the observer), so its own polling opens no
# connections, and it retries a burst that a tick happened to cut.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $node = lg_node('peaks',
	"max_connections = 20\nsuperuser_reserved_connections = 3\n"
	  . "loadguard.sample_interval = '1s'\nlog_min_messages = warning\n");
# the observer outlives the default 60 s psql timeout: per query, not per session
my $obs = $node->background_psql('postgres');
$obs->set_query_timer_restart();
$obs->query_safe("SET application_name = 'lg_observer'");

# The next tick after the one at $after (a timestamptz literal); returns its ts.
sub next_tick_after
{
	my ($after) = @_;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	while (time() < $deadline)
	{
		my $ts = $obs->query_safe(
			"SELECT last_tick_at FROM loadguard.status WHERE last_tick_at > '$after'");
		return $ts if $ts ne '';
		usleep(20_000);
	}
	BAIL_OUT("no tick after $after within the timeout");
}

# The history rows (ts|client_connections|peak_connections) after $after,
# once one exists with ts after $until.
sub rows_until
{
	my ($after, $until) = @_;
	next_tick_after($until);
	my $out = $obs->query_safe(
		"SELECT ts, client_connections, peak_connections, ts <= '$until'
		   FROM loadguard.history WHERE ts > '$after' ORDER BY ts");
	my @rows = map { [ split /\|/ ] } split /\n/, $out;
	my @until = grep { $_->[3] eq 't' } @rows;
	my ($first_after) = grep { $_->[3] eq 'f' } @rows;
	return (\@until, $first_after);
}

# Poll $sql through the observer until it returns 't' (or a row, for a
# HAVING query); true on success.
sub obs_wait
{
	my ($sql, $what, $timeout) = @_;
	my $deadline = time() + ($timeout // $PostgreSQL::Test::Utils::timeout_default);
	while (time() < $deadline)
	{
		my $r = $obs->query_safe($sql);
		return 1 if $r eq 't' || ($sql =~ /HAVING/ && $r ne '');
		usleep(50_000);
	}
	diag("timed out waiting for: $what");
	return 0;
}

my $client_count_sql =
  "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'";

# --- a burst between two ticks shows in the next row's peak ---

# Run a burst of $burst_size connections (pgbench opens every connection,
# waits for all of them at a barrier, then each sleeps 50 ms and
# disconnects) right after a tick, until one fits between two ticks: no
# tick sampled it.  Returns the highest peak_connections of the rows
# covering it, or undef after five attempts; in list context also the tick
# after which the burst ran.  $size and $user: another size, as that role.
my $burst_size = 10;
my $bursts = 0;
sub burst_peak
{
	my ($size, $user) = @_;
	$size //= $burst_size;
	my $as = defined $user ? "-U $user " : '';
	for my $attempt (1 .. 5)
	{
		$bursts++;
		# start right after a tick: the next one is about a second away
		my $t0 = $obs->query_safe('SELECT last_tick_at FROM loadguard.status');
		my $tick = next_tick_after($t0);
		$node->pgbench("--no-vacuum $as-c $size -j $size -t 1",
			0, [qr{}], [qr{}], "burst of $size connections ($bursts)",
			{ "burst$bursts.sql" => "SELECT pg_sleep(0.05);\n" });
		my $end = $obs->query_safe('SELECT clock_timestamp()');
		# the rows of the ticks during the pgbench run and the first one
		# after it: on a busy machine pgbench alone may outlast a tick
		my ($during, $next) = rows_until($tick, $end);
		my @rows = (@$during, $next);
		my ($sampled) = sort { $b <=> $a } map { $_->[1] } @rows;
		my ($peak) = sort { $b <=> $a } map { $_->[2] } @rows;
		if ($sampled >= $size)
		{
			diag("burst $bursts: a tick sampled it ($sampled connections); retrying");
			next;
		}
		# the burst's interval and at most the next (connections still
		# closing at the tick) show it; the others only the observer
		my @high = grep { $_->[2] > $sampled } @rows;
		cmp_ok(scalar(@high), '<=', 2, "burst $bursts shows in the row after it (and at most the next)");
		return wantarray ? ($peak, $tick) : $peak;
	}
	return undef;
}

my $own = $obs->query_safe($client_count_sql);
my $peak = burst_peak();
ok(defined $peak, 'a burst fitted between two ticks within five attempts');
cmp_ok($peak // 0, '>=', $burst_size + $own,
	"a burst no tick sampled: peak_connections " . ($peak // 'none') . " >= $burst_size + $own");

# --- a burst of one role between two ticks shows in that role's peak ---

# The role's peak_connections over the samples after $since (loadguard.roles
# with the lookback starting just after that tick), 0 when it has none.
sub role_peak_after
{
	my ($role, $since) = @_;
	return $obs->query_safe(
		"SELECT coalesce(max(peak_connections), 0) FROM loadguard.get_roles(
		   clock_timestamp() - ('$since'::timestamptz + interval '1 ms'))
		  WHERE role = '$role'");
}

$obs->query_safe('CREATE ROLE burst LOGIN');
my ($role_total, $role_tick) = burst_peak(8, 'burst');
ok(defined $role_total, 'a burst of role burst fitted between two ticks');
# no tick sampled 8 client connections, so none sampled 8 of burst's
is(role_peak_after('burst', $role_tick), 8,
	'8 connections of role burst opened and closed between two ticks: its peak_connections is 8');

# readiness counts that burst as held connections (the exact peak, not the
# ticks' counts, which saw none of it): c = 8 / 4 with burst as app role
is($obs->query_safe(
		"SELECT held_connections || ' ' || connections_per_user
		   FROM loadguard.readiness_summary(10, 4,
		     clock_timestamp() - ('$role_tick'::timestamptz + interval '1 ms'), 'burst')"),
	'8 2', 'readiness: the burst no tick sampled is held 8, 2 connections per user');

# A role with nothing open has no peak in a quiet interval: two ticks after
# now, the second interval's rows.  A count that leaked would show there.
sub role_quiet_peak_is
{
	my ($role, $what) = @_;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my $last;
	while (time() < $deadline)
	{
		my $t1 = next_tick_after($obs->query_safe('SELECT clock_timestamp()'));
		next_tick_after($t1);
		$last = role_peak_after($role, $t1);
		last if $last == 0;
	}
	is($last, 0, "no drift for role $role after $what: no peak in a quiet interval");
}

role_quiet_peak_is('burst', 'its burst');

# --- no drift ---

# The peak of an interval in which no connection started or ended is the
# number of client connections open during it (the worker raises each
# interval's peak to the count at its start).  Polls until a row after now
# shows exactly $expected; a counter that drifted never does.
sub quiet_peak_is
{
	my ($expected, $what) = @_;
	my $since = $obs->query_safe('SELECT clock_timestamp()');
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my $last = '';
	while (time() < $deadline)
	{
		$last = $obs->query_safe(
			"SELECT peak_connections FROM loadguard.history
			  WHERE ts > '$since' ORDER BY ts DESC LIMIT 1");
		last if $last ne '' && $last == $expected;
		usleep(100_000);
	}
	is($last, $expected, "no drift after $what: quiet peak $last = $expected open");
}

quiet_peak_is($obs->query_safe($client_count_sql), 'the bursts');

# 1,000 short connections, of role burst
$node->pgbench('--no-vacuum -U burst -C -c 4 -j 2 -t 250', 0, [qr{}], [qr{^$}],
	'1,000 short connections', { 'select1.sql' => "SELECT 1;\n" });
quiet_peak_is($obs->query_safe($client_count_sql), '1,000 short connections');
role_quiet_peak_is('burst', '1,000 short connections');

# terminated by signal (SIGTERM through pg_terminate_backend), of role burst
my @victims;
for my $i (1 .. 3)
{
	my $s = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'burst' ]);
	push @victims, [ $s, $s->query_safe('SELECT pg_backend_pid()') ];
}
$obs->query_safe("SELECT pg_terminate_backend($_->[1])") for @victims;
ok( obs_wait(
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid IN ("
		  . join(',', map { $_->[1] } @victims) . ")", 'terminated sessions gone'),
	'three sessions terminated by SIGTERM');
eval { $_->[0]->quit } for @victims;
quiet_peak_is($obs->query_safe($client_count_sql), 'sessions terminated by signal');
role_quiet_peak_is('burst', 'sessions terminated by signal');

# FATAL during authentication (wrong password), and FATAL after it: a
# database that does not exist, a role at its connection limit, a role
# that does not exist
$obs->query_safe("CREATE ROLE lg_pw LOGIN PASSWORD 'right'");
$obs->query_safe('CREATE ROLE lg_limited LOGIN CONNECTION LIMIT 0');
{
	# password for lg_pw only, ahead of the trust lines
	my $hba = $node->data_dir . '/pg_hba.conf';
	my $old = PostgreSQL::Test::Utils::slurp_file($hba);
	open(my $fh, '>', $hba) or die "cannot write $hba: $!";
	print $fh "local all lg_pw scram-sha-256\n$old";
	close $fh;
	$node->reload;
	ok( obs_wait(
			"SELECT count(*) > 0 FROM pg_hba_file_rules WHERE 'lg_pw' = ANY(user_name)",
			'hba reloaded'),
		'pg_hba.conf asks lg_pw for a password');
}
for my $i (1 .. 5)
{
	local $ENV{PGPASSWORD} = 'wrong';
	my ($ret) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'lg_pw' ]);
	isnt($ret, 0, "wrong password refused ($i)") if $i == 1;
	($ret) = $node->psql('lg_no_such_db', 'SELECT 1');
	isnt($ret, 0, 'database that does not exist refused') if $i == 1;
	($ret) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'lg_limited' ]);
	isnt($ret, 0, 'role at its connection limit refused') if $i == 1;
	($ret) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'lg_no_such_role' ]);
	isnt($ret, 0, 'role that does not exist refused') if $i == 1;
}
quiet_peak_is($obs->query_safe($client_count_sql), 'failed logins and refusals after authentication');
# never counted per role: the login failed, or startup never committed
role_quiet_peak_is('lg_pw', 'a FATAL during authentication');
role_quiet_peak_is('lg_limited', 'a FATAL at its connection limit');

# refused before a slot: every slot taken, then "too many clients already"
my $hold_sql = $node->basedir . '/hold.sql';
PostgreSQL::Test::Utils::append_to_file($hold_sql, "SELECT pg_sleep(600);\n");
my $held = 20 - $obs->query_safe($client_count_sql);
my $holding_sql = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(600)%'";
my ($in, $out, $err) = ('', '', '');
my $holder = IPC::Run::start(
	[
		'pgbench', '--no-vacuum', '-c', $held, '-j', '2', '-t', '1', '-f', $hold_sql,
		'-h', $node->host, '-p', $node->port, 'postgres'
	],
	\$in, \$out, \$err);
ok(obs_wait("$holding_sql HAVING count(*) = $held", 'holders connected'),
	"$held sessions hold every remaining slot");
my $refused = 0;
for my $i (1 .. 5)
{
	my ($ret, $o, $e) = $node->psql('postgres', 'SELECT 1');
	$refused++ if $ret != 0 && $e =~ /too many clients already/;
}
is($refused, 5, 'five connections refused with "too many clients already"');
# the holders end by signal too
$obs->query_safe(
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(600)%'");
$holder->finish;
ok(obs_wait("$holding_sql HAVING count(*) = 0", 'holders gone'), 'holding sessions closed');
quiet_peak_is($obs->query_safe($client_count_sql), 'connections refused before a slot');

# no drift in either direction: a counter that lost connections would show a
# burst below its size (the quiet peaks above only bound it from above)
my $open = $obs->query_safe($client_count_sql);
$peak = burst_peak();
is($peak, $burst_size + $open, "after all of the above, a burst of $burst_size shows exactly "
	  . ($burst_size + $open) . " connections");
# and per role: a count lost on the way would show a smaller peak
($role_total, $role_tick) = burst_peak(8, 'burst');
is(role_peak_after('burst', $role_tick), 8,
	'after all of the above, a burst of 8 of role burst shows exactly 8');

# a crash restart (a backend killed by SIGKILL) starts the counter from zero
my $victim = $node->background_psql('postgres', on_error_stop => 0);
my $victim_pid = $victim->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $victim_pid;
eval { $victim->quit };
eval { $obs->quit };
ok( lg_wait_for($node, 'SELECT last_tick_at > pg_postmaster_start_time() FROM loadguard.status',
		'worker ticking after the crash restart', 120),
	'server and worker back after SIGKILL');
$obs = $node->background_psql('postgres');
$obs->set_query_timer_restart();
quiet_peak_is($obs->query_safe($client_count_sql), 'a crash restart');

$obs->quit;
$node->stop;
done_testing();
