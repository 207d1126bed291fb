// Package refine finds the edges of learning that a grid only brackets: for
// each input, goal and starting weight of a sweep, it bisects the learning
// rate between every pair of neighbouring grid values on either side of an
// edge until they are within a relative precision. The edges are every rate,
// along the grid, at which
//
//   - converge: convergence within the budget starts or stops (theory, for
//     gradient descent: it stops just under 2/input^2 when the budget is
//     large);
//   - diverge: divergence within the budget starts or stops (2/input^2 lies
//     between where convergence stops and divergence starts, and they close
//     in on it as the budget grows);
//   - overshoot: the delta starts or stops changing sign (theory: starts at
//     1/input^2).
//
// Verdicts need not be monotone in the rate: hot_cold's step_amount can
// converge at 0.55, oscillate at 0.3 and converge again at 0.1, and
// gradient descent near the limits of float64 can too. So an edge kind has
// as many edges as its verdict changes along the grid, each bisected in its
// own bracket; a change of verdict that the grid does not see (two changes
// between neighbouring rates) stays unseen.
//
// hot_cold has only the converge edges (of step_amount). Each probe is a
// normal run, handed to the caller to store.
package refine

import (
	"context"
	"math"
	"slices"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// Edge kinds.
const (
	Converge  = "converge"
	Diverge   = "diverge"
	Overshoot = "overshoot"
)

// DefaultPrecision is the relative precision edges are found to.
const DefaultPrecision = grid.DefaultRefinePrecision

// Edge is one edge of one (input, goal, weight): one change of verdict
// along the rate axis.
type Edge struct {
	Kind string
	// N numbers the edges of a kind by rate, from 0 for the lowest.
	N int
	// Found is false when the grid does not bracket any edge of the kind
	// (every rate converged, say, or none did); the Edge then stands for
	// that absence, with N 0.
	Found bool
	// Starts reports whether what the kind names (convergence, divergence,
	// overshooting) starts at the edge as the rate rises; false: it stops.
	Starts bool
	// Value is the edge: the end of the final bracket on the converging
	// side (converge), the diverging side (diverge) or the side whose
	// delta never changes sign (overshoot). Where convergence stops, it is
	// the largest converging rate; where divergence starts, the smallest
	// diverging one.
	Value float64
	// Lower and Upper are the final bracket: Value is one of them, and
	// Upper/Lower - 1 <= the precision.
	Lower, Upper float64
	// Probes is the number of runs made to find it; a rate that another
	// edge of the same boundary probed already is not run again.
	Probes int
}

// Boundary holds the edges of one (input, goal, weight).
type Boundary struct {
	Input, Goal, Weight float64
	Limits              grid.Limits
	// Line is the config of the lowest rate with these values: for a
	// program's sweep, its other axes are in Line.Params.
	Line  grid.Config
	Edges []Edge
}

// Outcome is what bisection needs to know of a run.
type Outcome struct {
	Verdict    runner.Verdict
	Overshoots bool // delta changed sign between two rows: the prediction jumped past the goal
}

// RunFunc runs config c and returns its outcome: a config of the grid
// when probe is false, else a probe, numbered in c.Index from 0 in the
// order the probes are made (the same order every time: refinement is
// deterministic).
type RunFunc func(c grid.Config, probe bool) (Outcome, error)

// Kinds returns the edge kinds refine finds for a method: the converge
// edge for hot_cold; converge, diverge and overshoot for gradient descent;
// converge and diverge for a program (overshoot needs a delta in every
// row, which a program need not print).
func Kinds(m grid.Method) []string {
	switch m {
	case grid.GradientDescent:
		return []string{Converge, Diverge, Overshoot}
	case grid.Command:
		return []string{Converge, Diverge}
	}
	return []string{Converge}
}

// inside reports whether a run is on the near side of an edge: converged
// (converge), did not diverge (diverge: the near side is below), did not
// overshoot (overshoot).
func inside(kind string, o Outcome) bool {
	switch kind {
	case Converge:
		return o.Verdict == runner.Converged
	case Diverge:
		return o.Verdict != runner.Diverged
	}
	return !o.Overshoots
}

// chunkRows is how many trace rows a run holds in memory at once: runs of
// a million steps are trained a chunk at a time, never held whole.
const chunkRows = 4096

// trainer runs the grid's rates and the probes of a refinement, a chunk of
// rows at a time, and hands each probe's rows (those its storage keeps)
// to a runner.Sink. Memory is a chunk, whatever the iterations.
type trainer struct {
	ctx    context.Context
	chunk  []runner.Row
	kept   []runner.Row
	every  int         // the trace rows probes keep: 1 all, 0 none, N every Nth and the deciding row
	probes runner.Sink // nil: probes are only counted
	result runner.Result
}

// run trains c and returns its outcome; a probe's rows and result go to the
// probes sink, numbered in the order they are made.
func (t *trainer) run(c grid.Config, probe bool) (Outcome, error) {
	if t.ctx.Err() != nil {
		// Stopped: finish the bisection at once with one-step runs; the
		// caller discards it all.
		c.Limits.Iterations = 1
	}
	sink := t.probes
	if !probe {
		sink = nil
	}
	if sink != nil {
		sink.Start(c)
	}
	tr := runner.NewTrainer(c, 1) // every row: overshoot is judged on all of them
	var (
		o         Outcome
		lastDelta float64
		started   bool
	)
	for {
		rows := tr.Next(t.chunk)
		for _, r := range rows {
			if started && r.Delta*lastDelta < 0 {
				o.Overshoots = true
			}
			lastDelta, started = r.Delta, true
		}
		steps, v, done := tr.Decided()
		if sink != nil && t.every > 0 {
			t.kept = t.kept[:0]
			for i, r := range rows {
				if r.Step%t.every == 0 || done && i == len(rows)-1 {
					t.kept = append(t.kept, r)
				}
			}
			sink.Rows(t.kept)
		}
		if !done {
			continue
		}
		o.Verdict = v
		if sink == nil {
			return o, nil
		}
		t.result = runner.Result{Config: c, Trace: rows[len(rows)-1:], Steps: steps, Verdict: v, Facts: tr.Facts()}
		if p, ok := runner.Predict(c); ok {
			t.result.Prediction = &p
		}
		return o, sink.Done(&t.result)
	}
}

// Refine finds the edges of every (input, goal, weight, limits) of the sweep, in
// sweep order, running probes between the grid's rates. probes, when not
// nil, is given each probe run in order, numbered from 0 in Config.Index,
// with the trace rows at steps 0, every, 2*every, ... and the deciding row
// (none when every is 0), as runner.Sweep gives a worker's runs; Refine
// does not call its Close. It returns the boundaries, or the first error of
// probes. Once ctx is canceled it returns within a few steps, and what it
// returns then means nothing.
func Refine(ctx context.Context, spec *grid.Spec, precision float64, every int, probes runner.Sink) ([]Boundary, error) {
	t := &trainer{ctx: ctx, chunk: make([]runner.Row, 0, chunkRows), every: every, probes: probes}
	return Edges(ctx, spec, precision, Kinds(spec.Method), t.run)
}

// Edges finds the edges of the given kinds of every (input, goal, weight,
// limits, and a program's other axes) of the sweep, in sweep order, with
// run running the grid's configs and the probes between them. It returns
// the first error of run. Once ctx is canceled it returns at the next
// line, and what it returns then means nothing.
func Edges(ctx context.Context, spec *grid.Spec, precision float64, kinds []string, run RunFunc) ([]Boundary, error) {
	rates := slices.Clone(spec.Axes[0].Values)
	slices.Sort(rates)
	var (
		out    []Boundary
		probes int64 // the number of the next probe
	)
	// A line is a config of the lowest rate index: every other axis (input,
	// goal, weight and the limits that are axes) takes each of its values
	// along the lines, in sweep order, the rate being the outermost axis.
	lines := spec.Len() / int64(len(spec.Axes[0].Values))
	for line := range lines {
		if ctx.Err() != nil {
			return out, nil
		}
		cfg := spec.Config(line)
		cfg.Index = 0
		b := Boundary{Input: cfg.Input, Goal: cfg.Goal, Weight: cfg.Weight, Limits: cfg.Limits, Line: cfg}
		// The edges' bisections meet at the same rates (converge and
		// diverge share their first halvings): a rate is run once, and a
		// probe is never made twice.
		seen := map[float64]Outcome{}
		at := func(rate float64, probe bool) (Outcome, bool, error) {
			if o, ok := seen[rate]; ok {
				return o, false, nil
			}
			c := cfg
			c.Rate = rate
			if c.Params != nil { // a program's: the rate is its first parameter
				c.Params = slices.Clone(c.Params)
				c.Params[0] = rate
			}
			if probe {
				c.Index = probes
				probes++
			} else {
				c.Index = line + int64(slices.Index(spec.Axes[0].Values, rate))*lines
			}
			o, err := run(c, probe)
			if err == nil && ctx.Err() == nil {
				seen[rate] = o
			}
			return o, true, err
		}
		// The grid's own runs, rate by rate, ascending.
		outcomes := make([]Outcome, len(rates))
		for i, r := range rates {
			o, _, err := at(r, false)
			if err != nil {
				return nil, err
			}
			outcomes[i] = o
		}
		for _, kind := range kinds {
			es, err := edges(kind, rates, outcomes, precision, at)
			if err != nil {
				return nil, err
			}
			b.Edges = append(b.Edges, es...)
		}
		out = append(out, b)
	}
	return out, nil
}

// edges finds every edge of a kind: each pair of neighbouring grid rates
// (ascending) with one on the near side and the other not is a bracket,
// bisected on its own, lowest first. With no such pair it returns one Edge
// that is not Found.
func edges(kind string, rates []float64, results []Outcome, precision float64,
	run func(rate float64, probe bool) (o Outcome, ran bool, err error)) ([]Edge, error) {
	var out []Edge
	for i := 0; i+1 < len(results); i++ {
		in := inside(kind, results[i])
		if in == inside(kind, results[i+1]) {
			continue
		}
		e, err := bisect(kind, rates[i], rates[i+1], in, precision, run)
		if err != nil {
			return nil, err
		}
		e.N = len(out)
		out = append(out, e)
	}
	if len(out) == 0 {
		return []Edge{{Kind: kind}}, nil
	}
	return out, nil
}

// bisect halves the bracket [low, high] in log space, keeping one end on
// the near side of the edge and the other not; lowInside says which end
// is on the near side.
func bisect(kind string, low, high float64, lowInside bool, precision float64,
	run func(rate float64, probe bool) (o Outcome, ran bool, err error)) (Edge, error) {
	e := Edge{Kind: kind}
	for high/low-1 > precision {
		mid := math.Sqrt(low * high)
		if mid <= low || mid >= high { // the floats between them ran out
			break
		}
		r, ran, err := run(mid, true)
		if err != nil {
			return e, err
		}
		if ran {
			e.Probes++
		}
		if inside(kind, r) == lowInside {
			low = mid
		} else {
			high = mid
		}
	}
	e.Found, e.Lower, e.Upper = true, low, high
	// The converge edge is told by its converging end, the diverge edge by
	// its diverging end, the overshoot edge by its end that does not
	// overshoot; the inside of diverge is the side that does not diverge.
	valueLow := lowInside
	if kind == Diverge {
		valueLow = !lowInside
	}
	e.Value = high
	if valueLow {
		e.Value = low
	}
	// Convergence starts where the inside is above; divergence and
	// overshooting start where the inside is below.
	e.Starts = !lowInside
	if kind != Converge {
		e.Starts = lowInside
	}
	return e, nil
}
