#!/usr/bin/perl
# test/check_headers.pl — the include boundaries the design depends on
# (doc/design.md), checked by `make test` (checks tier) and by
# `make indent-check` (CI):
#   * no header under src/ includes postgres.h: as in core, only a .c file
#     includes it, first, so every header can be read after it;
#   * nothing under src/model/ (the plain-C core, built into the cmocka unit
#     tests without a server) includes a server header: a quoted include must
#     name a file of src/model/ itself, an angle-bracket include must be one
#     of the C library's headers listed below.
# Prints each problem (file:line: what) and exits 1 if there is any.
use strict;
use warnings;
use File::Basename qw(basename dirname);
use File::Find;
use Cwd qw(abs_path);

my $top = abs_path(dirname(abs_path($0)) . '/..');
chdir $top or die "cannot chdir to $top: $!";

# The C library headers the plain-C core may use (C99 and POSIX strings.h).
my %libc = map { $_ => 1 } qw(
  assert.h ctype.h errno.h float.h inttypes.h limits.h math.h stdarg.h
  stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h strings.h);

my @files;
find(
	{
		wanted => sub { push @files, $File::Find::name if /\.[ch]$/ && -f },
		no_chdir => 1
	},
	'src');
@files = sort @files;
die "no C sources found under $top/src\n" unless @files;

my %model_file = map { basename($_) => 1 } grep { m{^src/model/} } @files;
my @problems;

for my $f (@files) {
	my $in_model = $f =~ m{^src/model/};
	open(my $fh, '<', $f) or die "cannot read $f: $!";
	while (my $line = <$fh>) {
		next unless $line =~ /^\s*#\s*include\s*([<"])([^>"]+)[>"]/;
		my ($kind, $name) = ($1, $2);
		if ($f =~ /\.h$/ && $name =~ m{(^|/)postgres(_fe)?\.h$}) {
			push @problems, "$f:$.: a header includes $name (only .c files may, first)";
		}
		next unless $in_model;
		if ($kind eq '"' && !$model_file{$name}) {
			push @problems, "$f:$.: the plain-C core includes \"$name\", not a file of src/model/";
		}
		elsif ($kind eq '<' && !$libc{$name}) {
			push @problems, "$f:$.: the plain-C core includes <$name>, not a C library header";
		}
	}
	close $fh;
}

print "$_\n" for @problems;
if (@problems) {
	print scalar(@problems), " include boundary problem(s)\n";
	exit 1;
}
printf "%d files: no header includes postgres.h, src/model/ includes no server header\n",
  scalar(@files);
exit 0;
