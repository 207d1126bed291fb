package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"sweep/internal/expect"
	"sweep/internal/store"
)

const checkUsage = `Usage: sweep check [--db PATH] [--sweep NAME|ID] --against B

Compares the verdicts of the runs in the database with those of B, another
sweep database or a CSV written by sweep export --runs (committed with the
sweep files, say), config by config. Exits 1 when a verdict changed or a
config of B was not run, listing them, and 0 when every verdict matches.
--sweep limits both sides to one sweep: here the one it names, by name (its
newest sweep) or id as sweep ls lists them; in B the newest of that sweep's
name (in a CSV, its rows of that name).

Flags:
`

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	against := fs.String("against", "", "the expected verdicts: a sweep database or a CSV from sweep export --runs (`B`)")
	sweepName := fs.String("sweep", "", "compare only this sweep, by `name|id` as sweep ls lists them; a name means its newest sweep (default every sweep)")
	pos, code, done := parseCommand(fs, args, checkUsage, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(pos) != 0:
		return report(stderr, usageError{msg: fmt.Sprintf("check takes no arguments, got %v", pos), hint: "sweep check --db results/sweep.db --against expected.csv"})
	case *against == "":
		return report(stderr, usageError{msg: "check needs --against", hint: "sweep check --db results/sweep.db --against expected.csv (made by sweep export --runs)"})
	}
	got, name, err := loadOutcomes(ctx, *dbPath, *sweepName)
	if err != nil {
		return report(stderr, err)
	}
	var want map[expect.Config]expect.Outcome
	if isCSV(*against) {
		want, err = loadCSV(ctx, *against, name)
	} else {
		want, _, err = loadOutcomes(ctx, *against, name)
	}
	if err != nil {
		return report(stderr, err)
	}
	if len(want) == 0 {
		return report(stderr, usageError{msg: *against + " holds no runs" + forSweep(name), hint: "check the file and the --sweep name"})
	}
	c := expect.Compare(got, want)
	fmt.Fprintf(stdout, "%d configs match, %d changed, %d missing, %d not in %s\n", c.Matched, len(c.Changed), len(c.Missing), c.Extra, *against)
	for _, ch := range c.Changed {
		fmt.Fprintf(stdout, "  changed %s: %s, was %s\n", ch.Config, outcome(ch.Got), outcome(ch.Want))
	}
	for _, ch := range c.Missing {
		fmt.Fprintf(stdout, "  missing %s: expected %s\n", ch.Config, outcome(ch.Want))
	}
	if c.Failed() {
		changed, missing := plural(int64(len(c.Changed)), "verdict"), plural(int64(len(c.Missing)), "config")
		printError(stderr, fmt.Sprintf("%s changed and %s missing against %s", changed, missing, *against),
			"if the change is intended, "+rewriteBaseline(*dbPath, *against, name))
		return exitFailed
	}
	return exitOK
}

func forSweep(name string) string {
	if name == "" {
		return ""
	}
	return " for sweep " + name
}

func outcome(o *expect.Outcome) string {
	return fmt.Sprintf("%s in %s", o.Verdict, plural(o.Steps, "step"))
}

// isCSV tells a CSV export from a database by its first bytes: every SQLite
// file starts with "SQLite format 3". Only a regular file is opened here:
// anything else (a FIFO, whose opening would wait for a writer, a device, a
// directory) is no database, and loadCSV reads it within its limits.
func isCSV(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return strings.HasSuffix(path, ".csv")
	}
	if !fi.Mode().IsRegular() {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return strings.HasSuffix(path, ".csv")
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) != "SQLite format 3\x00"
}

// loadOutcomes reads the verdicts of a sweep database: of every sweep, or
// of the one that sweep names (see store.Reader.FindSweep), whose name it
// returns.
func loadOutcomes(ctx context.Context, path, sweep string) (_ map[expect.Config]expect.Outcome, name string, err error) {
	r, err := store.OpenReader(ctx, path)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	var id int64
	if sweep != "" {
		if id, err = r.FindSweep(ctx, sweep); err != nil {
			return nil, "", err
		}
		row, err := r.Query(ctx, "SELECT name FROM sweeps WHERE id = ?", id)
		if err != nil {
			return nil, "", fmt.Errorf("read the sweeps of %s: %w", path, err)
		}
		for row.Next() {
			err = row.Scan(&name)
		}
		if err := errors.Join(err, row.Close(), row.Err()); err != nil {
			return nil, "", fmt.Errorf("read the sweeps of %s: %w", path, err)
		}
	}
	rows, err := r.Query(ctx, `
		SELECT method, coalesce(alpha, step_amount), coalesce(input, 0), coalesce(goal, 0), coalesce(weight, 0),
			iterations, tolerance, divergence, coalesce(params, ''), verdict, steps
		FROM runs WHERE ? = 0 OR sweep_id = ?`, id, id)
	if err != nil {
		return nil, "", fmt.Errorf("read the runs of %s: %w", path, err)
	}
	defer rows.Close()
	out := map[expect.Config]expect.Outcome{}
	for rows.Next() {
		var c expect.Config
		var o expect.Outcome
		if err := rows.Scan(&c.Method, &c.Rate, &c.Input, &c.Goal, &c.Weight, &c.Iterations, &c.Tolerance, &c.Divergence, &c.Params, &o.Verdict, &o.Steps); err != nil {
			return nil, "", fmt.Errorf("read the runs of %s: %w", path, err)
		}
		out[c] = o
	}
	return out, name, rows.Err()
}

