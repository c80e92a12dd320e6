# 010_sampler.pl — the sampler against real clients: exact counts by state
# in status and connections, ages that grow, a history that gains one row
# per tick and wraps at history_size, peaks that keep value and time after
# the sessions close, and a cross-check with check_postgres.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my ($K, $J, $A) = (3, 2, 2);

# a slow interval first, so the ring of 60 does not fill before we look
my $node = lg_node('sampler',
	"max_connections = 40\nloadguard.history_size = 60\nloadguard.sample_interval = '300ms'\n");
$node->safe_psql('postgres', 'CREATE ROLE lg_busy LOGIN');

# --- history gains one row per tick (before the ring is full) ---
my ($n0, $t0) = split /\|/, $node->safe_psql('postgres',
	'SELECT (SELECT count(*) FROM loadguard.history), ticks FROM loadguard.status');
ok($n0 < 60, "ring not yet full ($n0 rows)");
ok(lg_wait_for($node, "SELECT ticks >= $t0 + 5 FROM loadguard.status", 'five more ticks'),
	'worker keeps ticking');
my ($n1, $t1) = split /\|/, $node->safe_psql('postgres',
	'SELECT (SELECT count(*) FROM loadguard.history), ticks FROM loadguard.status');
if ($n1 < 60)
{
	# history and ticks are read in one statement, not atomically: allow one
	ok(abs(($n1 - $n0) - ($t1 - $t0)) <= 1,
		"one history row per tick: +" . ($n1 - $n0) . " rows for +" . ($t1 - $t0) . " ticks");
}
else
{
	pass('ring filled meanwhile (slow machine); wrap is checked below');
}
# samples are due at start + k * interval: consecutive ts about 300 ms apart
my $median_gap = $node->safe_psql('postgres',
	"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)
	   FROM (SELECT extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) * 1000 AS gap
	           FROM loadguard.history) g WHERE gap IS NOT NULL");
# (a lower bound only: on a busy machine a tick may come late, never early)
ok($median_gap > 200, "median gap between samples near the interval ($median_gap ms)");

# --- K idle, J idle in transaction, A active sessions from real clients ---
my @sessions;
for my $i (1 .. $K)
{
	my $s = $node->background_psql('postgres');
	$s->query_safe("SET application_name = 'lg_idle'");
	push @sessions, $s;
}
for my $i (1 .. $J)
{
	my $s = $node->background_psql('postgres');
	$s->query_safe("SET application_name = 'lg_iit'");
	$s->query_safe('BEGIN');
	$s->query_safe('SELECT 1');
	push @sessions, $s;
}
my @busy;
for my $i (1 .. $A)
{
	my $s = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'lg_busy' ]);
	$s->query_safe("SET application_name = 'lg_active'");
	$s->query_until(qr/started/, "\\echo started\nSELECT pg_sleep(600);\n");
	push @busy, $s;
}
my $total = $K + $J + $A;

