# 080_privileges.pl — what other roles' sessions reveal, on real sessions:
# a superuser session (over TCP, with an application name) and a plain
# role's own session, both idle in transaction and recorded by the policy's
# dry run, read back as PUBLIC, as a pg_read_all_stats member and as a
# pg_monitor member through sessions, terminations and connections.
# (A pg_signal_backend member's terminate_stuck() leaving superuser sessions
# alone is tested in 050_policy.pl.)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('privileges', <<'EOF2');
listen_addresses = '127.0.0.1'
loadguard.terminate = dry_run
loadguard.terminate_superusers = on
loadguard.idle_in_transaction_limit = '1s'
EOF2
$node->safe_psql('postgres', q{
	CREATE ROLE regress_lg_plain LOGIN;
	CREATE ROLE regress_lg_stats LOGIN IN ROLE pg_read_all_stats;
	CREATE ROLE regress_lg_monitor LOGIN IN ROLE pg_monitor;
});

sub session
{
	my ($app, %opts) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0, %opts);
	$s->query_safe("SET application_name = '$app'");
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	return ($s, $pid);
}

# the superuser's session comes over TCP, so that client_addr has something to hide
my $socket_dir = $node->{_host};
$node->{_host} = '127.0.0.1';
my ($super, $super_pid) = session('regress_lg_secret_app');
$node->{_host} = $socket_dir;
my ($mine, $mine_pid) = session('regress_lg_mine_app', extra_params => [ '-U', 'regress_lg_plain' ]);
$super->query_safe('BEGIN');
$super->query_safe("SELECT 'regress_lg_secret_text'");
$mine->query_safe('BEGIN');
$mine->query_safe("SELECT 'regress_lg_my_text'");

ok(lg_wait_for($node,
		"SELECT count(DISTINCT pid) = 2 FROM loadguard.terminations WHERE pid IN ($super_pid, $mine_pid) AND dry_run",
		'both sessions in the audit'),
	'the dry run recorded both idle-in-transaction sessions');
ok(lg_wait_for($node,
		"SELECT count(*) = 1 FROM loadguard.connections WHERE dimension = 'application' AND name = 'regress_lg_secret_app'",
		'application sampled'),
	'the worker sampled the application');

sub as_role
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
	is($ret, 0, "query as $role works") or diag($err);
	return $out;
}

# background_psql sends "<query>\n;": compare the first line
my $cols = "coalesce(split_part(query, E'\\n', 1), 'NULL') || '|' || coalesce(application, 'NULL') || '|' || coalesce(host(client_addr), 'NULL')";
my %seen = (
	sessions => "SELECT $cols FROM loadguard.sessions WHERE pid = %d",
	terminations => "SELECT DISTINCT $cols FROM loadguard.terminations WHERE pid = %d",
);

for my $view (sort keys %seen)
{
	# sessions does not even list another role's session that waits on
	# nothing and blocks nobody (t/081_redaction.pl has every column)
	is(as_role('regress_lg_plain', sprintf($seen{$view}, $super_pid)),
		$view eq 'sessions' ? '' : '<insufficient privilege>|NULL|NULL',
		"$view: PUBLIC sees no query, application or client address of a superuser session");
	is(as_role('regress_lg_plain', sprintf($seen{$view}, $mine_pid)),
		"SELECT 'regress_lg_my_text'|regress_lg_mine_app|NULL",
		"$view: PUBLIC sees its own session in full");
	for my $role (qw(regress_lg_stats regress_lg_monitor))
	{
		is(as_role($role, sprintf($seen{$view}, $super_pid)),
			"SELECT 'regress_lg_secret_text'|regress_lg_secret_app|127.0.0.1",
			"$view: $role sees the superuser session in full");
		is(as_role($role, sprintf($seen{$view}, $mine_pid)),
			"SELECT 'regress_lg_my_text'|regress_lg_mine_app|NULL",
			"$view: $role sees another role's session in full");
	}
}

# the role stays visible to all, the state does not, as in pg_stat_activity
is(as_role('regress_lg_plain',
		"SELECT DISTINCT role || '|' || coalesce(state, 'NULL') FROM loadguard.terminations WHERE pid = $super_pid"),
	'postgres|NULL', 'PUBLIC sees the role but not the state');

# connections names applications and client addresses only to pg_read_all_stats
my $names = "SELECT count(*) FROM loadguard.connections WHERE name IN ('regress_lg_secret_app', '127.0.0.1', 'regress_lg_mine_app')";
is(as_role('regress_lg_plain', $names), '0', 'connections: PUBLIC sees no application name or client address');
is(as_role('regress_lg_plain',
		"SELECT count(*) > 0 FROM loadguard.connections WHERE dimension = 'client' AND name = '<insufficient privilege>' AND current > 0"),
	't', 'connections: PUBLIC still sees the counts');
is(as_role('regress_lg_stats', $names), '3', 'connections: pg_read_all_stats sees them');
is(as_role('regress_lg_monitor', $names), '3', 'connections: pg_monitor sees them');

# the dry run touched nobody
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE pid IN ($super_pid, $mine_pid)"),
	'2', 'both sessions still there');
$super->quit;
$mine->quit;
$node->stop;
done_testing();
