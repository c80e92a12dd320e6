# 046_readiness_refused_no_baseline.pl — refusals in the lookback without a
# baseline (the view's case, and config_check's): role app may hold 3
# connections (CONNECTION LIMIT 3) on a server with 17 usable slots; with 3
# held a 4th is refused.  readiness(U) with no baseline_users (c =
# loadguard.connections_per_user = 1) then estimates the users at the
# refusals from the 3 app connections held (4: the first U needing more),
# fails the connections check from there on although 10 users' demand fits
# the slots, keeps max_users at 3, never says "Up to", and says that the
# figure is estimated and how to measure it (baseline_users).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

# 20 slots, 3 reserved: 17 usable; 10 users + the fixed sessions pass 80 %
my $node = lg_node('refused_no_baseline', "max_connections = 20\n");
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN CONNECTION LIMIT 3');

my @app = map {
	$node->background_psql('postgres', extra_params => [ '-U', 'app' ])
} 1 .. 3;
$_->query_safe('SELECT 1') for @app;

my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'app' ]);
isnt($ret, 0, 'a 4th app connection is refused');
like($err, qr/too many connections for role "app"/, 'by the role limit');

my $args = "NULL, '15 minutes', 'app'";
ok(lg_wait_for($node,
		"SELECT status = 'fail' FROM loadguard.readiness(10, $args)
		  WHERE check_name = 'refused_connections'",
		'the refusal in the lookback'),
	'the refusal reached the history');

sub status_at
{
	my ($users) = @_;
	return $node->safe_psql('postgres',
		"SELECT status FROM loadguard.readiness($users, $args) WHERE check_name = 'connections'");
}

my ($demand, $usable, $max_users, $bottleneck, $summary) = split /\|/,
  $node->safe_psql('postgres',
	"SELECT demand_connections, usable_connections, max_users, bottleneck, summary
	   FROM loadguard.readiness_summary(10, $args)");
ok($demand * 5 <= $usable * 4,
	"10 users' demand ($demand) is within 80 % of the $usable usable slots");
is(status_at(10), 'fail', 'yet the connections check fails at 10 users: refused at an estimated 4');
is(status_at(4), 'fail', 'it fails at the estimated 4 users');
isnt(status_at(3), 'fail', 'it does not fail at the 3 users the held connections served');
is($max_users, '3', 'max_users stays below the estimate');
is($bottleneck, 'connections', 'the bottleneck is connections');
unlike($summary, qr/Up to/, 'the summary never says "Up to"');
like($summary, qr/at most 3 users fit/, 'the summary says at most');
like($summary, qr/estimated: no baseline given; pass baseline_users/,
	'the summary says the figure is estimated and how to measure it');
my ($detail, $fix) = split /\|/, $node->safe_psql('postgres',
	"SELECT detail, fix FROM loadguard.readiness(10, $args) WHERE check_name = 'connections'");
like($detail, qr/refused while the server held 3 scaling connections/,
	'the detail names the connections held at the refusals');
like($detail, qr/pass baseline_users/, 'the detail says how to measure it');
like($fix, qr/rejected_role_limit/, 'the fix points at the role and database limits');

$_->quit for @app;
$node->stop;
done_testing();
