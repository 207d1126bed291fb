// Package refine finds the edges of learning that a grid only brackets: for
// each input, goal and starting weight of a sweep, it bisects the learning
// rate between the grid values on either side of an edge until they are
// within a relative precision. The edges are
//
//   - converge: the largest rate that converges within the budget (theory,
//     for gradient descent: just under 2/input^2 when the budget is large);
//   - diverge: the smallest rate that diverges within the budget (2/input^2
//     lies between the two, and they close in on it as the budget grows);
//   - overshoot: the largest rate whose delta never changes sign (theory:
//     1/input^2).
//
// hot_cold has only the converge edge (of step_amount). Each probe is a
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

// Edge is one edge of one (input, goal, weight).
type Edge struct {
	Kind string
	// Found is false when the grid does not bracket the edge (every rate
	// converged, say, or none did).
	Found bool
	// Value is the edge: the last rate on the inside of it (the largest
	// converging or non-overshooting rate, the smallest diverging one).
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
	Edges               []Edge
}

// outcome is what bisection needs to know of a run.
type outcome struct {
	verdict    runner.Verdict
	overshoots bool // delta changed sign between two rows: the prediction jumped past the goal
}

// inside reports whether a run is on the near side of an edge: converged
// (converge), did not diverge (diverge: the near side is below), did not
// overshoot (overshoot).
func inside(kind string, o outcome) bool {
	switch kind {
	case Converge:
		return o.verdict == runner.Converged
	case Diverge:
		return o.verdict != runner.Diverged
	}
	return !o.overshoots
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
	index  int64       // the number of the next probe
	result runner.Result
}

// run trains c and returns its outcome; a probe's rows and result go to the
// probes sink, numbered in the order they are made.
func (t *trainer) run(c grid.Config, probe bool) (outcome, error) {
	if t.ctx.Err() != nil {
		// Stopped: finish the bisection at once with one-step runs; the
		// caller discards it all.
		c.Limits.Iterations = 1
	}
	sink := t.probes
	if !probe {
		sink = nil
	}
	if probe {
		c.Index = t.index
		t.index++
	}
	if sink != nil {
		sink.Start(c)
	}
	tr := runner.NewTrainer(c, 1) // every row: overshoot is judged on all of them
	var (
		o         outcome
		lastDelta float64
		started   bool
	)
	for {
		rows := tr.Next(t.chunk)
		for _, r := range rows {
			if started && r.Delta*lastDelta < 0 {
				o.overshoots = true
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
		o.verdict = v
		if sink == nil {
			return o, nil
		}
		t.result = runner.Result{Config: c, Trace: rows[len(rows)-1:], Steps: steps, Verdict: v}
		if p, ok := runner.Predict(c); ok {
			t.result.Prediction = &p
		}
		return o, sink.Done(&t.result)
	}
}

// Refine finds the edges of every (input, goal, weight) of the sweep, in
// sweep order, running probes between the grid's rates. probes, when not
// nil, is given each probe run in order, numbered from 0 in Config.Index,
// with the trace rows at steps 0, every, 2*every, ... and the deciding row
// (none when every is 0), as runner.Sweep gives a worker's runs; Refine
// does not call its Close. It returns the boundaries, or the first error of
// probes. Once ctx is canceled it returns within a few steps, and what it
// returns then means nothing.
func Refine(ctx context.Context, spec *grid.Spec, precision float64, every int, probes runner.Sink) ([]Boundary, error) {
	kinds := []string{Converge}
	if spec.Method == grid.GradientDescent {
		kinds = []string{Converge, Diverge, Overshoot}
	}
	rates := slices.Clone(spec.Axes[0].Values)
	slices.Sort(rates)
	t := &trainer{ctx: ctx, chunk: make([]runner.Row, 0, chunkRows), every: every, probes: probes}
	var out []Boundary
	for _, input := range spec.Axes[1].Values {
		for _, goal := range spec.Axes[2].Values {
			for _, weight := range spec.Axes[3].Values {
				if ctx.Err() != nil {
					return out, nil
				}
				b := Boundary{Input: input, Goal: goal, Weight: weight}
				cfg := grid.Config{Method: spec.Method, Input: input, Goal: goal, Weight: weight, Limits: spec.Limits}
				// The edges' bisections meet at the same rates (converge
				// and diverge share their first halvings): a rate is run
				// once, and a probe is never made twice.
				seen := map[float64]outcome{}
				run := func(rate float64, probe bool) (outcome, bool, error) {
					if o, ok := seen[rate]; ok {
						return o, false, nil
					}
					c := cfg
					c.Rate = rate
					o, err := t.run(c, probe)
					if err == nil && t.ctx.Err() == nil {
						seen[rate] = o
					}
					return o, true, err
				}
				// The grid's own runs, rate by rate, ascending.
				outcomes := make([]outcome, len(rates))
				for i, r := range rates {
					o, _, err := run(r, false)
					if err != nil {
						return nil, err
					}
					outcomes[i] = o
				}
				for _, kind := range kinds {
					e, err := bisect(kind, rates, outcomes, precision, run)
					if err != nil {
						return nil, err
					}
					b.Edges = append(b.Edges, e)
				}
				out = append(out, b)
			}
		}
	}
	return out, nil
}

// bisect finds one edge: the first pair of neighbouring grid rates with the
// near side below and the far side above (for diverge, the first
// divergence; for the others, the last near-side rate), then halves the
// bracket in log space.
func bisect(kind string, rates []float64, results []outcome, precision float64,
	run func(rate float64, probe bool) (o outcome, ran bool, err error)) (Edge, error) {
	e := Edge{Kind: kind}
	lo := -1
	switch kind {
	case Diverge:
		// The last rate below the first divergence.
		for i, r := range results {
			if !inside(kind, r) {
				lo = i - 1
				break
			}
		}
		if lo < 0 { // no divergence, or even the smallest rate diverges
			return e, nil
		}
	default:
		// The largest rate on the near side with a far-side rate above it.
		for i := len(results) - 2; i >= 0; i-- {
			if inside(kind, results[i]) && !inside(kind, results[i+1]) {
				lo = i
				break
			}
		}
		if lo < 0 {
			return e, nil
		}
	}
	low, high := rates[lo], rates[lo+1]
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
		if inside(kind, r) {
			low = mid
		} else {
			high = mid
		}
	}
	e.Found, e.Lower, e.Upper = true, low, high
	e.Value = low
	if kind == Diverge {
		e.Value = high
	}
	return e, nil
}
