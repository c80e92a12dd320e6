# GrafanaEmulator.pm — how Grafana expands a PostgreSQL panel query, for the
# tests that run the shipped dashboard without Grafana: t/060_grafana.pl
# (one node) and test/grafana_fleet.pl (the fleet tier, one datasource per
# node).  One copy of the rules, so both expand $__timeFrom(), $__timeTo(),
# $__interval and the other macros the same way.
#
# The emulation follows Grafana's source: macros from
# pkg/tsdb/grafana-postgresql-datasource/macros.go, $__interval from
# rangeutil.calculateInterval/roundInterval/secondsToHms, variables from
# SqlDatasource.interpolateVariable (single values: quotes doubled, no
# quoting added).  t/060_grafana.pl checks it against Grafana's own test
# vectors (macros_test.go).
package GrafanaEmulator;

use strict;
use warnings;
use POSIX qw(floor);
use Exporter 'import';

our @EXPORT = qw(rfc3339nano go_float parse_interval format_interval round_interval
  seconds_to_hms calculate_interval interpolate_variables interpolate_global
  interpolate_macros expand_query max_data_points panel_request);

# Go's time.RFC3339Nano of a UTC instant given in epoch milliseconds
# (Grafana's time range has millisecond precision): fraction without
# trailing zeros, none at all on a whole second.
sub rfc3339nano
{
	my ($ms) = @_;
	my $sec = floor($ms / 1000);
	my $frac = $ms - $sec * 1000;
	my @t = gmtime($sec);
	my $s = sprintf('%04d-%02d-%02dT%02d:%02d:%02d',
		$t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0]);
	if ($frac)
	{
		(my $f = sprintf('%03d', $frac)) =~ s/0+$//;
		$s .= ".$f";
	}
	return $s . 'Z';
}

# Go's %v of a float64 (strconv 'g', shortest): exponent form when the
# decimal exponent is below -4 or at least 6, as in 1.2096e+06.
sub go_float
{
	my ($x) = @_;
	my $abs = abs($x);
	if ($abs != 0 && ($abs < 1e-4 || $abs >= 1e6))
	{
		for my $p (0 .. 17)
		{
			my $s = sprintf("%.${p}e", $x);
			next unless $s + 0 == $x;
			$s =~ s/\.?0+e/e/;
			return $s;
		}
	}
	for my $p (0 .. 17)
	{
		my $s = sprintf("%.${p}f", $x);
		return $s if $s + 0 == $x;
	}
	return "$x";
}

# gtime.ParseInterval: seconds of "20s", "500ms", "1m", "2h", "1d", "1w".
sub parse_interval
{
	my ($text) = @_;
	my %unit = (ms => 0.001, s => 1, m => 60, h => 3600, d => 86400, w => 604800);
	$text =~ /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
	  or die "error parsing interval $text";
	return $1 * $unit{$2};
}

# gtime.FormatInterval (backend $__interval when the frontend left it).
sub format_interval
{
	my ($ms) = @_;
	return int($ms / 86400000) . 'd' if $ms >= 86400000;
	return int($ms / 3600000) . 'h' if $ms >= 3600000;
	return int($ms / 60000) . 'm' if $ms >= 60000;
	return int($ms / 1000) . 's' if $ms >= 1000;
	return int($ms) . 'ms' if $ms >= 1;
	return '1ms';
}

# rangeutil.roundInterval
sub round_interval
{
	my ($i) = @_;
	my @steps = (
		[ 10, 1 ], [ 15, 10 ], [ 35, 20 ], [ 75, 50 ], [ 150, 100 ],
		[ 350, 200 ], [ 750, 500 ], [ 1500, 1000 ], [ 3500, 2000 ],
		[ 7500, 5000 ], [ 12500, 10000 ], [ 17500, 15000 ], [ 25000, 20000 ],
		[ 45000, 30000 ], [ 90000, 60000 ], [ 210000, 120000 ],
		[ 450000, 300000 ], [ 750000, 600000 ], [ 1050000, 900000 ],
		[ 1500000, 1200000 ], [ 2700000, 1800000 ], [ 5400000, 3600000 ],
		[ 9000000, 7200000 ], [ 16200000, 10800000 ], [ 32400000, 21600000 ],
		[ 86400000, 43200000 ], [ 604800000, 86400000 ],
		[ 1814400000, 604800000 ], [ 3628800000, 2592000000 ]);
	for my $s (@steps)
	{
		return $s->[1] if $i < $s->[0];
	}
	return 31536000000;
}

# rangeutil.secondsToHms
sub seconds_to_hms
{
	my ($sec) = @_;
	my $y = floor($sec / 31536000);
	return "${y}y" if $y;
	my $d = floor(($sec % 31536000) / 86400);
	return "${d}d" if $d;
	my $h = floor((($sec % 31536000) % 86400) / 3600);
	return "${h}h" if $h;
	my $m = floor(((($sec % 31536000) % 86400) % 3600) / 60);
	return "${m}m" if $m;
	my $s = floor(((($sec % 31536000) % 86400) % 3600) % 60);
	return "${s}s" if $s;
	my $ms = floor($sec * 1000.0);
	return "${ms}ms" if $ms;
	return 'less than a millisecond';
}

# rangeutil.calculateInterval: ($interval_ms, $interval_text)
sub calculate_interval
{
	my ($from_ms, $to_ms, $resolution, $low_limit) = @_;
	my $low_ms = defined $low_limit ? parse_interval($low_limit) * 1000 : 1;
	my $ms = round_interval(($to_ms - $from_ms) / $resolution);
	$ms = $low_ms if $low_ms > $ms;
	return ($ms, seconds_to_hms($ms / 1000));
}

