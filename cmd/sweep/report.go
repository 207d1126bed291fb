package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	htmlreport "sweep/internal/report"
	"sweep/internal/store"
)

const reportUsage = `Usage: sweep report [--db PATH] [--sweep ID] [--runs ID,ID,...] [--out FILE]

Writes one self-contained HTML file (no network needed to view it) with the
sweep's stability map (rate against input, coloured by verdict, with the
theory's boundaries), its safe-rate frontier, error curves of chosen runs
(by default one of each verdict), its summary and its sweep file.

Flags:
`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	sweepID := fs.Int64("sweep", 0, "the sweep's `id` (see sweep ls); the newest grid by default")
	runs := fs.String("runs", "", "draw the error curves of these run `ids`, comma-separated")
	out := fs.String("out", "report.html", "write the report to `FILE`")
	pos, code, done := parseCommand(fs, args, reportUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 0 {
		return report(stderr, usageError{msg: fmt.Sprintf("report takes no arguments, got %v", pos), hint: "sweep report --db results/sweep.db --out report.html"})
	}
	if err := checkOutput("--out", *out, *dbPath); err != nil {
		return report(stderr, err)
	}
	d, err := loadPictures(ctx, *dbPath, *sweepID, *runs)
	if err != nil {
		return report(stderr, err)
	}
	if err := writeFileAtomically(*out, func(w io.Writer) error { return htmlreport.Write(w, d) }); err != nil {
		return report(stderr, err)
	}
	fmt.Fprintf(stdout, "report of sweep %s (%d runs) written to %s\n", d.Name, len(d.Cells), *out)
	return exitOK
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

// loadPictures reads what report and plot draw: the sweep (the newest when
// sweepID is 0) and the traces of the runs listed in runs (comma-separated;
// by default one of each verdict).
func loadPictures(ctx context.Context, dbPath string, sweepID int64, runs string) (*htmlreport.Data, error) {
	ids, err := runIDs(runs)
	if err != nil {
		return nil, err
	}
	r, err := store.OpenReader(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	d, err := htmlreport.Load(ctx, r, sweepID, ids)
	if err != nil {
		return nil, usageError{msg: err.Error(), hint: "sweep ls lists the sweeps; sweep query 'SELECT id FROM runs' the runs"}
	}
	return d, nil
}
