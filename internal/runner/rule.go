// Package runner trains the one-weight network of DOMAIN.md: the two
// learning rules, the verdict of each run, the theory's prediction for
// gradient descent, and a pool of workers that runs a whole grid.
//
// The learning rules are pure functions with no I/O. They compute in exactly
// the order of the classic textbook so that its published traces come out bit
// for bit. Go may fuse x*y+z into one FMA instruction on some platforms
// (arm64, ppc64le, s390x), which rounds once instead of twice and so changes
// the last bit; every product that feeds a sum is therefore wrapped in an
// explicit float64 conversion, which the Go spec defines as a rounding that
// forbids fusion.
package runner

import "sweep/internal/grid"

// Row is one trace row, recorded at the start of a step, before the update.
type Row struct {
	Step   int
	Weight float64 // the weight at the start of the step
	Pred   float64 // input * weight
	Error  float64 // delta * delta
	Delta  float64 // pred - goal
	// WeightDelta is what the update subtracts from the weight, before any
	// learning rate: input * delta for gradient descent (the weight moves
	// by -alpha * WeightDelta); for hot_cold the step taken with its sign,
	// +step_amount when the weight moves down, -step_amount when it moves
	// up and 0 when it stays.
	WeightDelta float64
}

// Run trains one config until its verdict is decided and returns the trace
// (appended to buf, which may be nil; passing the previous trace back reuses
// its memory) and the verdict. The deciding row is the last row of the trace.
func Run(c grid.Config, buf []Row) ([]Row, Verdict) {
	trace := buf[:0]
	var (
		w      = c.Weight
		before = [2]float64{} // the weights one and two steps before
		tol    = c.Limits.Tolerance
		bound  = c.Limits.Divergence
		last   = c.Limits.Iterations - 1
	)
	for step := 0; ; step++ {
		pred := float64(c.Input * w)
		delta := pred - c.Goal
		errv := delta * delta

		var weightDelta, next float64
		if c.Method == grid.HotCold {
			weightDelta, next = hotCold(c.Input, c.Goal, c.Rate, w)
		} else {
			weightDelta = c.Input * delta
			next = w - float64(c.Rate*weightDelta)
		}
		trace = append(trace, Row{Step: step, Weight: w, Pred: pred, Error: errv, Delta: delta, WeightDelta: weightDelta})

		switch {
		case !(errv <= bound): // also true for NaN, and +Inf exceeds any bound
			return trace, Diverged
		case errv < tol:
			return trace, Converged
		case step >= 2 && w == before[1]:
			return trace, Oscillating
		case next == w:
			return trace, Stalled
		case step >= last:
			return trace, Unfinished
		}
		before[1], before[0] = before[0], w
		w = next
	}
}

// hotCold is one step of hot-and-cold learning: try the weight one step up
// and one step down and keep whichever predicts better; on a tie stay.
func hotCold(input, goal, step, w float64) (weightDelta, next float64) {
	up := goal - float64(input*(w+step))
	down := goal - float64(input*(w-step))
	upErr, downErr := up*up, down*down
	switch {
	case downErr < upErr:
		return step, w - step
	case downErr > upErr:
		return -step, w + step
	}
	return 0, w
}
