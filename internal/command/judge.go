package command

import (
	"sweep/internal/grid"
	"sweep/internal/runner"
)

// judge decides a run's verdict row by row, with the rules of the built-in
// learning loop (runner.Trainer) in the same order. The one difference is
// stalled, which the built-in loop sees one row sooner (the package comment
// says why).
type judge struct {
	lim  grid.Limits
	rows int        // rows judged so far
	w    [2]float64 // the weights of the previous row and the one before it
	has  [2]bool    // whether those rows gave a weight
}

// next judges r, the next row, and returns its verdict when r decides the
// run.
func (j *judge) next(r *Row) (runner.Verdict, bool) {
	i := j.rows
	j.rows++
	hasW := r.Has&HasWeight != 0
	var v runner.Verdict
	switch e := r.Error; {
	case !(e <= j.lim.Divergence): // also true for NaN, and +Inf exceeds any bound
		v = runner.Diverged
	case e < j.lim.Tolerance:
		v = runner.Converged
	case i >= 2 && hasW && j.has[1] && r.Weight == j.w[1]:
		v = runner.Oscillating
	case i >= 1 && hasW && j.has[0] && r.Weight == j.w[0]:
		v = runner.Stalled
	case i >= j.lim.Iterations-1:
		v = runner.Unfinished
	default:
		j.w[1], j.has[1] = j.w[0], j.has[0]
		j.w[0], j.has[0] = r.Weight, hasW
		return 0, false
	}
	return v, true
}
