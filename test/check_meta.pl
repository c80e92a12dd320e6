#!/usr/bin/perl
# test/check_meta.pl — the release metadata agree (`make test`: check/meta):
#   * META.json is valid JSON and follows the PGXN Meta Spec 1.0.0: the
#     required keys, semantic versions, a license the spec names, provides
#     with a file that exists and a version, prereqs on PostgreSQL 15,
#     resources, tags;
#   * one version everywhere: loadguard.control's default_version (1.1) is
#     META.json's version and provides version (1.1.0, the semver spelling),
#     debian/changelog's upstream version, and the upgrade scripts reach it;
#   * `make dist` (inside a git work tree) makes loadguard-<version>.zip whose
#     every entry is under loadguard-<version>/ and which holds META.json,
#     the control file and the Makefile at that prefix.
# Prints each problem and exits 1 if there is any.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use JSON::PP;

my $top = abs_path(dirname(abs_path($0)) . '/..');
chdir $top or die "cannot chdir to $top: $!";
my @problems;
sub problem { push @problems, join('', @_); }

sub slurp {
	my ($path) = @_;
	open(my $fh, '<', $path) or die "cannot read $path: $!";
	local $/;
	my $text = <$fh>;
	close $fh;
	return $text;
}

my $semver = qr/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+)?$/;
my %licenses = map { $_ => 1 } qw(agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd
	freebsd gfdl_1_2 gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0
	mozilla_1_1 openssl perl_5 postgresql qpl_1_0 ssleay sun zlib open_source
	restricted unrestricted unknown);

# --- META.json --------------------------------------------------------------
my $meta = eval { JSON::PP->new->utf8->relaxed(0)->decode(slurp('META.json')) };
if (!$meta) {
	print "META.json is not valid JSON: $@";
	exit 1;
}
for my $key (qw(name abstract version maintainer license provides meta-spec prereqs resources tags)) {
	problem("META.json: no \"$key\"") unless defined $meta->{$key};
}
problem("META.json: name is \"", $meta->{name} // '', "\", not loadguard")
	unless ($meta->{name} // '') eq 'loadguard';
problem("META.json: version \"", $meta->{version} // '', "\" is not a semantic version")
	unless ($meta->{version} // '') =~ $semver;
problem("META.json: meta-spec version is not 1.0.0")
	unless (($meta->{'meta-spec'} // {})->{version} // '') eq '1.0.0';
for my $l (ref $meta->{license} eq 'ARRAY' ? @{$meta->{license}}
	: ref $meta->{license} eq 'HASH' ? keys %{$meta->{license}} : ($meta->{license} // ())) {
	problem("META.json: license \"$l\" is not one the PGXN Meta Spec names")
		unless $licenses{$l} || ref $meta->{license} eq 'HASH';
}
my $provides = $meta->{provides} // {};
problem("META.json: provides has no \"loadguard\"") unless $provides->{loadguard};
for my $ext (sort keys %$provides) {
	my $p = $provides->{$ext};
	problem("META.json: provides.$ext has no file") unless $p->{file};
	problem("META.json: provides.$ext.file $p->{file} does not exist") if $p->{file} && !-f $p->{file};
	problem("META.json: provides.$ext.docfile $p->{docfile} does not exist") if $p->{docfile} && !-f $p->{docfile};
	problem("META.json: provides.$ext.version \"", $p->{version} // '', "\" is not a semantic version")
		unless ($p->{version} // '') =~ $semver;
	problem("META.json: provides.$ext.version differs from version")
		unless ($p->{version} // '') eq ($meta->{version} // '');
}
my $pg = ((($meta->{prereqs} // {})->{runtime} // {})->{requires} // {})->{PostgreSQL} // '';
problem("META.json: prereqs.runtime.requires.PostgreSQL \"$pg\" does not require 15")
	unless $pg =~ /(?:^|>=\s*)15\.0\.0\b/;
problem("META.json: resources is empty")
	unless ref $meta->{resources} eq 'HASH' && %{$meta->{resources}};
problem("META.json: tags is not a non-empty list of strings")
	unless ref $meta->{tags} eq 'ARRAY' && @{$meta->{tags}}
	&& !grep { ref $_ || !length $_ || length $_ > 255 } @{$meta->{tags}};

# --- one version ------------------------------------------------------------
my ($default) = slurp('loadguard.control') =~ /^\s*default_version\s*=\s*'([^']+)'/m;
if (!defined $default) {
	problem("loadguard.control: no default_version");
} else {
	my $as_semver = $default =~ /^\d+\.\d+$/ ? "$default.0" : $default;
	problem("META.json: version ", $meta->{version} // '', " is not default_version $default ($as_semver)")
		unless ($meta->{version} // '') eq $as_semver;
	my ($changelog) = slurp('debian/changelog') =~ /^loadguard \(([^)]+)\)/;
	(my $upstream = $changelog // '') =~ s/-[^-]*$//;
	$upstream =~ s/^\d+://;
	problem("debian/changelog: version ", $changelog // 'none', " is not default_version $default")
		unless $upstream eq $default;
	# the install and upgrade scripts reach default_version from a base script
	my @scripts = map { s/^loadguard--//r =~ s/\.sql$//r } glob('loadguard--*.sql');
	my %edge;
	my @reach;
	for (@scripts) {
		if (/^([^-]+)--(.+)$/) { push @{$edge{$1}}, $2; } else { push @reach, $_; }
	}
	my %seen;
	while (@reach) {
		my $v = shift @reach;
		next if $seen{$v}++;
		push @reach, @{$edge{$v} // []};
	}
	problem("the install scripts (", join(' ', sort glob('loadguard--*.sql')), ") do not reach default_version $default")
		unless $seen{$default};
	my ($data) = slurp('Makefile') =~ /^DATA\s*=\s*(.*)$/m;
	for my $f (glob('loadguard--*.sql')) {
		problem("Makefile: DATA does not install $f") unless ($data // '') =~ /\Q$f\E/;
	}
}

# --- make dist --------------------------------------------------------------
if (system('git rev-parse --is-inside-work-tree >/dev/null 2>&1') == 0) {
	my $dir = tempdir('lg-dist.XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $v = $meta->{version} // 'none';
	my $zip = "$dir/loadguard-$v.zip";
	if (system("make -s dist DISTDIR=$dir/ >$dir/dist.log 2>&1") != 0 || !-f $zip) {
		problem("make dist did not make loadguard-$v.zip: ", slurp("$dir/dist.log"));
	} else {
		my @entries = split /\n/, `unzip -Z1 '$zip'`;
		my @outside = grep { index($_, "loadguard-$v/") != 0 } @entries;
		problem("make dist: ", scalar(@outside), " entries outside loadguard-$v/, e.g. $outside[0]") if @outside;
		my %has = map { $_ => 1 } @entries;
		for my $f (qw(META.json loadguard.control Makefile)) {
			problem("make dist: no loadguard-$v/$f") unless $has{"loadguard-$v/$f"};
		}
		print "make dist: loadguard-$v.zip, ", scalar(@entries), " entries under loadguard-$v/\n" unless @problems;
	}
} else {
	print "make dist not checked: not a git work tree\n";
}

if (@problems) {
	print "$_\n" for @problems;
	exit 1;
}
print "META.json valid; version $meta->{version} = default_version $default = debian/changelog\n";
exit 0;
