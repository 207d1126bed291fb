package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/store"
	"sweep/internal/tabular"
)

const lsUsage = `Usage: sweep ls [--db PATH] [--all] [--format table|csv|json|jsonl]

Lists the sweeps in the database: id, name, method, when it started, its
status, how many of its configs are stored, and its verdict counts. A name
means its newest sweep: an older version of a sweep file (run before it was
edited) is listed with --all, which adds what each version changed from the
one before. A sweep whose process was killed is shown as interrupted. The table shows the
stored configs as done, "stored/configs"; CSV and JSON give them as two
numbers, stored and configs. Each sweep's provenance follows: the host it
ran on and the git commit of its sweep file (the table shortens it to 12
digits, +dirty when the file's repository had uncommitted changes), then,
with --all or in CSV and JSON, the sweep binary's version and the command
line.

A database that holds a sweep of a user's program (method: command) gets
the count of its runs that failed, as a column failed: in the table after
unfinished, in CSV and JSON last, so that no other column moves; a
database of the built-in rules only, which cannot fail, lists what it
always has.

Flags:
`

func runLs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ls", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	format := fs.String("format", string(tabular.Table), "output `format`: table, csv, json or jsonl")
	all := fs.Bool("all", false, "list older versions of each name too, with what each changed from the one before")
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
	doneCols := "stored || '/' || o.configs AS done"
	if f != tabular.Table {
		doneCols = "stored, o.configs AS configs"
	}
	// A sweep whose process was killed still says running; no process
	// holds it, so it is shown as what it is.
	// A name means its newest sweep; --all shows the older versions too,
	// each with what it changed from the one before it.
	changes, err := sweepChanges(ctx, r)
	if err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	which, changesCol := "WHERE o.id IN (SELECT max(id) FROM sweeps GROUP BY name)", ""
	if *all {
		which, changesCol = "", `, coalesce(json_extract(?2, '$."' || o.id || '"'), '') AS changes`
	}
	// Provenance, from the sweeps table (NULL in sweeps stored before it
	// was recorded).
	provenance := `, s.host, s.git_commit, s.sweep_version, s.command`
	if f == tabular.Table {
		provenance = `, coalesce(s.host, '') AS host,
			coalesce(substr(s.git_commit, 1, 12) || CASE WHEN s.git_commit LIKE '%+dirty' THEN '+dirty' ELSE '' END, '') AS git`
		if *all {
			provenance += `, coalesce(s.sweep_version, '') AS version, coalesce(s.command, '') AS command`
		}
	}
	// failed, a program's verdict: for every sweep of a database that
	// holds a program's, whether listed or not, so that the columns of a
	// database do not change with --all.
	failed, err := holdsPrograms(ctx, r, 0)
	if err != nil {
		return report(stderr, fmt.Errorf("list sweeps in %s: %w", r.Path(), err))
	}
	counts, last := "converged, diverged, oscillating, stalled, unfinished", ""
	if failed && f == tabular.Table {
		counts += ", failed"
	} else if failed {
		last = ", failed"
	}
	rows, err := r.Query(ctx, `
		SELECT o.id, o.name, o.method, o.started_at,
			CASE WHEN o.id IN (SELECT value FROM json_each(?1)) THEN 'interrupted' ELSE o.status END AS status,
			`+doneCols+`,
			`+counts+changesCol+provenance+last+`
		FROM sweep_overview o CROSS JOIN sweeps s ON s.id = o.id `+which+` ORDER BY o.id`, stopped, changes)
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

// sweepChanges returns, as a JSON object from sweep id, what each sweep
// changed from the previous sweep of its name ("first" for the first), as
// grid.Changes says it.
func sweepChanges(ctx context.Context, r *store.Reader) (string, error) {
	rows, err := r.Query(ctx, "SELECT id, name, file, yaml, trace_every, refines IS NOT NULL FROM sweeps ORDER BY id")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	out := map[string]string{}
	last := map[string]*grid.Spec{}
	for rows.Next() {
		var (
			id         int64
			name, file string
			text       string
			every      int
			refinement bool
		)
		if err := rows.Scan(&id, &name, &file, &text, &every, &refinement); err != nil {
			return "", err
		}
		key := strconv.FormatInt(id, 10)
		spec, err := grid.Parse(file, []byte(text))
		switch {
		case refinement:
			continue // its file is the refined sweep's
		case err != nil:
			out[key], last[name] = "?", nil
			continue
		}
		spec.Trace = grid.TraceStorage{Every: every}
		switch prev, ok := last[name]; {
		case !ok:
			out[key] = "first"
		case prev == nil:
			out[key] = "?"
		default:
			if ch := grid.Changes(prev, spec); len(ch) > 0 {
				out[key] = strings.Join(ch, "; ")
			} else {
				out[key] = "the same configs"
			}
		}
		last[name] = spec
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	return string(b), err
}
