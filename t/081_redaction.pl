# 081_redaction.pl — the redaction matrix: every column of every view and
# function that shows one session (sessions, terminations, terminate_stuck()'s
# rows), read by five kinds of reader: a plain role (PUBLIC), the sessions'
# own role, a pg_read_all_stats member, a pg_monitor member and a superuser.
# A reader who may not see a role's sessions (pg_stat_activity's rule, see
# src/visibility.h) gets pid, role, database and the lock graph, NULL for
# everything else and "<insufficient privilege>" for the query; hidden names
# appear nowhere (policy_action, report(), messages sent to the client).
#
# Three sessions of role regress_lg_bob, over TCP so that client_addr has
# something to hide, each with its own application name:
#   S1  idle in transaction holding a row lock, its application exempt from
#       the policy (so policy_action names it);
#   S2  waiting for S1's row lock;
#   S3  idle in transaction, recorded by the policy's dry run (the audit).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('redaction', <<'EOF2');
listen_addresses = '127.0.0.1'
loadguard.terminate = dry_run
loadguard.idle_in_transaction_limit = '1s'
loadguard.exempt_applications = 'regress_lg_secretapp'
EOF2
my $super = $node->safe_psql('postgres', 'SELECT current_user');
$node->safe_psql('postgres', q{
	CREATE ROLE regress_lg_bob LOGIN;
	CREATE ROLE regress_lg_plain LOGIN;
	CREATE ROLE regress_lg_stats LOGIN IN ROLE pg_read_all_stats;
	CREATE ROLE regress_lg_monitor LOGIN IN ROLE pg_monitor;
	GRANT EXECUTE ON FUNCTION loadguard.terminate_stuck(boolean)
	  TO regress_lg_bob, regress_lg_plain, regress_lg_stats, regress_lg_monitor;
	CREATE TABLE regress_lg_t (id int PRIMARY KEY, v int);
	INSERT INTO regress_lg_t VALUES (1, 0);
	GRANT SELECT, UPDATE ON regress_lg_t TO regress_lg_bob;
});

# bob's sessions, over TCP
my $socket_dir = $node->{_host};
$node->{_host} = '127.0.0.1';
my %s;
for my $name (qw(S1 S2 S3))
{
	my $app = { S1 => 'regress_lg_secretapp', S2 => 'regress_lg_waitapp',
		S3 => 'regress_lg_auditapp' }->{$name};
	my $psql = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'regress_lg_bob' ]);
	$psql->query_safe("SET application_name = '$app'");
	my $pid = $psql->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	$s{$name} = { psql => $psql, pid => $pid };
}
$node->{_host} = $socket_dir;
my ($s1, $s2, $s3) = map { $s{$_}{pid} } qw(S1 S2 S3);

$s{S1}{psql}->query_safe('BEGIN');
$s{S1}{psql}->query_safe('UPDATE regress_lg_t SET v = v + 1 WHERE id = 1');
$s{S1}{psql}->query_safe("SELECT 'regress_lg_secret_text'");
$s{S2}{psql}->query_until(qr/waiting/,
	"\\echo waiting\nUPDATE regress_lg_t SET v = v + 2 WHERE id = 1;\n");
$s{S3}{psql}->query_safe('BEGIN');
$s{S3}{psql}->query_safe("SELECT 'regress_lg_audit_text'");

ok(lg_wait_for($node,
		"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $s2",
		'S2 waits for S1'),
	'S2 waits on S1\'s row lock');
ok(lg_wait_for($node,
		"SELECT count(*) = 1 FROM loadguard.terminations WHERE pid = $s3 AND requested_by IS NULL",
		'the dry run recorded S3'),
	'the policy\'s dry run recorded S3');

ok(lg_wait_for($node,
		"SELECT current NOT LIKE '%none of its sessions%' FROM loadguard.config_check('regress_lg_bob')
		  WHERE setting = 'statement_timeout'",
		'the timeouts of bob\'s sessions recorded'),
	'config_check saw bob\'s sessions');

