# 071_faults.pl — loadguard under faults: kill -9 of a client backend and of
# the worker (crash restart: shared memory and loadguard start fresh, the
# worker is back, no crash loop, no stale state file); SIGHUP with changed
# settings (taken by the running worker, a bad value rejected by name, a
# restart-only one left alone); DROP EXTENSION / CREATE EXTENSION while the
# worker runs (it keeps sampling, counters carry on); an immediate shutdown
# saves nothing (crash recovery follows, so state starts fresh).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $node = lg_node('faults', <<'EOF');
max_connections = 20
lc_messages = 'C'
EOF
my $state = $node->data_dir . '/pg_stat/loadguard.stat';

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub statement_timeout
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '100ms'; SELECT pg_sleep(30)");
	like($err, qr/canceling statement due to statement timeout/, 'a statement timeout');
}

sub count_matches
{
	my ($text, $re) = @_;
	my @m = $text =~ /$re/g;
	return scalar(@m);
}

# Kill $pid with SIGKILL and check the crash restart that follows.
sub crash_and_check
{
	my ($what, $pid) = @_;
	statement_timeout();
	ok(lg_wait_for($node, q{SELECT total = 1 FROM loadguard.events WHERE event = 'statement_timeout'},
			'timeout counted'), "$what: a statement timeout is counted before the crash");
	my $old_worker = lg_worker_pid($node);
	my $offset = -s $node->logfile;
	my $killed_at = sql('SELECT now()');
	kill 'KILL', $pid or die "kill $pid: $!";
	ok($node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset),
		"$what: the postmaster reinitializes");
	ok(lg_wait_for($node,
			"SELECT worker_pid IS NOT NULL AND last_tick_at > '$killed_at' FROM loadguard.status",
			'worker back', 60), "$what: the worker is back and ticking");
	isnt(lg_worker_pid($node), $old_worker, "$what: a new worker process");
	is(sql(q{SELECT (SELECT total FROM loadguard.events WHERE event = 'statement_timeout')
		|| ' ' || (SELECT count(*) FROM loadguard.history WHERE ts < '} . $killed_at . q{')
		|| ' ' || (SELECT stats_reset > '} . $killed_at . q{' FROM loadguard.status)}),
		'0 0 true', "$what: loadguard starts fresh (no counters, no old history)");
	ok(!-e $state, "$what: no state file is written by a crash");

	# no crash loop: the worker keeps ticking and nothing dies again
	my $ticks = sql('SELECT ticks FROM loadguard.status');
	ok(lg_wait_for($node, "SELECT ticks >= $ticks + 20 FROM loadguard.status", 'ticks'),
		"$what: the worker keeps ticking");
	my $log = slurp_file($node->logfile, $offset);
	is(count_matches($log, qr/reinitializing/), 1, "$what: one reinitialization, no crash loop");
	is(count_matches($log, qr/terminated by signal/), 1, "$what: one process killed, no other");
	like($log, qr/database system is ready to accept connections/, "$what: the server is ready again");
	return $log;
}

# ---- kill -9 of a client backend ---------------------------------------------
my $victim = $node->background_psql('postgres', on_error_stop => 0, timeout => 600);
my $vpid = $victim->query_safe('SELECT pg_backend_pid()');
chomp $vpid;
my $log = crash_and_check('client backend', $vpid);
like($log, qr/server process \(PID $vpid\) was terminated by signal 9/, 'the client backend was the one killed');
eval { $victim->quit };

# ---- kill -9 of the worker -----------------------------------------------------
my $wpid = lg_worker_pid($node);
$log = crash_and_check('worker', $wpid);
like($log, qr/background worker "loadguard" \(PID $wpid\) was terminated by signal 9/,
	'the worker was the one killed');

# a clean restart after the crashes still keeps state
statement_timeout();
ok(lg_wait_for($node, q{SELECT total = 1 FROM loadguard.events WHERE event = 'statement_timeout'},
		'counted'), 'counting again after the crashes');
$node->restart;
is(sql(q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'}), 1,
	'a clean restart after crash restarts keeps the counters');

# ---- SIGHUP with changed settings ---------------------------------------------
$wpid = lg_worker_pid($node);
my $offset = -s $node->logfile;
sql(q{ALTER SYSTEM SET loadguard.sample_interval = '400ms'});
sql(q{ALTER SYSTEM SET loadguard.log_pressure = 50});
sql(q{ALTER SYSTEM SET loadguard.history_size = 120});
my $reloaded_at = sql('SELECT now()');
sql('SELECT pg_reload_conf()');
ok(lg_wait_for($node, q{SELECT current_setting('loadguard.sample_interval') = '400ms'
		AND current_setting('loadguard.log_pressure') = '50'}, 'reloaded'),
	'SIGHUP: new settings in force');
ok($node->wait_for_log(qr/parameter "loadguard.history_size" cannot be changed without restarting the server/, $offset),
	'SIGHUP: the restart-only history_size is left alone, and the log says so');
is(sql(q{SELECT current_setting('loadguard.history_size')}), '3600', 'history_size unchanged until restart');
# the running worker takes the new interval: gaps of about 400 ms, not 100 ms
ok(lg_wait_for($node, "SELECT count(*) >= 8 FROM loadguard.history WHERE ts > timestamptz '$reloaded_at' + interval '1 s'",
		'samples at the new interval', 60), 'samples after the reload');
my $median_gap = sql(q{SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FROM (
	SELECT extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) AS gap
	FROM loadguard.history WHERE ts > timestamptz '} . $reloaded_at . q{' + interval '1 s') g
	WHERE gap IS NOT NULL});
