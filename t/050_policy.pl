# 050_policy.pl — the stuck-session policy on real sessions: idle in
# transaction over the limit is terminated in time (the client sees 57P01),
# sessions under the limit or committing just before survive, idle blockers
# go at the shorter limit, long queries are cancelled (57014) and terminated
# after the grace when they ignore the cancel, exemptions and autovacuum are
# never touched, terminate_min_usage holds the policy back, dry_run kills
# nothing, terminate_stuck keeps to the caller's rights, and the policy's
# terminations match pg_stat_database.sessions_killed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $node = lg_node('policy', <<'EOF');
max_connections = 30
autovacuum_naptime = 1s
loadguard.terminate = on
loadguard.exempt_roles = 'lg_exempt'
loadguard.exempt_databases = 'exemptdb'
loadguard.exempt_applications = 'exempt_app'
EOF
my $psql = $node->installed_command('psql');

$node->safe_psql('postgres', q{
	CREATE ROLE lg_app LOGIN;
	CREATE ROLE lg_other LOGIN;
	CREATE ROLE lg_exempt LOGIN;
	CREATE ROLE lg_signaler LOGIN IN ROLE pg_signal_backend;
	CREATE TABLE t (id int PRIMARY KEY, v int);
	INSERT INTO t VALUES (1, 0);
	GRANT ALL ON t TO PUBLIC;
	GRANT EXECUTE ON FUNCTION loadguard.terminate_stuck(boolean) TO lg_app, lg_signaler;
});
$node->safe_psql('postgres', 'CREATE DATABASE exemptdb');

sub sql { return $node->safe_psql('postgres', $_[0]); }

