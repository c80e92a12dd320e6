# 072_storm.pl — a connection storm against a full server: for a bounded
# time, several clients hammer the unix socket with non-superuser startup
# packets that are all refused (reserved slots).  Meanwhile a superuser
# connects afresh again and again through a reserved slot and reads every
# loadguard view; the worker keeps sampling (gaps between samples measured;
# every gap over two intervals shows up in ticks_late); the refusal counters
# match what the clients saw exactly.
#
# The storm clients speak the startup protocol directly (no psql per
# attempt), so that the client side is cheap and the rate is set by the
# server.  Fewer storm clients run than there are reserved slots: a refused
# backend holds a PGPROC until it exits, and the superuser must still find
# one free.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Socket::UNIX;
use POSIX ();
use Time::HiRes qw(usleep time);
use LoadGuardTest;

my $MAX = 18;
my $RESERVED = 8;
my $CLIENTS = 4;
my $STORM_SECONDS = 10;
my $INTERVAL_MS = 100;

my $node = lg_node('storm', <<"EOF");
max_connections = $MAX
superuser_reserved_connections = $RESERVED
lc_messages = 'C'
log_connections = off
EOF
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');
my $socket = $node->host . '/.s.PGSQL.' . $node->port;

my $admin = $node->background_psql('postgres', on_error_stop => 0, timeout => 600);
$admin->set_query_timer_restart();
sub sql { my $out = $admin->query($_[0]); chomp $out; return $out; }

# read exactly $n bytes, or undef
sub readn
{
	my ($sock, $n) = @_;
	my $buf = '';
	while (length($buf) < $n)
	{
		my $got = sysread($sock, $buf, $n - length($buf), length($buf));
		return undef unless $got;
	}
	return $buf;
}

# One startup attempt: 'ok', 'reserved', 'too_many' or 'other: ...'.
sub raw_attempt
{
	my ($user) = @_;
	my $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $socket)
	  or return "other: connect: $!";
	my $params = "user\0$user\0database\0postgres\0\0";
	syswrite($sock, pack('NN', 8 + length($params), 196608) . $params);
	for (;;)
	{
		my $hdr = readn($sock, 5) // return 'other: eof';
		my ($type, $len) = unpack('aN', $hdr);
		my $body = $len > 4 ? readn($sock, $len - 4) // return 'other: eof' : '';
		if ($type eq 'E')
		{
			my ($msg) = $body =~ /(?:^|\0)M([^\0]*)/;
			$msg //= '';
			# wait for the backend to close the socket: it has released its
			# PGPROC by then, so each client has at most one in flight
			my $rest;
			1 while sysread($sock, $rest, 8192);
			return 'reserved' if $msg =~ /remaining connection slots are reserved/;
			return 'too_many' if $msg =~ /too many clients already/;
			return "other: $msg";
		}
		if ($type eq 'Z')
		{
			syswrite($sock, 'X' . pack('N', 4));
			return 'ok';
		}
	}
}

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

# every view and set-returning function, read by a fresh superuser connection
my $read_all = join(";\n",
	'SELECT count(*) FROM loadguard.status',
	'SELECT count(*) FROM loadguard.history',
	'SELECT count(*) FROM loadguard.events',
	'SELECT count(*) FROM loadguard.connections',
	'SELECT count(*) FROM loadguard.sessions',
	'SELECT count(*) FROM loadguard.statement_latency',
	'SELECT count(*) FROM loadguard.latency_histogram',
	'SELECT count(*) FROM loadguard.terminations',
	'SELECT count(*) FROM loadguard.policy_stats',
	'SELECT count(*) FROM loadguard.readiness',
	'SELECT count(*) FROM loadguard.readiness(100)',
	'SELECT count(*) FROM loadguard.readiness_summary(100)',
	'SELECT count(*) FROM loadguard.config_check()',
	'SELECT count(*) FROM loadguard.report(100)') . ";\n";

# fill every non-reserved slot ($admin holds one)
my @hold = map {
	my $s = $node->background_psql('postgres', on_error_stop => 0, timeout => 600,
		extra_params => [ '-U', 'app' ]);
	$s
} 1 .. ($MAX - $RESERVED - 1);
is(raw_attempt('app'), 'reserved', 'the server is full for non-superusers');

# the machine's own sampling rhythm before the storm (same load otherwise):
# what the storm is compared with
my $calm_ts = sql('SELECT clock_timestamp()');
ok(lg_session_wait_for($admin, "SELECT count(*) >= 20 FROM loadguard.history WHERE ts > '$calm_ts'",
		'20 samples before the storm'), '20 samples before the storm');
my ($calm_rate, $calm_gap) = split /\|/, sql(qq{
	SELECT (count(*) - 1) / extract(epoch FROM max(ts) - min(ts)), max(gap)
	FROM (SELECT ts, extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) AS gap
	      FROM loadguard.history WHERE ts > '$calm_ts') g});