# exact counts in a sample taken while only our sessions are connected (the
# polling psql itself is a client for a few ms; a later tick misses it)
ok(lg_wait_for($node,
		"SELECT client_connections = $total AND idle = $K AND idle_in_transaction = $J
		        AND active = $A AND idle_in_transaction_aborted = 0 AND waiting_on_lock = 0
		   FROM loadguard.status", 'exact counts in status'),
	"status: $total client connections: $K idle, $J idle in transaction, $A active");
my $status = $node->safe_psql('postgres',
	'SELECT max_connections, usable_connections FROM loadguard.status');
is($status, '40|37', 'max and usable connections (40 - 3 reserved)');
ok(lg_wait_for($node,
		"SELECT usage_pct = 100.0 * $total / 37 FROM loadguard.status WHERE client_connections = $total",
		'usage'), 'usage_pct = client connections / usable connections');

my $by_app = "SELECT string_agg(name || '=' || current || '/' || idle_in_transaction, ',' ORDER BY name)
                FROM loadguard.connections WHERE dimension = 'application' AND name LIKE 'lg\\_%'";
ok(lg_wait_for($node, "SELECT ($by_app) = 'lg_active=$A/0,lg_idle=$K/0,lg_iit=$J/$J'", 'by application'),
	'connections by application: exact current and idle_in_transaction');
is($node->safe_psql('postgres',
		"SELECT current || '/' || peak FROM loadguard.connections WHERE dimension = 'role' AND name = 'lg_busy'"),
	"$A/$A", 'connections by role: the active sessions of lg_busy');
ok(lg_wait_for($node,
		"SELECT current >= $total FROM loadguard.connections WHERE dimension = 'database' AND name = 'postgres'",
		'by database'), 'connections by database');
ok(lg_wait_for($node,
		"SELECT current >= $total FROM loadguard.connections WHERE dimension = 'client' AND name = 'local'",
		'by client'), 'connections by client: unix sockets show as local');

# --- the history rows carry the same counts ---
ok(lg_wait_for($node,
		"SELECT count(*) > 0 FROM loadguard.history WHERE client_connections = $total AND active = $A",
		'history row'), 'history records the same counts');

# --- ages grow and match pg_stat_activity ---
my $age1 = $node->safe_psql('postgres',
	'SELECT extract(epoch FROM oldest_idle_in_transaction) FROM loadguard.status');
ok(lg_wait_for($node,
		"SELECT extract(epoch FROM oldest_idle_in_transaction) > $age1 + 0.5 FROM loadguard.status",
		'idle-in-transaction age grows'), "oldest_idle_in_transaction grows (was $age1 s)");
ok(lg_wait_for($node,
		"SELECT extract(epoch FROM longest_running_query) > 1 AND longest_transaction >= longest_running_query
		   FROM loadguard.status", 'running query age'),
	'longest_running_query and longest_transaction grow');
my $skew = $node->safe_psql('postgres',
	"SELECT abs(extract(epoch FROM (SELECT max(now() - state_change) FROM pg_stat_activity
	                                  WHERE state = 'idle in transaction')
	                     - (SELECT oldest_idle_in_transaction + (now() - sampled_at) FROM loadguard.status)))");
ok($skew < 1.0, "oldest idle-in-transaction age agrees with pg_stat_activity (off by $skew s)");

