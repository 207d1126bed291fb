package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	htmlreport "sweep/internal/report"
	"sweep/internal/store"
)

const reportUsage = `Usage: sweep report [--db PATH] [--sweep NAME|ID] [--runs ID,ID,...] [--out FILE]

Writes one self-contained HTML file (no network needed to view it) with the
sweep's stability map (rate against input, coloured by verdict, with the
theory's boundaries), its safe-rate frontier, error curves of chosen runs
(by default one of each verdict, the longest trace, nearest the middle of
the grid; a sweep run with --trace none has none and the report says how
to store them), its summary, its provenance (the sweep binary's version,
the host, the git commit of the sweep file and the command line, as sweep
run recorded them) and its sweep file. When the limits (iterations,
tolerance, divergence) are axes of the sweep, the map has its panels and
the frontier a series per set of limits: runs of different limits are
never mixed. A sweep of a user's program (method: command) is drawn by its
own axes: its rate against input, or its first other axis when it has no
input, a panel and a frontier series per value of the axes after those;
the theory's lines are gradient_descent's only, and failed runs have a
colour of their own. A sweep of more than 10,000 runs is read a row at a
time and drawn binned: neighbouring rates and inputs share a cell, at most
16,000 cells in all, and a cell of runs of several verdicts is striped by
their shares.

The sweep is --sweep, a name (its newest sweep) or an id as sweep ls lists
them; else the sweep of the --runs; else the newest. The file is --out, by
default beside the database with its name: results/sweep.html for
results/sweep.db. Missing directories are created.

Flags:
`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	sweep := sweepFlag(fs)
	runs := fs.String("runs", "", "draw the error curves of these run `ids`, comma-separated (of one sweep, which they name when --sweep is not given)")
	out := fs.String("out", "", "write the report to `FILE` (default beside the database: results/sweep.html for results/sweep.db)")
	pos, code, done := parseCommand(fs, args, reportUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 0 {
		return report(stderr, usageError{msg: fmt.Sprintf("report takes no arguments, got %v", pos), hint: "sweep report --db results/sweep.db --out results/report.html"})
	}
	if *out == "" {
		*out = reportPath(*dbPath)
	}
	if err := checkOutput("--out", *out, *dbPath); err != nil {
		return report(stderr, err)
	}
	d, err := loadPictures(ctx, *dbPath, *sweep, *runs)
	if err != nil {
		return report(stderr, err)
	}
	if err := writeFileAtomically(*out, func(w io.Writer) error { return htmlreport.Write(w, d) }); err != nil {
		return report(stderr, err)
	}
	fmt.Fprintf(stdout, "report of sweep %s (%s) written to %s\n", d.Name, runsDrawn(d), *out)
	return exitOK
}

// runsDrawn says how many runs a map draws: "12 runs", or for a sweep
// too large to draw run by run "1565004 runs binned into 19866 map cells".
func runsDrawn(d *htmlreport.Data) string {
	if d.Bins == nil {
		return fmt.Sprintf("%d runs", len(d.Cells))
	}
	return fmt.Sprintf("%d runs binned into %d map cells", d.Bins.Runs, d.Bins.Cells)
}

// runIDs reads --runs 17,42.
func runIDs(text string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id < 1 {
			return nil, usageError{msg: fmt.Sprintf("--runs: %q is not a run id", f), hint: "--runs 17,42"}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// reportPath is where report writes by default: beside the database, with
// its name, so that the reports of two databases in one directory do not
// overwrite each other and none lands in the working directory.
func reportPath(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".html"
}

// sweepFlag is --sweep of the commands that read one sweep.
func sweepFlag(fs *flag.FlagSet) *string {
	return fs.String("sweep", "", "the sweep, by `name|id` as sweep ls lists them; a name means its newest sweep (default the newest)")
}

// loadPictures reads what report and plot draw: the sweep that sweep names
// (see store.Reader.FindSweep), else the one the runs belong to, else the
// newest grid; and the traces of the runs listed in runs (comma-separated;
// by default one of each verdict).
func loadPictures(ctx context.Context, dbPath string, sweep string, runs string) (*htmlreport.Data, error) {
	ids, err := runIDs(runs)
	if err != nil {
		return nil, err
	}
	r, err := store.OpenReader(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var id int64
	if sweep == "" && len(ids) > 0 {
		id, err = r.SweepOfRuns(ctx, ids)
	} else {
		id, err = r.FindSweep(ctx, sweep)
	}
	if err != nil {
		return nil, err
	}
	d, err := htmlreport.Load(ctx, r, id, ids)
	if err != nil {
		return nil, usageError{msg: err.Error(), hint: "sweep ls lists the sweeps; sweep query 'SELECT id FROM runs' the runs"}
	}
	return d, nil
}
