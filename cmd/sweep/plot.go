package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	htmlreport "sweep/internal/report"
)

const plotUsage = `Usage: sweep plot [--db PATH] [--sweep NAME|ID] [--runs IDS] (--png FILE | --svg FILE | --pdf FILE) map|frontier|curves

Draws one chart of a sweep as a PNG, SVG or PDF file, for papers and
READMEs: the stability map (the commonest verdict over goals and weights,
ties split, with the theory's lines), the safe-rate frontier, or the error
curves (of --runs, by default one run of each verdict: the longest trace,
nearest the middle of the grid). A sweep of several sets of limits
(iterations, tolerance, divergence as axes) gets a map panel and a
frontier series per set, named by the limits that differ. A sweep of a
user's program (method: command) is drawn by its own axes, its rate
against input or its first other axis, with a map panel and a frontier
series per value of the axes after those, and failed in its own colour.
A sweep of more than 10,000 runs is drawn binned, as in the report.
curves needs traces: a sweep run with --trace none has none, and plot
says so with exit status 2. The sweep is --sweep, a name (its newest sweep) or an id
as sweep ls lists them; else the sweep of the --runs; else the newest.
Missing directories are created.

Flags:
`

func runPlot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	sweep := sweepFlag(fs)
	runs := fs.String("runs", "", "the error curves of these run `ids`, comma-separated (of one sweep, which they name when --sweep is not given)")
	files := map[string]*string{
		"png": fs.String("png", "", "write the chart to this PNG `FILE`"),
		"svg": fs.String("svg", "", "write the chart to this SVG `FILE`"),
		"pdf": fs.String("pdf", "", "write the chart to this PDF `FILE`"),
	}
	pos, code, done := parseCommand(fs, args, plotUsage, stdout, stderr)
	if done {
		return code
	}
	var outputs [][2]string // format, file
	for _, f := range []string{"png", "svg", "pdf"} {
		if *files[f] != "" {
			outputs = append(outputs, [2]string{f, *files[f]})
		}
	}
	switch {
	case len(pos) != 1 || !slices.Contains(htmlreport.Charts, pos[0]):
		return report(stderr, usageError{msg: fmt.Sprintf("plot takes one chart: %s", strings.Join(htmlreport.Charts, ", ")),
			hint: "sweep plot --png map.png map"})
	case len(outputs) == 0:
		return report(stderr, usageError{msg: "plot needs --png, --svg or --pdf FILE", hint: "sweep plot --png map.png map"})
	}
	var named [][2]string
	for _, o := range outputs {
		named = append(named, [2]string{"--" + o[0], o[1]})
	}
	if err := checkOutputs(*dbPath, nil, named...); err != nil {
		return report(stderr, err)
	}
	d, err := loadPictures(ctx, *dbPath, *sweep, *runs)
	if err != nil {
		return report(stderr, err)
	}
	if d.TraceEvery == 0 && htmlreport.NeedsTraces(pos[0]) {
		// An empty chart would look like a sweep that learned nothing.
		return report(stderr, usageError{
			msg:  fmt.Sprintf("sweep %s stores no traces (it ran with --trace none): %s draws traces", d.Name, pos[0]),
			hint: "run it again with traces, as a sweep of its own beside this one: " + htmlreport.RerunCommand(d),
		})
	}
	for _, o := range outputs {
		format, file := o[0], o[1]
		if err := writeFileAtomically(file, func(w io.Writer) error { return htmlreport.Plot(w, d, pos[0], format) }); err != nil {
			return report(stderr, err)
		}
		if d.Bins != nil && pos[0] == "map" {
			fmt.Fprintf(stdout, "%s of sweep %s (%d runs binned into %d cells) written to %s\n", pos[0], d.Name, d.Bins.Runs, htmlreport.PlotCells(d), file)
		} else {
			fmt.Fprintf(stdout, "%s of sweep %s written to %s\n", pos[0], d.Name, file)
		}
	}
	return exitOK
}
