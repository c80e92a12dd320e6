# 070_persist.pl — loadguard keeps what it saw across a clean restart:
# event counters (real statement timeouts, refused connections), their
# last-seen times, statement counters, peaks (status and per name), the
# history ring (timestamps preserved) and the audit ring (a dry-run action
# of the policy) survive `pg_ctl restart`; the first tick after the restart
# does not report the restored totals as one huge delta; the state file is
# gone once loaded.  A truncated file, a corrupted byte, a file of another
# PostgreSQL major version and a file of another loadguard layout each give
# exactly one WARNING and a fresh start; a file written with a larger
# history_size loads its newest samples as far as they fit.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $node = lg_node('persist', <<'EOF');
max_connections = 20
lc_messages = 'C'
loadguard.history_size = 20000
loadguard.terminate = dry_run
loadguard.idle_in_transaction_limit = '500ms'
EOF
my $state = $node->data_dir . '/pg_stat/loadguard.stat';

sub sql { return $node->safe_psql('postgres', $_[0]); }

# ---- things worth keeping --------------------------------------------------
sql(q{CREATE ROLE nobody_allowed LOGIN CONNECTION LIMIT 0; CREATE ROLE stuck_role LOGIN});
for my $i (1 .. 3)
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '100ms'; SELECT pg_sleep(30)");
	like($err, qr/canceling statement due to statement timeout/, "statement timeout $i");
}
for my $i (1 .. 4)
{
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1',
		extra_params => [ '-U', 'nobody_allowed' ]);
	like($err, qr/too many connections for role/, "refused connection $i");
}
# many cheap statements, so that a restored total would stand out in a tick
sql(join('', map { "SELECT $_;\n" } 1 .. 2000));

# a session stuck idle in transaction: the dry-run policy records it
# (superusers are exempt from the policy)
my $stuck = $node->background_psql('postgres', on_error_stop => 0, timeout => 600,
	extra_params => [ '-U', 'stuck_role' ]);
$stuck->query_safe("SET application_name = 'stuck_app'; BEGIN; SELECT 1");
ok(lg_wait_for($node,
		"SELECT count(*) > 0 FROM loadguard.terminations WHERE dry_run AND application = 'stuck_app'",
		'dry-run action audited'), 'the dry-run policy audited the stuck session');
$stuck->quit;

ok(lg_wait_for($node, 'SELECT count(*) >= 150 FROM loadguard.history', 'history filled', 60),
	'history holds at least 150 samples');
# every event counted so far is in a sample
ok(lg_wait_for($node, q{SELECT (SELECT sum(statement_timeout) FROM loadguard.history) = 3
		AND (SELECT sum(rejected_role_limit) FROM loadguard.history) = 4}, 'events sampled'),
	'before the restart, history deltas add up to the totals');

my $q_events = q{SELECT event || '=' || total || '@' || coalesce(last_seen::text, '-')
	FROM loadguard.events WHERE event IN ('statement_timeout', 'rejected_role_limit') ORDER BY event};
my $q_status = q{SELECT peak_connections || '@' || peak_at || ' reset ' || stats_reset FROM loadguard.status};
my $q_stmts = q{SELECT statements || ' ' || errors || ' ' || stats_reset FROM loadguard.statement_latency};
my $q_names = q{SELECT string_agg(dimension || ':' || name || '=' || peak || '@' || peak_at, ', '
	ORDER BY dimension, name) FROM loadguard.connections WHERE name = 'stuck_app'};
my $q_audit = q{SELECT string_agg(at || ' ' || pid || ' ' || reason || ' ' || action || ' ' || outcome, E'\n' ORDER BY at)
	FROM loadguard.terminations};
my $q_policy = q{SELECT string_agg(rule || ' ' || action || ' ' || dry_run, ', ' ORDER BY rule, action)
	FROM loadguard.policy_stats};

