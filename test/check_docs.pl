#!/usr/bin/perl
# test/check_docs.pl — the documentation's shape, checked by `make test`:
#   * README.md is the front door: at most 15,000 bytes;
#   * every relative link in README.md, doc/*.md and grafana/README.md resolves:
#     the file exists and, for a link into a Markdown file, the #anchor is one of
#     that file's headings (GitHub's anchor rules: lower case, punctuation
#     dropped, spaces to hyphens, -1, -2... for repeats);
#   * every doc/*.md is linked from README.md, so no manual page is orphaned.
# Prints each problem and exits 1 if there is any.  Links inside fenced code
# blocks and inline code are not links and are ignored.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use Cwd qw(abs_path);

my $top = abs_path(dirname(abs_path($0)) . '/..');
chdir $top or die "cannot chdir to $top: $!";

my $README_MAX = 15000;
my @problems;
my %anchors_cache;

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:encoding(UTF-8)', $path) or die "cannot read $path: $!";
	local $/;
	my $text = <$fh>;
	close $fh;
	return $text;
}

# Lines outside fenced code blocks, with inline code spans blanked.
sub prose_lines {
	my ($text) = @_;
	my @out;
	my $fence;
	for my $line (split /\n/, $text) {
		if ($line =~ /^\s*(```|~~~)/) {
			if (!defined $fence) { $fence = $1; }
			elsif ($line =~ /^\s*\Q$fence\E/) { undef $fence; }
			push @out, '';
			next;
		}
		push @out, defined $fence ? '' : $line;
	}
	return @out;
}

sub slug {
	my ($heading) = @_;
	my $s = lc $heading;
	$s =~ s/^\s+|\s+$//g;
	$s =~ s/[^\w\- ]//g;
	$s =~ tr/ /-/;
	return $s;
}

sub anchors_of {
	my ($path) = @_;
	return $anchors_cache{$path} if $anchors_cache{$path};
	my (%set, %seen);
	for my $line (prose_lines(slurp($path))) {
		next unless $line =~ /^#{1,6}\s+(.*?)\s*#*\s*$/;
		my $s = slug($1);
		my $n = $seen{$s}++;
		$set{$n ? "$s-$n" : $s} = 1;
	}
	return $anchors_cache{$path} = \%set;
}

my @files = ('README.md', sort(glob('doc/*.md')));
push @files, 'grafana/README.md' if -f 'grafana/README.md';

my %linked_from_readme;
for my $file (@files) {
	my $lineno = 0;
	for my $line (prose_lines(slurp($file))) {
		$lineno++;
		(my $prose = $line) =~ s/`[^`]*`//g;
		while ($prose =~ /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g) {
			my $target = $1;
			next if $target =~ m{^[a-z][a-z0-9+.-]*:}i;    # http:, mailto: ...
			my ($path, $anchor) = split /#/, $target, 2;
			my $resolved = $file;
			if ($path ne '') {
				$resolved = File::Spec->canonpath(dirname($file) . "/$path");
				$resolved =~ s{(^|/)[^/]+/\.\./}{$1}g while $resolved =~ m{[^/.][^/]*/\.\./};
				if (!-e $resolved) {
					push @problems, "$file:$lineno: link to a missing file: $target";
					next;
				}
			}
			$linked_from_readme{$resolved} = 1 if $file eq 'README.md';
			if (defined $anchor && $anchor ne '') {
				if ($resolved !~ /\.md$/ || -d $resolved) {
					push @problems, "$file:$lineno: anchor into a file that is not Markdown: $target";
				} elsif (!anchors_of($resolved)->{$anchor}) {
					push @problems, "$file:$lineno: no heading for anchor #$anchor in $resolved";
				}
			}
		}
	}
}

my $size = -s 'README.md';
push @problems, "README.md is $size bytes, more than $README_MAX" if $size > $README_MAX;

for my $doc (sort glob('doc/*.md')) {
	push @problems, "$doc is not linked from README.md" unless $linked_from_readme{$doc};
}

if (@problems) {
	print "$_\n" for @problems;
	exit 1;
}
my $n = @files;
print "README.md $size bytes; links in $n files resolve; every doc/*.md is linked from README.md\n";
exit 0;
