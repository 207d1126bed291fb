package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"sweep/internal/store"
	"sweep/internal/tabular"
)

const queryUsage = `Usage: sweep query [--db PATH] [--format table|csv|json|jsonl] [--timeout DURATION] SQL

Runs one SQL statement on a read-only connection to the database and prints
its rows. SQL - reads the statement from standard input. A statement that
would write (INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, a PRAGMA that
sets a value, ...) is refused and the database is left as it was.

A table is aligned to its first 1,000 rows (fewer when they hold more
than 1 MiB of text) and printed as the rest come, so that memory stays flat
however many rows there are. A later value wider than its column is
printed whole and starts a new block: an empty line, the header again with
that column widened to fit the next rows (up to 1,000 of them), and the
rows. The last column, when it is text, is never padded, so a longer value
there just runs on. CSV, JSON and JSON Lines stream too.

Tables: sweeps, runs, trace_weights, boundaries, trace_values,
run_failures, run_counts. Views: trace, verdict_counts, safe_alpha, theory, mismatch,
first_overshoot, divergence_onset, sweep_overview, boundary,
trace_metrics, failures (see the README).

Flags:
`

func runQuery(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	format := fs.String("format", string(tabular.Table), "output `format`: table, csv, json or jsonl")
	timeout := timeoutFlag(fs)
	pos, code, done := parseCommand(fs, args, queryUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 1 {
		return report(stderr, usageError{msg: fmt.Sprintf("query takes one SQL statement, got %d arguments", len(pos)),
			hint: `quote the statement: sweep query "SELECT alpha, verdict FROM runs LIMIT 5"`})
	}
	f, err := parseFormat(*format, tabular.Formats)
	if err != nil {
		return report(stderr, err)
	}
	text := pos[0]
	if text == "-" {
		b, err := io.ReadAll(newInput(ctx, "standard input", stdin, statementLimits))
		if err != nil {
			return report(stderr, err)
		}
		text = string(b)
	}
	r, err := store.OpenReader(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer r.Close()
	ctx, cancel := withTimeout(ctx, *timeout)
	defer cancel()
	rows, err := r.Query(ctx, text)
	if err != nil {
		return report(stderr, timedOut(ctx, queryError(err)))
	}
	defer rows.Close()
	if _, err := tabular.Write(stdout, rows, f); err != nil {
		return report(stderr, timedOut(ctx, queryError(err)))
	}
	return exitOK
}

// timeoutFlag defines --timeout, which query and export share.
func timeoutFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("timeout", 0, "stop the statement after this `duration` (e.g. 30s, 5m); 0 waits for ever")
}

// errTimeout is the cause of a context ended by --timeout.
type errTimeout struct{ d time.Duration }

func (e errTimeout) Error() string {
	return fmt.Sprintf("the statement ran longer than --timeout %s", e.d)
}

// withTimeout returns ctx ended after d (or never, for d = 0), with
// errTimeout as its cause.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, errTimeout{d})
}

// timedOut replaces err by the timeout when --timeout ended ctx, since
// SQLite then only says "interrupted".
func timedOut(ctx context.Context, err error) error {
	var te errTimeout
	if errors.As(context.Cause(ctx), &te) {
		return usageError{msg: te.Error() + " and was stopped", hint: "narrow it (a WHERE on sweep_id, a LIMIT), or give it more time with a larger --timeout"}
	}
	return err
}

// queryError adds the hint a person needs to a failed statement.
func queryError(err error) error {
	var (
		we *store.WriteError
		ce *store.StatementCountError
	)
	switch {
	case interrupted(err), errors.Is(err, syscall.EPIPE):
		return err
	case errors.As(err, &we):
		return usageError{msg: "refused: " + we.Error(), hint: "sweep query only reads; the database is unchanged"}
	case errors.As(err, &ce):
		return usageError{msg: ce.Error(), hint: "run each statement with its own sweep query"}
	}
	return usageError{msg: "query: " + err.Error(),
		hint: "sweep query -h lists the tables and views, and the README their columns"}
}

func parseFormat(name string, allowed []tabular.Format) (tabular.Format, error) {
	f := tabular.Format(strings.ToLower(name))
	if !slices.Contains(allowed, f) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return "", usageError{msg: fmt.Sprintf("unknown format %q", name), hint: "--format is one of " + strings.Join(names, ", ")}
	}
	return f, nil
}

// dbFlag defines the --db flag every command shares.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", filepath.Join("results", "sweep.db"), "`path` of the sweep database (an SQLite file)")
}

// parseCommand parses a subcommand's flags and positional arguments. On -h
// it prints usage and the flags (see printFlags) to stdout; on a bad flag it
// reports it. done says the command should return code at once.
func parseCommand(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (pos []string, code int, done bool) {
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		printFlags(stdout, fs, usage)
		return nil, exitOK, true
	case err != nil:
		return nil, report(stderr, usageError{msg: err.Error(), hint: fmt.Sprintf("run 'sweep %s -h' for the flags", fs.Name())}), true
	}
	return pos, 0, false
}
