# LoadGuardTest.pm — helpers for loadguard's cluster-level TAP tests:
# a node with loadguard preloaded, and polling helpers that never sleep a
# fixed time where a condition can be awaited.
package LoadGuardTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use Exporter 'import';

our @EXPORT = qw(lg_node lg_wait_for lg_worker_pid lg_poll_query);

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
	$timeout //= 30;
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

# Poll $sql until it returns a non-empty value; return it (undef on timeout).
sub lg_poll_query
{
	my ($node, $sql, $timeout) = @_;
	$timeout //= 30;
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

1;
