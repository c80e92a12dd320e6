# 074_clock_back.pl — the system clock goes back.  A shim preloaded into the
# server (LD_PRELOAD, built here) adds an offset read from a file to the
# wall clock, so the test can step the server's clock back while it runs and
# across a restart:
#   - the worker keeps ticking after a step back (it used to sleep as long as
#     the step: an hour without samples or policy);
#   - the history stays in ts order: samples stamped later than a new one are
#     dropped and logged.  Out of order, a read of loadguard.history fetched
#     the same chunk again and again and never ended (temp files until
#     temp_file_limit);
#   - the same after a restart whose restored samples were stamped by a clock
#     that was ahead.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $dir = PostgreSQL::Test::Utils::tempdir;
my $offset_file = "$dir/clock_offset";

# Wall clock + the offset in the file (whole seconds), re-read at most every
# 20 ms of monotonic time, for gettimeofday, clock_gettime(CLOCK_REALTIME)
# and time(); the monotonic clock is left alone.
my $shim_c = <<'C';
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long offset_s;
static struct timespec read_at;

static long
clock_offset(void)
{
	static int	(*real_mono) (clockid_t, struct timespec *) = NULL;
	struct timespec now;
	const char *path = getenv("LG_CLOCK_OFFSET_FILE");

	if (path == NULL)
		return 0;
	if (real_mono == NULL)
		real_mono = dlsym(RTLD_NEXT, "clock_gettime");
	real_mono(CLOCK_MONOTONIC, &now);
	if (read_at.tv_sec == 0 ||
		(now.tv_sec - read_at.tv_sec) * 1000000000L + (now.tv_nsec - read_at.tv_nsec) > 20000000L)
	{
		FILE	   *f = fopen(path, "r");

		if (f != NULL)
		{
			if (fscanf(f, "%ld", &offset_s) != 1)
				offset_s = 0;
			fclose(f);
		}
		read_at = now;
	}
	return offset_s;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	static int	(*real) (struct timeval *, void *) = NULL;
	int			r;

	if (real == NULL)
		real = dlsym(RTLD_NEXT, "gettimeofday");
	r = real(tv, tz);
	if (r == 0 && tv != NULL)
		tv->tv_sec += clock_offset();
	return r;
}

/* pg_ctl compares the postmaster's start time (from gettimeofday) with time() */
time_t
time(time_t *out)
{
	static		time_t(*real) (time_t *) = NULL;
	time_t		t;

	if (real == NULL)
		real = dlsym(RTLD_NEXT, "time");
	t = real(NULL) + clock_offset();
	if (out != NULL)
		*out = t;
	return t;
}

int
clock_gettime(clockid_t clock, struct timespec *ts)
{
	static int	(*real) (clockid_t, struct timespec *) = NULL;
	int			r;

	if (real == NULL)
		real = dlsym(RTLD_NEXT, "clock_gettime");
	r = real(clock, ts);
	if (r == 0 && ts != NULL && clock == CLOCK_REALTIME)
		ts->tv_sec += clock_offset();
	return r;
}
C
open(my $fh, '>', "$dir/clock_shim.c") or die "clock_shim.c: $!";
print $fh $shim_c;
close $fh;
system_or_bail('cc', '-shared', '-fPIC', '-O1', '-o', "$dir/clock_shim.so",
	"$dir/clock_shim.c", '-ldl');

sub set_offset
{
	my ($seconds) = @_;
	open(my $f, '>', "$offset_file.tmp") or die "$offset_file: $!";
	print $f "$seconds\n";
	close $f;
	rename("$offset_file.tmp", $offset_file) or die "rename: $!";
}
set_offset(0);

# every process the test starts carries the shim (clients too: harmless)
$ENV{LD_PRELOAD} = "$dir/clock_shim.so";
$ENV{LG_CLOCK_OFFSET_FILE} = $offset_file;

my $node = lg_node('clockback', "loadguard.sample_interval = '50ms'\n");

# more samples than one chunk of a history read (128): an out-of-order ring
# then sends the read back to where it was
my $ordered_sql = q{
	SELECT count(*) || ' ' || coalesce(bool_and(ts > prev), true)::int
	  FROM (SELECT ts, lag(ts) OVER (ORDER BY ordinality) AS prev
	          FROM loadguard.get_history() WITH ORDINALITY) h};

ok(lg_wait_for($node, 'SELECT count(*) >= 200 FROM loadguard.history', '200 samples'),
	'200 samples before the step');
my $before = $node->safe_psql('postgres', 'SELECT max(ts) FROM loadguard.history');

# After a step back to before $cutoff (SQL): the history reads back in ts
# order, holds nothing stamped at or after the cutoff, and the server logged
# the drop (after log position $log_offset).
sub after_the_step
{
	my ($what, $cutoff, $log_offset) = @_;
	my ($n, $ordered) = split / /,
	  $node->safe_psql('postgres', "SET statement_timeout = '60s'; $ordered_sql");
	is($ordered, '1', "history is in ts order after $what ($n samples)");
	is($node->safe_psql('postgres', "SELECT count(*) FROM loadguard.history WHERE ts >= $cutoff"),
		'0', "after $what, the samples stamped later than the new clock were dropped");
	ok($node->log_contains(qr/loadguard dropped \d+ history samples stamped after/, $log_offset),
		"after $what, the drop is logged");
}

# ---- the clock steps back an hour while the server runs
my $log_offset = -s $node->logfile;
set_offset(-3600);
ok(lg_wait_for($node,
		"SELECT count(*) >= 200 FROM loadguard.history WHERE ts < '$before'::timestamptz - interval '50 minutes'",
		'200 samples after the step'),
	'the worker keeps ticking after the clock went back an hour');

after_the_step('the step', "'$before'::timestamptz - interval '50 minutes'", $log_offset);
cmp_ok($node->safe_psql('postgres',
		"SET statement_timeout = '60s';
		 SELECT count(*) FROM loadguard.history_range(now() - interval '10 minutes', now())"),
	'>=', 200, 'history_range reads the samples after the step');

# ---- a restart with a clock two hours behind the restored samples
my $restored = $node->safe_psql('postgres', 'SELECT max(ts) FROM loadguard.history');
$node->stop;
set_offset(-3 * 3600);
$log_offset = -s $node->logfile;
$node->start;
ok(lg_wait_for($node,
		"SELECT count(*) >= 150 FROM loadguard.history WHERE ts < '$restored'::timestamptz - interval '100 minutes'",
		'150 samples after the restart'),
	'samples after a restart with the clock behind');
after_the_step('the restart', "'$restored'::timestamptz - interval '100 minutes'", $log_offset);
is($node->safe_psql('postgres',
		"SET statement_timeout = '60s';
		 SELECT count(*) > 0 AND coalesce(bool_and(ts > prev), true)
		   FROM (SELECT ts, lag(ts) OVER (ORDER BY ordinality) AS prev
		           FROM loadguard.get_history_minutes() WITH ORDINALITY) m"),
	't', 'history_minutes reads back in ts order');

$node->stop;
done_testing();