my $events_before = sql($q_events);
my $status_before = sql($q_status);
my ($stmts_before, $errors_before) = split / /, sql($q_stmts);
my $names_before = sql($q_names);
my $audit_before = sql($q_audit);
my $policy_before = sql($q_policy);
my ($hist_count, $hist_last, $hist_ts_before) = split /\|/,
  sql(q{SELECT count(*), max(ts), string_agg(ts::text, ',' ORDER BY ts) FROM loadguard.history});
like($names_before, qr/application:stuck_app=1@/, 'the per-name table holds the stuck app\'s peak');
ok($stmts_before >= 2000, "statement_latency counted the statements ($stmts_before)");

# ---- clean restart -----------------------------------------------------------
my $offset = -s $node->logfile;
$node->restart;
my $log = slurp_file($node->logfile, $offset);
like($log, qr/loadguard restored its state from "pg_stat\/loadguard.stat"/, 'state restored at start');
unlike($log, qr/WARNING:.*loadguard/, 'no loadguard WARNING on a clean restart');
ok(!-e $state, 'the state file is removed once loaded');
my $restarted_at = sql('SELECT now()');

is(sql($q_events), $events_before, 'event totals and last-seen times survive the restart');
is(sql($q_status), $status_before, 'peak connections, peak_at and stats_reset survive');
my ($stmts_after, $errors_after) = split / /, sql($q_stmts);
ok($stmts_after >= $stmts_before, "statement counts survive ($stmts_before -> $stmts_after)");
is($errors_after, $errors_before, 'statement errors (the timeouts) survive');
is(sql($q_names), $names_before, 'per-name peaks survive');
is(sql($q_audit), $audit_before, 'the audit ring survives, dry-run action included');
is(sql($q_policy), $policy_before, 'policy counters survive');
is(sql("SELECT string_agg(ts::text, ',' ORDER BY ts) FROM loadguard.history WHERE ts <= '$hist_last'"),
	$hist_ts_before, 'every history sample before the restart is kept, timestamps preserved');
ok(sql('SELECT count(*) FROM loadguard.history') >= $hist_count, 'history count before <= after');

# the worker's first ticks take the restored totals as their baseline
ok(lg_wait_for($node, "SELECT count(*) >= 5 FROM loadguard.history WHERE ts > '$restarted_at'",
		'ticks after the restart'), 'the worker ticks after the restart');
is(sql(q{SELECT sum(statement_timeout) || ' ' || sum(rejected_role_limit) FROM loadguard.history}),
	'3 4', 'after the restart, history deltas still add up to the totals (no restored total as a delta)');
ok(sql("SELECT coalesce(sum(statements), 0) FROM loadguard.history WHERE ts > '$restarted_at'") < 1000,
	'statements per tick after the restart are the new ones only');

# ---- a history_size smaller than the file's ---------------------------------
# with sampling off, the file holds exactly what the view shows
sql(q{ALTER SYSTEM SET loadguard.enabled = off});
sql('SELECT pg_reload_conf()');
ok(lg_wait_for($node, q{SELECT current_setting('loadguard.enabled') = 'off'}, 'sampling off'),
	'sampling turned off');
# a new session sees the new value before the worker has taken the reload:
# wait until ten ticks pass without a sample (the worker counts its ticks
# with sampling off too)
my $n2 = sql('SELECT count(*) FROM loadguard.history');
my $stable = 0;
my $stable_deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
while (!$stable && time() < $stable_deadline)
{
	my $n1 = $n2;
	lg_wait_ticks($node, 10);
	$n2 = sql('SELECT count(*) FROM loadguard.history');
	$stable = $n2 == $n1;
}
ok($stable, 'no new samples while sampling is off (ten ticks without one)');
my $all_ts = sql(q{SELECT string_agg(ts::text, ',' ORDER BY ts) FROM loadguard.history});
my $newest60 = sql(q{SELECT string_agg(ts::text, ',' ORDER BY ts)
	FROM (SELECT ts FROM loadguard.history ORDER BY ts DESC LIMIT 60) s});
