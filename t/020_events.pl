# 020_events.pl — loadguard.events counts each failure exactly once, in its
# own kind, as real clients see it: refused connections (too many clients,
# reserved slots, role and database CONNECTION LIMIT), statement and lock
# timeouts, user cancels, idle timeouts, a deadlock, a failed password, an
# administrator's termination (not counted during shutdown), a lock table
# overflow; connections_established counts only sessions that got in; the
# worker warns when log_min_messages hides errors; a connection storm is
# counted exactly and leaves the server answering.
#
# Every counter read goes through one long-lived superuser session
# ($admin), so that the test's own reads add no connections to count.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $MAX = 10;
my $RESERVED = 3;

my $node = lg_node('events', <<"EOF");
max_connections = $MAX
superuser_reserved_connections = $RESERVED
listen_addresses = '127.0.0.1'
lc_messages = 'C'
deadlock_timeout = '1s'
EOF

ok(lg_wait_for($node, "SELECT last_tick_at > now() - interval '5 s' FROM loadguard.status",
		'worker ticking', 60), 'the worker ticks (its log settings check did not stop it)');

# password logins over loopback TCP; trust on the unix socket
$node->safe_psql('postgres', qq{
	CREATE ROLE app LOGIN PASSWORD 'app-secret';
	CREATE ROLE limited LOGIN CONNECTION LIMIT 1;
	CREATE DATABASE limdb CONNECTION LIMIT 1;
	CREATE TABLE locked (id int PRIMARY KEY, v int);
	INSERT INTO locked VALUES (1, 0), (2, 0);
	GRANT ALL ON locked TO app;
});
open(my $hba, '>', $node->data_dir . '/pg_hba.conf') or die;
print $hba "local all all trust\n";
print $hba "host all all 127.0.0.1/32 scram-sha-256\n";
close $hba;
$node->reload;

my $sock = $node->host;
my $port = $node->port;

