package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"sweep/internal/grid"
	"sweep/internal/store"
	"sweep/internal/tabular"
)

// runColumns are the columns of runs that sweep export --runs writes.
const runColumns = "id, sweep_id, config_index, method, alpha, step_amount, input, goal, weight, iterations, tolerance, divergence, " +
	"verdict, steps, final_weight, final_error, predicted_verdict, predicted_steps"

const exportUsage = `Usage: sweep export [--db PATH] [--format csv|jsonl] (--runs | --trace) [--sweep NAME|ID] [--where SQL] [--out FILE] [--timeout DURATION]

Streams the runs (one row per config) or their trace rows to standard output
or FILE, in constant memory whatever the size. By default every sweep's;
--sweep keeps one sweep's (a name means its newest sweep, as sweep ls lists
them). --where keeps the runs that match an SQL condition on the columns of
runs (and, with --trace, the trace rows of those runs), e.g.
--where "verdict = 'diverged' AND input = 2".
A FILE is written whole or not at all, and its missing directories are
created.

When what is exported holds a sweep of a user's program (method: command;
with --sweep, when that sweep is one), --runs adds the column params after
predicted_steps: the program's axes without a column of their own, as a
JSON object ({"momentum":0.9}; empty for a built-in rule's runs). An
export of built-in sweeps has the columns it always had. --trace gives a
program's rows as the built-ins', with empty columns where it printed
none; the trace_metrics view has its other numbers.

Flags:
`

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	format := fs.String("format", string(tabular.CSV), "output `format`: csv or jsonl")
	runs := fs.Bool("runs", false, "export the runs table")
	trace := fs.Bool("trace", false, "export the trace rows")
	where := fs.String("where", "", "keep only the runs matching this SQL `condition`")
	sweep := fs.String("sweep", "", "export only this sweep, by `name|id` as sweep ls lists them; a name means its newest sweep (default every sweep)")
	out := fs.String("out", "", "write to `FILE` instead of standard output")
	timeout := timeoutFlag(fs)
	pos, code, done := parseCommand(fs, args, exportUsage, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(pos) != 0:
		return report(stderr, usageError{msg: fmt.Sprintf("export takes no arguments, got %v", pos),
			hint: `sweep export --runs --where "alpha = 0.1" --out runs.csv`})
	case !*runs && !*trace:
		return report(stderr, usageError{msg: "export needs one of --runs and --trace",
			hint: "--runs gives one row per config, --trace every trace row"})
	case *runs && *trace:
		return report(stderr, usageError{msg: "--runs and --trace are exclusive: give one",
			hint: "--runs gives one row per config, --trace every trace row; export each to its own file"})
	}
	f, err := parseFormat(*format, []tabular.Format{tabular.CSV, tabular.JSONL})
	if err != nil {
		return report(stderr, err)
	}
	if *out != "" {
		if err := checkOutput("--out", *out, *dbPath); err != nil {
			return report(stderr, err)
		}
	}
	r, err := store.OpenReader(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer r.Close()
	cond, which := "1", int64(0)
	if *sweep != "" {
		id, err := r.FindSweep(ctx, *sweep)
		if err != nil {
			return report(stderr, err)
		}
		which = id
		// By the sweep's range of run ids, which the primary key finds,
		// rather than by sweep_id, which has no index.
		cond = fmt.Sprintf("id BETWEEN (SELECT first_run_id FROM sweeps WHERE id = %[1]d) AND (SELECT first_run_id + configs - 1 FROM sweeps WHERE id = %[1]d)", id)
	}
	if *where != "" {
		cond += " AND (" + *where + ")"
	}
	// The sweep's name rides along, so that an export can be checked
	// against (sweep check --sweep NAME) without its database.
	// The columns of runs that describe a run, by name: trace_run says only
	// where this database keeps a trace, which an export leaves behind.
	columns := runColumns
	if *runs {
		programs, err := holdsPrograms(ctx, r, which)
		if err != nil {
			return report(stderr, fmt.Errorf("export from %s: %w", r.Path(), err))
		}
		if programs {
			columns += ", params"
		}
	}
	query := "SELECT " + columns + ", (SELECT name FROM sweeps WHERE id = runs.sweep_id) AS sweep FROM runs WHERE " + cond + " ORDER BY id"
	switch {
	case *trace && cond == "1":
		query = "SELECT * FROM trace ORDER BY run_id, step"
	case *trace:
		query = "SELECT * FROM trace WHERE run_id IN (SELECT id FROM runs WHERE " + cond + ") ORDER BY run_id, step"
	}
	ctx, cancel := withTimeout(ctx, *timeout)
	defer cancel()
	rows, err := r.Query(ctx, query)
	if err != nil {
		if *where != "" && !interrupted(err) {
			return report(stderr, usageError{msg: "--where " + *where + ": " + queryError(err).Error(),
				hint: `--where is a condition on the columns of runs, e.g. --where "verdict = 'diverged' AND input = 2"`})
		}
		return report(stderr, timedOut(ctx, queryError(err)))
	}
	defer rows.Close()
	if *out == "" {
		if _, err := tabular.Write(stdout, rows, f); err != nil {
			return report(stderr, timedOut(ctx, queryError(err)))
		}
		return exitOK
	}
	if err := writeFileAtomically(*out, func(w io.Writer) error {
		_, err := tabular.Write(w, rows, f)
		return err
	}); err != nil {
		return report(stderr, timedOut(ctx, err))
	}
	return exitOK
}

// holdsPrograms reports whether the sweep with id sweepID (0: any sweep of
// the database) is a user's program's, whose runs have params and may
// fail.
func holdsPrograms(ctx context.Context, r *store.Reader, sweepID int64) (bool, error) {
	rows, err := r.Query(ctx, "SELECT EXISTS (SELECT 1 FROM sweeps WHERE method = ? AND (?2 = 0 OR id = ?2))", string(grid.Command), sweepID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var found bool
	if rows.Next() {
		if err := rows.Scan(&found); err != nil {
			return false, err
		}
	}
	return found, rows.Err()
}

// writeFileAtomically writes path through a temporary file beside it that
// is renamed into place only when write succeeded, so that a failed or
// interrupted export never leaves half a file.
//
// Missing directories of path are created (0755), as --db creates those of
// the database; when they cannot be, or the file cannot be made there, it
// returns a *store.FileError with a hint.
//
// A path that is not a regular file (/dev/null, /dev/stdout, a FIFO) is
// written directly: renaming over it would replace the device or pipe.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		if err := write(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		return f.Close()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &store.FileError{Path: path, Msg: "cannot create its directory: " + err.Error(), Err: err,
			Hint: "write it into a directory you can create or write, or create " + dir + " first"}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		// The temporary file's name would only puzzle: say what failed.
		return &store.FileError{Path: path, Msg: "cannot be written in " + dir + ": " + systemReason(err), Err: err,
			Hint: "write it into a directory you can write"}
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp makes the file private; what sweep writes is for sharing.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// systemReason is the system's reason in err without the file it names:
// a *fs.PathError from os.CreateTemp names the temporary file.
func systemReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
