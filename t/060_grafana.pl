# 060_grafana.pl — the shipped Grafana dashboard, proven without Grafana.
#
# Grafana is not installable here, so this test plays its part: it reads
# grafana/loadguard-dashboard.json and the provisioning files, checks every
# panel target the way the PostgreSQL datasource will read it, expands the
# template variables (frontend) and the datasource's macros (backend) exactly
# as Grafana does, and runs every query as the dashboard's pg_monitor login
# role against a cluster in which refused connections, timeouts, a policy
# termination, statements and stuck sessions were induced.  Time-series
# results must have a "time" column sorted ascending inside the time range,
# numeric value columns, and non-zero values where events were induced; the
# per-interval sums must equal the raw history in the same range.  Then the
# node restarts and every time series is read again over 5 minutes to 7
# days: from the restored minute rollup where the range or the interval
# calls for it, with sums and maxima equal to loadguard.history_minutes.
#
# The emulation (test/perl/GrafanaEmulator.pm, shared with the fleet tier's
# test/grafana_fleet.pl) follows Grafana's source: macros from
# pkg/tsdb/grafana-postgresql-datasource/macros.go, $__interval from
# rangeutil.calculateInterval/roundInterval/secondsToHms, variables from
# SqlDatasource.interpolateVariable (single values: quotes doubled, no
# quoting added).  The first block checks the emulator against Grafana's own
# test vectors (macros_test.go), so a wrong emulation fails here first.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use POSIX qw(floor);
use JSON::PP;
use IPC::Run;
use File::Basename qw(dirname);
use LoadGuardTest;
use GrafanaEmulator;

my $top = dirname(__FILE__) . '/..';
my $dashboard_file = "$top/grafana/loadguard-dashboard.json";
my $ds_file = "$top/grafana/provisioning/datasources/loadguard.yaml";
my $dash_prov_file = "$top/grafana/provisioning/dashboards/loadguard.yaml";

###########################################################################
# Grafana emulation
###########################################################################

# (test/perl/GrafanaEmulator.pm: rfc3339nano, go_float, parse_interval,
# format_interval, round_interval, seconds_to_hms, calculate_interval,
# interpolate_variables, interpolate_global, interpolate_macros,
# expand_query, max_data_points, panel_request)

###########################################################################
# The emulator against Grafana's own test vectors
###########################################################################

{
	my $from = 1523556000000;    # 2018-04-12T18:00:00Z
	my $to = $from + 5 * 60 * 1000;
	is(interpolate_macros('WHERE $__timeFilter(time_column)', $from, $to),
		"WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
		'emulator: $__timeFilter as Grafana expands it');
	is(interpolate_macros('select $__timeFrom()', $from, $to),
		"select '2018-04-12T18:00:00Z'", 'emulator: $__timeFrom()');
	is(interpolate_macros('select $__timeTo()', $from, $to),
		"select '2018-04-12T18:05:00Z'", 'emulator: $__timeTo()');
	is(interpolate_macros("SELECT \$__timeGroup(time_column,'5m')", $from, $to),
		'SELECT floor(extract(epoch from time_column)/300)*300',
		'emulator: $__timeGroup');
	is(interpolate_macros("SELECT \$__timeGroup(time_column,'5m'), value", $from, $to),
		'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value',
		'emulator: $__timeGroup followed by a comma gets the alias (pre-5.3 rule)');
	is(interpolate_macros("\$__timeGroupAlias(time_column , '5m')", $from, $to),
		'floor(extract(epoch from time_column)/300)*300 AS "time"',
		'emulator: $__timeGroupAlias with spaces between arguments');
	is(interpolate_macros('$__timeGroupAlias(ts, 500ms)', $from, $to),
		'floor(extract(epoch from ts)/0.5)*0.5 AS "time"',
		'emulator: sub-second group interval printed like Go %v');
	is(rfc3339nano(-312915600000 + 500), '1960-02-01T07:00:00.5Z',
		'emulator: RFC3339Nano drops trailing zeros of the fraction');
	is(rfc3339nano(1523556000120), '2018-04-12T18:00:00.12Z',
		'emulator: RFC3339Nano with milliseconds');
	is(interpolate_global('SELECT $__interval', 600000, $from, $to), 'SELECT 10m',
		'emulator: backend $__interval');
	is(interpolate_global('SELECT $__interval_ms', 600000, $from, $to), 'SELECT 600000',
		'emulator: backend $__interval_ms before $__interval');
	is(join(' ', map { go_float($_) } (300, 0.5, 0.05, 1209600, 1e6)),
		'300 0.5 0.05 1.2096e+06 1e+06', 'emulator: group seconds printed like Go %v');
	my ($ms, $text) = calculate_interval(0, 6 * 3600 * 1000, 1000, undef);
	is("$ms $text", '20000 20s', 'emulator: 6h over 1000 points is a 20s interval');
	($ms, $text) = calculate_interval(0, 60 * 1000, 1000, '1s');
	is("$ms $text", '1000 1s', 'emulator: the datasource min interval is a floor');
	($ms, $text) = calculate_interval(0, 60 * 1000, 1000, undef);
	is("$ms $text", '50 50ms', 'emulator: 60s over 1000 points is 50ms');
	is(interpolate_variables(q{f('$users', ${users}, [[users]], $__interval, $__timeFilter(ts))},
			{ users => "1'0" }, { __interval => '1s' }),
		q{f('1''0', 1''0, 1''0, 1s, $__timeFilter(ts))},
		'emulator: variables with quotes doubled, macros left for the backend');
	eval { interpolate_macros('SELECT $__nosuchmacro(x)', $from, $to) };
	like($@, qr/unknown macro/, 'emulator: an unknown macro is an error, as in Grafana');
}