# ---------------------------------------------------------------------
# Expectations, column by column: [ seen by everyone | hidden | in full ].
# 'both' applies to every reader.  Every column of the view must be here.
# ---------------------------------------------------------------------
my $insufficient = q{= '<insufficient privilege>'};
my %sessions = (
	S1 => {
		pid => [ both => "= $s1" ],
		role => [ both => "= 'regress_lg_bob'" ],
		database => [ both => "= 'postgres'" ],
		application => [ hidden => 'IS NULL', full => "= 'regress_lg_secretapp'" ],
		client_addr => [ hidden => 'IS NULL', full => "= '127.0.0.1'" ],
		state => [ hidden => 'IS NULL', full => "= 'idle in transaction'" ],
		state_age => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		xact_age => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		query_age => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		wait_event_type => [ hidden => 'IS NULL', full => "= 'Client'" ],
		wait_event => [ hidden => 'IS NULL', full => "= 'ClientRead'" ],
		blocked_by => [ both => "= '{}'" ],
		blocking => [ both => "= ARRAY[$s2]" ],
		query => [ hidden => $insufficient, full => q{LIKE 'SELECT ''regress_lg_secret_text''%'} ],
		policy_action => [ hidden => 'IS NULL',
			full => q{= 'exempt: application "regress_lg_secretapp" is in loadguard.exempt_applications'} ],
		statement_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		idle_in_transaction_session_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		idle_session_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		lock_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
	},
	S2 => {
		pid => [ both => "= $s2" ],
		role => [ both => "= 'regress_lg_bob'" ],
		database => [ both => "= 'postgres'" ],
		application => [ hidden => 'IS NULL', full => "= 'regress_lg_waitapp'" ],
		client_addr => [ hidden => 'IS NULL', full => "= '127.0.0.1'" ],
		state => [ hidden => 'IS NULL', full => "= 'active'" ],
		state_age => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		xact_age => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		query_age => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		wait_event_type => [ hidden => 'IS NULL', full => "= 'Lock'" ],
		wait_event => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		blocked_by => [ both => "= ARRAY[$s1]" ],
		blocking => [ both => "= '{}'" ],
		query => [ hidden => $insufficient, full => q{LIKE 'UPDATE regress_lg_t SET v = v + 2%'} ],
		policy_action => [ hidden => 'IS NULL', full => q{LIKE 'none: running for %'} ],
		statement_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		idle_in_transaction_session_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		idle_session_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
		lock_timeout_ms => [ hidden => 'IS NULL', full => 'IS NOT NULL' ],
	},
	# idle in transaction, waiting on nothing and blocking nobody: a reader
	# who may not see it does not learn that it is listed at all
	S3 => {
		pid => [ both => "= $s3" ],
		role => [ both => "= 'regress_lg_bob'" ],
		database => [ both => "= 'postgres'" ],
		application => [ full => "= 'regress_lg_auditapp'" ],
		client_addr => [ full => "= '127.0.0.1'" ],
		state => [ full => "= 'idle in transaction'" ],
		state_age => [ full => "> interval '1 second'" ],
		xact_age => [ full => "> interval '1 second'" ],
		query_age => [ full => "> interval '1 second'" ],
		wait_event_type => [ full => "= 'Client'" ],
		wait_event => [ full => "= 'ClientRead'" ],
		blocked_by => [ both => "= '{}'" ],
		blocking => [ both => "= '{}'" ],
		query => [ full => q{LIKE 'SELECT ''regress_lg_audit_text''%'} ],
		policy_action => [ full => q{LIKE 'terminate (dry run): idle in transaction for %'} ],
		statement_timeout_ms => [ full => 'IS NOT NULL' ],
		idle_in_transaction_session_timeout_ms => [ full => 'IS NOT NULL' ],
		idle_session_timeout_ms => [ full => 'IS NOT NULL' ],
		lock_timeout_ms => [ full => 'IS NOT NULL' ],
	},
);