ok($n2 > 60, "the file will hold more than 60 samples ($n2)");
$node->stop;
ok(-e $state, 'a clean stop writes the state file');
my $good = slurp_file($state);
$node->append_conf('postgresql.conf', "loadguard.history_size = 60\n");
$offset = -s $node->logfile;
$node->start;
$log = slurp_file($node->logfile, $offset);
unlike($log, qr/WARNING:.*loadguard/, 'a smaller history_size is no error');
is(sql('SELECT count(*) FROM loadguard.history'), 60, 'history_size 60: 60 samples loaded');
is(sql(q{SELECT string_agg(ts::text, ',' ORDER BY ts) FROM loadguard.history}), $newest60,
	'the newest 60 samples are the ones kept');
is(sql(q{SELECT total FROM loadguard.events WHERE event = 'statement_timeout'}), 3,
	'the other sections load as well');
$node->stop;

# and back to a larger size: everything the file holds comes back
$node->append_conf('postgresql.conf', "loadguard.history_size = 20000\n");
write_state($good);
$node->start;
is(sql(q{SELECT string_agg(ts::text, ',' ORDER BY ts) FROM loadguard.history}), $all_ts,
	'with a larger history_size every saved sample loads');
$node->stop;

# ---- bad files: one WARNING, a fresh start -----------------------------------
sub write_state
{
	my ($bytes) = @_;
	open(my $fh, '>:raw', $state) or die "cannot write $state: $!";
	print $fh $bytes;
	close $fh;
}

sub patch_u32
{
	my ($bytes, $offset, $value) = @_;
	substr($bytes, $offset, 4) = pack('L', $value);
	return $bytes;
}

my $corrupt = $good;
substr($corrupt, length($good) - 100, 1) = chr(ord(substr($good, length($good) - 100, 1)) ^ 0x5a);
my %bad = (
	'truncated' => [ substr($good, 0, int(length($good) / 2)), qr/The file is truncated\./ ],
	'truncated in the header' => [ substr($good, 0, 10), qr/The file is truncated\./ ],
	'corrupted byte' => [ $corrupt, qr/checksum does not match/ ],
	# header: magic, format, pg_major, layout_version (uint32 each)
	'foreign PostgreSQL version' => [ patch_u32($good, 8, 14),
		qr/written by another PostgreSQL major version/ ],
	'other loadguard layout' => [ patch_u32($good, 12, 999),
		qr/written by another loadguard version/ ],
	'not a state file' => [ 'x' x 200, qr/not a loadguard state file/ ],
);
for my $case (sort keys %bad)
{
	my ($bytes, $detail) = @{ $bad{$case} };
	write_state($bytes);
	$offset = -s $node->logfile;
	$node->start;
	$log = slurp_file($node->logfile, $offset);
	my @warnings = $log =~ /WARNING:  loadguard state file "pg_stat\/loadguard.stat" ignored; starting fresh/g;
	is(scalar(@warnings), 1, "$case: exactly one WARNING");
	like($log, $detail, "$case: the DETAIL says why");
	ok(!-e $state, "$case: the bad file is removed");
	is(sql(q{SELECT (SELECT sum(total) FROM loadguard.events WHERE event <> 'connections_established')
		|| ' ' || (SELECT count(*) FROM loadguard.history)
		|| ' ' || (SELECT count(*) FROM loadguard.terminations)
		|| ' ' || (SELECT statements FROM loadguard.statement_latency)}),
		'0 0 0 0', "$case: a fresh start (no events, history, audit or statements)");
	ok(lg_wait_for($node, 'SELECT worker_pid IS NOT NULL FROM loadguard.status', 'worker'),
		"$case: the worker runs");
	$node->stop;
}

# a missing file is a fresh start without any WARNING
unlink $state;
$offset = -s $node->logfile;
$node->start;
$log = slurp_file($node->logfile, $offset);
unlike($log, qr/loadguard state file/, 'no file: no WARNING, no message');
is(sql(q{SELECT count(*) FROM loadguard.history}), 0, 'no file: fresh history');
$node->stop;

done_testing();