# --- cross-check with check_postgres (a tool no one here wrote) ---
my @cp = ('check_postgres', '--host=' . $node->host, '--port=' . $node->port,
	'--dbuser=' . ($ENV{USER} // getpwuid($<)), '--dbname=postgres');
# a psql that just exited may linger in pg_stat_activity for a moment: retry
# until the deadline
my ($out, $err, $cp_conns);
my $cp_deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
while (time() < $cp_deadline)
{
	($out, $err) = run_command([ @cp, '--action=backends' ]);
	($cp_conns) = $out =~ /(\d+) of \d+ connections/;
	last if defined $cp_conns && $cp_conns - 1 == $total;
	usleep(100_000);
}
note("check_postgres backends: $out");
ok(defined $cp_conns, 'check_postgres backends answered');
# check_postgres counts its own connection too
is($cp_conns - 1, $total, 'check_postgres backends agrees with client_connections (minus its own)');
($out, $err) = run_command([ @cp, '--action=txn_idle', '--warning=+1' ]);
note("check_postgres txn_idle (count): $out");
my ($cp_idle) = $out =~ /Total idle in transaction: (\d+)/i;
is($cp_idle, $J, "check_postgres txn_idle counts $J idle in transaction, as loadguard does");
# loadguard's sampled age, carried to the time of reading, before and after
# check_postgres runs: its whole-second age lies between the two
my $ours_now = q{SELECT extract(epoch FROM oldest_idle_in_transaction + (clock_timestamp() - sampled_at))
	FROM loadguard.status};
my $age_before = $node->safe_psql('postgres', $ours_now);
($out, $err) = run_command([ @cp, '--action=txn_idle', '--warning=0' ]);
my $age_after = $node->safe_psql('postgres', $ours_now);
note("check_postgres txn_idle (age): $out");
like($out, qr/POSTGRES_TXN_IDLE/, 'check_postgres txn_idle answered');
my ($cp_age) = $out =~ /longest idle in txn: (\d+)s/i;
if (defined $cp_age)
{
	ok($cp_age >= int($age_before) - 1 && $cp_age <= $age_after + 1,
		"longest idle transaction: check_postgres ${cp_age}s, loadguard ${age_before}s .. ${age_after}s");
}

# --- peaks keep value and time after the sessions close ---
my ($peak, $peak_at) = split /\|/, $node->safe_psql('postgres',
	'SELECT peak_connections, peak_at FROM loadguard.status');
ok($peak >= $total, "peak_connections $peak >= $total");
my $app_peak = $node->safe_psql('postgres',
	"SELECT peak || '|' || peak_at FROM loadguard.connections WHERE dimension = 'application' AND name = 'lg_idle'");
# cancel the sleeps (their psql goes on), then let every psql exit
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'lg_active'");
$_->quit for @sessions, @busy;
ok(lg_wait_for($node, "SELECT ($by_app) = 'lg_active=0/0,lg_idle=0/0,lg_iit=0/0'", 'sessions gone'),
	'connections show the sessions gone');
ok(lg_wait_for($node, "SELECT client_connections < $total FROM loadguard.status", 'status drops'),
	'client_connections dropped');
# A backend exits a moment after its client disconnects, so this test's own
# short polling connections may overlap and set a new peak while the sessions
# close: the peak may only grow, and keeps its time unless it grew.
my ($peak2, $peak_at2) = split /\|/, $node->safe_psql('postgres',
	'SELECT peak_connections, peak_at FROM loadguard.status');
ok($peak2 >= $peak && ($peak2 > $peak || $peak_at2 eq $peak_at),
	"peak_connections and peak_at kept after the sessions closed ($peak at $peak_at, now $peak2 at $peak_at2)");
is($node->safe_psql('postgres',
		"SELECT peak || '|' || peak_at FROM loadguard.connections WHERE dimension = 'application' AND name = 'lg_idle'"),
	$app_peak, 'per-application peak and time kept');
like($app_peak, qr/^$K\|/, "per-application peak is exactly $K");

# reset: peaks start over from what is connected now
$node->safe_psql('postgres', 'SELECT loadguard.reset()');
my $after = $node->safe_psql('postgres', 'SELECT peak_connections FROM loadguard.status');
ok($after < $peak, "reset lowers peak_connections ($after < $peak)");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM loadguard.connections WHERE name LIKE 'lg\\_%'"),
	'0', 'reset drops names without connections');

# --- the ring wraps at history_size ---
$node->safe_psql('postgres', "ALTER SYSTEM SET loadguard.sample_interval = '20ms'");
$node->reload;
ok(lg_wait_for($node, 'SELECT count(*) = 60 FROM loadguard.history', 'ring full', 60),
	'history holds history_size rows');
my ($min1, $max1) = split /\|/, $node->safe_psql('postgres', 'SELECT min(ts), max(ts) FROM loadguard.history');
ok(lg_wait_for($node, "SELECT min(ts) > '$max1' FROM loadguard.history", 'wrapped past the old rows', 60),
	'every old row was overwritten by newer ones');
is($node->safe_psql('postgres', 'SELECT count(*) FROM loadguard.history'), '60',
	'still exactly history_size rows after wrapping');
is($node->safe_psql('postgres',
		'SELECT count(*) FROM (SELECT ts, lag(ts) OVER () AS prev FROM loadguard.history) h WHERE ts <= prev'),
	'0', 'rows stay in time order across the wrap');

$node->stop;
done_testing();
