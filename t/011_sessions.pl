# 011_sessions.pl — loadguard.sessions: who is stuck and who blocks whom
# (a pair, then a chain of three), which sessions are listed, and
# pg_stat_activity-style visibility of other roles' query, client address
# and application.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $node = lg_node('sessions', "max_connections = 40\nlisten_addresses = '127.0.0.1'\n");
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v int);
	INSERT INTO t SELECT g, 0 FROM generate_series(1, 5) g;
	GRANT ALL ON t TO PUBLIC;
	CREATE ROLE lg_plain LOGIN;
	CREATE ROLE lg_stats LOGIN IN ROLE pg_read_all_stats;
});

sub session
{
	my ($app, %opts) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0, %opts);
	$s->query_safe("SET application_name = '$app'");
	return $s;
}

sub pid_of
{
	my ($s) = @_;
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	return $pid;
}

sub row
{
	my ($pid, $cols) = @_;
	return $node->safe_psql('postgres', "SELECT $cols FROM loadguard.sessions WHERE pid = $pid");
}

# --- listing: idle is not worth a look, idle in transaction and long queries are ---
my $idle = session('lg_idle');
my $idle_pid = pid_of($idle);
my $slow = session('lg_slow');
my $slow_pid = pid_of($slow);
$slow->query_until(qr/started/, "\\echo started\nSELECT pg_sleep(600);\n");
ok(lg_wait_for($node, "SELECT count(*) = 1 FROM loadguard.sessions WHERE pid = $slow_pid", 'slow query listed'),
	'a query running longer than a second is listed');
is(row($slow_pid, "state || '|' || (query_age > interval '1 s') || '|' || query"),
	'active|true|SELECT pg_sleep(600);', 'its state, age and query');
is(row($idle_pid, 'count(*)'), '0', 'an idle session is not listed');

# --- a blocking pair: idle in transaction holding a row lock, and a waiter ---
my $holder = session('lg_holder');
my $holder_pid = pid_of($holder);
$holder->query_safe('BEGIN');
$holder->query_safe('UPDATE t SET v = 1 WHERE id = 1');
my $waiter = session('lg_waiter');
my $waiter_pid = pid_of($waiter);
$waiter->query_until(qr/started/, "\\echo started\nUPDATE t SET v = 2 WHERE id = 1;\n");

ok(lg_wait_for($node,
		"SELECT blocked_by = ARRAY[$holder_pid] FROM loadguard.sessions WHERE pid = $waiter_pid",
		'waiter blocked'), 'the waiter shows blocked_by = the holder');
is(row($waiter_pid, "wait_event_type || '|' || wait_event || '|' || state || '|' || blocking::text"),
	'Lock|transactionid|active|{}', 'the waiter waits on a lock and blocks nobody');
is(row($holder_pid, "blocking::text || '|' || blocked_by::text || '|' || state || '|' || (xact_age >= state_age)"),
	"{$waiter_pid}|{}|idle in transaction|true", 'the holder shows blocking = the waiter');
ok(lg_wait_for($node, 'SELECT waiting_on_lock = 1 AND idle_in_transaction = 1 FROM loadguard.status',
		'status counts the waiter'), 'status counts one session waiting on a lock');

# --- a chain of three: A holds row 2; B holds row 3 and waits for A; C waits for B ---
my $a = session('lg_a');
my $a_pid = pid_of($a);
$a->query_safe('BEGIN');
$a->query_safe('UPDATE t SET v = 1 WHERE id = 2');
my $b = session('lg_b');
my $b_pid = pid_of($b);
$b->query_until(qr/started/,
	"BEGIN;\nUPDATE t SET v = 1 WHERE id = 3;\n\\echo started\nUPDATE t SET v = 1 WHERE id = 2;\n");
my $c = session('lg_c');
my $c_pid = pid_of($c);
$c->query_until(qr/started/, "\\echo started\nUPDATE t SET v = 2 WHERE id = 3;\n");

ok(lg_wait_for($node,
		"SELECT blocked_by = ARRAY[$b_pid] FROM loadguard.sessions WHERE pid = $c_pid", 'chain formed'),
	'C is blocked by B');
