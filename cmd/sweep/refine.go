package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"sweep/internal/grid"
	"sweep/internal/refine"
	"sweep/internal/runner"
	"sweep/internal/store"
	"sweep/internal/tabular"
)

const refineUsage = `Usage: sweep refine [--db PATH] [--sweep NAME|ID] [--precision P] [--trace all|none|every:N]

Finds the edges of learning that a sweep's grid only brackets: for each
input, goal and starting weight, bisects the rate between the grid values on
either side of each edge to a relative precision (default 1e-6, or the
file's refine: precision): every rate at which convergence within the
budget starts or stops, divergence starts or stops, and overshooting (the
delta changing sign) starts or stops. Each probe is stored as a run (of a sweep named "NAME
refine"), with the trace rows the sweep stored for its own runs unless
--trace says otherwise; the edges go to the boundary view.

Flags:
`

func runRefine(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("refine", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	sweepRef := sweepFlag(fs)
	precision := fs.Float64("precision", 0, "the relative `precision` of the edges, from 1e-15 to 0.1 (default the file's, else 1e-6)")
	trace := fs.String("trace", "", "trace rows to store of each probe: all, none or every:N (default: as the sweep stored its runs)")
	pos, code, done := parseCommand(fs, args, refineUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 0 {
		return report(stderr, usageError{msg: fmt.Sprintf("refine takes no arguments, got %v", pos), hint: "sweep refine --db results/sweep.db"})
	}
	// One rule for the flag and the sweep file's refine: precision; a
	// flag that is given is checked, 0 included.
	precisionGiven := false
	fs.Visit(func(f *flag.Flag) { precisionGiven = precisionGiven || f.Name == "precision" })
	if err := grid.CheckRefinePrecision(*precision); precisionGiven && err != nil {
		return report(stderr, usageError{msg: "--precision " + err.Error(), hint: "--precision 1e-6 (leave it out for the sweep file's, else 1e-6)"})
	}
	var storage *grid.TraceStorage
	if *trace != "" {
		t, err := grid.ParseTraceStorage(*trace)
		if err != nil {
			return report(stderr, usageError{msg: "--trace: " + err.Error(), hint: "--trace all, --trace none or --trace every:10"})
		}
		storage = &t
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer st.Close()
	g, err := st.LoadGridSweep(ctx, *sweepRef)
	if err != nil {
		return report(stderr, err)
	}
	spec, err := grid.Parse(g.File, []byte(g.YAML))
	if err != nil {
		return report(stderr, err)
	}
	if len(spec.Joint) > 0 {
		return report(stderr, usageError{msg: fmt.Sprintf("sweep %s draws %s together with %s: no two of its configs differ in the rate alone, which refine bisects", g.Name, spec.Joint[0].Name, spec.RateAxis()),
			hint: fmt.Sprintf("sample only %s (give the other axes as lists) to refine", spec.RateAxis())})
	}
	spec.Trace = grid.TraceStorage{Every: g.TraceEvery} // as the sweep ran, its --trace and all
	if storage != nil {
		spec.Trace = *storage
	}
	p := *precision
	if !precisionGiven {
		p = spec.Refine
	}
	if p == 0 {
		p = refine.DefaultPrecision
	}
	return refineSweep(ctx, st, g, spec, p, stdout, stderr)
}

// refineSweep finds the edges of a stored sweep, stores the probes and the
// edges, and prints the edges per input.
func refineSweep(ctx context.Context, st *store.Store, g *store.GridSweep, spec *grid.Spec, precision float64, stdout, stderr io.Writer) int {
	if spec.Method == grid.Command {
		return refineProgram(ctx, st, g, spec, precision, stdout, stderr)
	}
	start := time.Now()
	// Refinement is deterministic: a first pass counts the probes, so that
	// they get a range of run ids like any sweep, and a second stores them.
	var total int64
	counted, err := refine.Refine(ctx, spec, precision, 0, nil)
	if err != nil {
		return report(stderr, err)
	}
	for _, b := range counted {
		for _, e := range b.Edges {
			total += int64(e.Probes)
		}
	}
	if ctx.Err() != nil {
		return report(stderr, context.Cause(ctx))
	}
	sw, err := st.StartRefinement(ctx, g, string(spec.Method), spec.Trace.Every, precision, total)
	if err != nil {
		return report(stderr, err)
	}
	// Probes reach the writer as a sweep's runs do: trained a chunk of
	// rows at a time and encoded as they come, through a queue of at most
	// store.QueueBytes, so a refinement of long runs stays in bounds.
	q := store.NewQueue(store.QueueBytes)
	var wg errgroup.Group
	wg.Go(func() error { return st.WriteQueue(ctx, sw, q, nil) })
	sender := q.Sender(spec.Trace)
	boundaries, refineErr := refine.Refine(ctx, spec, precision, spec.Trace.Every, &unstored{Sink: sender, stored: sw.Done, ctx: ctx})
	if err := errors.Join(refineErr, sender.Close()); err != nil {
		q.Close()
		wg.Wait()
		return report(stderr, err)
	}
	q.Close()
	if err := wg.Wait(); err != nil {
		return report(stderr, err)
	}
	after := context.WithoutCancel(ctx)
	status := store.StatusDone
	if ctx.Err() != nil {
		status = store.StatusInterrupted
	}
	if err := st.FinishSweep(after, sw.ID, status, 0, total); err != nil {
		return report(stderr, err)
	}
	if ctx.Err() != nil {
		printError(stderr, "interrupted while refining", "run sweep refine again: stored probes are not run twice")
		return 128 + 2
	}
	return saveEdges(after, st, g, spec, precision, boundaries, refined{probes: total, ran: total - sw.Stored, start: start}, stdout, stderr)
}

// refined is what a refinement did, for its summary line.
type refined struct {
	probes, ran int64 // probes made (stored before or now), and run now
	start       time.Time
}

// saveEdges stores the edges refine found for the sweep g and prints them:
// the end of refineSweep and of refineProgram.
func saveEdges(ctx context.Context, st *store.Store, g *store.GridSweep, spec *grid.Spec, precision float64, boundaries []refine.Boundary,
	r refined, stdout, stderr io.Writer) int {
	var rows []store.BoundaryRow
	for _, b := range boundaries {
		for _, e := range b.Edges {
			rows = append(rows, store.BoundaryRow{Input: b.Input, Goal: b.Goal, Weight: b.Weight, Params: store.ProgramParams(spec, b.Line),
				Limits: b.Limits, Edge: e.Kind, N: e.N, Found: e.Found, Value: e.Value, Lower: e.Lower, Upper: e.Upper, Probes: e.Probes})
		}
	}
	if err := st.SaveBoundaries(ctx, g.ID, precision, rows); err != nil {
		return report(stderr, err)
	}
	fmt.Fprintf(stdout, "refined sweep %s: the edges of %s, %s (%d run now) to a precision of %g in %s; every edge is in the boundary view\n",
		g.Name, plural(int64(len(boundaries)), "combination")+" of "+lineAxes(spec), plural(r.probes, "probe"), r.ran, precision, time.Since(r.start).Round(time.Millisecond))
	var limits []string
	for _, a := range spec.LimitAxes() {
		limits = append(limits, a.Name)
	}
	// A program's other axes are named when it has any.
	return printEdges(ctx, st.Path(), g.ID, limits, store.ProgramParams(spec, spec.Config(0)) != "", stdout, stderr)
}

// lineAxes names the axes besides the rate, whose every combination refine
// finds the edges of: "input, goal and weight", and the limits that are
// axes.
func lineAxes(spec *grid.Spec) string {
	names := []string{grid.AxisInput, grid.AxisGoal, grid.AxisWeight}
	for _, a := range spec.LimitAxes() {
		names = append(names, a.Name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// unstored passes on to Sink only the probes that are not stored already,
// and none that starts once ctx is canceled (refine.Refine then makes
// one-step runs that are not probes).
type unstored struct {
	runner.Sink
	stored func(index int64) bool
	ctx    context.Context
	skip   bool // the current probe is not to be stored
}

func (u *unstored) Start(c grid.Config) {
	if u.skip = u.stored(c.Index) || u.ctx.Err() != nil; !u.skip {
		u.Sink.Start(c)
	}
}

func (u *unstored) Rows(rows []runner.Row) {
	if !u.skip {
		u.Sink.Rows(rows)
	}
}

func (u *unstored) Done(r *runner.Result) error {
	if u.skip {
		return nil
	}
	return u.Sink.Done(r)
}

// printEdges prints the edges per input (and value of each limit that is
// an axis, named by limits), edge kind, number along the rate axis and
// change, over the input's goals and starting weights: how many of them
// have that edge, its lowest and highest rate, and where the theory puts
// it.
func printEdges(ctx context.Context, db string, sweepID int64, limits []string, program bool, stdout, stderr io.Writer) int {
	r, err := store.OpenReader(ctx, db)
	if err != nil {
		return report(stderr, err)
	}
	defer r.Close()
	per := "input"
	if len(limits) > 0 {
		per = "input and " + strings.Join(limits, " and ")
	}
	if program {
		per += " and the program's other axes (params)"
	}
	fmt.Fprintf(stdout, "per %s, every rate at which convergence, divergence or overshooting starts or stops, numbered by rate (n);\n", per)
	fmt.Fprintln(stdout, "over the input's goals and starting weights: how many have that edge (combinations), its lowest and highest rate")
	line := "input"
	for _, l := range limits {
		line += ", " + l // names of limit axes, never text from the user
	}
	if program {
		line += ", params" // a program's other axes
	}
	rows, err := r.Query(ctx, `
		SELECT `+line+`, edge, n, change, count(*) AS combinations, min(value) AS lowest, max(value) AS highest, theory
		FROM boundary WHERE sweep_id = ? AND value IS NOT NULL
		GROUP BY `+line+`, edge, n, change ORDER BY `+line+`, edge, n, change`, sweepID)
	if err != nil {
		return report(stderr, err)
	}
	defer rows.Close()
	if _, err := tabular.Write(stdout, rows, tabular.Table); err != nil {
		return report(stderr, err)
	}
	return exitOK
}
