package runner

import (
	"math"
	"testing"
)

// definedFacts computes the facts of every row of a run as Facts defines
// them, one definition at a time, without FactTracker.
func definedFacts(rows []Row, tol float64) Facts {
	f := Facts{OvershootStep: -1, MinError: math.NaN(), MinErrorStep: -1}
	for i := 1; i < len(rows); i++ {
		if rows[i].Delta*rows[i-1].Delta < 0 {
			if f.OvershootStep < 0 {
				f.OvershootStep = rows[i].Step
			}
			f.SignChanges++
		}
	}
	for _, r := range rows {
		if !math.IsNaN(r.Error) && (f.MinErrorStep < 0 || r.Error < f.MinError) {
			f.MinError, f.MinErrorStep = r.Error, r.Step
		}
	}
	for k, m := range ToleranceMultiples {
		f.BelowTolerance[k] = -1
		for _, r := range rows {
			if r.Error < tol*m {
				f.BelowTolerance[k] = r.Step
				break
			}
		}
	}
	return f
}

// sameFacts compares facts bit for bit (NaN equals NaN).
func sameFacts(a, b Facts) bool {
	return a.OvershootStep == b.OvershootStep && a.SignChanges == b.SignChanges && same(a.MinError, b.MinError) &&
		a.MinErrorStep == b.MinErrorStep && a.BelowTolerance == b.BelowTolerance
}

// The facts of runs whose every fact is known by hand.
func TestFacts(t *testing.T) {
	tests := []struct {
		name string
		rows []Row
		tol  float64
		want Facts
	}{
		{"no rows", nil, 1, Facts{OvershootStep: -1, MinError: math.NaN(), MinErrorStep: -1, BelowTolerance: [3]int{-1, -1, -1}}},
		{"overshoots twice, min at the end", []Row{
			{Step: 0, Error: 4, Delta: 2}, {Step: 1, Error: 1, Delta: -1}, {Step: 2, Error: 0.25, Delta: 0.5}, {Step: 3, Error: 1e-8, Delta: 1e-4},
		}, 1e-12, Facts{OvershootStep: 1, SignChanges: 2, MinError: 1e-8, MinErrorStep: 3, BelowTolerance: [3]int{3, 3, -1}}},
		{"a zero delta is no change of sign, and the first of equal minima counts", []Row{
			{Step: 0, Error: 1, Delta: 1}, {Step: 1, Error: 0, Delta: 0}, {Step: 2, Error: 0, Delta: -0.0}, {Step: 3, Error: 1, Delta: -1},
		}, 1e-3, Facts{OvershootStep: -1, MinError: 0, MinErrorStep: 1, BelowTolerance: [3]int{0, 0, 1}}},
		{"infinity is a minimum, NaN is not; -inf*x changes sign", []Row{
			{Step: 0, Error: math.NaN(), Delta: math.NaN()}, {Step: 1, Error: math.Inf(1), Delta: math.Inf(-1)}, {Step: 2, Error: math.Inf(1), Delta: math.Inf(1)},
		}, 1, Facts{OvershootStep: 2, SignChanges: 1, MinError: math.Inf(1), MinErrorStep: 1, BelowTolerance: [3]int{-1, -1, -1}}},
		{"a tolerance whose multiples are all crossed at once", []Row{{Step: 0, Error: 1e-20, Delta: 1e-10}}, 1e-12,
			Facts{OvershootStep: -1, MinError: 1e-20, MinErrorStep: 0, BelowTolerance: [3]int{0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFactTracker(tt.tol)
			for _, r := range tt.rows {
				f.Add(r.Step, r.Error, r.Delta)
			}
			if got := f.Facts(); !sameFacts(got, tt.want) {
				t.Errorf("FactTracker: %+v, want %+v", got, tt.want)
			}
			if got := definedFacts(tt.rows, tt.tol); !sameFacts(got, tt.want) {
				t.Errorf("definedFacts: %+v, want %+v", got, tt.want)
			}
		})
	}
}