# terminations (the worker's dry-run row for S3) and terminate_stuck()'s row
# for S3, which share their columns
sub audit_spec
{
	my ($requested_by, $outcome_detail) = @_;
	return {
		at => [ both => 'IS NOT NULL' ],
		pid => [ both => "= $s3" ],
		role => [ both => "= 'regress_lg_bob'" ],
		database => [ both => "= 'postgres'" ],
		application => [ hidden => 'IS NULL', full => "= 'regress_lg_auditapp'" ],
		client_addr => [ hidden => 'IS NULL', full => "= '127.0.0.1'" ],
		state => [ hidden => 'IS NULL', full => "= 'idle in transaction'" ],
		age => [ hidden => 'IS NULL', full => ">= interval '1 second'" ],
		reason => [ hidden => 'IS NULL', full => "= 'idle_in_transaction_limit'" ],
		detail => [ hidden => 'IS NULL', full => q{LIKE 'idle in transaction for %'} ],
		action => [ hidden => 'IS NULL', full => "= 'terminate'" ],
		dry_run => [ both => 'IS TRUE' ],
		outcome => [ both => "= 'skipped'" ],
		outcome_detail => [ hidden => 'IS NULL', full => $outcome_detail ],
		requested_by => [ both => $requested_by ],
		query => [ hidden => $insufficient, full => q{LIKE 'SELECT ''regress_lg_audit_text''%'} ],
	};
}

# Every column of the view has an expectation, and no more.
sub columns_of
{
	my ($relation) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_attribute
		  WHERE attrelid = '$relation'::regclass AND attnum > 0 AND NOT attisdropped");
}
for my $name (qw(S1 S2 S3))
{
	is(join(',', sort keys %{ $sessions{$name} }), columns_of('loadguard.sessions'),
		"sessions: the matrix for $name covers every column");
}
is(join(',', sort keys %{ audit_spec('', '') }), columns_of('loadguard.terminations'),
	'terminations: the matrix covers every column');
is($node->safe_psql('postgres',
		"SELECT prorettype = 'loadguard.terminations'::regtype FROM pg_proc
		  WHERE oid = 'loadguard.terminate_stuck(boolean)'::regprocedure"),
	't', 'terminate_stuck() returns the columns of terminations');

sub psql_as
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
	is($ret, 0, "query as $role works") or diag($err);
	return wantarray ? ($out, $err) : $out;
}

# The columns of one row that fail their expectation ('' when all pass),
# or 'no row'.
sub failing_columns
{
	my ($role, $from, $spec, $full) = @_;
	my @checks;
	for my $col (sort keys %$spec)
	{
		my %e = @{ $spec->{$col} };
		my $expr = $e{both} // ($full ? $e{full} : $e{hidden});
		die "no expectation for $col" unless defined $expr;
		push @checks, "CASE WHEN ($col $expr) IS NOT TRUE THEN '$col' END";
	}
	return psql_as($role,
		"SELECT coalesce((SELECT concat_ws(' ', " . join(', ', @checks) . ") FROM ($from) r), 'no row')");
}

my @readers = (
	[ 'regress_lg_plain', 'PUBLIC', 0 ],
	[ 'regress_lg_bob', 'the same role', 1 ],
	[ 'regress_lg_stats', 'pg_read_all_stats', 1 ],
	[ 'regress_lg_monitor', 'pg_monitor', 1 ],
	[ $super, 'superuser', 1 ],
);