my $c0 = counters();
my ($ticks0, $late0) = split /\|/, sql('SELECT ticks, ticks_late FROM loadguard.status');
my $storm_dir = PostgreSQL::Test::Utils::tempdir();
# The storm lasts at least $STORM_SECONDS, at least $MIN_EACH attempts per
# client, and until a superuser has connected anew and read every view 5
# times during it.
my $MIN_EACH = 50;
my $stop_file = "$storm_dir/stop";
my $start = time();
my $storm_start_ts = sql('SELECT now()');
my @kids;
for my $w (1 .. $CLIENTS)
{
	my $pid = fork();
	die "fork failed" unless defined $pid;
	if ($pid == 0)
	{
		alarm($STORM_SECONDS + 2 * $PostgreSQL::Test::Utils::timeout_default);
		my %r;
		my $n = 0;
		while (!-e $stop_file || $n < $MIN_EACH)
		{
			$r{ raw_attempt('app') }++;
			$n++;
		}
		open(my $fh, '>', "$storm_dir/$w") or die;
		print $fh "$_\t$r{$_}\n" for keys %r;
		close $fh;
		POSIX::_exit(0);
	}
	push @kids, $pid;
}

my ($reads, $read_failures, $slowest) = (0, 0, 0);
while ($reads + $read_failures < 5 || time() < $start + $STORM_SECONDS)
{
	my $t = time();
	my ($ret, $out, $err) = $node->psql('postgres', $read_all);
	my $took = time() - $t;
	$slowest = $took if $took > $slowest;
	if ($ret == 0) { $reads++ }
	else { $read_failures++; diag("superuser read failed: $err") }
	usleep(200_000);    # the pace of the reads, not a wait
}
open(my $stop_fh, '>', $stop_file) or die;
close $stop_fh;
waitpid($_, 0) for @kids;
my $storm_s = time() - $start;
my $storm_end_ts = sql('SELECT now()');

my %seen;
for my $w (1 .. $CLIENTS)
{
	open(my $fh, '<', "$storm_dir/$w") or die;
	while (<$fh>)
	{
		chomp;
		my ($k, $v) = split /\t/;
		$seen{$k} += $v;
	}
}
my $attempts = 0;
$attempts += $_ for values %seen;
my $rate = $attempts / $storm_s;
note(sprintf('storm: %d refused-or-not attempts in %.1f s (%.0f/s) by %d clients: %s',
		$attempts, $storm_s, $rate, $CLIENTS, explain(\%seen)));
note(sprintf('superuser reads of every view during the storm: %d ok, %d failed, slowest %.2f s',
		$reads, $read_failures, $slowest));

is(join(',', sort keys %seen), 'reserved', 'every storm attempt was refused for reserved slots');
# The rate is the machine's: on the shared 2-core test machine a refused
# attempt costs the server a fork and a backend start, and plain PostgreSQL
# (no loadguard) manages about 15-20 full connections a second there with
# pgbench -C.  So the test asserts hundreds of refusals within the bounded
# time and reports the rate; see doc/persistence.md for the figures.
ok($attempts >= $CLIENTS * $MIN_EACH, sprintf('hundreds of refused attempts (%d, %.0f/s)', $attempts, $rate));
ok($reads >= 5, "the superuser read every view during the storm ($reads times)");
is($read_failures, 0, 'no superuser read failed');

my $c1 = counters();
is($c1->{rejected_reserved_slots} - $c0->{rejected_reserved_slots}, $seen{reserved},
	'rejected_reserved_slots = refusals the clients saw, exactly');
is($c1->{rejected_too_many_clients} - $c0->{rejected_too_many_clients}, 0,
	'no too-many-clients refusal: the reserved slots stayed usable');
is($c1->{connections_established} - $c0->{connections_established}, $reads + $read_failures,
	'connections_established = the superuser\'s connections, no storm attempt');

# the worker kept sampling
ok(lg_wait_for($node, "SELECT count(*) > 0 FROM loadguard.history WHERE ts > '$storm_end_ts'",
		'a sample after the storm'), 'the worker samples after the storm');
my ($late1) = sql('SELECT ticks_late FROM loadguard.status');
my ($samples, $max_gap, $long_gaps) = split /\|/, sql(qq{
	SELECT count(*), coalesce(max(gap), 0), count(*) FILTER (WHERE gap > 2 * $INTERVAL_MS / 1000.0)
	FROM (SELECT extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) AS gap
	      FROM loadguard.history WHERE ts BETWEEN '$storm_start_ts' AND '$storm_end_ts') g});
my $late = $late1 - $late0;
note(sprintf('history during the storm: %d samples in %.1f s, max gap %.3f s, %d gaps over two intervals, ticks_late +%d',
		$samples, $storm_s, $max_gap, $long_gaps, $late));
# compared with the calm before it on the same machine: a busy machine
# slows every process, a stall of the worker is its own
note(sprintf('before the storm: %.1f samples/s, max gap %.3f s', $calm_rate, $calm_gap));
ok($samples >= $storm_s * $calm_rate / 4,
	sprintf('the worker kept sampling during the storm (%d samples, %.1f/s before it)', $samples, $calm_rate));
my $stall = 2.0 > 10 * $calm_gap ? 2.0 : 10 * $calm_gap;
ok($max_gap < $stall, sprintf('no sampling stall: max gap %.3f s (limit %.1f s)', $max_gap, $stall));
# a gap over two intervals means a tick started over one interval late
ok($late >= $long_gaps, "every gap over two intervals is in ticks_late ($long_gaps gaps, +$late late)");
like(sql('SELECT ticks_late FROM loadguard.status'), qr/^\d+$/, 'status reports ticks_late');

$_->quit for @hold;
$admin->quit;
$node->stop;
done_testing();
