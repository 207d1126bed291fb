package runner

import (
	"math"

	"sweep/internal/grid"
)

// Trainer trains one config a chunk of rows at a time: Next fills the
// caller's buffer with the rows RunKeeping would keep and returns, and the
// next call carries on where it stopped. A sweep that stores every row of
// runs of a million steps thus holds one chunk of rows per worker, not a
// million (48 MB) per run.
//
// Trainer holds the one learning loop: RunKeeping is Trainer filling one
// growing buffer, so the book's traces (rule_test.go) check it, and
// TestTrainerMatchesRunKeeping and FuzzTrainer check that any chunk size
// gives the same rows bit for bit. The state that crosses a chunk boundary
// is kept in the struct between calls and in locals within one.
type Trainer struct {
	c      grid.Config
	every  int
	w      float64    // the weight at the start of the next step
	before [2]float64 // the weights one and two steps before it
	step   int        // the next step
	keep   int        // the next step to keep, when every > 0

	facts FactTracker // every row's, kept or not

	decided bool
	verdict Verdict
}

// NewTrainer returns a Trainer for c that keeps the rows at steps 0, every,
// 2*every, ... (none when every is 0) and, always, the deciding row.
func NewTrainer(c grid.Config, every int) Trainer {
	return Trainer{c: c, every: every, w: c.Weight, facts: NewFactTracker(c.Limits.Tolerance)}
}

// Next appends the next kept rows to buf[:0] until buf is full (len(buf) ==
// cap(buf)) or the run is decided, and returns them; the deciding row is the
// last row of the last chunk. It never grows buf, and cap(buf) must be at
// least 1. Once the run is decided Next returns no rows.
func (t *Trainer) Next(buf []Row) []Row {
	kept := buf[:0]
	if t.decided {
		return kept
	}
	if cap(kept) == 0 {
		panic("runner: Trainer.Next needs a buffer of at least one row")
	}
	var (
		c      = &t.c
		w      = t.w
		before = t.before
		keep   = t.keep
		every  = t.every
		tol    = c.Limits.Tolerance
		bound  = c.Limits.Divergence
		last   = c.Limits.Iterations - 1
		// The facts of the rows (see FactTracker.Add), in locals: an
		// undecided row's error is a finite number, so the first-row and
		// NaN cases of Add are the deciding row's, which Add itself takes.
		f         = &t.facts
		minErr    = f.facts.MinError
		minStep   = f.facts.MinErrorStep
		prevDelta = f.prevDelta
		changes   = f.facts.SignChanges
		below     = f.threshold()
	)
	if minStep < 0 {
		minErr = math.Inf(1)
	}

	for step := t.step; ; step++ {
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
		row := Row{Step: step, Weight: w, Pred: pred, Error: errv, Delta: delta, WeightDelta: weightDelta}

		var v Verdict
		decided := true
		switch {
		case !(errv <= bound): // also true for NaN, and +Inf exceeds any bound
			v = Diverged
		case errv < tol:
			v = Converged
		case step >= 2 && w == before[1]:
			v = Oscillating
		case next == w:
			v = Stalled
		case step >= last:
			v = Unfinished
		default:
			decided = false
		}
		if decided {
			// There is room: Next returns as soon as buf is full.
			f.pack(minErr, minStep, prevDelta, changes)
			f.Add(step, errv, delta)
			t.decided, t.verdict, t.step = true, v, step+1
			return append(kept, row)
		}
		if errv < minErr {
			minErr, minStep = errv, step
		}
		if delta*prevDelta < 0 {
			if changes == 0 {
				f.facts.OvershootStep = step
			}
			changes++
		}
		prevDelta = delta
		if errv < below {
			f.crossed(step, errv)
			below = f.threshold()
		}
		before[1], before[0] = before[0], w
		w = next
		if every > 0 && step == keep {
			kept = append(kept, row)
			keep += every
			if len(kept) == cap(kept) {
				f.pack(minErr, minStep, prevDelta, changes)
				t.w, t.before, t.step, t.keep = w, before, step+1, keep
				return kept
			}
		}
	}
}

// Facts returns the facts of the rows trained so far: of every row, once
// the run is decided.
func (t *Trainer) Facts() Facts { return t.facts.Facts() }

// Decided reports whether the run is decided and, once it is, its verdict
// and the number of rows it had, kept or not.
func (t *Trainer) Decided() (steps int, v Verdict, ok bool) {
	if !t.decided {
		return 0, 0, false
	}
	return t.step, t.verdict, true
}
