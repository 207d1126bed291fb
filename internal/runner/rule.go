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

import (
	"slices"

	"sweep/internal/grid"
)

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
	trace, _, verdict := RunKeeping(c, 1, buf)
	return trace, verdict
}

// RunKeeping is Run for a sweep that stores only part of each trace: it
// keeps the rows at steps 0, every, 2*every, ... (none when every is 0) and,
// always, the deciding row, and returns them with the number of rows the run
// had. Rows not kept are never stored in memory, so a sweep that keeps no
// trace costs no more memory for a run of a million steps than of one.
func RunKeeping(c grid.Config, every int, buf []Row) (kept []Row, steps int, v Verdict) {
	// One loop, Trainer's: here it fills buf, growing it as append would.
	t := NewTrainer(c, every)
	kept = buf[:0]
	for {
		if len(kept) == cap(kept) {
			kept = slices.Grow(kept, max(cap(kept), 16))
		}
		chunk := t.Next(kept[len(kept):])
		kept = kept[:len(kept)+len(chunk)]
		if steps, v, ok := t.Decided(); ok {
			return kept, steps, v
		}
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
