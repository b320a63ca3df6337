#!/usr/bin/perl
# Judge one test program's run from its log, with TAP::Parser (the parser
# behind prove). Used by tests/run-tests; the rules are in tests/lib/tap.sh.
#   tap-verdict.pl NAME EXIT-STATUS TIME-LIMIT LOG
# Prints the program's test lines and any harness failure, indented, then a
# last line "counts PASSED FAILED SKIPPED".
use strict;
use warnings;
use TAP::Parser;

my ($name, $rc, $limit, $log) = @ARGV;
open(my $fh, '<', $log) or die "tap-verdict: cannot read $log: $!\n";
my @lines = <$fh>;
close($fh);

# stderr shares the log; keep only lines that can be TAP, so that a message
# printed before "TAP version 13" does not make the version line misplaced.
my $tap = join('', grep { /^(TAP version |1\.\.|ok\b|not ok\b|Bail out!|#)/ } @lines);
my $parser = TAP::Parser->new({ tap => $tap });

my $ALLOWED = qr/^allowed:/;
my ($passed, $failed, $skipped) = (0, 0, 0);
my @problems;    # harness-level failures: together they count as one
my $context = 0;    # comment lines still to show after a failed test
while (my $r = $parser->next) {
    if ($r->is_bailout) {
        push @problems, 'bailed out: ' . $r->explanation;
        next;
    }
    if ($r->is_comment && $context > 0) {
        print '  ', $r->as_string, "\n";
        $context--;
    }
    next unless $r->is_test;
    $context = 0;
    print '  ', $r->as_string, "\n";
    if ($r->has_skip || ($r->has_todo && !$r->is_actual_ok)) {
        # A skip, or a known failure (TODO): fine only where declared.
        if ($r->explanation =~ $ALLOWED) {
            $skipped++;
        } else {
            $failed++;
            print "  not ok - undeclared skip (reason does not start with 'allowed:')\n";
        }
    } elsif ($r->is_actual_ok) {
        $passed++;
    } else {
        $failed++;
        $context = 40;
    }
}

my $timed_out = $rc == 124 || $rc == 137;
if ($timed_out) {
    push @problems, "timed out after ${limit}s";
} elsif ($rc != 0 && $failed == 0) {
    push @problems, "exited $rc although no test failed";
}
if (defined(my $reason = $parser->skip_all)) {
    # "1..0 # SKIP reason": the whole program skipped.
    $reason = '' if $reason eq '1';
    print "  ok - whole program skipped # SKIP $reason\n";
    if ($reason =~ $ALLOWED) {
        $skipped++;
    } else {
        push @problems, "whole program skipped without 'allowed:' in the reason";
    }
} elsif (!$parser->plan) {
    push @problems, 'no TAP plan (1..N): the program ' .
        ($parser->tests_run ? 'stopped early or never printed one' : 'printed no test');
} elsif ($parser->tests_planned != $parser->tests_run) {
    push @problems, sprintf('planned %d tests, ran %d', $parser->tests_planned, $parser->tests_run);
}
# A missing or wrong plan is reported above in words; keep the parser's other
# complaints (plan in the middle, two plans, tests out of sequence, ...).
push @problems, grep { !/^(No plan found|Bad plan)/ } $parser->parse_errors;

if (@problems) {
    $failed++;
    print "  not ok - $name: $_\n" for @problems;
    print map { "  # $_" } @lines[($#lines > 4 ? $#lines - 4 : 0) .. $#lines];
}
print "counts $passed $failed $skipped\n";
