# LoadGuardTest.pm — helpers for loadguard's cluster-level TAP tests:
# a node with loadguard preloaded, and polling helpers that never sleep a
# fixed time where a condition can be awaited.
#
# Rules for tests (they must pass with every core busy, LG_STRESS=1):
#   - wait for a condition with a deadline (lg_wait_for, lg_poll_query,
#     lg_session_wait_for, lg_wait_ticks), never a fixed sleep;
#   - to see that something did NOT happen, give the worker a number of
#     ticks (lg_wait_ticks), not a number of seconds;
#   - expect only what the test made certain: a peak the sampler must have
#     seen is held until a history row shows it; an upper bound on a
#     duration comes from what the test measured, not from a guess.
# Deadlines default to PostgreSQL::Test::Utils' timeout_default
# (PG_TEST_TIMEOUT_DEFAULT; make test raises it under LG_STRESS=1).
package LoadGuardTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use Exporter 'import';

our @EXPORT = qw(lg_node lg_wait_for lg_worker_pid lg_poll_query lg_session_wait_for
  lg_session_poll lg_wait_ticks lg_ticks lg_state_split lg_state_join);

# A started node with loadguard preloaded and created in database postgres.
# Extra postgresql.conf lines may be passed as a string.
sub lg_node
{
	my ($name, $extra_conf, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $opts{allows_streaming} // 0);
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'loadguard'\n");
	$node->append_conf('postgresql.conf', "loadguard.sample_interval = '100ms'\n");
	# Cluster.pm turns this off; production servers have it on
	$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
	$node->append_conf('postgresql.conf', $extra_conf) if defined $extra_conf;
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION loadguard');
	lg_wait_for($node, 'SELECT last_tick_at IS NOT NULL FROM loadguard.status',
		'worker ticking');
	return $node;
}

# Poll $sql until it returns 't' (or $timeout seconds pass); return success.
sub lg_wait_for
{
	my ($node, $sql, $what, $timeout) = @_;
	$timeout //= $PostgreSQL::Test::Utils::timeout_default;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		my ($ret, $out, $err) = $node->psql('postgres', $sql);
		return 1 if $ret == 0 && defined $out && $out eq 't';
		usleep(50_000);
	}
	diag("timed out after ${timeout}s waiting for: $what");
	return 0;
}

# Poll $sql through an open BackgroundPsql session until it returns 't':
# for tests that must not add a connection while they wait (a full server,
# exact connection counts).  Return success.
sub lg_session_wait_for
{
	my ($session, $sql, $what, $timeout) = @_;
	return defined lg_session_poll($session, "SELECT CASE WHEN ($sql) THEN 't' END", $what, $timeout);
}

# Poll $sql through an open BackgroundPsql session until it returns a
# non-empty value; return it (undef on timeout).
sub lg_session_poll
{
	my ($session, $sql, $what, $timeout) = @_;
	$timeout //= $PostgreSQL::Test::Utils::timeout_default;
	my $deadline = time() + $timeout;
	# the session's own timer runs from its start unless restarted per query
	$session->set_query_timer_restart();
	while (time() < $deadline)
	{
		my $out = $session->query($sql);
		chomp $out if defined $out;
		return $out if defined $out && $out ne '';
		usleep(50_000);
	}
	diag("timed out after ${timeout}s waiting for: " . ($what // $sql));
	return undef;
}

# The worker's tick counter (status.ticks; it counts ticks with sampling
# disabled too).
sub lg_ticks
{
	my ($node) = @_;
	return $node->safe_psql('postgres', 'SELECT ticks FROM loadguard.status');
}

# Wait until the worker has completed $n more ticks after this call (or
# after tick $from when given); return success.  The way to give the worker
# time to act (or to show that it did not) without guessing seconds.
sub lg_wait_ticks
{
	my ($node, $n, $from, $timeout) = @_;
	$from //= lg_ticks($node);
	return lg_wait_for($node, "SELECT ticks >= $from + $n FROM loadguard.status",
		"$n ticks after tick $from", $timeout);
}

# Poll $sql until it returns a non-empty value; return it (undef on timeout).
sub lg_poll_query
{
	my ($node, $sql, $timeout) = @_;
	$timeout //= $PostgreSQL::Test::Utils::timeout_default;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		my ($ret, $out, $err) = $node->psql('postgres', $sql);
		return $out if $ret == 0 && defined $out && $out ne '';
		usleep(50_000);
	}
	return undef;
}

sub lg_worker_pid
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'loadguard'");
}

# The state file (src/model/persist_format.h), for tests that rewrite one
# section and keep the file valid: a 32-byte header (magic, format,
# pg_major, layout_version as uint32, payload_len as uint64, checksum and
# nsections as uint32), then per section a tag (uint32), a reserved uint32,
# its length (uint64) and its bytes.  The checksum is CRC-32C.
my @crc32c_table = map {
	my $c = $_;
	$c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1) for 1 .. 8;
	$c;
} 0 .. 255;

sub lg_crc32c
{
	my ($bytes) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc32c_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8) for unpack('C*', $bytes);
	return $crc ^ 0xFFFFFFFF;
}

# Split a state file into its header fields and [tag, bytes] per section.
sub lg_state_split
{
	my ($bytes) = @_;
	my @head = unpack('L4 Q L2', $bytes);
	my ($pos, @sections) = (32);
	for (1 .. $head[6])
	{
		my ($tag, undef, $len) = unpack('L2 Q', substr($bytes, $pos, 16));
		push @sections, [ $tag, substr($bytes, $pos + 16, $len) ];
		$pos += 16 + $len;
	}
	return (\@head, @sections);
}

# The inverse, with the payload length, checksum and section count redone.
sub lg_state_join
{
	my ($head, @sections) = @_;
	my $payload = join('', map { pack('L2 Q', $_->[0], 0, length($_->[1])) . $_->[1] } @sections);
	return pack('L4 Q L2', @$head[ 0 .. 3 ], length($payload), lg_crc32c($payload),
		scalar(@sections)) . $payload;
}

1;
