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
	Probes       int // runs made to find it
}

// Boundary holds the edges of one (input, goal, weight).
type Boundary struct {
	Input, Goal, Weight float64
	Edges               []Edge
}

// inside reports whether a run is on the near side of an edge: converged
// (converge), did not diverge (diverge: the near side is below), did not
// overshoot (overshoot).
func inside(kind string, r *runner.Result) bool {
	switch kind {
	case Converge:
		return r.Verdict == runner.Converged
	case Diverge:
		return r.Verdict != runner.Diverged
	}
	return !overshoots(r.Trace)
}

// overshoots reports whether delta changed sign between two rows: the
// prediction jumped past the goal.
func overshoots(trace []runner.Row) bool {
	for i := 1; i < len(trace); i++ {
		if trace[i].Delta*trace[i-1].Delta < 0 {
			return true
		}
	}
	return false
}

// Refine finds the edges of every (input, goal, weight) of the sweep, in
// sweep order, running probes between the grid's rates. probe, when not
// nil, is called with each probe run in order (its trace is reused after
// probe returns). It returns the boundaries. Once ctx is canceled it
// returns within a few steps, and what it returns then means nothing.
func Refine(ctx context.Context, spec *grid.Spec, precision float64, probe func(*runner.Result)) []Boundary {
	kinds := []string{Converge}
	if spec.Method == grid.GradientDescent {
		kinds = []string{Converge, Diverge, Overshoot}
	}
	rates := slices.Clone(spec.Axes[0].Values)
	slices.Sort(rates)
	var out []Boundary
	for _, input := range spec.Axes[1].Values {
		for _, goal := range spec.Axes[2].Values {
			for _, weight := range spec.Axes[3].Values {
				b := Boundary{Input: input, Goal: goal, Weight: weight}
				cfg := grid.Config{Method: spec.Method, Input: input, Goal: goal, Weight: weight, Limits: spec.Limits}
				run := func(rate float64) *runner.Result {
					c := cfg
					c.Rate = rate
					if ctx.Err() != nil {
						// Stopped: finish the bisection at once with
						// one-step runs; the caller discards it all.
						c.Limits.Iterations = 1
					}
					return runner.Train(c)
				}
				if ctx.Err() != nil {
					return out
				}
				// The grid's own runs, rate by rate, ascending.
				results := make([]*runner.Result, len(rates))
				for i, r := range rates {
					results[i] = run(r)
				}
				for _, kind := range kinds {
					b.Edges = append(b.Edges, bisect(kind, rates, results, precision, run, probe))
				}
				out = append(out, b)
			}
		}
	}
	return out
}

// bisect finds one edge: the first pair of neighbouring grid rates with the
// near side below and the far side above (for diverge, the first
// divergence; for the others, the last near-side rate), then halves the
// bracket in log space.
func bisect(kind string, rates []float64, results []*runner.Result, precision float64,
	run func(float64) *runner.Result, probe func(*runner.Result)) Edge {
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
			return e
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
			return e
		}
	}
	low, high := rates[lo], rates[lo+1]
	for high/low-1 > precision {
		mid := math.Sqrt(low * high)
		if mid <= low || mid >= high { // the floats between them ran out
			break
		}
		r := run(mid)
		e.Probes++
		if probe != nil {
			probe(r)
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
	return e
}
