# 012_pressure.pl — the pressure line: logged when usage crosses
# loadguard.log_pressure, naming the top application and role, at most once a
# minute; and logged for a refused connection alone.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $line_re = qr/LOG:  loadguard: connection pressure: (.*)/;

sub pressure_lines
{
	my ($node, $offset) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @lines = ($log =~ /$line_re/g);
	return wantarray ? @lines : scalar(@lines);
}

sub wait_for_line
{
	my ($node, $offset, $timeout) = @_;
	my $deadline = time() + ($timeout // $PostgreSQL::Test::Utils::timeout_default);
	while (time() < $deadline)
	{
		my @lines = pressure_lines($node, $offset);
		return $lines[0] if @lines;
		usleep(100_000);
	}
	return undef;
}

# 10 slots, 3 reserved for superusers: 7 usable; 50 % is 4 connections
my $node = lg_node('pressure',
	"max_connections = 10\nsuperuser_reserved_connections = 3\nloadguard.log_pressure = 50\n");
$node->safe_psql('postgres', 'CREATE ROLE lg_app LOGIN');
my $offset = -s $node->logfile;

# below the threshold: a few seconds of ticks, no line
my $t0 = $node->safe_psql('postgres', 'SELECT ticks FROM loadguard.status');
ok(lg_wait_for($node, "SELECT ticks >= $t0 + 20 FROM loadguard.status", 'ticks below threshold'),
	'worker ticks below the threshold');
is(scalar(pressure_lines($node, $offset)), 0, 'no pressure line below the threshold');

# cross it: 3 sessions of lg_app named lg_busy_app, 1 more of another application
my @sessions;
for my $i (1 .. 3)
{
	my $s = $node->background_psql('postgres', extra_params => [ '-U', 'lg_app' ]);
	$s->query_safe("SET application_name = 'lg_busy_app'");
	$s->query_safe('BEGIN');
	$s->query_safe('SELECT 1');
	push @sessions, $s;
}
my $other = $node->background_psql('postgres');
$other->query_safe("SET application_name = 'lg_other_app'");
push @sessions, $other;

my $line = wait_for_line($node, $offset);
ok(defined $line, 'a pressure line appears once usage reaches 50 %');
$line //= '';
note("pressure line: $line");
like($line, qr/^(\d+) of 7 usable connections in use \((\d+\.\d)%\)/, 'it gives usage of the usable connections');
my ($used) = $line =~ /^(\d+) of/;
ok(defined $used && $used >= 4, 'at least the 4 sessions are counted');
like($line, qr/3 idle in transaction/, 'it gives the states');
like($line, qr/oldest idle in transaction \d+\.\d s/, 'it gives the oldest idle-in-transaction age');
like($line, qr/0 refused since the last line/, 'it gives the refusals since the last line');
like($line, qr/top applications: "lg_busy_app" \(3\)/, 'the top application comes first, with its count');
like($line, qr/top roles: "lg_app" \(3\)/, 'the top role comes first, with its count');

# still over the threshold for many more ticks: no second line within a minute
# of the first (its log line's time; the check is only meaningful while the
# minute lasts, and it must end within it)
my $first_at = time();
my $t1 = $node->safe_psql('postgres', 'SELECT ticks FROM loadguard.status');
ok(lg_wait_for($node, "SELECT ticks >= $t1 + 30 AND usage_pct >= 50 FROM loadguard.status", 'more ticks over'),
	'30 more ticks with usage over the threshold');
my $lines = scalar(pressure_lines($node, $offset));
cmp_ok(time() - $first_at, '<', 55, '30 ticks passed well within the minute');
is($lines, 1, 'the line does not repeat within a minute');

$_->quit for @sessions;
$node->stop;

# --- a refused connection alone (usage far below the threshold) ---
my $quiet = lg_node('refused',
	"max_connections = 20\nloadguard.log_pressure = 100\n");
$quiet->safe_psql('postgres', 'CREATE ROLE lg_limited LOGIN CONNECTION LIMIT 1');
$offset = -s $quiet->logfile;
my $holder = $quiet->background_psql('postgres', extra_params => [ '-U', 'lg_limited' ]);

# A burst that is over before the refusal: the line must still show it.
my @burst = map { $quiet->background_psql('postgres') } 1 .. 4;
ok(lg_wait_for($quiet, 'SELECT client_connections >= 5 FROM loadguard.status', 'burst sampled'),
	'the burst of 4 sessions next to the holder is sampled');
$_->quit for @burst;
ok(lg_wait_for($quiet, 'SELECT client_connections <= 2 FROM loadguard.status', 'burst over'),
	'the burst is over before the refusal');
my ($ret, $out, $err) = $quiet->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'lg_limited' ]);
like($err, qr/too many connections for role "lg_limited"/, 'the second lg_limited connection is refused');

# Refusals reach the sample through the events module's log hook.
ok(lg_wait_for($quiet, 'SELECT rejected_connections > 0 FROM loadguard.status', 'refusal counted'),
	'the refusal is counted');
$line = wait_for_line($quiet, $offset);
ok(defined $line, 'a refused connection alone triggers the pressure line');
$line //= '';
note("pressure line: $line");
like($line, qr/\b1 refused since the last line/, 'it counts the refusal');
my ($now_used, $peak) = $line =~ /^(\d+) of \d+ usable connections in use \(\d+\.\d%\), at most (\d+) at once since the last line;/;
ok(defined $peak && $peak >= 5 && $peak > $now_used,
	'it gives the most connections open at once since the last line: the burst, above the count now')
  or diag("line: $line");
my ($pct) = $line =~ /\((\d+\.\d)%\)/;
ok(defined $pct && $pct < 100, 'while usage is below the threshold');
$holder->quit;
$quiet->stop;
done_testing();
