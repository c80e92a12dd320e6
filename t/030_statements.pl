# 030_statements.pl — the statement latency histogram on a live cluster:
# statements of known duration land in the right percentiles; nested
# statements (functions, DO, CREATE TABLE AS, EXPLAIN ANALYZE, cursors) count
# once; the extended protocol counts one statement per execution; statements
# cut by statement_timeout are recorded at about the timeout, as errors;
# near-miss counters follow the session's statement_timeout; nesting state
# survives errors caught in PL/pgSQL and savepoints; track_statements off and
# enabled off record nothing; status shows the last minute.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

# pg_stat_statements loads first, so loadguard's hooks wrap it and must chain
my $node = lg_node('statements',
	"shared_preload_libraries = 'pg_stat_statements,loadguard'\n");
sq('CREATE EXTENSION pg_stat_statements');

sub sq { return $node->safe_psql('postgres', $_[0]); }

# statements counted by the worker-independent view; the reading query
# itself is recorded after it reads
sub count_now { return sq('SELECT statements FROM loadguard.statement_latency'); }

# run $sql in one session; return how many top-level statements it added
# (the two count queries of the same session are subtracted)
sub counted
{
	my ($sql) = @_;
	my $out = $node->safe_psql('postgres',
		"SELECT statements FROM loadguard.statement_latency;\n$sql;\n"
		  . "SELECT statements FROM loadguard.statement_latency;");
	my @lines = split /\n/, $out;
	return $lines[-1] - $lines[0] - 1 - ($_[1] // 0);
}

# ---- known durations land in the right percentiles
# The expected percentiles come from what this test measured: each
# statement took at least what it asked pg_sleep for, and at most what psql
# timed for it (\timing, client side, so the server's time is within it).
# A percentile is read from a log-scale bucket (6.25 % wide) and its rank may
# differ by one: the expected range is the measured values one rank either
# side, widened by a bucket.
#
# The test's own waits and reads below must not add statements to the
# counts: they run with loadguard.track_statements off.
my $untracked = '-c loadguard.track_statements=off';
sub sq_untracked
{
	local $ENV{PGOPTIONS} = $untracked;
	return sq($_[0]);
}
my $script = "SELECT loadguard.reset();\nSELECT clock_timestamp();\n\\timing on\n";
$script .= "SELECT pg_sleep(0.02);\n" for 1 .. 90;
$script .= "SELECT pg_sleep(0.3);\n" for 1 .. 10;
my ($reset_at, @timing) = grep { $_ ne '' } split /\n/, $node->safe_psql('postgres', $script);
my @client_ms = map { /^Time: ([\d.]+) ms/ ? $1 : () } @timing;
is(scalar(@client_ms), 100, 'psql timed the 100 statements');
# the reset and the clock query: at least 0 ms, at most what the slowest took
my @low = sort { $a <=> $b } (0, 0, (20) x 90, (300) x 10);
my @high = sort { $a <=> $b } (@client_ms, (max_of(@client_ms)) x 2);
sub max_of { my $m = 0; $_ > $m and $m = $_ for @_; return $m; }
# nearest rank of percentile $p among 102, one rank either side, a bucket wide
sub expected_range
{
	my ($p) = @_;
	my $r = int($p / 100 * 102 + 0.999999) - 1;
	my $lo = $low[ $r > 0 ? $r - 1 : 0 ] * 0.93;
	my $hi = $high[ $r < 101 ? $r + 1 : 101 ] * 1.07 + 1;
	return ($lo, $hi);
}
my ($n, $p50, $p95, $p99, $errors) = split /\|/,
  sq_untracked('SELECT statements, p50_ms, p95_ms, p99_ms, errors FROM loadguard.statement_latency');
note("after 90 × 20 ms and 10 × 300 ms: n=$n p50=$p50 p95=$p95 p99=$p99");
is($n, 102, 'every statement counted once (100 sleeps, the reset and the clock query)');
for ([ 50, $p50 ], [ 95, $p95 ], [ 99, $p99 ])
{
	my ($p, $got) = @$_;
	my ($lo, $hi) = expected_range($p);
	ok($got >= $lo && $got <= $hi, sprintf('p%d is %.1f ms, within the measured %.1f .. %.1f ms', $p, $got, $lo, $hi));
}
is($errors, 0, 'no errors');

# the hooks chained: pg_stat_statements, wrapped by loadguard, saw them too
is(sq_untracked(q{SELECT sum(calls) FROM pg_stat_statements WHERE query = 'SELECT pg_sleep($1)'}), 100,
	'pg_stat_statements (an earlier executor hook) counted the 100 sleeps too');

# status: the last minute's rate and p95 come from the worker
my ($p95_lo, $p95_hi) = expected_range(95);
{
	local $ENV{PGOPTIONS} = $untracked;
	ok(lg_wait_for($node,
			"SELECT statements_per_s > 0 AND latency_p95_ms BETWEEN $p95_lo AND $p95_hi FROM loadguard.status",
			'status shows the last minute'),
		'status shows the last minute\'s statements_per_s and latency_p95_ms');

	# history: per-interval deltas of the cumulative histogram, the reset included
	ok(lg_wait_for($node,
			"SELECT sum(statements) >= 101 FROM loadguard.history WHERE ts > '$reset_at'",
			'history has the statements'),
		'history rows since the reset hold every statement');
}
my ($p99_lo, $p99_hi) = expected_range(99);
my $max20 = max_of(@client_ms[ 0 .. 89 ]) * 1.07 + 1;
my ($hsum, $hp50, $hp99) = split /\|/, sq_untracked(
	"SELECT sum(statements), count(*) FILTER (WHERE latency_p50_ms BETWEEN 18.6 AND $max20),
	        max(latency_p99_ms)
	   FROM loadguard.history WHERE ts > '$reset_at'");
note("history since reset: statements=$hsum intervals with p50 ~20 ms=$hp50 max p99=$hp99");
ok($hp50 > 0, 'intervals of 20 ms statements have a p50 of about 20 ms');
# since the reset every tracked statement is one of the 102 (the reset
# itself may fall in the interval before $reset_at)
ok($hsum >= 101 && $hsum <= 102, "no statement counted twice across intervals (got $hsum)");
ok($hp99 >= 280 && $hp99 <= $p99_hi, "an interval's p99 shows the 300 ms statements (got $hp99)");
is(sq_untracked("SELECT count(*) FROM loadguard.history WHERE ts > '$reset_at' AND statements = 0
	   AND (latency_p50_ms <> 0 OR latency_p95_ms <> 0 OR latency_p99_ms <> 0)"), 0,
	'an empty interval has no percentiles');

# ---- nested statements count once
sq(q{CREATE FUNCTION hundred() RETURNS int LANGUAGE plpgsql AS $$
	DECLARE s int := 0;
	BEGIN
		FOR i IN 1..100 LOOP
			s := s + (SELECT count(*) FROM pg_class WHERE oid = i);
			PERFORM 1;
		END LOOP;
		RETURN s;
	END $$});
is(counted('SELECT hundred()'), 1, 'a function running 100 nested statements counts once');
is(counted('DO $$ BEGIN PERFORM hundred(); PERFORM hundred(); END $$'), 1,
	'a DO block counts once');
is(counted('CREATE TABLE ctas AS SELECT hundred() AS h, g FROM generate_series(1, 10) g'), 1,
	'CREATE TABLE AS counts once');
is(counted('EXPLAIN ANALYZE SELECT hundred()'), 1, 'EXPLAIN ANALYZE counts once');
is(sq(q{SELECT sum(calls) FROM pg_stat_statements WHERE query LIKE 'CREATE TABLE ctas AS%'}), 1,
	'pg_stat_statements saw the utility statement too (ProcessUtility chained)');
is(counted("BEGIN;\nDECLARE c CURSOR FOR SELECT g, hundred() FROM generate_series(1, 5) g;\n"
		. "FETCH 2 FROM c;\nFETCH 2 FROM c;\nCLOSE c;\nCOMMIT"), 6,
	'cursor: BEGIN, DECLARE, two FETCHes, CLOSE and COMMIT are six statements');
is(counted("SELECT 1\\; SELECT 2\\; SELECT 3"), 3, 'three statements in one message count three');
sq(q{CREATE TABLE trg_target (x int);
	CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN PERFORM hundred(); RETURN NEW; END $$;
	CREATE TRIGGER trg AFTER INSERT ON trg_target FOR EACH ROW EXECUTE FUNCTION trg_fn()});
is(counted('INSERT INTO trg_target SELECT generate_series(1, 3)'), 1,
	'an INSERT firing AFTER triggers counts once');

# errors caught inside PL/pgSQL do not end the top-level statement, and the
# nesting state stays right for the statements that follow
sq(q{CREATE FUNCTION catcher() RETURNS int LANGUAGE plpgsql AS $$
	DECLARE caught int := 0;
	BEGIN
		FOR i IN 0..9 LOOP
			BEGIN
				PERFORM 1 / (i % 2);
			EXCEPTION WHEN division_by_zero THEN
				caught := caught + 1;
			END;
		END LOOP;
		RETURN caught;
	END $$});
my $errors_before = sq('SELECT errors FROM loadguard.statement_latency');
is(counted("SELECT catcher();\nSELECT 1;\nSELECT 2"), 3,
	'a function catching 5 errors counts once, and the next statements count');
is(sq('SELECT errors FROM loadguard.statement_latency'), $errors_before,
	'caught errors are not statement errors');

# a statement failing inside a savepoint (psql's ON_ERROR_ROLLBACK) is an
# error, and the statements after it still count
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT statements FROM loadguard.statement_latency;\n"
	  . "BEGIN;\nSAVEPOINT s;\nSELECT 1 / g FROM generate_series(0, 0) g;\n"
	  . "ROLLBACK TO SAVEPOINT s;\nSELECT 1;\nCOMMIT;\n"
	  . "SELECT statements FROM loadguard.statement_latency;",
	on_error_stop => 0);
my @lines = split /\n/, $out;
is($lines[-1] - $lines[0] - 1, 6, 'six statements around a failed one in a savepoint');
is(sq('SELECT errors FROM loadguard.statement_latency'), $errors_before + 1,
	'the failed statement counts as an error');

# ---- the extended protocol: one statement per execution
my $pgbench_script = $node->basedir . '/select.sql';
open my $fh, '>', $pgbench_script or die;
print $fh "SELECT hundred();\n";
close $fh;
for my $mode (qw(extended prepared))
{
	my $before = count_now();
	$node->command_ok(
		[ 'pgbench', '-n', '-M', $mode, '-t', '40', '-c', '1', '-f', $pgbench_script,
		  '-h', $node->host, '-p', $node->port, 'postgres' ],
		"pgbench -M $mode runs");
	is(count_now() - $before - 1, 40, "pgbench -M $mode: 40 executions, 40 statements");
}

# ---- a portal fetched by several Execute messages is one statement, timed
# without the client's pauses between fetches (raw protocol: psql and
# pgbench never fetch a portal partially)
{
	use IO::Socket::UNIX;
	use Time::HiRes qw(sleep);
	my $user = sq('SELECT current_user');
	my $sock = IO::Socket::UNIX->new(
		Type => SOCK_STREAM(),
		Peer => $node->host . '/.s.PGSQL.' . $node->port)
	  or die "cannot connect: $!";
	my $send = sub {
		my ($type, $body) = @_;
		print $sock $type . pack('N', length($body) + 4) . $body;
		$sock->flush;
	};
	# read messages until one of type $until; return the types seen
	my $read_until = sub {
		my ($until) = @_;
		my $types = '';
		while (1)
		{
			my $hdr;
			read($sock, $hdr, 5) == 5 or die 'connection closed';
			my ($type, $len) = unpack('a1 N', $hdr);
			my $body = '';
			read($sock, $body, $len - 4) if $len > 4;
			die "server error: $body" if $type eq 'E';
			$types .= $type;
			return $types if $type eq $until;
		}
	};
	my $startup = pack('N', 196608) . "user\0$user\0database\0postgres\0\0";
	print $sock pack('N', length($startup) + 4) . $startup;
	$read_until->('Z');

	sq('SELECT loadguard.reset()');
	my $before = count_now();
	# the client pauses 3 s between fetches (a pause is what is tested, not
	# a wait); the three round trips bound the time the server ran it
	my $t = Time::HiRes::time();
	$send->('P', "\0SELECT g, pg_sleep(0.1) FROM generate_series(1, 5) g\0" . pack('n', 0));
	$send->('B', "\0\0" . pack('n n n', 0, 0, 0));
	$send->('E', "\0" . pack('N', 2));
	$send->('H', '');
	like($read_until->('s'), qr/^12D D s$/x, 'first Execute: two rows, portal suspended');
	my $busy = Time::HiRes::time() - $t;
	sleep 3;
	$t = Time::HiRes::time();
	$send->('E', "\0" . pack('N', 2));
	$send->('H', '');
	like($read_until->('s'), qr/^D D s$/x, 'second Execute: two rows, suspended');
	$busy += Time::HiRes::time() - $t;
	sleep 3;
	$t = Time::HiRes::time();
	$send->('E', "\0" . pack('N', 0));
	$send->('S', '');
	like($read_until->('Z'), qr/^D C Z$/x, 'third Execute: the last row, complete');
	$busy += Time::HiRes::time() - $t;
	$send->('X', '');
	close $sock;

	is(count_now() - $before - 1, 1, 'a portal fetched in three Executes is one statement');
	my $busy_ms = $busy * 1000 * 1.07 + 1;
	note(sprintf('the three Executes took %.0f ms in all, client side', $busy * 1000));
	my ($runs, $late) = split /\|/, sq(
		"SELECT coalesce(sum(statements) FILTER (WHERE lower_ms >= 450 AND lower_ms <= $busy_ms), 0),
		        coalesce(sum(statements) FILTER (WHERE lower_ms > $busy_ms), 0)
		   FROM loadguard.latency_histogram");
	is($runs, 1, 'it took the 500 ms of its three runs (at most the round trips)');
	is($late, 0, 'the 6 s the client paused between fetches are not counted');
}

# ---- statement_timeout: cut statements are recorded at about the timeout
sq('SELECT loadguard.reset()');
# psql's whole run (connection included) bounds the statement's time
my $t_cut = Time::HiRes::time();
($ret, $out, $err) = $node->psql('postgres',
	"SET statement_timeout = '500ms';\nSELECT pg_sleep(5);");
my $cut_ms = (Time::HiRes::time() - $t_cut) * 1000 * 1.07 + 1;
like($err, qr/canceling statement due to statement timeout/, 'pg_sleep(5) was cut at 500 ms');
my ($timed, $near50, $near80, $errs) = split /\|/, sq(
	qq{SELECT count(*) FILTER (WHERE lower_ms >= 400 AND lower_ms <= $cut_ms),
	         (SELECT timeout_near_miss_50 FROM loadguard.statement_latency),
	         (SELECT timeout_near_miss_80 FROM loadguard.statement_latency),
	         (SELECT errors FROM loadguard.statement_latency)
	    FROM loadguard.latency_histogram
	   WHERE statements > 0});
is($timed, 1, 'the cut statement is in the histogram at about 500 ms');
is(sq("SELECT count(*) FROM loadguard.latency_histogram WHERE statements > 0 AND lower_ms > $cut_ms"), 0,
	'nothing recorded beyond the time psql took (5 s were asked for)');
is($errs, 1, 'the timeout counts as an error');
is($near50, 1, 'a statement cut by the timeout is a 50 % near-miss');
is($near80, 1, 'and an 80 % one');

# the session's setting after the cut is still the one used
# ---- near-miss counters with a session statement_timeout
# (a sleep lasts at least what it asks; the slack up to the next threshold
# or to the timeout is at least 0.6 s for a busy machine)
sq('SELECT loadguard.reset()');
$node->safe_psql('postgres',
	"SET statement_timeout = '4s';\nSELECT pg_sleep(2.2);\nSELECT pg_sleep(3.4);\n"
	  . "SELECT pg_sleep(0.4);\nRESET statement_timeout;\nSELECT pg_sleep(3.4);");
($near50, $near80, $errs) = split /\|/,
  sq('SELECT timeout_near_miss_50, timeout_near_miss_80, errors FROM loadguard.statement_latency');
is($near50, 2, '2.2 s and 3.4 s under a 4 s session timeout are 50 % near-misses');
is($near80, 1, 'only 3.4 s is an 80 % near-miss; without a timeout nothing is');
is($errs, 0, 'none of them failed');

# a role-level default counts as the setting in force too
sq(q{CREATE ROLE timed LOGIN; ALTER ROLE timed SET statement_timeout = '2s'});
sq('SELECT loadguard.reset()');
$node->safe_psql('postgres', 'SELECT pg_sleep(1.1)', extra_params => [ '-U', 'timed' ]);
is(sq('SELECT timeout_near_miss_50 FROM loadguard.statement_latency'), 1,
	'a role default statement_timeout is honoured');

# ---- track_statements off and enabled off record nothing
sq('SELECT loadguard.reset()');
my @out = split /\n/, sq("SET loadguard.track_statements = off;\nSELECT pg_sleep(0.05);\n"
	  . "SELECT hundred();\nSELECT statements FROM loadguard.statement_latency");
is($out[-1], 2,
	'track_statements off in a session records nothing after it (the reset and the SET itself are there)');
sq("ALTER SYSTEM SET loadguard.enabled = off");
$node->reload;
ok(lg_wait_for($node, "SELECT current_setting('loadguard.enabled') = 'off'", 'reload'),
	'enabled off took effect');
sq('SELECT loadguard.reset()');
sq('SELECT pg_sleep(0.05)');
is(sq('SELECT statements FROM loadguard.statement_latency'), 0,
	'loadguard.enabled off records nothing');
sq("ALTER SYSTEM RESET loadguard.enabled");
$node->reload;
ok(lg_wait_for($node, "SELECT current_setting('loadguard.enabled') = 'on'", 'reload'),
	'enabled back on');
sq('SELECT 1');
ok(sq('SELECT statements FROM loadguard.statement_latency') >= 1, 'recording again');

$node->stop;
done_testing();