# C waits for B's transaction as soon as B holds row 3; B's own UPDATE of
# row 2 may still be on its way: wait for it to block too
ok(lg_wait_for($node,
		"SELECT blocked_by::text || '|' || blocking::text = '{$a_pid}|{$c_pid}' FROM loadguard.sessions WHERE pid = $b_pid",
		'B blocked by A'),
	'B is blocked by A and blocks C');
is(row($a_pid, "blocked_by::text || '|' || blocking::text"), "{}|{$b_pid}", 'A blocks B only');
ok(lg_wait_for($node, 'SELECT waiting_on_lock = 3 FROM loadguard.status', 'three waiting'),
	'status: three sessions waiting on a lock');

# --- visibility: an unprivileged role, and a member of pg_read_all_stats ---
my $plain = session('lg_plain_app', extra_params => [ '-U', 'lg_plain' ]);
my $plain_pid = pid_of($plain);
$plain->query_safe('BEGIN');
$plain->query_safe('SELECT 42 AS mine');

# a TCP session of postgres, so that client_addr has something to hide
# (Cluster.pm has no option for that: point the node's host at loopback meanwhile)
my $socket_dir = $node->{_host};
$node->{_host} = '127.0.0.1';
my $tcp = session('lg_tcp');
$node->{_host} = $socket_dir;
my $tcp_pid = pid_of($tcp);
$tcp->query_safe('BEGIN');
$tcp->query_safe('SELECT 7 AS secret_tcp');

sub as_role
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
	is($ret, 0, "query as $role works") or diag($err);
	return $out;
}

ok(lg_wait_for($node, "SELECT count(*) = 1 FROM loadguard.sessions WHERE pid = $plain_pid", 'plain listed'),
	'the unprivileged session is listed (idle in transaction)');
# background_psql sends "<query>\n;", so compare the first line
my $cols = "split_part(query, E'\\n', 1) || '|' || coalesce(application, 'NULL') || '|' || coalesce(host(client_addr), 'NULL')";
is(as_role('lg_plain', "SELECT $cols FROM loadguard.sessions WHERE pid = $holder_pid"),
	'<insufficient privilege>|NULL|NULL', "an unprivileged role sees no query or application of others");
is(as_role('lg_plain', "SELECT count(*) FROM loadguard.sessions WHERE pid = $tcp_pid"),
	'0', '... nor that another role\'s session that blocks nobody is idle in transaction');
is(as_role('lg_plain', "SELECT $cols FROM loadguard.sessions WHERE pid = $plain_pid"),
	'SELECT 42 AS mine|lg_plain_app|NULL', 'an unprivileged role sees its own query in full');
is(as_role('lg_plain', "SELECT coalesce(state, 'NULL') || '|' || role || '|' || blocking::text FROM loadguard.sessions WHERE pid = $holder_pid"),
	"NULL|postgres|{$waiter_pid}", 'roles and the blocking graph stay visible, states do not (as in pg_stat_activity)');
is(as_role('lg_stats', "SELECT $cols FROM loadguard.sessions WHERE pid = $holder_pid"),
	'UPDATE t SET v = 1 WHERE id = 1|lg_holder|NULL', 'a pg_read_all_stats member sees the query and application');
is(as_role('lg_stats', "SELECT $cols FROM loadguard.sessions WHERE pid = $tcp_pid"),
	'SELECT 7 AS secret_tcp|lg_tcp|127.0.0.1', '... and the client address');
is(as_role('lg_stats', "SELECT $cols FROM loadguard.sessions WHERE pid = $plain_pid"),
	'SELECT 42 AS mine|lg_plain_app|NULL', "... and other roles' queries");

# --- once the locks go, the graph empties ---
$holder->query_safe('ROLLBACK');
$a->query_safe('ROLLBACK');
# B got row 2 once A rolled back, and still holds row 3 that C waits for
$b->query_safe('ROLLBACK');
ok(lg_wait_for($node, 'SELECT count(*) = 0 FROM loadguard.sessions WHERE cardinality(blocked_by) > 0',
		'no more waiters'), 'no session is blocked after the holders roll back');

$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'lg\\_%' AND state = 'active'");
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'lg\\_%'");
$node->stop('immediate');
done_testing();
