# 022_refused_by_name.pl — who was refused, and windows that agree with reset
# (issue 16): refusals of role app with application name burst, after
# authentication (reserved slots) and before it (too many clients), are
# counted exactly under role app, the database and application burst in
# loadguard.connections.refused; established counts the connections that
# completed startup; after reset() the 1/5/15-minute windows of
# loadguard.events never exceed the totals.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my ($MAX, $RESERVED) = (10, 3);
my $node = lg_node('refused', "max_connections = $MAX\nsuperuser_reserved_connections = $RESERVED\n");
$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	CREATE DATABASE shop;
});

my $sock = $node->host;
my $port = $node->port;

sub session
{
	my ($db, $user) = @_;
	my $s = $node->background_psql($db, on_error_stop => 0, timeout => 300,
		extra_params => [ '-U', $user ]);
	$s->set_query_timer_restart();
	return $s;
}

my $admin = session('postgres', 'postgres');

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

# one attempt as app (or $user) with application burst into shop; 'ok',
# 'too_many', 'reserved' or the error
sub attempt
{
	my ($user) = @_;
	$user //= 'app';
	my $connstr = "host=$sock port=$port dbname=shop user=$user application_name=burst connect_timeout=60";
	my $err = `psql -X -At -d '$connstr' -c 'SELECT 1' </dev/null 2>&1`;
	return 'ok' if $err =~ /^1$/m;
	return 'too_many' if $err =~ /sorry, too many clients already/;
	return 'reserved' if $err =~ /remaining connection slots are reserved/;
	return "other: $err";
}

sub counts
{
	my ($dim, $name) = @_;
	return sql("SELECT coalesce(max(established), -1) || '/' || coalesce(max(refused), -1)
	              FROM loadguard.connections WHERE dimension = '$dim' AND name = '$name'");
}

sql('SELECT loadguard.reset()');

# app fills what non-superusers may hold ($admin holds one slot)
my @app = map { session('shop', 'app') } 1 .. ($MAX - $RESERVED - 1);
$_->query_safe('SELECT 1') for @app;

# after authentication: the reserved slots refuse app
my @seen = map { attempt() } 1 .. 5;
is(join(',', @seen), join(',', ('reserved') x 5), 'five reserved-slot refusals');

# before authentication: superusers take the reserved slots, then no slot is left
my @su = map { session('postgres', 'postgres') } 1 .. $RESERVED;
$_->query_safe('SELECT 1') for @su;
@seen = map { attempt() } 1 .. 4;
is(join(',', @seen), join(',', ('too_many') x 4), 'four too-many-clients refusals');
# refused before authentication, a role that does not exist keeps its name
is(attempt('ghost'), 'too_many', 'a refusal for a role that does not exist');
$_->quit for @su;

my $refused = 9;
ok(admin_wait("SELECT refused = $refused + 1 FROM loadguard.connections
	            WHERE dimension = 'application' AND name = 'burst'", 'refusals attributed'),
	'refusals reach loadguard.connections');
is(counts('role', 'app'), ($MAX - $RESERVED - 1) . "/$refused",
	"role app: established the connections it holds, refused $refused");
is(counts('database', 'shop'), ($MAX - $RESERVED - 1) . '/' . ($refused + 1),
	'database shop: the same, and the unknown role\'s refusal');
is(counts('application', 'burst'), '0/' . ($refused + 1), 'application burst: all refused, none established');
is(counts('role', 'ghost'), '0/1', 'role ghost (no such role): refused once, under the name it asked for');
is(sql("SELECT refused FROM loadguard.roles WHERE role = 'app'"), $refused, 'loadguard.roles: app refused');
is(sql("SELECT bool_and(s.rejected_connections = d.refused)
	      FROM loadguard.status s,
	           (SELECT dimension, sum(refused) AS refused FROM loadguard.connections GROUP BY dimension) d"),
	't', 'every dimension adds up to status.rejected_connections');

# ---- windows after reset --------------------------------------------------
my $t = session('postgres', 'postgres');
for (1 .. 3)
{
	$t->query("SET statement_timeout = 20; SELECT pg_sleep(1)");
}
ok(admin_wait("SELECT last_5min >= 3 FROM loadguard.events WHERE event = 'statement_timeout'",
		'timeouts in the windows'), 'three statement timeouts in the last 5 minutes');
sql('SELECT loadguard.reset()');
$t->query("SET statement_timeout = 20; SELECT pg_sleep(1)");
ok(admin_wait("SELECT total = 1 AND last_1min = 1 FROM loadguard.events WHERE event = 'statement_timeout'",
		'the timeout after reset'), 'after reset: one timeout, in total and in the last minute');
# several reads over a few ticks: no window ever exceeds its total
my $bad = 0;
for (1 .. 10)
{
	$bad += sql("SELECT count(*) FROM loadguard.events
	              WHERE last_1min > total OR last_5min > total OR last_15min > total");
	usleep(100_000);
}
is($bad, 0, 'after reset no window exceeds its total');
is(sql("SELECT last_15min FROM loadguard.events WHERE event = 'rejected_reserved_slots'"), '0',
	'refusals before the reset are out of every window');

$t->quit;
$_->quit for @app;
$admin->quit;
$node->stop;
done_testing();
