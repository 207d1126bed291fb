package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"sweep/internal/store"
	"sweep/internal/tabular"
)

const lsUsage = `Usage: sweep ls [--db PATH]

Lists the sweeps in the database: id, name, method, when it started, its
status, how many of its configs are stored, and its verdict counts.

Flags:
`

func runLs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ls", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	format := fs.String("format", string(tabular.Table), "output `format`: table, csv, json or jsonl")
	pos, code, done := parseCommand(fs, args, lsUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 0 {
		return report(stderr, usageError{msg: fmt.Sprintf("ls takes no arguments, got %v", pos), hint: "sweep ls --db results/sweep.db"})
	}
	f, err := parseFormat(*format, tabular.Formats)
	if err != nil {
		return report(stderr, err)
	}
	r, err := store.OpenReader(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer r.Close()
	rows, err := r.Query(ctx, `
		SELECT id, name, method, started_at, status, stored || '/' || configs AS done,
			converged, diverged, oscillating, stalled, unfinished
		FROM sweep_overview ORDER BY id`)
	if err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	defer rows.Close()
	if _, err := tabular.Write(stdout, rows, f); err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	return exitOK
}