my $killed_before = sql('SELECT sum(sessions_killed) FROM pg_stat_database');
my $terminations_before = sql('SELECT policy_terminations FROM loadguard.status');
my $autovacuum_launcher = sql(
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'");
my $worker = lg_worker_pid($node);

# ---- client sessions driven through psql over IPC::Run ----
sub open_session
{
	my (%o) = @_;
	my %s = (in => '', out => '', err => '', app => $o{app});
	my $conn = $node->connstr($o{db} // 'postgres')
	  . " user=" . ($o{user} // 'lg_app') . " application_name=$o{app}";
	$s{h} = IPC::Run::start([ $psql, '-XAtq', '-v', 'VERBOSITY=verbose', '-d', $conn ],
		'<', \$s{in}, '>', \$s{out}, '2>', \$s{err}, IPC::Run::timeout(300));
	my $self = \%s;
	send_sql($self, $o{sql}) if defined $o{sql};
	return $self;
}

# psql may have exited (its backend terminated): writing to it then is EPIPE
sub send_sql
{
	my ($s, $sql) = @_;
	$s->{in} .= "$sql\n";
	eval { $s->{h}->pump_nb while length $s->{in} && $s->{h}->pumpable; };
}

# Does the session still answer?  false once its backend is gone.
my $probe = 0;
sub alive
{
	my ($s) = @_;
	my $tag = 'alive_' . ++$probe;
	# collect what a psql that already lost its backend printed before writing
	# to it: a write to an exited psql fails and discards its output
	for (1 .. 5)
	{
		last unless $s->{h}->pumpable;
		eval { $s->{h}->pump_nb; };
		usleep(20_000);
	}
	return 0 unless $s->{h}->pumpable;
	$s->{in} .= "SELECT '$tag';\n";
	my $deadline = time() + 60;
	while (time() < $deadline)
	{
		return 1 if $s->{out} =~ /$tag/;
		last unless $s->{h}->pumpable;
		eval { $s->{h}->pump_nb; };
		usleep(20_000);
	}
	return $s->{out} =~ /$tag/ ? 1 : 0;
}

sub close_session
{
	my ($s) = @_;
	$s->{in} .= "\\q\n" if $s->{h}->pumpable;
	eval { $s->{h}->finish; };
	eval { $s->{h}->kill_kill; } if $@;
	return $s->{err};
}

sub pid_of
{
	my ($app) = @_;
	return lg_poll_query($node,
		"SELECT pid FROM pg_stat_activity WHERE application_name = '$app'");
}

sub wait_state
{
	my ($s, $state) = @_;
	my $ok = lg_wait_for($node,
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$s->{app}' AND state = '$state'",
		"$s->{app} $state");
	diag("$s->{app}: psql printed [$s->{out}] [$s->{err}]") unless $ok;
	return $ok;
}

sub wait_gone
{
	my ($pid, $timeout) = @_;
	return lg_wait_for($node, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid",
		"pid $pid gone", $timeout);
}

# Change policy settings and wait until new backends and the worker have them.
sub set_policy
{
	my (%kv) = @_;
	for my $k (sort keys %kv)
	{
		sql("ALTER SYSTEM SET loadguard.$k = '$kv{$k}'");
	}
	$node->reload;
	for my $k (sort keys %kv)
	{
		lg_wait_for($node, "SELECT current_setting('loadguard.$k') = '$kv{$k}'", "$k = $kv{$k}")
		  or die "setting $k did not take";
	}
	my $ticks = sql('SELECT ticks FROM loadguard.status');
	lg_wait_for($node, "SELECT ticks > $ticks + 2 FROM loadguard.status", 'worker ticks after reload');
}

# an alive() probe restarts the idle clock: wait until it has run again
sub wait_idle_over
{
	my ($app, $seconds) = @_;
	return lg_wait_for($node,
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$app' AND state = 'idle in transaction' AND now() - state_change > interval '$seconds s'",
		"$app idle in transaction over $seconds s");
}

sub audit_count
{
	my ($where) = @_;
	return sql("SELECT count(*) FROM loadguard.terminations WHERE $where");
}

# =====================================================================
# idle in transaction, with exemptions
# =====================================================================
set_policy(idle_in_transaction_limit => '6s');

my $stuck = open_session(app => 'iit_stuck', sql => 'BEGIN; SELECT 1;');
my $late = open_session(app => 'iit_commits');
my $busy = open_session(app => 'iit_busy');
my @exempt = (
	open_session(app => 'ex_super', user => 'postgres', sql => 'BEGIN; SELECT 1;'),
	open_session(app => 'ex_role', user => 'lg_exempt', sql => 'BEGIN; SELECT 1;'),
	open_session(app => 'ex_db', db => 'exemptdb', sql => 'BEGIN; SELECT 1;'),
	open_session(app => 'exempt_app', sql => 'BEGIN; SELECT 1;'));
wait_state($_, 'idle in transaction') for ($stuck, @exempt);

is(sql("SELECT policy_action FROM loadguard.sessions WHERE application = 'ex_super'"),
	'exempt: superuser (loadguard.terminate_superusers is off)',
	'sessions.policy_action says why a superuser is exempt');

# iit_busy keeps its transaction open for longer than the limit, but never
# idles long in one go; iit_commits commits less than three seconds before the
# limit (margin for a busy machine between seeing 3 s and the COMMIT)
wait_state($_, 'idle') for ($late, $busy);
send_sql($_, 'BEGIN; SELECT 1;') for ($late, $busy);
my $commit_sent = 0;
my $last_ping = time();
my $deadline = time() + 12;
while (time() < $deadline)
{
	if (time() - $last_ping > 0.5)
	{
		send_sql($busy, 'SELECT 1;');
		$last_ping = time();
	}
	if (!$commit_sent
		&& sql("SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'iit_commits' AND state = 'idle in transaction' AND now() - state_change > interval '3 s'") eq 't')
	{
		send_sql($late, 'COMMIT;');
		$commit_sent = 1;
	}
	usleep(50_000);
}
send_sql($busy, 'COMMIT;');
ok($commit_sent, 'iit_commits committed before the limit');

ok(lg_wait_for($node, "SELECT count(*) = 1 FROM loadguard.terminations WHERE application = 'iit_stuck'",
		'iit_stuck in the audit'), 'idle-in-transaction session over the limit is acted on');
my $stuck_pid = sql("SELECT pid FROM loadguard.terminations WHERE application = 'iit_stuck'");
ok(wait_gone($stuck_pid, 30), 'idle-in-transaction session over the limit is terminated');
# age is measured from the state change to the tick that acted
# "in time": at the first tick past the limit.  The slack allowed is the
# longest gap between the worker's samples meanwhile (a busy machine delays
# ticks; the policy is not to blame for that) plus the tick's own work.
my ($lateness, $max_gap) = split /\|/, sql("SELECT extract(epoch FROM t.age),
	coalesce((SELECT max(extract(epoch FROM g.gap)) FROM
		(SELECT h.ts - lag(h.ts) OVER (ORDER BY h.ts) AS gap FROM loadguard.history h
		  WHERE h.ts BETWEEN t.at - t.age AND t.at + interval '1 s') g), 0)
	FROM loadguard.terminations t WHERE t.pid = $stuck_pid");
note("terminated ${lateness}s after going idle (limit 6 s, interval 0.1 s, longest gap between samples ${max_gap}s)");
ok($lateness > 6 && $lateness <= 6 + $max_gap + 0.5,
	"terminated at the first tick past the limit (took ${lateness}s; longest gap between ticks ${max_gap}s)");
ok(!alive($stuck), 'terminated client gets no answer');
like(close_session($stuck), qr/FATAL:  57P01: terminating connection due to administrator command/,
	'client sees 57P01');

is(sql("SELECT role || '|' || database || '|' || application || '|' || state || '|' || reason || '|' || action || '|' || dry_run || '|' || outcome || '|' || outcome_detail || '|' || (requested_by IS NULL) || '|' || query || '|' || (age >= interval '6 s') FROM loadguard.terminations WHERE pid = $stuck_pid"),
	'lg_app|postgres|iit_stuck|idle in transaction|idle_in_transaction_limit|terminate|false|done|SIGTERM sent|true|SELECT 1;|true',
	'audit row records who, what, why and the outcome');
like(sql("SELECT detail FROM loadguard.terminations WHERE pid = $stuck_pid"),
	qr/^idle in transaction for \d+\.\d s, over idle_in_transaction_limit \(6\.0 s\)$/,
	'audit detail explains the rule');
ok(sql('SELECT policy_terminations FROM loadguard.status') > $terminations_before,
	'status counts the termination');
ok($node->log_contains(
		qr/LOG:  loadguard terminated session $stuck_pid \(idle_in_transaction_limit\)\n.*DETAIL:  Role "lg_app", database "postgres", application "iit_stuck", client local: idle in transaction for [\d.]+ s, over idle_in_transaction_limit \(6\.0 s\)\. Outcome: SIGTERM sent\. Query: SELECT 1;/
	), 'server log has the action with role, database, application, client and query');

# give the policy more than a limit's worth of further ticks
my $ticks = sql('SELECT ticks FROM loadguard.status');
lg_wait_for($node, "SELECT ticks > $ticks + 65 FROM loadguard.status", 'worker ticks for 6.5 s');
ok(alive($busy), 'a session whose idle spells stay under the limit survives');
ok(alive($late), 'a session that committed just before the limit survives');
for my $s (@exempt)
{
	ok(alive($s), "exempt session $s->{app} survives");
}
like(sql("SELECT string_agg(policy_action, '; ' ORDER BY application) FROM loadguard.sessions WHERE application IN ('ex_role', 'ex_db', 'exempt_app')"),
	qr/^exempt: database "exemptdb" is in loadguard.exempt_databases; exempt: role "lg_exempt" is in loadguard.exempt_roles; exempt: application "exempt_app" is in loadguard.exempt_applications$/,
	'sessions.policy_action names each exemption');
is(audit_count("application IN ('iit_busy', 'iit_commits', 'ex_super', 'ex_role', 'ex_db', 'exempt_app')"),
	'0', 'no audit rows for survivors');
close_session($_) for ($busy, $late, @exempt);

# =====================================================================
# idle blockers at the shorter limit
# =====================================================================
set_policy(idle_in_transaction_limit => '1min', idle_blocker_limit => '2s');
my $blocker = open_session(app => 'blocker', sql => 'BEGIN; UPDATE t SET v = v + 1 WHERE id = 1;');
my $idler = open_session(app => 'idler', sql => 'BEGIN; SELECT 1;');
wait_state($blocker, 'idle in transaction');
wait_state($idler, 'idle in transaction');
like(sql("SELECT policy_action FROM loadguard.sessions WHERE application = 'idler'"),
	qr/^none: idle in transaction for [\d.]+ s, under the limit \(1 min 0\.0 s\)$/,
	'sessions.policy_action shows a session under the limit');
# not blocking anyone yet: only the 60 s limit applies to the blocker
wait_idle_over('blocker', 2.5);
is(audit_count("application = 'blocker'"), '0', 'an idle session blocking nobody is left alone');
my $waiter = open_session(app => 'waiter', sql => 'UPDATE t SET v = v + 10 WHERE id = 1;');
ok(lg_wait_for($node, "SELECT count(*) = 1 FROM loadguard.terminations WHERE application = 'blocker'",
		'blocker in the audit'), 'idle blocker is acted on once it blocks someone');
my $blocker_pid = sql("SELECT pid FROM loadguard.terminations WHERE application = 'blocker'");
ok(wait_gone($blocker_pid, 30), 'idle blocker is terminated');
is(sql("SELECT reason || ' ' || action || ' ' || outcome FROM loadguard.terminations WHERE pid = $blocker_pid"),
	'idle_blocker_limit terminate done', 'audit names the blocker rule');
like(sql("SELECT detail FROM loadguard.terminations WHERE pid = $blocker_pid"),
	qr/while blocking 1 session, over idle_blocker_limit \(2\.0 s\)/, 'detail counts the blocked session');
ok(alive($waiter), 'the blocked session proceeds');
is(sql('SELECT v FROM t WHERE id = 1'), '10', "the blocker's update was rolled back, the waiter's applied");
ok(wait_idle_over('idler', 2.5) && lg_wait_ticks($node, 5) && alive($idler),
	'an idle non-blocker past the blocker limit survives');
ok(!alive($blocker), 'terminated blocker gets no answer');
like(close_session($blocker), qr/57P01/, 'blocker client sees 57P01');
close_session($_) for ($idler, $waiter);

# =====================================================================
# long queries: cancel, then terminate after the grace; autovacuum untouched
# =====================================================================
set_policy(idle_in_transaction_limit => '0', idle_blocker_limit => '0',
	active_query_limit => '2s', cancel_grace => '2s');

# an autovacuum worker slowed down to run far longer than the limit
sql(q{
	CREATE TABLE av (id int, pad text);
	INSERT INTO av SELECT g, repeat('x', 50) FROM generate_series(1, 100000) g;
	ALTER TABLE av SET (autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1,
		autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);
	DELETE FROM av;
});

my $long = open_session(app => 'long_query', sql => 'SELECT pg_sleep(120);');
my $stubborn = open_session(app => 'stubborn', sql => q{DO $$
BEGIN
  LOOP
    BEGIN
      PERFORM pg_sleep(0.05);
    EXCEPTION WHEN query_canceled THEN
      RAISE NOTICE 'ignoring the cancel';
    END;
  END LOOP;
END $$;});
wait_state($long, 'active');
wait_state($stubborn, 'active');
my $long_pid = pid_of('long_query');

ok(lg_wait_for($node, "SELECT count(*) = 1 FROM loadguard.terminations WHERE pid = $long_pid AND action = 'cancel' AND outcome = 'done'",
		'long query cancelled'), 'long query is cancelled');
ok(lg_wait_for($node, "SELECT state = 'idle' FROM pg_stat_activity WHERE pid = $long_pid", 'long query idle'),
	'its session goes idle, still connected');
ok(alive($long), 'cancelled session still answers');
like($long->{err}, qr/ERROR:  57014: canceling statement due to user request/, 'client sees 57014');
close_session($long);

ok(lg_wait_for($node, "SELECT count(*) = 2 FROM loadguard.terminations WHERE application = 'stubborn'",
		'stubborn cancelled and terminated'), 'a query that ignores the cancel is cancelled, then terminated');
my $stubborn_pid = sql("SELECT DISTINCT pid FROM loadguard.terminations WHERE application = 'stubborn'");
ok(wait_gone($stubborn_pid, 30), 'a query that ignores the cancel is gone');
is(sql("SELECT string_agg(reason || ' ' || action || ' ' || outcome, ', ' ORDER BY at) FROM loadguard.terminations WHERE pid = $stubborn_pid"),
	'active_query_limit cancel done, cancel_grace terminate done',
	'cancel first, terminate after the grace');
my $grace_taken = sql(
	"SELECT extract(epoch FROM max(at) - min(at)) FROM loadguard.terminations WHERE pid = $stubborn_pid");
ok($grace_taken >= 2, "terminated no sooner than cancel_grace after the cancel ($grace_taken s)");
ok(!alive($stubborn), 'terminated stubborn client gets no answer');
like(close_session($stubborn), qr/57P01/, 'stubborn client sees 57P01');

my $av_pid = lg_poll_query($node,
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query LIKE '%av%' AND now() - query_start > interval '5 s'",
	90);
ok(defined $av_pid, 'an autovacuum worker ran longer than limit + grace');
if (defined $av_pid)
{
	is(sql("SELECT count(*) FROM pg_stat_activity WHERE pid = $av_pid"), '1', 'autovacuum worker still running');
	is(audit_count("pid = $av_pid"), '0', 'autovacuum worker never touched');
	sql("ALTER TABLE av SET (autovacuum_enabled = off)");
	sql("SELECT pg_cancel_backend($av_pid)");
}

# =====================================================================
# terminate_min_usage holds the policy back
# =====================================================================
set_policy(active_query_limit => '0', idle_in_transaction_limit => '1s',
	terminate_min_usage => '90');
my $held = open_session(app => 'held', sql => 'BEGIN; SELECT 1;');
wait_state($held, 'idle in transaction');
lg_wait_for($node, "SELECT now() - state_change > interval '3 s' FROM pg_stat_activity WHERE application_name = 'held'",
	'held idle 3 s');
like(sql("SELECT policy_action FROM loadguard.sessions WHERE application = 'held'"),
	qr/^none: would terminate \(idle in transaction .*\), held back while usage \d+% is under terminate_min_usage \(90%\)$/,
	'sessions.policy_action says the policy is held back');
ok(alive($held), 'below terminate_min_usage the stuck session survives');
my $held_pid = pid_of('held');
set_policy(terminate_min_usage => '1');
ok(wait_gone($held_pid, 30), 'once usage reaches terminate_min_usage it is terminated');
close_session($held);

# =====================================================================
# dry_run kills nothing and records everything
# =====================================================================
my $counts_before = sql('SELECT policy_cancels || \'/\' || policy_terminations FROM loadguard.status');
set_policy(terminate => 'dry_run', idle_in_transaction_limit => '1s',
	active_query_limit => '1s', cancel_grace => '1s');
my $dry_idle = open_session(app => 'dry_idle', sql => 'BEGIN; SELECT 1;');
my $dry_long = open_session(app => 'dry_long', sql => 'SELECT pg_sleep(600);');
wait_state($dry_idle, 'idle in transaction');
wait_state($dry_long, 'active');
my $dry_idle_pid = pid_of('dry_idle');
my $dry_long_pid = pid_of('dry_long');
ok(lg_wait_for($node, "SELECT count(*) >= 1 FROM loadguard.terminations WHERE pid = $dry_idle_pid AND action = 'terminate' AND dry_run AND outcome = 'skipped' AND outcome_detail = 'dry run'",
		'dry-run terminate recorded'), 'dry run records the termination it would do');
ok(lg_wait_for($node, "SELECT count(DISTINCT action) = 2 FROM loadguard.terminations WHERE pid = $dry_long_pid AND dry_run AND outcome_detail = 'dry run'",
		'dry-run cancel and terminate recorded'), 'dry run records the cancel and, after the grace, the termination');
like(sql("SELECT policy_action FROM loadguard.sessions WHERE pid = $dry_idle_pid"),
	qr/^terminate \(dry run\): /, 'sessions.policy_action marks the dry run');
ok(alive($dry_idle), 'dry run leaves the idle session alone');
is(audit_count("pid = $dry_idle_pid"), '1', 'a stuck session is recorded once, not on every tick');
is(sql("SELECT state FROM pg_stat_activity WHERE pid = $dry_long_pid"), 'active', 'dry run leaves the query running');
is(sql('SELECT policy_cancels || \'/\' || policy_terminations FROM loadguard.status'), $counts_before,
	'dry run does not count as cancels or terminations');
ok($node->log_contains(qr/LOG:  loadguard would terminate \(dry run\) session $dry_idle_pid/),
	'dry run is logged');
sql("SELECT pg_cancel_backend($dry_long_pid)");
close_session($_) for ($dry_idle, $dry_long);

# =====================================================================
# terminate_stuck with the caller's rights
# =====================================================================
set_policy(terminate => 'off', terminate_superusers => 'on',
	idle_in_transaction_limit => '1s', active_query_limit => '0');
my $mine = open_session(app => 'ts_mine', user => 'lg_app', sql => 'BEGIN; SELECT 1;');
my $other = open_session(app => 'ts_other', user => 'lg_other', sql => 'BEGIN; SELECT 42;');
my $super = open_session(app => 'ts_super', user => 'postgres', sql => 'BEGIN; SELECT 1;');
wait_state($_, 'idle in transaction') for ($mine, $other, $super);
my ($mine_pid, $other_pid, $super_pid) = map { pid_of($_) } qw(ts_mine ts_other ts_super);
lg_wait_for($node, "SELECT bool_and(now() - state_change > interval '1.5 s') FROM pg_stat_activity WHERE application_name LIKE 'ts_%'",
	'all three idle past the limit');

is($node->safe_psql('postgres', "SELECT count(*) FROM loadguard.terminations WHERE pid IN ($mine_pid, $other_pid, $super_pid)"),
	'0', 'the worker is off: nothing done yet');

my $as_app = $node->safe_psql('postgres', qq{
	SET ROLE lg_app;
	SELECT coalesce(application, '') || ':' || outcome || ':' || query FROM loadguard.terminate_stuck(false)
	 WHERE pid IN ($mine_pid, $other_pid, $super_pid) ORDER BY application;});
is($as_app,
	"ts_mine:done:SELECT 1;\n:skipped:<insufficient privilege>\n:skipped:<insufficient privilege>",
	'terminate_stuck as a plain role terminates its own role only, and redacts the others');
ok(wait_gone($mine_pid, 30), "the caller role's session is terminated");
ok(alive($other), "another role's session survives a plain caller");
ok(alive($super), 'a superuser session survives a plain caller');
like(sql("SELECT outcome_detail FROM loadguard.terminations WHERE pid = $super_pid ORDER BY at DESC LIMIT 1"),
	qr/only superusers may signal superuser sessions/, 'audit says why the superuser session was skipped');
is(sql("SELECT requested_by FROM loadguard.terminations WHERE pid = $mine_pid"), 'lg_app',
	'audit records who asked');

wait_idle_over($_, 1.5) for qw(ts_other ts_super);
my $as_signaler = $node->safe_psql('postgres', qq{
	SET ROLE lg_signaler;
	SELECT role || ':' || outcome FROM loadguard.terminate_stuck(false)
	 WHERE pid IN ($other_pid, $super_pid) ORDER BY role;});
is($as_signaler, "lg_other:done\npostgres:skipped",
	'a pg_signal_backend member terminates other roles but not superusers');
ok(wait_gone($other_pid, 30), "the other role's session is terminated by the pg_signal_backend member");
ok(alive($super), 'the superuser session survives the pg_signal_backend member');

wait_idle_over('ts_super', 1.5);
is(sql("SELECT action || ':' || dry_run || ':' || outcome || ':' || outcome_detail FROM loadguard.terminate_stuck() WHERE pid = $super_pid"),
	'terminate:true:skipped:dry run', 'terminate_stuck() is a dry run by default');
ok(alive($super), 'the dry run touched nothing');
wait_idle_over('ts_super', 1.5);
is(sql("SELECT outcome FROM loadguard.terminate_stuck(false) WHERE pid = $super_pid"),
	'done', 'a superuser caller may terminate a superuser session');
ok(wait_gone($super_pid, 30), 'superuser session terminated on the superuser\'s request');
close_session($_) for ($mine, $other, $super);

# =====================================================================
# cross-check with the server's own count, and the processes never touched
# =====================================================================
my $terminations = sql('SELECT policy_terminations FROM loadguard.status') - $terminations_before;
ok(lg_wait_for($node,
		"SELECT sum(sessions_killed) - $killed_before = $terminations FROM pg_stat_database",
		'sessions_killed matches'),
	"policy terminations ($terminations) match the growth of pg_stat_database.sessions_killed");
is(audit_count("outcome = 'done' AND action = 'terminate'"), $terminations,
	'every counted termination has an audit row');
is(sql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'"),
	$autovacuum_launcher, 'autovacuum launcher never touched');
is(lg_worker_pid($node), $worker, 'loadguard worker never touched');

is(sql("SELECT string_agg(rule || ':' || action || ':' || (done > 0) || ':' || (skipped > 0) || ':' || (dry_run > 0), ' ' ORDER BY rule) FROM loadguard.policy_stats"),
	'active_query_limit:cancel:true:false:true cancel_grace:terminate:true:false:true idle_blocker_limit:terminate:true:false:false idle_in_transaction_limit:terminate:true:true:true',
	'policy_stats counts per rule and outcome');
is(sql('SELECT sum(done) FROM loadguard.policy_stats'),
	sql('SELECT policy_cancels + policy_terminations FROM loadguard.status'),
	'status totals agree with policy_stats');

# reset() zeroes the counters and keeps the audit
my $audit_rows = audit_count('true');
sql('SELECT loadguard.reset()');
is(sql('SELECT policy_cancels || \'/\' || policy_terminations FROM loadguard.status'), '0/0',
	'reset zeroes the policy counters');
is(sql('SELECT sum(done + failed + skipped + dry_run) FROM loadguard.policy_stats'), '0',
	'reset zeroes policy_stats');
is(audit_count('true'), $audit_rows, 'reset keeps the audit');

$node->stop;
done_testing();
