package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"sweep/internal/store"
	"sweep/internal/tabular"
)

const lsUsage = `Usage: sweep ls [--db PATH] [--format table|csv|json|jsonl]

Lists the sweeps in the database: id, name, method, when it started, its
status, how many of its configs are stored, and its verdict counts. A sweep
whose process was killed is shown as interrupted. The table shows the
stored configs as done, "stored/configs"; CSV and JSON give them as two
numbers, stored and configs.

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
	stopped, err := stoppedSweeps(ctx, r)
	if err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	// A person reads "1701/1701" at a glance; a program wants numbers.
	doneCols := "stored || '/' || configs AS done"
	if f != tabular.Table {
		doneCols = "stored, configs"
	}
	// A sweep whose process was killed still says running; no process
	// holds it, so it is shown as what it is.
	rows, err := r.Query(ctx, `
		SELECT id, name, method, started_at,
			CASE WHEN id IN (SELECT value FROM json_each(?)) THEN 'interrupted' ELSE status END AS status,
			`+doneCols+`,
			converged, diverged, oscillating, stalled, unfinished
		FROM sweep_overview ORDER BY id`, stopped)
	if err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	defer rows.Close()
	if _, err := tabular.Write(stdout, rows, f); err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	return exitOK
}

// stoppedSweeps returns, as a JSON array, the ids of the sweeps stored as
// running that no process runs.
func stoppedSweeps(ctx context.Context, r *store.Reader) (string, error) {
	rows, err := r.Query(ctx, "SELECT id FROM sweeps WHERE status = 'running'")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		if r.Stopped(id) {
			ids = append(ids, id)
		}
	}
	b, err := json.Marshal(ids)
	return string(b), errors.Join(err, rows.Err())
}
