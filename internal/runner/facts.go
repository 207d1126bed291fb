package runner

import "math"

// Facts are what a run's views ask of its trace, computed from every row as
// the run is trained (stored or not), so that the views answer from the
// run's row in runs instead of reading its trace: a sweep run with --trace
// none, or keeping every Nth row, has them exactly too. Each is a pure
// function of the rows, and TestFactsMatchTheirDefinitions (store) checks
// each against its definition in SQL over the full trace.
type Facts struct {
	// OvershootStep is the first step at which delta changed sign (the
	// prediction jumped past the goal): delta * previous delta < 0. -1
	// when it never did.
	OvershootStep int
	// SignChanges counts the steps at which delta changed sign.
	SignChanges int
	// MinError is the least error of any row (NaN errors aside) and
	// MinErrorStep the first step that had it; NaN and -1 when no row's
	// error was a number.
	MinError     float64
	MinErrorStep int
	// BelowTolerance[k] is the first step whose error was below tolerance
	// * ToleranceMultiples[k]; -1 when none was.
	BelowTolerance [len(ToleranceMultiples)]int
}

// ToleranceMultiples are the multiples of the tolerance whose first
// crossing Facts records: how soon a run got within a billion, a million
// and a thousand times the tolerance. Largest first: a row below a smaller
// multiple is below every larger one, so the steps come in this order.
var ToleranceMultiples = [3]float64{1e9, 1e6, 1e3}

// FactTracker computes the Facts of a run from its rows, one row at a time.
type FactTracker struct {
	facts     Facts
	prevDelta float64
	// below holds tolerance * ToleranceMultiples, and next the index of
	// the first not yet crossed (len when every one is).
	below [len(ToleranceMultiples)]float64
	next  int
}

// NewFactTracker returns a FactTracker for a run whose tolerance is tol.
func NewFactTracker(tol float64) FactTracker {
	t := FactTracker{facts: Facts{OvershootStep: -1, MinError: math.NaN(), MinErrorStep: -1}}
	for k, m := range ToleranceMultiples {
		t.below[k] = tol * m
		t.facts.BelowTolerance[k] = -1
	}
	return t
}

// Add takes the next row's step, error and delta (NaN for a value the row
// does not have).
func (t *FactTracker) Add(step int, errv, delta float64) {
	// The first row sets the minimum: an error of +Inf is a minimum too,
	// as SQL's min() takes it.
	if errv < t.facts.MinError || t.facts.MinErrorStep < 0 && errv == errv {
		t.facts.MinError, t.facts.MinErrorStep = errv, step
	}
	if delta*t.prevDelta < 0 {
		if t.facts.SignChanges == 0 {
			t.facts.OvershootStep = step
		}
		t.facts.SignChanges++
	}
	t.prevDelta = delta
	t.crossed(step, errv)
}

// pack stores the facts Trainer.Next keeps in locals (minErr is +Inf and
// minStep -1 until a row sets them).
func (t *FactTracker) pack(minErr float64, minStep int, prevDelta float64, changes int) {
	if minStep >= 0 {
		t.facts.MinError, t.facts.MinErrorStep = minErr, minStep
	}
	t.prevDelta, t.facts.SignChanges = prevDelta, changes
}

// threshold is the multiple of the tolerance to cross next: -Inf, which no
// error is below, once every one is crossed.
func (t *FactTracker) threshold() float64 {
	if t.next == len(t.below) {
		return math.Inf(-1)
	}
	return t.below[t.next]
}

// crossed records the multiples of the tolerance errv is below, at step.
func (t *FactTracker) crossed(step int, errv float64) {
	for t.next < len(t.below) && errv < t.below[t.next] {
		t.facts.BelowTolerance[t.next] = step
		t.next++
	}
}

// Facts returns the facts of the rows added so far.
func (t *FactTracker) Facts() Facts { return t.facts }
