#!/usr/bin/perl
# test/grafana_fleet.pl — the fleet overview of the shipped dashboard, as
# Grafana would run it with several datasources selected (one per node).
#   grafana_fleet.pl DASHBOARD.json CONNINFO_NODE1 CONNINFO_NODE2 ...
# Called by test/fleet.sh.  Grafana repeats a row with "repeat":
# "datasource" once per selected value and binds ${datasource} in that
# row's panels to the value (scopedVars); the emulation does that, then
# expands the query with the code t/060_grafana.pl uses
# (test/perl/GrafanaEmulator.pm: variables, $__interval from the panel's
# width over the last hour, $__timeFrom()/$__timeTo() and the other macros),
# and runs each node's query as the app role against that node.  Exit status
# 0 only if every check holds; prints one line per node.
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(dirname);
use FindBin;
use lib "$FindBin::Bin/perl";
use GrafanaEmulator;

my ($file, @conninfos) = @ARGV;
die "usage: $0 DASHBOARD CONNINFO...\n" unless $file && @conninfos >= 2;
my $dash = decode_json(do { local (@ARGV, $/) = $file; <> });
my @fail;
sub check { my ($ok, $what) = @_; push @fail, $what unless $ok; print(($ok ? "ok" : "not ok"), " - $what\n"); }

my ($dsvar) = grep { $_->{name} eq 'datasource' } @{ $dash->{templating}{list} };
check($dsvar && $dsvar->{type} eq 'datasource' && $dsvar->{multi}, 'datasource variable is multi-value');

# the repeated row and the panels under it (up to the next row)
my @panels = @{ $dash->{panels} };
my ($at) = grep { $panels[$_]{type} eq 'row' && ($panels[$_]{repeat} // '') eq 'datasource' } 0 .. $#panels;
check(defined $at, 'a row repeats per datasource');
exit 1 unless defined $at;
my @inner;
for my $i ($at + 1 .. $#panels)
{
	last if $panels[$i]{type} eq 'row';
	push @inner, $panels[$i];
}
check(@inner == 1 && $inner[0]{type} eq 'table', 'the repeated row holds the node table');
my $target = $inner[0]{targets}[0];
check($inner[0]{datasource}{uid} eq '${datasource}' && $target->{datasource}{uid} eq '${datasource}',
	'the node table queries the repeated datasource');

# the dashboard's defaults for the other variables
my %vars;
for my $v (@{ $dash->{templating}{list} })
{
	next if $v->{type} eq 'datasource';
	$vars{ $v->{name} } = $v->{current}{value} // '';
}
# the last hour, at Grafana's millisecond precision; the datasource's
# minimum interval from its provisioning file
my $to_ms = int(time) * 1000;
my $from_ms = $to_ms - 3600 * 1000;
my $ds_file = dirname($file) . '/provisioning/datasources/loadguard.yaml';
my ($ds_min_interval) = do { local (@ARGV, $/) = $ds_file; <> } =~ /^\s+timeInterval: (\S+)$/m;

my %roles;
for my $n (0 .. $#conninfos)
{
	my ($sql) = expand_query($target->{rawSql},
		from_ms => $from_ms, to_ms => $to_ms, vars => \%vars,
		scoped => { datasource => "node" . ($n + 1) },
		panel_request($inner[0], $ds_min_interval));
	check($sql !~ /\$/, "node " . ($n + 1) . ": every variable and macro expanded");
	open(my $ph, '-|', 'psql', '-X', '-At', '-F', '|', '-v', 'ON_ERROR_STOP=1', $conninfos[$n], '-c', $sql)
	  or die "psql: $!";
	my @rows = <$ph>;
	close $ph;
	check($? == 0 && @rows == 1, "node " . ($n + 1) . ": one line");
	next unless @rows;
	chomp(my $line = $rows[0]);
	print "# node " . ($n + 1) . ": $line\n";
	my ($role, $node, $usage, $slots, $busy, $refused, $verdict) = split /\|/, $line, -1;
	$roles{$role}++;
	check($role =~ /^(primary|replica)$/, "node " . ($n + 1) . ": role $role");
	check($usage =~ /^[0-9.]+$/ && $slots =~ m{^\d+ / \d+$} && $busy =~ /^\d+$/,
		"node " . ($n + 1) . ": usage, slots and busy are numbers");
	check($refused =~ /^\d+$/, "node " . ($n + 1) . ": refused in range is a count ($refused)");
	check($verdict =~ /\S/, "node " . ($n + 1) . ": verdict ($verdict)");
}
check(($roles{primary} // 0) == 1 && ($roles{replica} // 0) == @conninfos - 1,
	'one primary, the rest replicas');
exit(@fail ? 1 : 0);