# Frontend templateSrv.replace with SqlDatasource.interpolateVariable:
# $var, ${var}, ${var:raw}, [[var]]; builtins from the request's scopedVars.
# Unknown names (the macros) are left as they are.
sub interpolate_variables
{
	my ($sql, $vars, $scoped) = @_;
	my $re = qr/\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}/;
	$sql =~ s{$re}{
		my ($whole, $name, $fmt) = ($&, $1 // $2 // $4, $3 // $6);
		if (exists $scoped->{$name}) { $scoped->{$name} }
		elsif (exists $vars->{$name})
		{
			my $v = $vars->{$name};
			die "variable format $fmt not emulated" if defined $fmt && $fmt ne 'raw';
			(defined $fmt) ? $v : ($v =~ s/'/''/gr);
		}
		else { $whole }
	}ge;
	return $sql;
}

# Backend sqleng.Interpolate: the global substitutions.
sub interpolate_global
{
	my ($sql, $interval_ms, $from_ms, $to_ms) = @_;
	my $i = format_interval($interval_ms);
	my ($f, $t) = (floor($from_ms / 1000), floor($to_ms / 1000));
	$sql =~ s/\$__interval_ms/$interval_ms/g;
	$sql =~ s/\$__interval/$i/g;
	$sql =~ s/\$__unixEpochFrom\(\)/$f/g;
	$sql =~ s/\$__unixEpochTo\(\)/$t/g;
	return $sql;
}

# postgresMacroEngine.Interpolate (TimescaleDB off).
sub interpolate_macros
{
	my ($sql, $from_ms, $to_ms) = @_;
	my $orig = $sql;
	my ($from, $to) = (rfc3339nano($from_ms), rfc3339nano($to_ms));
	my $eval;
	$eval = sub {
		my ($name, @args) = @_;
		if ($name eq '__time') { return "$args[0] AS \"time\"" }
		if ($name eq '__timeEpoch') { return "extract(epoch from $args[0]) as \"time\"" }
		if ($name eq '__timeFilter')
		{
			die "missing time column argument for macro $name" if $args[0] eq '';
			return "$args[0] BETWEEN '$from' AND '$to'";
		}
		if ($name eq '__timeFrom') { return "'$from'" }
		if ($name eq '__timeTo') { return "'$to'" }
		if ($name eq '__timeGroup')
		{
			die "macro $name needs time column and interval" if @args < 2;
			die "fill mode not emulated" if @args > 2;
			(my $iv = $args[1]) =~ s/^'+|'+$//g;
			my $s = go_float(parse_interval($iv));
			return "floor(extract(epoch from $args[0])/$s)*$s";
		}
		if ($name eq '__timeGroupAlias')
		{
			return $eval->('__timeGroup', @args) . ' AS "time"';
		}
		if ($name eq '__unixEpochFilter')
		{
			my ($f, $t) = (floor($from_ms / 1000), floor($to_ms / 1000));
			return "$args[0] >= $f AND $args[0] <= $t";
		}
		die "unknown macro \"$name\"";
	};
	$sql =~ s{\$([_a-zA-Z0-9]+)\(([^\)]*)\)}{
		my ($whole, $name, $argstr) = ($&, $1, $2);
		# pre-5.3 compatibility: $__timeGroup(...) followed by ',' aliases
		if ($name eq '__timeGroup')
		{
			my $at = index($orig, $whole);
			$name = '__timeGroupAlias'
			  if $at >= 0 && substr($orig, $at + length($whole), 1) eq ',';
		}
		my @args = map { s/^ +| +$//gr } split(/,/, $argstr, -1);
		@args = ('') unless @args;
		$eval->($name, @args);
	}ge;
	return $sql;
}

# The whole path of one panel query: frontend interval and variables, then
# the backend's global substitutions and macros.  %r: from_ms, to_ms,
# max_data_points, min_interval, vars (the dashboard variables' values) and
# scoped (variables a repeated row binds, as { datasource => 'node1' }).
sub expand_query
{
	my ($raw, %r) = @_;
	my ($iv_ms, $iv_text) =
	  calculate_interval($r{from_ms}, $r{to_ms}, $r{max_data_points}, $r{min_interval});
	my %scoped = (
		%{ $r{scoped} // {} },
		__interval => $iv_text,
		__interval_ms => $iv_ms,
		__from => $r{from_ms},
		__to => $r{to_ms});
	my $sql = interpolate_variables($raw, $r{vars}, \%scoped);
	$sql = interpolate_global($sql, $iv_ms, $r{from_ms}, $r{to_ms});
	$sql = interpolate_macros($sql, $r{from_ms}, $r{to_ms});
	return ($sql, $iv_ms);
}

# The points Grafana asks a panel for: maxDataPoints, else its width in
# pixels on a 1920-pixel screen.
sub max_data_points
{
	my ($p) = @_;
	return $p->{maxDataPoints} // int($p->{gridPos}{w} * 1920 / 24);
}

# The request Grafana builds for a panel: points = panel width in pixels
# (or maxDataPoints), min interval = the panel's, else the datasource's.
sub panel_request
{
	my ($p, $ds_min_interval) = @_;
	return (max_data_points => max_data_points($p),
		min_interval => $p->{interval} // $ds_min_interval);
}

1;
