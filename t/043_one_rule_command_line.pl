# 043_one_rule_command_line.pl — one rule, one answer where settings come
# from the server's command line (as Patroni passes max_connections):
# readiness() and config_check() size max_connections with the same run of
# the model (same users, role, fixed connections and reserved slots) and
# name the same place to change it, never ALTER SYSTEM, which cannot
# override a command-line value; the same for every other setting both
# produce.  Then, with Patroni's marker in the data directory, both give
# the same patronictl command.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LoadGuardTest;

my $node = lg_node('cmdline');
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');

# restart with settings on the postmaster's command line (pg_ctl -o)
$node->stop;
PostgreSQL::Test::Utils::system_or_bail(
	'pg_ctl', '-w', '-D', $node->data_dir, '-l', $node->logfile,
	'-o', '--cluster-name=cmdline -c max_connections=20 -c log_min_messages=fatal',
	'start');
$node->_update_pid(1);
ok(lg_wait_for($node, 'SELECT last_tick_at IS NOT NULL FROM loadguard.status', 'worker ticking'),
	'worker ticking after the restart');
is($node->safe_psql('postgres',
		"SELECT string_agg(name || '=' || setting || ' ' || source, ', ' ORDER BY name)
		   FROM pg_settings WHERE name IN ('max_connections', 'log_min_messages')"),
	'log_min_messages=fatal command line, max_connections=20 command line',
	'both settings come from the command line');

# a fixed connection of another role while the window is sampled
my $other = $node->background_psql('postgres');
$other->query_safe('SELECT 1');
ok(lg_wait_for($node,
		"SELECT count(*) >= 1 FROM loadguard.history WHERE ts > now() - interval '1 minute'
		    AND client_connections >= 2", 'sampled with the fixed connection'),
	'the fixed connection is in the history');

# one row per setting both produce: readiness' status and fix against
# config_check's first row of that setting (its action is in reason)
my $compare = q{
  WITH c AS (
    SELECT DISTINCT ON (c.setting) c.setting, c.severity, c.fix_sql, c.reason
      FROM loadguard.config_check(%s) WITH ORDINALITY c
     ORDER BY c.setting, c.ordinality),
  r AS (
    SELECT CASE r.check_name WHEN 'connections' THEN 'max_connections' ELSE r.check_name END AS setting,
           r.status, r.fix
      FROM loadguard.readiness(current_setting('loadguard.target_users')::int, NULL, '15 minutes', %s) r)
  SELECT string_agg(r.setting || ' ' || r.status || '/' || c.severity || ' ' ||
           CASE WHEN r.status = 'pass' AND c.fix_sql IS NULL THEN 'same'
                WHEN c.fix_sql IS NOT NULL AND starts_with(r.fix, c.fix_sql) THEN 'same'
                WHEN c.fix_sql IS NULL AND r.fix IS NOT NULL
                 AND position(split_part(r.fix, ' Worst-case memory', 1) in c.reason) > 0 THEN 'same'
                ELSE 'DIFFERENT: ' || coalesce(r.fix, '') || ' <> ' || coalesce(c.fix_sql, c.reason) END,
           '; ' ORDER BY r.setting)
    FROM r JOIN c USING (setting)
};

sub compare
{
	my ($app) = @_;
	my $arg = defined $app ? "'$app'" : 'NULL';
	return $node->safe_psql('postgres',
		"SET loadguard.target_users = 30; " . sprintf($compare, $arg, $arg));
}

for my $app (undef, 'app')
{
	my $who = defined $app ? "app_role $app" : 'no app_role';
	my $out = compare($app);
	unlike($out, qr/DIFFERENT/, "$who: readiness and config_check give one answer per setting");
	like($out, qr/max_connections fail\/high same/, "$who: max_connections compared, fails for 30 users");
	like($out, qr/log_min_messages warn\/high same/, "$who: log_min_messages compared");
	diag($out) if $out =~ /DIFFERENT/;
}

# both in one statement: the same window, so the same fixed connections
sub fix_and_recommended
{
	my $row = $node->safe_psql('postgres',
		"SET loadguard.target_users = 30;
		 SELECT c.recommended || '|' || r.fix
		   FROM loadguard.readiness(30, NULL, '15 minutes', 'app') r,
		        loadguard.config_check('app') c
		  WHERE r.check_name = 'connections' AND c.setting = 'max_connections'");
	return split(/\|/, $row, 2);
}
my ($recommended, $fix) = fix_and_recommended();
like($recommended, qr/^\d+$/, 'config_check recommends a number');
like($fix, qr/given on the server's command line .* set max_connections = \Q$recommended\E where the server is started/,
	'readiness names the command line and the same number');
unlike($fix, qr/ALTER SYSTEM SET/, 'readiness does not propose ALTER SYSTEM');
is($node->safe_psql('postgres',
		"SET loadguard.target_users = 30;
		 SELECT fix_sql IS NULL AND restart_required FROM loadguard.config_check('app') WHERE setting = 'max_connections'"),
	't', 'config_check has no SQL for it either, and says restart');

# the command line names the data directory and the binary: shown only to
# readers who may see data_directory (pg_read_all_settings, as SHOW), others
# get the generic pointer to postmaster.opts
$node->safe_psql('postgres', q{
	CREATE ROLE regress_lg_plain LOGIN;
	CREATE ROLE regress_lg_settings LOGIN IN ROLE pg_read_all_settings;
});
my $opts = PostgreSQL::Test::Utils::slurp_file($node->data_dir . '/postmaster.opts');
my ($binary) = $opts =~ /^(\S+)/;
$binary =~ s/^"|"$//g;
my $datadir = $node->data_dir;
like($opts, qr/\Q$datadir\E/, 'postmaster.opts names the data directory');
my $shown = q{
	SET loadguard.target_users = 30;
	SELECT string_agg(coalesce(reason, '') || ' ' || coalesce(fix_sql, ''), E'\n')
	  FROM loadguard.config_check('app') WHERE setting IN ('max_connections', 'log_min_messages');
	SELECT string_agg(coalesce(fix, ''), E'\n')
	  FROM loadguard.readiness(30, NULL, '15 minutes', 'app');
	SELECT string_agg(r, E'\n') FROM loadguard.report(30) r;
};
sub shown_to
{
	my ($role) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $shown, extra_params => [ '-U', $role ]);
	is($ret, 0, "config_check, readiness and report run as $role") or diag($err);
	return $out;
}
my $plain = shown_to('regress_lg_plain');
like($plain, qr/max_connections is given on the server's command line/,
	'a plain role is told max_connections is on the command line');
like($plain, qr/postmaster\.opts in the data directory shows that command line/,
	'a plain role gets the generic pointer to postmaster.opts');
unlike($plain, qr/\Q$datadir\E/, 'a plain role does not see the data directory');
unlike($plain, qr/\Q$binary\E/, 'a plain role does not see the postgres binary');
my $settings = shown_to('regress_lg_settings');
like($settings, qr/Its command line \(postmaster\.opts in the data directory\): .*\Q$datadir\E/,
	'a pg_read_all_settings member sees the command line');
like($settings, qr/\Q$binary\E/, 'a pg_read_all_settings member sees the postgres binary');

# under Patroni (its marker file in the data directory): patronictl, one number
my $marker = $node->data_dir . '/patroni.dynamic.json';
open(my $fh, '>', $marker) or die "cannot write $marker: $!";
print $fh "{}\n";
close($fh);
my $out = compare('app');
unlike($out, qr/DIFFERENT/, 'under Patroni: one answer per setting');
($recommended, $fix) = fix_and_recommended();
like($fix, qr/patronictl -c \S+ edit-config cmdline --pg max_connections=\Q$recommended\E --force/,
	'under Patroni: patronictl with the same number');
unlink($marker);

$other->quit;
$node->stop;
done_testing();