###########################################################################
# Static checks of the dashboard and provisioning files
###########################################################################

my $dash = decode_json(slurp_file($dashboard_file));
is($dash->{schemaVersion}, 41, 'dashboard: schemaVersion 41 (Grafana 12.0 classic model)');
like($dash->{description}, qr/Grafana 12\.0 or later.*schemaVersion 41/s,
	'dashboard: description states the Grafana version and schemaVersion');
ok(defined $dash->{uid} && $dash->{uid} =~ /^[a-zA-Z0-9_-]{1,40}$/, 'dashboard: valid uid');
ok(!defined $dash->{id}, 'dashboard: id is null so it imports as new');

my %var = map { $_->{name} => $_ } @{ $dash->{templating}{list} };
is($var{datasource}{type}, 'datasource', 'variable datasource is a datasource variable');
is($var{datasource}{query}, 'grafana-postgresql-datasource',
	'variable datasource lists PostgreSQL datasources');
ok($var{users} && ($var{users}{type} eq 'textbox' || $var{users}{type} eq 'custom'),
	'variable users is a textbox or custom variable');
like($var{users}{current}{value}, qr/^\d+$/, 'variable users has a numeric default');

# Template variable values as the dashboard opens (current values).
my %defaults;
for my $v (@{ $dash->{templating}{list} })
{
	next if $v->{type} eq 'datasource';
	ok($v->{type} eq 'textbox' || $v->{type} eq 'custom', "variable $v->{name} is textbox/custom");
	ok(!$v->{multi} && !$v->{includeAll}, "variable $v->{name} is single-valued");
	$defaults{ $v->{name} } = $v->{current}{value} // '';
}