// loadCSV reads the verdicts of a CSV written by sweep export --runs, within
// baselineLimits; it gives up when ctx is canceled.
func loadCSV(ctx context.Context, path, sweepName string) (map[expect.Config]expect.Outcome, error) {
	in, err := openInput(ctx, path, baselineLimits)
	var openErr *os.PathError
	switch {
	case errors.As(err, &openErr):
		return nil, &store.FileError{Path: path, Msg: "cannot be read: " + err.Error(), Err: err,
			Hint: "--against names a sweep database or a CSV made by sweep export --runs"}
	case err != nil:
		return nil, err
	}
	defer in.Close()
	rd := csv.NewReader(bufio.NewReaderSize(in, 64<<10))
	// csvError, unless reading failed (too large, interrupted): that error
	// already says what happened.
	readError := func(line int, what string, err error) error {
		var fe *store.FileError
		if errors.As(err, &fe) || ctx.Err() != nil {
			return err
		}
		return csvError(path, line, what, err)
	}
	header, err := rd.Read()
	if err != nil {
		return nil, readError(1, "no header", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	need := []string{"method", "alpha", "step_amount", "input", "goal", "weight", "iterations", "tolerance", "divergence", "verdict", "steps"}
	for _, h := range need {
		if _, ok := col[h]; !ok {
			return nil, csvError(path, 1, fmt.Sprintf("no column %q", h), nil)
		}
	}
	sweepCol, hasSweep := col["sweep"]
	paramsCol, hasParams := col["params"] // a program's other axes; exports of built-in sweeps lack it
	out := map[expect.Config]expect.Outcome{}
	for line := 2; ; line++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, readError(line, "not valid CSV", err)
		}
		if sweepName != "" && hasSweep && rec[sweepCol] != sweepName {
			continue
		}
		num := func(name string) (float64, error) {
			s := rec[col[name]]
			if s == "" {
				return 0, nil
			}
			return strconv.ParseFloat(s, 64)
		}
		var c expect.Config
		c.Method = rec[col["method"]]
		rateCol := "alpha"
		if c.Method == "hot_cold" {
			rateCol = "step_amount"
		}
		var errs []error
		for _, f := range []struct {
			name string
			dst  *float64
		}{{rateCol, &c.Rate}, {"input", &c.Input}, {"goal", &c.Goal}, {"weight", &c.Weight}, {"tolerance", &c.Tolerance}, {"divergence", &c.Divergence}} {
			v, err := num(f.name)
			*f.dst = v
			errs = append(errs, err)
		}
		iterations, err1 := strconv.ParseInt(rec[col["iterations"]], 10, 64)
		steps, err2 := strconv.ParseInt(rec[col["steps"]], 10, 64)
		if err := errors.Join(append(errs, err1, err2)...); err != nil {
			return nil, csvError(path, line, "a number does not read", err)
		}
		c.Iterations = iterations
		if hasParams {
			c.Params = rec[paramsCol]
		}
		out[c] = expect.Outcome{Verdict: rec[col["verdict"]], Steps: steps}
	}
}

func csvError(path string, line int, what string, err error) error {
	msg := fmt.Sprintf("line %d: %s", line, what)
	if err != nil {
		msg += ": " + err.Error()
	}
	return &store.FileError{Path: path, Msg: msg, Err: err, Hint: "--against takes a CSV made by sweep export --runs, or a sweep database"}
}

// rewriteBaseline is the exact command that makes against the baseline of
// what the database holds now: of the newest sweep named sweepName, or of
// every run when it is "".
func rewriteBaseline(db, against, sweepName string) string {
	if !isCSV(against) {
		return "replace the baseline database: cp " + shellQuote(db) + " " + shellQuote(against)
	}
	cmd := "sweep export --db " + shellQuote(db) + " --runs"
	if sweepName != "" {
		where := "sweep_id = (SELECT max(id) FROM sweeps WHERE name = '" + strings.ReplaceAll(sweepName, "'", "''") + "')"
		cmd += " --where " + shellQuote(where)
	}
	return "write the new baseline with: " + cmd + " --out " + shellQuote(against)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