# A session that stays open; its timer restarts with every query.
sub session
{
	my ($db, $user) = @_;
	my $s = $node->background_psql($db // 'postgres',
		on_error_stop => 0,
		timeout => 600,
		extra_params => [ '-U', $user // 'postgres' ]);
	$s->set_query_timer_restart();
	return $s;
}

my $admin = session();

sub sql
{
	my ($sql) = @_;
	my $out = $admin->query($sql);
	chomp $out;
	return $out;
}

# every counter, through $admin (no new connection)
sub counters
{
	my %c;
	for my $row (split /\n/, sql('SELECT event, total FROM loadguard.events'))
	{
		my ($k, $v) = split /\|/, $row;
		$c{$k} = $v;
	}
	return \%c;
}

sub admin_wait
{
	my ($sql, $what, $timeout) = @_;
	$timeout //= 60;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		return 1 if sql($sql) eq 't';
		usleep(100_000);
	}
	diag("timed out after ${timeout}s waiting for: $what");
	return 0;
}

# One connection attempt with a real client; returns 'ok', 'too_many',
# 'reserved', 'role_limit', 'db_limit', 'auth' or the error text.
sub attempt
{
	my (%a) = @_;
	my @conn = $a{tcp}
	  ? ("host=127.0.0.1 port=$port")
	  : ("host=$sock port=$port");
	my $connstr = join(' ', @conn, 'dbname=' . ($a{db} // 'postgres'),
		'user=' . ($a{user} // 'postgres'),
		'sslmode=disable gssencmode=disable connect_timeout=60');
	local $ENV{PGPASSWORD} = $a{password} if defined $a{password};
	# backticks rather than IPC::Run: several times cheaper per attempt,
	# which matters for the storm; connect_timeout bounds each attempt
	my $err = `psql -X -At -d '$connstr' -c 'SELECT 1' </dev/null 2>&1`;
	return 'ok' if $err =~ /^1$/m;
	return 'too_many' if $err =~ /sorry, too many clients already/;
	return 'reserved' if $err =~ /remaining connection slots are reserved/;
	return 'role_limit' if $err =~ /too many connections for role/;
	return 'db_limit' if $err =~ /too many connections for database/;
	return 'auth' if $err =~ /password authentication failed/;
	return "other: $err";
}

sub tally
{
	my %t;
	$t{$_}++ for @_;
	return \%t;
}

sub delta
{
	my ($before, $after) = @_;
	my %d;
	$d{$_} = $after->{$_} - $before->{$_} for keys %$after;
	return \%d;
}

# every kind but the ones named stayed unchanged
sub only_changed
{
	my ($d, $what, @kinds) = @_;
	my %allowed = map { $_ => 1 } @kinds;
	my @moved = grep { !$allowed{$_} && $d->{$_} != 0 } sort keys %$d;
	is("@moved", '', "$what: no other counter moved");
}

sql('SELECT loadguard.reset()');
my $c0 = counters();
is($c0->{connections_established}, 0, 'reset zeroes connections_established');

# ---- saturation: reserved slots, then too many clients -------------------
# $admin holds one slot; non-superusers may hold MAX - RESERVED in all.
my @app = map { session('postgres', 'app') } 1 .. ($MAX - $RESERVED - 1);
my @seen;
push @seen, attempt(user => 'app') for 1 .. 15;
my $t = tally(@seen);
is($t->{reserved}, 15, 'clients saw 15 reserved-slot refusals')
  or diag(explain $t);

my @su = map { session() } 1 .. $RESERVED;
@seen = ();
push @seen, attempt(user => 'app') for 1 .. 10;
push @seen, attempt(user => 'postgres') for 1 .. 10;
$t = tally(@seen);
is($t->{too_many}, 20, 'clients saw 20 too-many-clients refusals on a full server')
  or diag(explain $t);

my $c1 = counters();
my $d = delta($c0, $c1);
is($d->{rejected_reserved_slots}, 15, 'rejected_reserved_slots = what clients saw');
is($d->{rejected_too_many_clients}, 20, 'rejected_too_many_clients = what clients saw');
is($d->{connections_established}, scalar(@app) + scalar(@su),
	'connections_established counts the sessions that got in, no refusal');
only_changed($d, 'saturation', qw(rejected_reserved_slots rejected_too_many_clients
	  connections_established));
is(sql('SELECT rejected_connections, connections_established, round(refusal_pct::numeric, 2) FROM loadguard.status'),
	join('|', 35, @app + @su, sprintf('%.2f', 100 * 35 / (35 + @app + @su))),
	'status: rejected_connections, connections_established and refusal_pct agree');
ok(admin_wait(q{SELECT last_1min = total FROM loadguard.events WHERE event = 'rejected_too_many_clients'},
		'last_1min of too many clients'), 'the last minute holds the refusals');

$_->quit for @su;
$_->quit for @app;
ok(admin_wait("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'client backend'",
		'sessions gone'), 'sessions closed');

# ---- role and database CONNECTION LIMIT ----------------------------------
$c0 = counters();
my $lim = session('postgres', 'limited');
my $limdb = session('limdb', 'app');
@seen = ();
push @seen, attempt(user => 'limited') for 1 .. 4;
push @seen, attempt(user => 'app', db => 'limdb') for 1 .. 3;
$t = tally(@seen);
is($t->{role_limit}, 4, 'clients saw 4 role-limit refusals') or diag(explain $t);
is($t->{db_limit}, 3, 'clients saw 3 database-limit refusals') or diag(explain $t);
$d = delta($c0, counters());
is($d->{rejected_role_limit}, 4, 'rejected_role_limit = what clients saw');
is($d->{rejected_database_limit}, 3, 'rejected_database_limit = what clients saw');
is($d->{connections_established}, 2, 'only the two sessions that got in are established');
only_changed($d, 'connection limits', qw(rejected_role_limit rejected_database_limit
	  connections_established));
$lim->quit;
$limdb->quit;

# ---- passwords over TCP ---------------------------------------------------
$c0 = counters();
is(attempt(tcp => 1, user => 'app', password => 'wrong'), 'auth', 'wrong password refused');
is(attempt(tcp => 1, user => 'app', password => 'app-secret'), 'ok', 'right password accepted');
$d = delta($c0, counters());
is($d->{auth_failed}, 1, 'a wrong password is one auth_failed');
is($d->{connections_established}, 1, 'the right password is one established connection');
only_changed($d, 'passwords', qw(auth_failed connections_established));

# ---- statement timeouts and user cancels ----------------------------------
$c0 = counters();
my $N = 3;
for (1 .. $N)
{
	my ($out, $err) = $admin->query(
		"SET statement_timeout = '100ms'; SELECT pg_sleep(30); RESET statement_timeout");
	like($admin->{stderr}, qr/canceling statement due to statement timeout/, "statement timeout $_ seen");
	$admin->{stderr} = '';
}
my $s2 = session();
my $s2pid = $s2->query('SELECT pg_backend_pid()');
chomp $s2pid;
for my $i (1 .. 2)
{
	$s2->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep(60);\n");
	ok(admin_wait("SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $s2pid",
			's2 sleeping'), "s2 is in pg_sleep ($i)");
	sql("SELECT pg_cancel_backend($s2pid)");
	$s2->query('SELECT 1');
	like($s2->{stderr}, qr/canceling statement due to user request/, "user cancel $i seen");
	$s2->{stderr} = '';
}
$d = delta($c0, counters());
is($d->{statement_timeout}, $N, "$N statement timeouts give exactly $N");
is($d->{query_canceled}, 2, 'user cancels land in query_canceled');
is($d->{connections_established}, 1, 'one new session');
only_changed($d, 'cancels', qw(statement_timeout query_canceled connections_established));
is(sql('SELECT statement_timeouts FROM loadguard.status'), $c0->{statement_timeout} + $N,
	'status.statement_timeouts follows');

# ---- lock timeout and deadlock --------------------------------------------
$c0 = counters();
$s2->query_safe('BEGIN; LOCK TABLE locked');
$admin->query("SET lock_timeout = '200ms'; BEGIN; LOCK TABLE locked; ROLLBACK; RESET lock_timeout");
like($admin->{stderr}, qr/canceling statement due to lock timeout/, 'lock timeout seen');
$admin->{stderr} = '';
$s2->query_safe('COMMIT');

my $s3 = session();
$s2->query_safe('BEGIN; UPDATE locked SET v = v + 1 WHERE id = 1');
$s3->query_safe('BEGIN; UPDATE locked SET v = v + 1 WHERE id = 2');
$s2->query_until(qr/updating/, "\\echo updating\nUPDATE locked SET v = v + 1 WHERE id = 2;\n");
ok(admin_wait("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $s2pid",
		's2 waiting'), 's2 waits for s3');
$s3->query('UPDATE locked SET v = v + 1 WHERE id = 1');
$s2->query('ROLLBACK');
$s3->query('ROLLBACK');
my $deadlocks_seen = () = ($s2->{stderr} . $s3->{stderr}) =~ /deadlock detected/g;
is($deadlocks_seen, 1, 'exactly one session saw the deadlock');
$s2->{stderr} = $s3->{stderr} = '';
$d = delta($c0, counters());
is($d->{lock_timeout}, 1, 'one lock timeout');
is($d->{deadlock}, 1, 'one deadlock');
is($d->{connections_established}, 1, 'one new session (s3)');
only_changed($d, 'locks', qw(lock_timeout deadlock connections_established));

# ---- idle timeouts and termination ----------------------------------------
$c0 = counters();
my $idle_x = session();
$idle_x->query_safe("SET idle_in_transaction_session_timeout = '300ms'; BEGIN; SELECT 1");
ok(admin_wait(q{SELECT total = } . ($c0->{idle_in_transaction_timeout} + 1)
		  . q{ FROM loadguard.events WHERE event = 'idle_in_transaction_timeout'},
		'idle-in-transaction timeout counted'), 'idle-in-transaction timeout counted');
my $idle_s = session();
$idle_s->query_safe("SET idle_session_timeout = '300ms'");
ok(admin_wait(q{SELECT total = } . ($c0->{idle_session_timeout} + 1)
		  . q{ FROM loadguard.events WHERE event = 'idle_session_timeout'},
		'idle-session timeout counted'), 'idle-session timeout counted');
sql("SELECT pg_terminate_backend($s2pid)");
ok(admin_wait(q{SELECT total = } . ($c0->{admin_terminated} + 1)
		  . q{ FROM loadguard.events WHERE event = 'admin_terminated'},
		'termination counted'), 'pg_terminate_backend counted in admin_terminated');
# the loadguard worker is no client backend: terminating it counts nothing
my $wpid = sql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'loadguard'");
sql("SELECT pg_terminate_backend($wpid)");
ok(admin_wait("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'loadguard' AND pid <> $wpid",
		'worker back'), 'worker restarted after termination');
$d = delta($c0, counters());
is($d->{idle_in_transaction_timeout}, 1, 'one idle-in-transaction timeout');
is($d->{idle_session_timeout}, 1, 'one idle-session timeout');
is($d->{admin_terminated}, 1, 'one termination (the worker not counted)');
is($d->{connections_established}, 2, 'two new sessions');
only_changed($d, 'idle and terminate', qw(idle_in_transaction_timeout idle_session_timeout
	  admin_terminated connections_established));
$_->quit for ($s2, $s3, $idle_x, $idle_s);

# ---- log settings that hide errors ----------------------------------------
my $offset = -s $node->logfile;
sql("ALTER SYSTEM SET log_min_messages = 'fatal'");
sql('SELECT pg_reload_conf()');
ok($node->wait_for_log(qr/WARNING:  loadguard will undercount events: log_min_messages is "fatal"\n/, $offset),
	'global log_min_messages = fatal: WARNING in the server log');
like(slurp_file($node->logfile, $offset),
	qr/HINT:  Set log_min_messages to "error" or lower: ALTER SYSTEM SET log_min_messages/,
	'the WARNING says how to fix it');
# and that is why: a statement timeout now goes uncounted
my $st = session();
$c0 = counters();
$st->query("SET statement_timeout = '100ms'; SELECT pg_sleep(30)");
like($st->{stderr}, qr/statement timeout/, 'statement timeout seen by the client');
is(delta($c0, counters())->{statement_timeout}, 0,
	'with log_min_messages = fatal a statement timeout is not counted (hence the warning)');
$st->quit;
sql('ALTER SYSTEM RESET log_min_messages');
sql("ALTER ROLE app SET log_min_messages = 'fatal'");
$offset = -s $node->logfile;
sql('SELECT pg_reload_conf()');
ok($node->wait_for_log(qr/WARNING:  loadguard will undercount events: log_min_messages is "fatal" for role "app"/, $offset),
	'ALTER ROLE ... SET log_min_messages = fatal: WARNING names the role');
like(slurp_file($node->logfile, $offset), qr/ALTER ROLE app RESET log_min_messages;/,
	'the hint gives the statement that fixes it');
unlike(slurp_file($node->logfile, $offset), qr/log_min_messages is "fatal"\n/,
	'the global setting is no longer reported');
sql('ALTER ROLE app RESET log_min_messages');
my $ticks1 = sql('SELECT ticks FROM loadguard.status');
ok(admin_wait("SELECT ticks > $ticks1 + 5 FROM loadguard.status", 'ticking after reloads'),
	'the worker keeps ticking through reloads and checks');

# ---- connection storm against a full server -------------------------------
# Non-superusers fill their share, superusers all but one reserved slot:
# app attempts are refused (reserved slots, or too many clients while a
# storm superuser holds the last slot); superuser attempts race for it.
my @hold = map { session('postgres', 'app') } 1 .. ($MAX - $RESERVED - 1);
push @hold, map { session() } 1 .. ($RESERVED - 1);
$c0 = counters();
my $ticks0 = sql('SELECT ticks FROM loadguard.status');
my $storm_dir = PostgreSQL::Test::Utils::tempdir();
my $WORKERS = 8;
my $EACH = 40;
my $t0 = time();
my @kids;
for my $w (1 .. $WORKERS)
{
	my $pid = fork();
	die "fork failed" unless defined $pid;
	if ($pid == 0)
	{
		my @r;
		# superusers may take the reserved slots now and then
		push @r, attempt(user => ($_ % 4 == 0 ? 'postgres' : 'app')) for 1 .. $EACH;
		open(my $fh, '>', "$storm_dir/$w") or die;
		print $fh "$_\n" for @r;
		close $fh;
		# skip destructors: they would stop the parent's psql sessions
		POSIX::_exit(0);
	}
	push @kids, $pid;
}
waitpid($_, 0) for @kids;
my $storm_s = time() - $t0;
my @all;
for my $w (1 .. $WORKERS)
{
	open(my $fh, '<', "$storm_dir/$w") or die;
	chomp(my @r = <$fh>);
	push @all, @r;
}
$t = tally(@all);
note(sprintf('storm: %d attempts in %.1f s: %s', scalar(@all), $storm_s, explain($t)));
is(scalar(@all), $WORKERS * $EACH, 'every storm attempt finished');
my @odd = grep { !/^(ok|too_many|reserved)$/ } @all;
is("@odd", '', 'every attempt either got in or was refused for slots');
ok(($t->{reserved} // 0) + ($t->{too_many} // 0) >= $WORKERS * $EACH * 3 / 4,
	'every non-superuser attempt at least was refused');
ok(($t->{ok} // 0) > 0, 'superusers still got in during the storm');
$d = delta($c0, counters());
is($d->{rejected_reserved_slots}, $t->{reserved} // 0, 'storm: rejected_reserved_slots exact');
is($d->{rejected_too_many_clients}, $t->{too_many} // 0, 'storm: rejected_too_many_clients exact');
is($d->{connections_established}, $t->{ok} // 0, 'storm: established = attempts that got in');
only_changed($d, 'storm', qw(rejected_reserved_slots rejected_too_many_clients
	  connections_established));
ok(admin_wait("SELECT ticks > $ticks0 + 5 AND last_tick_at > now() - interval '5 s' FROM loadguard.status",
		'worker ticking after the storm'), 'the worker is still ticking');
is(attempt(user => 'postgres'), 'ok', 'a new superuser connection is answered');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'loadguard'"),
	'1', 'the worker did not crash');
$_->quit for @hold;

# ---- no admin_terminated during shutdown ----------------------------------
# A smart shutdown lets sessions run on: terminating one now is part of a
# shutdown, not an administrator's act.
my $victim = session();
my $vpid = $victim->query('SELECT pg_backend_pid()');
chomp $vpid;
$c0 = counters();
system_or_bail('pg_ctl', '-D', $node->data_dir, '-m', 'smart', '-W', 'stop');
ok(admin_wait("SELECT pg_read_file('postmaster.pid') ~ 'stopping'", 'postmaster stopping'),
	'postmaster is in smart shutdown');
sql("SELECT pg_terminate_backend($vpid)");
ok(admin_wait("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $vpid", 'victim gone'),
	'the session was terminated');
is(delta($c0, counters())->{admin_terminated}, 0,
	'a termination during shutdown is not counted');
$admin->quit;
$victim->quit;
my $deadline = time() + 60;
usleep(100_000) while -e $node->data_dir . '/postmaster.pid' && time() < $deadline;
ok(!-e $node->data_dir . '/postmaster.pid', 'smart shutdown completed');
$node->_update_pid(0);

# ---- lock table overflow --------------------------------------------------
$node->append_conf('postgresql.conf', "max_locks_per_transaction = 10\n");
$node->start;
$node->safe_psql('postgres', q{
	DO $$ BEGIN
	  FOR i IN 1..4000 LOOP
	    EXECUTE format('CREATE TABLE lt_%s ()', i);
	    IF i % 50 = 0 THEN COMMIT; END IF;
	  END LOOP;
	END $$});
$admin = session();
$c0 = counters();
$admin->query(q{
	DO $$ BEGIN
	  FOR i IN 1..4000 LOOP
	    EXECUTE format('LOCK TABLE lt_%s IN ACCESS SHARE MODE', i);
	  END LOOP;
	END $$});
like($admin->{stderr}, qr/out of shared memory/, 'the lock table overflowed');
$admin->{stderr} = '';
$d = delta($c0, counters());
is($d->{lock_table_full}, 1, 'one lock_table_full');
is($d->{out_of_memory}, 0, 'not counted as out_of_memory');
only_changed($d, 'lock table', qw(lock_table_full));
$admin->quit;

$node->stop;
done_testing();