note("median gap after reload: $median_gap s");
ok($median_gap >= 0.3, "the worker samples at the new interval (median gap $median_gap s)");
is(lg_worker_pid($node), $wpid, 'SIGHUP: the same worker, not restarted');

# a bad value: rejected by name, the old one stays, the worker goes on
sql(q{ALTER SYSTEM RESET loadguard.history_size});
$offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "loadguard.terminate = 'sometimes'\n");
sql('SELECT pg_reload_conf()');
ok($node->wait_for_log(qr/invalid value for parameter "loadguard.terminate": "sometimes"/, $offset),
	'SIGHUP: a bad value is rejected, naming the setting');
is(sql(q{SELECT current_setting('loadguard.terminate')}), 'off', 'the old value stays');
my $ticks = sql('SELECT ticks FROM loadguard.status');
ok(lg_wait_for($node, "SELECT ticks >= $ticks + 3 FROM loadguard.status", 'ticks'),
	'the worker keeps ticking after a bad reload');
is(lg_worker_pid($node), $wpid, 'same worker after a bad reload');
# drop the bad line again
my $conf = slurp_file($node->data_dir . '/postgresql.conf');
$conf =~ s/^loadguard\.terminate = 'sometimes'\n//m;
open(my $fh, '>', $node->data_dir . '/postgresql.conf') or die;
print $fh $conf;
close $fh;
sql(q{ALTER SYSTEM RESET loadguard.sample_interval});
sql(q{ALTER SYSTEM RESET loadguard.log_pressure});
sql('SELECT pg_reload_conf()');
ok(lg_wait_for($node, q{SELECT current_setting('loadguard.sample_interval') = '100ms'}, 'reset'),
	'settings back');

# ---- DROP EXTENSION / CREATE EXTENSION while the worker runs ---------------------
# the worker is watched from another database meanwhile (loadguard's state
# is the cluster's, so its views there show the same)
$node->safe_psql('postgres', 'CREATE DATABASE watch');
$node->safe_psql('watch', 'CREATE EXTENSION loadguard');
$wpid = lg_worker_pid($node);
my $total = sql(q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'});
$ticks = sql('SELECT ticks FROM loadguard.status');
$offset = -s $node->logfile;
my $dropped_at = sql('SELECT now()');
sql('DROP EXTENSION loadguard');
statement_timeout();
# the worker is a process of the library, not of the extension: it goes on
ok($node->poll_query_until('watch',
		"SELECT ticks > $ticks + 5 FROM loadguard.status")
	  && $node->poll_query_until('watch',
		"SELECT count(*) > 5 FROM loadguard.history WHERE ts > '$dropped_at'"),
	'DROP EXTENSION: the worker ticks and samples on (seen from another database)');
is(sql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'loadguard' AND pid = } . $wpid),
	1, 'DROP EXTENSION: the worker keeps running');
my $recreated_at = sql('SELECT now()');
sql('CREATE EXTENSION loadguard');
is(lg_worker_pid($node), $wpid, 'CREATE EXTENSION: the same worker');
ok(sql("SELECT ticks > $ticks + 5 FROM loadguard.status") eq 't',
	'the worker ticked while the extension was dropped');
ok(sql("SELECT count(*) > 5 FROM loadguard.history WHERE ts BETWEEN '$dropped_at' AND '$recreated_at'") eq 't',
	'history has samples from while the extension was dropped');
is(sql(q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'}), $total + 1,
	'counters carry on, including what happened while the extension was dropped');
$log = slurp_file($node->logfile, $offset);
unlike($log, qr/(ERROR|FATAL|PANIC):(?!.*statement timeout)/, 'no errors in the log but the timeout');
$node->safe_psql('postgres', 'DROP DATABASE watch');

# ---- immediate shutdown: like a crash, nothing is kept ----------------------------
ok(lg_wait_for($node, q{SELECT total > 0 FROM loadguard.events WHERE event = 'statement_timeout'},
		'counted'), 'a counter to lose');
$offset = -s $node->logfile;
$node->stop('immediate');
ok(!-e $state, 'immediate shutdown: no state file written');
like(slurp_file($node->logfile, $offset),
	qr/loadguard did not save its state: the server did not shut down cleanly/,
	'immediate shutdown: the log says why nothing was saved');
$node->start;
is(sql(q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'}), 0,
	'after an immediate shutdown loadguard starts fresh, as after a crash');

$node->stop;
done_testing();
