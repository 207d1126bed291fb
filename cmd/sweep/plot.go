package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	htmlreport "sweep/internal/report"
	"sweep/internal/store"
)

const plotUsage = `Usage: sweep plot [--db PATH] [--sweep ID] [--runs IDS] --svg FILE map|frontier|curves

Draws one chart of a sweep as a standalone SVG file, for papers and READMEs:
the stability map (all goals and weights), the safe-rate frontier, or the
error curves (of --runs, by default one run of each verdict).

Flags:
`

func runPlot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	sweepID := fs.Int64("sweep", 0, "the sweep's `id` (see sweep ls); the newest by default")
	runs := fs.String("runs", "", "the error curves of these run `ids`, comma-separated")
	svg := fs.String("svg", "", "write the chart to this SVG `FILE`")
	pos, code, done := parseCommand(fs, args, plotUsage, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(pos) != 1 || !slices.Contains(htmlreport.Charts, pos[0]):
		return report(stderr, usageError{msg: fmt.Sprintf("plot takes one chart: %s", strings.Join(htmlreport.Charts, ", ")),
			hint: "sweep plot --svg map.svg map"})
	case *svg == "":
		return report(stderr, usageError{msg: "plot needs --svg FILE", hint: "sweep plot --svg map.svg map"})
	}
	ids, err := runIDs(*runs)
	if err != nil {
		return report(stderr, err)
	}
	r, err := store.OpenReader(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer r.Close()
	d, err := htmlreport.Load(ctx, r, *sweepID, ids)
	if err != nil {
		return report(stderr, usageError{msg: err.Error(), hint: "sweep ls lists the sweeps"})
	}
	if err := writeFileAtomically(*svg, func(w io.Writer) error { return htmlreport.WriteSVG(w, d, pos[0]) }); err != nil {
		return report(stderr, err)
	}
	fmt.Fprintf(stdout, "%s of sweep %s written to %s\n", pos[0], d.Name, *svg)
	return exitOK
}