# Every panel, rows included; ids unique, layout inside 24 columns.
my @panels = @{ $dash->{panels} };
my %ids;
for my $p (@panels)
{
	ok(!$ids{ $p->{id} }++, "panel id $p->{id} is unique");
	my $g = $p->{gridPos};
	ok($g->{x} >= 0 && $g->{w} > 0 && $g->{x} + $g->{w} <= 24, "panel '$p->{title}' fits 24 columns");
	is(ref($p->{panels} // []), 'ARRAY', "panel '$p->{title}': nested panels list");
	is(scalar @{ $p->{panels} // [] }, 0, "panel '$p->{title}': no collapsed nested panels");
	# schemaVersion 42/43 migrations must be no-ops for this dashboard
	for my $o (@{ $p->{fieldConfig}{overrides} // [] })
	{
		for my $prop (@{ $o->{properties} })
		{
			ok(!($prop->{id} eq 'custom.hideFrom' && $prop->{value}{viz}),
				"panel '$p->{title}': no hideFrom.viz override (schema 42 migration)");
		}
	}
	ok(!grep({ $_->{id} eq 'formatTime' } @{ $p->{transformations} // [] }),
		"panel '$p->{title}': no formatTime transformation (schema 43 migration)");
}

# the history columns that are per-sample deltas (one per event kind, then
# statements and policy actions)
my @counter_columns = qw(
  rejected_too_many_clients rejected_reserved_slots rejected_database_limit
  rejected_role_limit statement_timeout query_canceled lock_timeout
  idle_in_transaction_timeout idle_session_timeout deadlock recovery_conflict
  admin_terminated auth_failed out_of_memory lock_table_full
  connections_established statements policy_actions);

my @query_panels = grep { $_->{type} ne 'row' } @panels;
my (@series_targets, @table_targets);
for my $p (@query_panels)
{
	my $t = $p->{title};
	is_deeply($p->{datasource}, { type => 'grafana-postgresql-datasource', uid => '${datasource}' },
		"panel '$t': datasource is the datasource variable");
	ok(@{ $p->{targets} // [] } > 0, "panel '$t' has targets");
	for my $q (@{ $p->{targets} })
	{
		my $n = "panel '$t' target $q->{refId}";
		is_deeply($q->{datasource}, { type => 'grafana-postgresql-datasource', uid => '${datasource}' },
			"$n: datasource uid is the template variable");
		like($q->{format}, qr/^(table|time_series)$/, "$n: format is table or time_series");
		ok($q->{rawQuery}, "$n: rawQuery");
		is($q->{editorMode}, 'code', "$n: editorMode code");
		ok(defined $q->{rawSql} && $q->{rawSql} =~ /\S/, "$n: rawSql present");
		unlike($q->{rawSql}, qr/--|\/\*/, "$n: no SQL comments (Grafana strips them)");
		unlike($q->{rawSql}, qr/;/, "$n: one statement");
		if ($q->{format} eq 'time_series')
		{
			is($p->{type}, 'timeseries', "$n: time_series format in a timeseries panel");
			like($q->{rawSql},
				qr/\bFROM loadguard\.history_range\(\$__timeFrom\(\), \$__timeTo\(\), '\$__interval'\)/,
				"$n: reads loadguard.history_range(\$__timeFrom(), \$__timeTo(), '\$__interval')");
			unlike($q->{rawSql}, qr/\bloadguard\.history\b(?!_)/,
				"$n: never the whole loadguard.history");
			like($q->{rawSql}, qr/\$__timeGroupAlias\(ts, \$__interval\)|\bAS "time"/,
				"$n: time column aliased \"time\"");
			like($q->{rawSql}, qr/ORDER BY 1\s*$/, "$n: ORDER BY 1");
			# per-interval deltas only add up: any other aggregate misreports at a coarser zoom
			for my $counter (@counter_columns)
			{
				unlike($q->{rawSql}, qr/\b(?:max|min|avg)\(\s*$counter\b/,
					"$n: counter $counter is summed, not averaged or maxed");
			}
			push @series_targets, [ $p, $q ];
		}
		else
		{
			push @table_targets, [ $p, $q ];
		}
	}
}
my @titles = map { $_->{title} } @query_panels;
for my $want (qr/connections used vs usable/i, qr/sessions by state/i,
	qr/oldest idle in transaction.*longest query/i, qr/refused connections per interval/i,
	qr/timeouts.*per interval/i, qr/statements per second/i, qr/p50.*p95.*p99/i,
	qr/policy actions per interval/i, qr/readiness checks/i)
{
	ok(scalar(grep { $_ =~ $want } @titles), "dashboard has a panel matching $want");
}

# provisioning: small pool, dedicated role, database set
my $ds_yaml = slurp_file($ds_file);
like($ds_yaml, qr/^\s+type: grafana-postgresql-datasource$/m, 'datasource provisioning: plugin type');
like($ds_yaml, qr/^\s+user: grafana$/m, 'datasource provisioning: dedicated grafana role');
like($ds_yaml, qr/^\s+database: \S+/m, 'datasource provisioning: jsonData.database');
my ($max_open) = $ds_yaml =~ /^\s+maxOpenConns: (\d+)$/m;
my ($max_idle) = $ds_yaml =~ /^\s+maxIdleConns: (\d+)$/m;
my ($lifetime) = $ds_yaml =~ /^\s+connMaxLifetime: (\d+)$/m;
ok(defined $max_open && $max_open >= 1 && $max_open <= 5, 'datasource provisioning: maxOpenConns is a few');
ok(defined $max_idle && $max_idle <= $max_open, 'datasource provisioning: maxIdleConns <= maxOpenConns');
ok(defined $lifetime && $lifetime > 0, 'datasource provisioning: connMaxLifetime');
my ($min_interval) = $ds_yaml =~ /^\s+timeInterval: (\S+)$/m;
like(slurp_file($dash_prov_file), qr/^\s+type: file$/m, 'dashboard provisioning: file provider');

###########################################################################
# A cluster with the events the dashboard must show
###########################################################################

my $t0_ms = int(time() * 1000) - 1000;
my $node = lg_node('grafana', <<'EOC');
max_connections = 10
superuser_reserved_connections = 3
loadguard.history_size = 20000
EOC

$node->safe_psql('postgres', q{
CREATE ROLE app LOGIN;
CREATE ROLE capped LOGIN CONNECTION LIMIT 0;
CREATE ROLE grafana LOGIN PASSWORD 'grafana-test' CONNECTION LIMIT 5 IN ROLE pg_monitor;
CREATE DATABASE closed CONNECTION LIMIT 0;
CREATE TABLE lg_t (id int);
GRANT ALL ON lg_t TO app;
GRANT CONNECT ON DATABASE closed TO app;
});

my %induced;    # history column => attempts we made

# Background sessions that live through the whole test: their harness
# timer runs from the start, so give it room beyond the default.
my $long = 10 * $PostgreSQL::Test::Utils::timeout_default;

sub refused
{
	my ($column, $db, $user, $what) = @_;
	my ($ret, $out, $err) = $node->psql($db, 'SELECT 1',
		extra_params => [ defined $user ? ('-U', $user) : () ]);
	isnt($ret, 0, "refused: $what");
	$induced{$column}++;
	return $err;
}

# 7 of 10 slots are usable by app (3 reserved for superusers)
my @app = map { $node->background_psql('postgres', extra_params => [ '-U', 'app' ], timeout => $long) } 1 .. 7;
like(refused('rejected_reserved_slots', 'postgres', 'app', 'app beyond the usable slots'),
	qr/remaining connection slots are reserved/, 'the 8th app connection hits the superuser reserve');
refused('rejected_reserved_slots', 'postgres', 'app', 'again');
my @su = map { $node->background_psql('postgres') } 1 .. 3;
# All 10 slots are taken: hold them until two samples have seen all 10 (the
# "peak connections" the range must show), watching through one of the held
# sessions, since a new connection would be refused and counted.
my $full_since = $su[0]->query_safe('SELECT clock_timestamp()');
ok(lg_session_wait_for($su[0],
		"SELECT count(*) >= 2 FROM loadguard.history WHERE ts > '$full_since' AND client_connections = 10",
		'two samples with all 10 slots taken'),
	'the sampler saw all 10 slots taken, twice');
like(refused('rejected_too_many_clients', 'postgres', undef, 'superuser beyond max_connections'),
	qr/too many clients already/, 'the 11th connection is refused outright');
refused('rejected_too_many_clients', 'postgres', undef, 'again');
$_->quit for @su;
$_->quit for @app[ 2 .. 6 ];
@app = @app[ 0, 1 ];    # two idle app sessions stay

like(refused('rejected_role_limit', 'postgres', 'capped', 'role with CONNECTION LIMIT 0'),
	qr/too many connections for role/, 'role connection limit');
like(refused('rejected_database_limit', 'closed', 'app', 'database with CONNECTION LIMIT 0'),
	qr/too many connections for database/, 'database connection limit');
like(refused('auth_failed', 'postgres', 'no_such_role', 'unknown role'),
	qr/role "no_such_role" does not exist/, 'authentication failure');

for (1 .. 3)
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '100ms'; SELECT pg_sleep(5)", extra_params => [ '-U', 'app' ]);
	like($err, qr/canceling statement due to statement timeout/, 'statement timeout induced');
	$induced{statement_timeout}++;
}

# the policy terminates an idle-in-transaction session
$node->safe_psql('postgres', q{
ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '1s';
ALTER SYSTEM SET loadguard.terminate = 'on';
SELECT pg_reload_conf();
});
my $victim = $node->background_psql('postgres', extra_params => [ '-U', 'app' ], on_error_stop => 0);
my $victim_pid = $victim->query_safe('SELECT pg_backend_pid()');
$victim->query_safe('BEGIN; SELECT 1');
ok(lg_wait_for($node,
		"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $victim_pid)",
		'the policy terminates the idle-in-transaction session', 60),
	'policy action: idle-in-transaction session terminated');
$induced{policy_actions}++;
$induced{admin_terminated}++;
eval { $victim->quit };
$node->safe_psql('postgres', q{
ALTER SYSTEM RESET loadguard.idle_in_transaction_limit;
ALTER SYSTEM RESET loadguard.terminate;
SELECT pg_reload_conf();
});

# statements with a measurable latency, late enough to be in "the last minute"
$node->safe_psql('postgres', join('', map { "SELECT pg_sleep(0.002);\n" } 1 .. 200),
	extra_params => [ '-U', 'app' ]);
$induced{statements} = 200;

# stuck sessions that stay while the dashboard is read: one idle in
# transaction holding a lock, one waiting for it
my $holder = $node->background_psql('postgres', extra_params => [ '-U', 'app' ], timeout => $long);
my $holder_pid = $holder->query_safe('SELECT pg_backend_pid()');
$holder->query_safe('BEGIN; LOCK TABLE lg_t IN ACCESS EXCLUSIVE MODE');
my $waiter = $node->background_psql('postgres', extra_params => [ '-U', 'app' ], timeout => $long);
my $waiter_pid = $waiter->query_safe('SELECT pg_backend_pid()');
$waiter->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM lg_t;\n");
ok(lg_wait_for($node, 'SELECT waiting_on_lock > 0 AND idle_in_transaction > 0 FROM loadguard.status',
		'the sampler sees the lock wait'), 'sampler sees the waiting and idle-in-transaction sessions');

# every event has reached the history before "now"
my $events_done = time();
ok(lg_wait_for($node,
		sprintf("SELECT max(ts) > to_timestamp(%.3f) + interval '1 second' FROM loadguard.history", $events_done),
		'history has samples after the induced events', 60),
	'history caught up');
my $to_ms = int(time() * 1000);

###########################################################################
# Run every panel query as Grafana would
###########################################################################

# psql as the dashboard's role; returns (error, [columns], [types], [rows]).
my ($FS, $RS, $NULL) = ("\x1f", "\x1e", "\x02");

sub run_as_grafana
{
	my ($sql) = @_;
	my $script = "$sql\n\\gdesc\n\\echo ===lg===\n$sql\n\\g\n";
	my ($out, $err) = ('', '');
	local $ENV{PGTZ} = 'UTC';
	IPC::Run::run(
		[
			'psql', '-X', '-A', '-q', '-v', 'ON_ERROR_STOP=1', '-F', $FS, '-R', $RS,
			'-P', 'footer=off', '-P', "null=$NULL", '-d', $node->connstr('postgres'),
			'-U', 'grafana'
		],
		'<', \$script, '>', \$out, '2>', \$err);
	return ($err) if $err =~ /ERROR|FATAL/;
	my ($desc, $data) = split /===lg===\n/, $out, 2;
	$desc =~ s/\n$//;
	my @d = split /$RS/, $desc;
	shift @d;    # header
	my (@cols, @types);
	for (@d)
	{
		my ($c, $t) = split /$FS/;
		push @cols, $c;
		push @types, $t;
	}
	$data //= '';
	$data =~ s/\n$//;
	my @recs = split /$RS/, $data, -1;
	shift @recs;    # header
	my @rows = map { [ map { $_ eq $NULL ? undef : $_ } split(/$FS/, $_, -1) ] } @recs;
	return (undef, \@cols, \@types, \@rows);
}

sub superuser_value
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', $sql);
}

# "2026-11-29 00:10:00.123456+00" or epoch seconds -> epoch seconds
sub to_epoch
{
	my ($v) = @_;
	return $v + 0 if $v =~ /^-?\d+(\.\d+)?$/;
	$v =~ /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?\+00$/
	  or die "unparsable time $v";
	require Time::Local;
	return Time::Local::timegm($6, $5, $4, $3, $2 - 1, $1) + ($7 // 0);
}

my %numeric = map { $_ => 1 } ('smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric');
my %time_types = map { $_ => 1 } ('timestamp with time zone', 'double precision', 'numeric', 'bigint');
# types the Grafana PostgreSQL datasource converts natively
my %grafana_types = (%numeric, map { $_ => 1 }
	  ('text', 'character varying', 'boolean', 'timestamp with time zone'));

# Value columns of time-series panels: must they be non-zero after what we induced?
my %must_be_nonzero = map { $_ => 1 } (
	'client connections', 'usable connections', 'max_connections',
	'active', 'idle', 'idle in transaction', 'waiting on a lock', 'usage',
	'oldest idle in transaction', 'longest running query', 'longest transaction',
	'too many clients', 'reserved slots', 'database limit', 'role limit',
	'authentication failed', 'statement timeout', 'terminated',
	'statements/s', 'connections/s', 'p50', 'p95', 'p99', 'policy actions');
my %may_be_zero = map { $_ => 1 } (
	'idle in transaction (aborted)', 'lock timeout', 'idle in transaction timeout',
	'idle session timeout', 'canceled by user', 'deadlock', 'recovery conflict',
	'out of memory', 'lock table full');

my %range = (from_ms => $t0_ms, to_ms => $to_ms, vars => \%defaults,
	min_interval => $min_interval);


for my $pt (@series_targets)
{
	my ($p, $q) = @$pt;
	my $n = "'$p->{title}'";
	my ($sql, $iv_ms) = expand_query($q->{rawSql}, %range, panel_request($p, $min_interval));
	unlike($sql, qr/\$/, "$n: nothing left unexpanded");
	my ($err, $cols, $types, $rows) = run_as_grafana($sql);
	ok(!defined $err, "$n: runs as the grafana role") or diag("$err\n$sql");
	next if defined $err;
	is($cols->[0], 'time', "$n: first column is \"time\"");
	ok($time_types{ $types->[0] }, "$n: time column type $types->[0]");
	ok(@$rows > 0, "$n: rows in the range");
	my $low = floor($t0_ms / $iv_ms) * $iv_ms / 1000;    # first bucket may start before "from"
	my ($prev, $sorted, $inside) = (undef, 1, 1);
	for my $r (@$rows)
	{
		my $t = to_epoch($r->[0]);
		$sorted = 0 if defined $prev && $t <= $prev;
		$inside = 0 if $t < $low - 0.001 || $t > $to_ms / 1000 + 0.001;
		$prev = $t;
	}
	ok($sorted, "$n: time strictly ascending");
	ok($inside, "$n: every time inside the range");
	for my $i (1 .. $#$cols)
	{
		my $c = $cols->[$i];
		ok($numeric{ $types->[$i] }, "$n: column '$c' is numeric ($types->[$i])");
		ok($must_be_nonzero{$c} || $may_be_zero{$c}, "$n: column '$c' is classified in this test");
		my ($sum, $max) = (0, undef);
		for my $r (@$rows)
		{
			next unless defined $r->[$i];
			$sum += $r->[$i];
			$max = $r->[$i] if !defined $max || $r->[$i] > $max;
		}
		ok(defined $max && $max > 0, "$n: column '$c' is non-zero") if $must_be_nonzero{$c};
	}

	# sums per interval add up to the raw history; maxima match the raw maximum
	my $between = sprintf("ts BETWEEN '%s' AND '%s'", rfc3339nano($t0_ms), rfc3339nano($to_ms));
	while ($q->{rawSql} =~ /\b(sum|max)\((\w+)\) AS "([^"]+)"/g)
	{
		my ($agg, $col, $alias) = ($1, $2, $3);
		my ($i) = grep { $cols->[$_] eq $alias } 0 .. $#$cols;
		next unless defined $i;
		my $got = 0;
		for my $r (@$rows)
		{
			next unless defined $r->[$i];
			$got = $agg eq 'sum' ? $got + $r->[$i] : ($r->[$i] > $got ? $r->[$i] : $got);
		}
		my $want = superuser_value("SELECT coalesce($agg($col), 0) FROM loadguard.history WHERE $between");
		cmp_ok(abs($got - $want), '<', 1e-6, "$n: $agg of '$alias' over the intervals equals the raw history ($want)");
		cmp_ok($got, '>=', $induced{$col}, "$n: '$alias' counts all $induced{$col} induced")
		  if $agg eq 'sum' && $induced{$col};
	}

	# the same query over a range before the cluster existed: no rows
	my ($old_sql) = expand_query($q->{rawSql}, %range,
		from_ms => $t0_ms - 86400000, to_ms => $t0_ms - 86400000 + 3600000,
		panel_request($p, $min_interval));
	my ($e2, undef, undef, $rows2) = run_as_grafana($old_sql);
	ok(!defined $e2 && @$rows2 == 0, "$n: a range before the cluster existed has no rows");
}

# Table panels: generic checks, then what each must show.
my %table_checks = (
	'Client connections' => sub {
		my ($c, $r) = @_;
		return @$r == 1 && $r->[0][0] > 0 && $r->[0][1] == 7 && $r->[0][2] == 10;
	},
	'Connection usage' => sub { my ($c, $r) = @_; @$r == 1 && $r->[0][0] > 0 },
	'Refused connections' => sub {
		my ($c, $r) = @_;
		my $want = 0;
		$want += $induced{$_} // 0
		  for qw(rejected_too_many_clients rejected_reserved_slots rejected_database_limit rejected_role_limit);
		return @$r == 1 && $r->[0][0] >= $want;
	},
	'Statement timeouts' => sub { my ($c, $r) = @_; @$r == 1 && $r->[0][0] >= 3 },
	'Last minute' => sub { my ($c, $r) = @_; @$r == 1 && $r->[0][0] > 0 && $r->[0][1] > 0 },
	'Readiness for ${users} users' => sub {
		my ($c, $r) = @_;
		return @$r == 1 && $r->[0][0] eq 'NOT READY';    # refused connections in the lookback
	},
	'Policy actions in the time range' => sub {
		my ($c, $r) = @_;
		my ($ai) = grep { $c->[$_] eq 'action' } 0 .. $#$c;
		my ($pi) = grep { $c->[$_] eq 'pid' } 0 .. $#$c;
		return scalar grep {
			$_->[$ai] eq 'terminate' && $_->[$pi] == $victim_pid
			  && to_epoch($_->[0]) >= $t0_ms / 1000 && to_epoch($_->[0]) <= $to_ms / 1000
		} @$r;
	},
	'Node overview' => sub {
		# the fleet row's line for this node (one datasource here; the fleet
		# tier, test/grafana_fleet.pl, runs it per node of a Patroni cluster)
		my ($c, $r) = @_;
		my %v = map { $c->[$_] => $r->[0][$_] } 0 .. $#$c;
		my $refused = 0;
		$refused += $induced{$_}
		  for qw(rejected_too_many_clients rejected_reserved_slots rejected_database_limit rejected_role_limit);
		return @$r == 1
		  && $v{role} eq 'primary'
		  && $v{'refused in range'} == $refused
		  && $v{'slots used'} =~ m{^\d+ / \d+$}
		  && $v{busy} =~ /^\d+$/
		  && $v{verdict} eq 'NOT READY';
	},
	'Readiness verdict' => sub {
		my ($c, $r) = @_;
		return @$r == 1 && $r->[0][0] == 1000 && $r->[0][1] eq 'NOT READY';
	},
	'Connection pattern and pooler size' => sub {
		# no baseline with the default variables: the pattern is unknown and
		# its figures are empty, but the cost of a connection is measured on
		# every connection this test made
		my ($c, $r) = @_;
		my %v = map { $c->[$_] => $r->[0][$_] } 0 .. $#$c;
		return @$r == 1
		  && $v{pattern} eq 'unknown'
		  && !defined $v{'held now'}
		  && $v{'connections/s'} > 0
		  && $v{'peak connections/s'} >= $v{'connections/s'}
		  && $v{'connect avg ms'} > 0
		  && $v{'connect p95 ms'} > 0;
	},
	'Readiness checks' => sub {
		my ($c, $r) = @_;
		return @$r >= 4 && !grep({ $_->[1] !~ /^(pass|warn|fail|skip)$/ } @$r)
		  && grep({ $_->[1] eq 'fail' } @$r);
	},
	'Sessions worth a look' => sub {
		my ($c, $r) = @_;
		my %col = map { $c->[$_] => $_ } 0 .. $#$c;
		my ($h) = grep { $_->[ $col{pid} ] == $holder_pid } @$r;
		my ($w) = grep { $_->[ $col{pid} ] == $waiter_pid } @$r;
		return $h && $w
		  && $h->[ $col{state} ] eq 'idle in transaction'
		  && $h->[ $col{blocking} ] =~ /\b$waiter_pid\b/
		  && $w->[ $col{'blocked by'} ] =~ /\b$holder_pid\b/
		  && $h->[ $col{'transaction age'} ] > 0;
	},
	'Totals in the time range' => sub {
		my ($c, $r) = @_;
		my %v = map { $c->[$_] => $r->[0][$_] } 0 .. $#$c;
		my $refused = 0;
		$refused += $induced{$_}
		  for qw(rejected_too_many_clients rejected_reserved_slots rejected_database_limit rejected_role_limit);
		return @$r == 1
		  && $v{'peak connections'} == 10
		  && $v{'peak usage'} > 100    # superusers in the reserved slots
		  && $v{'refused connections'} == $refused
		  && $v{'statement timeouts'} == $induced{statement_timeout}
		  && $v{'statements'} >= $induced{statements}
		  && $v{'policy actions'} == $induced{policy_actions};
	},
	'Top connection consumers' => sub {
		my ($c, $r) = @_;
		return scalar grep { $_->[0] eq 'role' && $_->[1] eq 'app' && $_->[2] >= 4 } @$r;
	},
	'Events since reset' => sub {
		my ($c, $r) = @_;
		my %total = map { $_->[0] => $_->[2] } @$r;
		return !grep { ($total{$_} // 0) < $induced{$_} }
		  grep { $_ ne 'policy_actions' && $_ ne 'statements' } keys %induced;
	});

for my $pt (@table_targets)
{
	my ($p, $q) = @$pt;
	my $n = "'$p->{title}'";
	if ($p->{title} eq 'Last minute')
	{
		# "the last minute" ends now, and reading the panels before this one
		# may have taken longer than a minute on a busy machine: run a few
		# statements now and wait until the worker has published them
		$node->safe_psql('postgres', join('', map { "SELECT pg_sleep(0.002);\n" } 1 .. 20),
			extra_params => [ '-U', 'app' ]);
		ok(lg_wait_for($node, 'SELECT statements_per_s > 0 AND latency_p95_ms > 0 FROM loadguard.status',
				'the last minute published'), "$n: the worker published the last minute");
	}
	my ($sql) = expand_query($q->{rawSql}, %range, panel_request($p, $min_interval));
	unlike($sql, qr/\$/, "$n: nothing left unexpanded");
	my ($err, $cols, $types, $rows) = run_as_grafana($sql);
	ok(!defined $err, "$n: runs as the grafana role") or diag("$err\n$sql");
	next if defined $err;
	for my $i (0 .. $#$cols)
	{
		ok($grafana_types{ $types->[$i] }, "$n: column '$cols->[$i]' has a type Grafana reads ($types->[$i])");
	}
	my $check = $table_checks{ $p->{title} };
	ok($check, "$n: has a content check in this test");
	ok($check && $check->($cols, $rows), "$n: shows what was induced")
	  or diag(explain({ columns => $cols, rows => $rows }));
}

# Readiness with other variable values, and a hostile one.
my ($ready) = grep { $_->[0]{title} eq 'Readiness verdict' } @table_targets;
{
	my ($sql) = expand_query($ready->[1]{rawSql}, %range,
		vars => { %defaults, users => '50000', baseline_users => '5', lookback => '1 hour', app_role => 'app' },
		max_data_points => 100);
	my ($err, $cols, $types, $rows) = run_as_grafana($sql);
	ok(!defined $err && @$rows == 1 && $rows->[0][0] == 50000,
		'readiness with users, baseline_users, lookback and app_role set') or diag($err // explain($rows));

	# the pattern panel with a baseline: the 7 app sessions of the lookback,
	# mostly idle, held now and at 50 users, busy, and the pooler size
	my ($pat) = grep { $_->[0]{title} eq 'Connection pattern and pooler size' } @table_targets;
	($sql) = expand_query($pat->[1]{rawSql}, %range,
		vars => { %defaults, users => '50', baseline_users => '7', lookback => '1 hour', app_role => 'app' },
		max_data_points => 100);
	($err, $cols, $types, $rows) = run_as_grafana($sql);
	ok(!defined $err && @$rows == 1, 'pattern panel with baseline_users and app_role') or diag($err // explain($rows));
	my %v = map { $cols->[$_] => $rows->[0][$_] } 0 .. $#$cols;
	is($v{pattern}, 'persistent, mostly idle', 'pattern panel: 7 idle app sessions are persistent, mostly idle')
	  or diag(explain(\%v));
	ok(defined $v{'held now'} && $v{'held now'} >= 7, "pattern panel: held now ($v{'held now'} >= 7)");
	ok(defined $v{'held projected'} && $v{'held projected'} >= 50,
		"pattern panel: held projected at 50 users ($v{'held projected'})");
	ok(defined $v{'busy p95 now'} && defined $v{'busy peak now'} && defined $v{'busy p95 projected'}
		  && defined $v{'busy peak projected'} && $v{'busy peak projected'} >= $v{'busy p95 projected'},
		'pattern panel: busy p95 and peak, now and projected');
	ok(defined $v{'pooler size'} && $v{'pooler size'} >= 1 && $v{'pooler size'} < $v{'held projected'},
		"pattern panel: a pooler of $v{'pooler size'} server connections for $v{'held projected'} held");
	ok($v{'connect avg ms'} > 0, "pattern panel: app's connections cost $v{'connect avg ms'} ms on average");

	($sql) = expand_query($ready->[1]{rawSql}, %range,
		vars => { %defaults, users => "1', baseline_users => 2) --" }, max_data_points => 100);
	($err) = run_as_grafana($sql);
	like($err // '', qr/invalid input syntax for type integer/,
		'a quote in the users textbox stays inside the literal (no SQL injection)');
}

# the holder's disconnect releases the lock, then the waiter can finish
$holder->quit;
$waiter->quit;
$_->quit for @app;

###########################################################################
# Longer ranges after a restart: the minute rollup, restored
###########################################################################

# Every panel reads loadguard.history_range($__timeFrom(), $__timeTo(),
# '$__interval'): raw samples while the raw history covers the range and the
# interval is under a minute, else the minutes.  Wait until the minute of
# the last induced event is rolled up, restart, and read again over ranges
# from 5 minutes to 7 days.
my $events_minute = floor($events_done / 60) * 60;
ok(lg_wait_for($node,
		"SELECT max(ts) >= to_timestamp($events_minute) FROM loadguard.history_minutes",
		'the minute of the induced events is rolled up', 150),
	'minute rollup caught up');
my $minutes_before = superuser_value(
	"SELECT string_agg(m::text, E'\\n' ORDER BY ts) FROM loadguard.history_minutes m");
my $minutes_max_ts = superuser_value('SELECT max(ts) FROM loadguard.history_minutes');
my $log_offset = -s $node->logfile;
$node->restart;
ok(lg_wait_for($node, 'SELECT last_tick_at > pg_postmaster_start_time() FROM loadguard.status',
		'worker ticking after the restart'), 'worker ticking after the restart');
like(slurp_file($node->logfile, $log_offset), qr/loadguard restored its state/,
	'state restored at start');
is(superuser_value(
		"SELECT string_agg(m::text, E'\\n' ORDER BY ts) FROM loadguard.history_minutes m WHERE ts <= '$minutes_max_ts'"),
	$minutes_before, 'history_minutes rows are the same after the restart');

# history_minutes names a minute's maxima *_max; history_range uses the raw names
my %minute_col = map { $_ => "${_}_max" } qw(client_connections usage_pct active idle
  idle_in_transaction idle_in_transaction_aborted waiting_on_lock busy_connections);
my $now_ms = int(time() * 1000);
my ($raw_oldest, $minutes_oldest) = split /\|/, superuser_value(
	q{SELECT extract(epoch FROM (SELECT min(ts) FROM loadguard.history)),
	         coalesce(extract(epoch FROM (SELECT min(ts) FROM loadguard.history_minutes)), 0)});
my %resolutions;
my @ranges = (
	[ '5 minutes', 5 * 60 ],
	[ '6 hours', 6 * 3600 ],
	[ '24 hours', 86400 ],
	[ '7 days', 7 * 86400 ]);
for my $rg (@ranges)
{
	my ($label, $span) = @$rg;
	my %r = (%range, from_ms => $now_ms - $span * 1000, to_ms => $now_ms);
	my $between = sprintf("ts BETWEEN '%s' AND '%s'", rfc3339nano($r{from_ms}), rfc3339nano($r{to_ms}));
	my $covers_events = $r{from_ms} <= $t0_ms;
	for my $pt (@series_targets)
	{
		my ($p, $q) = @$pt;
		my $n = "'$p->{title}' over $label after restart";
		my ($sql, $iv_ms) = expand_query($q->{rawSql}, %r, panel_request($p, $min_interval));
		# the documented choice: minutes for an interval of a minute or more,
		# or when the raw ring starts after "from" while the minutes reach further back
		my $minutes = $iv_ms >= 60000
		  || ($raw_oldest > $r{from_ms} / 1000 && $minutes_oldest > 0
			&& $minutes_oldest + 60 <= $raw_oldest);
		$resolutions{ $minutes ? 'minutes' : 'raw' }++;
		my ($err, $cols, $types, $rows) = run_as_grafana($sql);
		ok(!defined $err, "$n: runs") or diag("$err\n$sql");
		next if defined $err;
		ok(@$rows > 0, "$n: rows");
		my ($prev, $sorted, $inside) = (undef, 1, 1);
		my $low = floor($r{from_ms} / $iv_ms) * $iv_ms / 1000;
		for my $row (@$rows)
		{
			my $t = to_epoch($row->[0]);
			$sorted = 0 if defined $prev && $t <= $prev;
			$inside = 0 if $t < $low - 0.001 || $t > $r{to_ms} / 1000 + 0.001;
			$prev = $t;
		}
		ok($sorted && $inside, "$n: time ascending, inside the range");

		# which resolution history_range chose, against both sources
		# minutes are folded into one row per $__interval when it is wider
		my $bucket_s = $iv_ms > 60000 ? $iv_ms / 1000 : 60;
		my $want_rows = $minutes
		  ? superuser_value("SELECT count(DISTINCT floor(extract(epoch FROM ts) / $bucket_s))
			  FROM loadguard.history_minutes WHERE $between")
		  : superuser_value("SELECT count(*) FROM loadguard.history WHERE $between");
		(my $range_args = $sql) =~ /history_range\(([^)]*)\)/;
		is(superuser_value("SELECT count(*) FROM loadguard.history_range($1)"), $want_rows,
			"$n: " . ($minutes ? 'minutes' : 'raw samples') . " in the range");

		while ($q->{rawSql} =~ /\b(sum|max)\((\w+)\) AS "([^"]+)"/g)
		{
			my ($agg, $col, $alias) = ($1, $2, $3);
			my ($i) = grep { $cols->[$_] eq $alias } 0 .. $#$cols;
			next unless defined $i;
			my $got = 0;
			for my $row (@$rows)
			{
				next unless defined $row->[$i];
				$got = $agg eq 'sum' ? $got + $row->[$i] : ($row->[$i] > $got ? $row->[$i] : $got);
			}
			my $want = $minutes
			  ? superuser_value("SELECT coalesce($agg(" . ($minute_col{$col} // $col)
				  . "), 0) FROM loadguard.history_minutes WHERE $between")
			  : superuser_value("SELECT coalesce($agg($col), 0) FROM loadguard.history WHERE $between");
			cmp_ok(abs($got - $want), '<', 1e-3 * (1 + abs($want)),
				"$n: $agg of '$alias' equals the " . ($minutes ? 'minutes' : 'raw history') . " ($want)");
			cmp_ok($got, '>=', $induced{$col}, "$n: '$alias' counts all $induced{$col} induced")
			  if $agg eq 'sum' && $induced{$col} && $covers_events;
			ok($got > 0, "$n: '$alias' is non-zero")
			  if $agg eq 'max' && $must_be_nonzero{$alias} && $covers_events;
		}
	}

	# the totals panel, over the same range
	my ($totals) = grep { $_->[0]{title} eq 'Totals in the time range' } @table_targets;
	my ($sql) = expand_query($totals->[1]{rawSql}, %r, panel_request($totals->[0], $min_interval));
	my ($err, $cols, $types, $rows) = run_as_grafana($sql);
	ok(!defined $err, "'Totals' over $label after restart: runs") or diag($err);
	ok($table_checks{'Totals in the time range'}->($cols, $rows),
		"'Totals' over $label after restart: shows what was induced")
	  or diag(explain({ columns => $cols, rows => $rows }))
	  if $covers_events;
}

ok($resolutions{minutes} && $resolutions{raw}, 'ranges read both raw samples and minutes')
  or diag(explain(\%resolutions));

# a range inside the raw ring, at one-minute resolution: minutes
{
	my $from = rfc3339nano($t0_ms);
	my $to = rfc3339nano($now_ms);
	is(superuser_value("SELECT count(*) FROM loadguard.history_range('$from', '$to', '1 minute')"),
		superuser_value("SELECT count(*) FROM loadguard.history_minutes WHERE ts BETWEEN '$from' AND '$to'"),
		'resolution of a minute reads the minutes');
	is(superuser_value("SELECT count(*) FROM loadguard.history_range('$from', '$to')"),
		superuser_value("SELECT count(*) FROM loadguard.history WHERE ts BETWEEN '$from' AND '$to'"),
		'no resolution, range inside the raw history: raw samples');
}

$node->stop;
done_testing();
