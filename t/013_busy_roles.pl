# 013_busy_roles.pl — busy versus held connections and the timeouts sessions
# really run with (issue 16): 20 idle persistent connections of role app and
# 2 busy ones give busy_connections 2 in status and history and app 22/2 in
# loadguard.roles; a session connected with PGOPTIONS shows its
# statement_timeout in loadguard.sessions, and a SET changes it by the next
# statement; role settings show in loadguard.roles; readers who may not see a
# session's state see NULL timeouts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my ($IDLE, $BUSY) = (20, 2);

my $node = lg_node('busy', "max_connections = 40\n");
$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	CREATE ROLE lg_reader LOGIN;
	ALTER ROLE app SET lock_timeout = '7s';
	ALTER ROLE app SET idle_session_timeout = '1h';
	CREATE TABLE lg_t (id int);
});

# One session for every query of the test: polling opens no connection.
my $admin = $node->background_psql('postgres', on_error_stop => 0, timeout => 300);
$admin->set_query_timer_restart();

sub sql
{
	my ($q) = @_;
	my $out = $admin->query($q);
	chomp $out;
	return $out;
}

# poll a one-row boolean query through the admin session (LoadGuardTest)
sub admin_wait
{
	my ($q, $what, $timeout) = @_;
	return lg_session_wait_for($admin, $q, $what, $timeout // 60) ? 1 : 0;
}

# ---- effective timeouts: connection options, then SET ----------------------
my $opt;
{
	local $ENV{PGOPTIONS} = '-c statement_timeout=1234';
	$opt = $node->background_psql('postgres', on_error_stop => 0, timeout => 300);
}
my $opt_pid = $opt->query_safe('SELECT pg_backend_pid()');
chomp $opt_pid;
# idle in transaction, so that loadguard.sessions lists it
$opt->query_safe('BEGIN');
$opt->query_safe('SELECT 1');
ok(admin_wait("SELECT count(*) = 1 FROM loadguard.sessions WHERE pid = $opt_pid",
		'the PGOPTIONS session in loadguard.sessions'), 'session listed while idle in transaction');
is(sql("SELECT statement_timeout_ms FROM loadguard.sessions WHERE pid = $opt_pid"),
	'1234', 'statement_timeout_ms = 1234, set by the connection options');
is(sql("SELECT idle_in_transaction_session_timeout_ms || '/' || idle_session_timeout_ms || '/' || lock_timeout_ms
	FROM loadguard.sessions WHERE pid = $opt_pid"), '0/0/0', 'the other timeouts are the server defaults (0)');
$opt->query_safe('SET statement_timeout = 0');
$opt->query_safe('SELECT 1');
is(sql("SELECT statement_timeout_ms FROM loadguard.sessions WHERE pid = $opt_pid"),
	'0', 'after SET statement_timeout = 0 and one more statement: 0');
$opt->query_safe("SET LOCAL lock_timeout = '250ms'");
$opt->query_safe('SELECT 1');
is(sql("SELECT lock_timeout_ms FROM loadguard.sessions WHERE pid = $opt_pid"),
	'250', 'SET LOCAL lock_timeout shows as 250');

$opt->query_safe('ROLLBACK');

# a reader without pg_read_all_stats may not see the state of another role's
# session; a session waiting on a lock is listed for every reader
my $locker = $node->background_psql('postgres', on_error_stop => 0, timeout => 300);
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE lg_t IN ACCESS EXCLUSIVE MODE');
$opt->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM lg_t;\n");
ok(admin_wait("SELECT wait_event_type = 'Lock' AND statement_timeout_ms = 0
	             FROM loadguard.sessions WHERE pid = $opt_pid", 'the session waits'),
	'the session waits on a lock, with its timeouts');
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT num_nulls(statement_timeout_ms, idle_in_transaction_session_timeout_ms,
	                  idle_session_timeout_ms, lock_timeout_ms)
	   FROM loadguard.sessions WHERE pid = $opt_pid",
	extra_params => [ '-U', 'lg_reader' ]);
is($out, '4', 'timeouts NULL where pg_stat_activity hides the state')
  or diag($err);
$locker->query_safe('COMMIT');
$locker->quit;

# ---- 20 idle persistent connections of app, 2 busy --------------------------
my @held;
for my $i (1 .. $IDLE)
{
	my $s = $node->background_psql('postgres', on_error_stop => 0, timeout => 300,
		extra_params => [ '-U', 'app' ]);
	$s->query_safe('SELECT 1');
	push @held, $s;
}
my @busy;
for my $i (1 .. $BUSY)
{
	my $s = $node->background_psql('postgres', on_error_stop => 0, timeout => 300,
		extra_params => [ '-U', 'app' ]);
	$s->query_until(qr/started/, "\\echo started\nSELECT pg_sleep(600);\n");
	push @busy, $s;
}
$opt->quit;

# the sample counts every client: app's 22, and $admin, busy while it asks
ok(admin_wait("SELECT client_connections = 23 AND busy_connections BETWEEN 2 AND 3
	             AND active + idle_in_transaction + idle_in_transaction_aborted <= busy_connections
	           FROM loadguard.status", 'busy_connections in status'),
	'status: busy_connections reads 2 (plus the asking session) of 23 clients');
ok(admin_wait("SELECT connections = 22 AND busy = 2 FROM loadguard.roles WHERE role = 'app'",
		'app in loadguard.roles'), 'roles: app holds 22 connections, 2 busy');
ok(admin_wait("SELECT count(*) >= 3 AND bool_and(busy_connections BETWEEN 2 AND 3)
	             FROM loadguard.history WHERE ts > now() - interval '1 second' AND client_connections = 23",
		'busy_connections in history'), 'history keeps busy_connections per sample');

# over a lookback in which app held 22 with 2 busy throughout
ok(admin_wait("SELECT peak_connections = 22 AND peak_busy = 2 AND p95_busy = 2
	           FROM loadguard.get_roles('1 second') WHERE role = 'app'",
		'peak and p95 over a short lookback'), 'get_roles(1 s): peak 22, peak_busy 2, p95_busy 2');
is(sql("SELECT established >= 22 AND lookback_established >= 22 AND median_connection_age > interval '0'
	      FROM loadguard.roles WHERE role = 'app'"), 't',
	'roles: app established its 22 connections, and they have an age');
# every app session runs with its role's settings and the server's statement_timeout
is(sql("SELECT min_lock_timeout_ms || '/' || max_lock_timeout_ms || '/' || min_idle_session_timeout_ms
	       || '/' || min_statement_timeout_ms || '/' || max_statement_timeout_ms
	      FROM loadguard.roles WHERE role = 'app'"), '7000/7000/3600000/0/0',
	'roles: the effective timeouts of app sessions come from ALTER ROLE');

# the default lookback is the setting; a bad lookback is an error
is(sql("SELECT lookback_covered <= interval '15 minutes' FROM loadguard.roles WHERE role = 'app'"),
	't', 'roles covers at most loadguard.roles_lookback');
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM loadguard.get_roles('-1 minute')");
like($err, qr/lookback must be a positive interval/, 'a negative lookback is refused');

$_->quit for @held;
$node->safe_psql('postgres', 'SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE usename = \'app\'');
$_->quit for @busy;

# closing them: busy and held drop back, ended sessions count as churn
ok(admin_wait("SELECT connections = 0 AND lookback_ended >= 22 FROM loadguard.roles WHERE role = 'app'",
		'app sessions ended'), 'roles: app shows 0 connections and its ended sessions');

$admin->quit;
$node->stop;
done_testing();