for my $reader (@readers)
{
	my ($role, $kind, $full) = @$reader;
	my $sees = $full ? 'in full' : 'redacted';

	# sessions
	for my $name (qw(S1 S2))
	{
		is(failing_columns($role, "SELECT * FROM loadguard.sessions WHERE pid = $s{$name}{pid}",
				$sessions{$name}, $full),
			'', "sessions: $kind sees $name $sees");
	}
	if ($full)
	{
		is(failing_columns($role, "SELECT * FROM loadguard.sessions WHERE pid = $s3", $sessions{S3}, 1),
			'', "sessions: $kind sees S3 in full");
	}
	else
	{
		is(psql_as($role, "SELECT count(*) FROM loadguard.sessions WHERE pid = $s3"),
			'0', "sessions: $kind is not told that S3 is idle in transaction");
	}

	# exactly what pg_stat_activity hides from this reader
	is(psql_as($role, qq{
		SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE
		         (s.state IS NULL) <> (a.state IS NULL)
		      OR (s.state_age IS NULL) <> (a.state_change IS NULL)
		      OR (s.xact_age IS NULL) <> (a.xact_start IS NULL)
		      OR (s.query_age IS NULL) <> (a.query_start IS NULL)
		      OR (s.wait_event_type IS NULL) <> (a.wait_event_type IS NULL)
		      OR (s.wait_event IS NULL) <> (a.wait_event IS NULL)
		      OR (s.client_addr IS NULL) <> (a.client_addr IS NULL)
		      OR (s.query = '<insufficient privilege>') <> (a.query = '<insufficient privilege>'))
		       || ' differ'
		  FROM loadguard.sessions s JOIN pg_stat_activity a ON a.pid = s.pid
		 WHERE s.pid IN ($s1, $s2)}),
		'2 rows, 0 differ', "sessions: $kind sees what pg_stat_activity shows it");

	# roles: the age of bob's connections is an age of his sessions
	is(psql_as($role,
			"SELECT (median_connection_age IS NOT NULL)::text || ', '
			        || (connections >= 3)::text
			   FROM loadguard.roles WHERE role = 'regress_lg_bob'"),
		($full ? 'true' : 'false') . ', true',
		"roles: $kind " . ($full ? 'sees' : 'does not see') . " the median connection age of bob's sessions");

	# config_check('regress_lg_bob'): what bob's sessions ran with, or (to a
	# reader who may not see them) that they ran and are hidden, with their
	# count as loadguard.roles gives it; never "none of its sessions seen"
	# (before 2026-12-02 a hidden reader got that after they ran)
	is(psql_as($role,
			"SELECT string_agg(setting || ': ' || CASE
			          WHEN current LIKE '%none of its sessions%' THEN 'none seen'
			          WHEN current LIKE 'off (default for role regress_lg_bob; % of its sessions seen in the last 15 min are not visible to you: the privileges of pg_read_all_stats or of role regress_lg_bob show them)'
			            THEN 'hidden'
			          WHEN current LIKE '% regress_lg_bob sessions seen in the last 15 min%' THEN 'seen'
			          ELSE current END, ', ' ORDER BY setting)
			   FROM loadguard.config_check('regress_lg_bob')
			  WHERE setting IN ('statement_timeout', 'lock_timeout') AND source NOT LIKE 'ALTER %'"),
		join(', ', map { "$_: " . ($full ? 'seen' : 'hidden') } qw(lock_timeout statement_timeout)),
		"config_check: $kind " . ($full ? 'sees what bob\'s sessions ran with' : 'is told bob\'s sessions are hidden'));

	# terminations: the worker's dry-run row
	is(failing_columns($role,
			"SELECT * FROM loadguard.terminations WHERE pid = $s3 AND requested_by IS NULL ORDER BY at LIMIT 1",
			audit_spec('IS NULL', "= 'dry run'"), $full),
		'', "terminations: $kind sees the worker's row $sees");

	# terminate_stuck(): its row for S3, as this reader asked for it
	is(failing_columns($role,
			"SELECT * FROM loadguard.terminate_stuck(true) WHERE pid = $s3",
			audit_spec('= current_user', 'IS NOT NULL'), $full),
		'', "terminate_stuck(): $kind sees its row $sees");

	# a reader who may see the sessions sees their names; others nowhere
	my ($report) = psql_as($role, 'SELECT string_agg(r, E\'\\n\') FROM loadguard.report(10) r');
	my ($notices, $err) = psql_as($role,
		"SET client_min_messages = debug5; SELECT count(*) FROM loadguard.terminate_stuck(true); "
		  . "SELECT policy_action FROM loadguard.sessions WHERE pid IN ($s1, $s2, $s3); "
		  . "SELECT * FROM loadguard.terminations WHERE pid = $s3");
	my $secret = qr/regress_lg_(?:secretapp|waitapp|auditapp|secret_text|audit_text)|127\.0\.0\.1/;
	if ($full)
	{
		like($notices, qr/regress_lg_secretapp/, "$kind: policy_action names the exempt application");
	}
	else
	{
		unlike($report, $secret, "report(): $kind sees no hidden name or address");
		unlike($notices, $secret, "$kind: no hidden name in any column");
	}
	# the policy's log line names everything: it stays in the server log
	unlike($err, $secret, "$kind: no message to the client names a session (client_min_messages = debug5)");
}

# the server log keeps the whole story
ok($node->log_contains(qr/DETAIL:  Role "regress_lg_bob", database "postgres", application "regress_lg_auditapp", client 127\.0\.0\.1/),
	'the server log names the application and client of the audited session');

# the dry runs touched nobody
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE pid IN ($s1, $s2, $s3)"),
	'3', 'all three sessions still there');
$s{S1}{psql}->query_safe('ROLLBACK');
$_->{psql}->quit for values %s;
$node->stop;
done_testing();
