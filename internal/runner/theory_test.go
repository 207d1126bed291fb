package runner

import (
	"math"
	"testing"

	"sweep/internal/grid"
)

func TestPredict(t *testing.T) {
	tests := []struct {
		name string
		cfg  grid.Config
		want Prediction
	}{
		{"already converged", gd(1, 0, 0, 0.5, 100, 1e-10, 1e12), Prediction{Converged, 1}},
		{"first error past the bound", gd(1, 1e6, 0, 1e6, 100, 1e-10, 1e12), Prediction{Diverged, 1}},
		{"input 0 stalls", gd(1, 0, 0.8, 0.5, 100, 1e-10, 1e12), Prediction{Stalled, 1}},
		{"alpha = 1/input^2 lands in one step", gd(0.25, 2, 0.8, 0.5, 100, 1e-10, 1e12), Prediction{Converged, 2}},
		{"alpha = 2/input^2 oscillates", gd(0.5, 2, 0.8, 0.5, 100, 1e-10, 1e12), Prediction{Oscillating, 3}},
		// r = 0.9, e0 = -0.3: 0.09 * 0.81^t < 1e-10 first at t = 98.
		{"r = 0.9 converges at step 98", gd(0.1, 1, 0.8, 0.5, 1000, 1e-10, 1e12), Prediction{Converged, 99}},
		// r = -3, e0 = 0.2: 0.04 * 9^t > 1e12 first at t = 15.
		{"r = -3 diverges at step 15", gd(1, 2, 0.8, 0.5, 1000, 1e-10, 1e12), Prediction{Diverged, 16}},
		{"the budget caps convergence", gd(0.1, 1, 0.8, 0.5, 50, 1e-10, 1e12), Prediction{Unfinished, 50}},
		{"the budget caps divergence", gd(1, 2, 0.8, 0.5, 10, 1e-10, 1e12), Prediction{Unfinished, 10}},
		{"the budget caps oscillation", gd(0.5, 2, 0.8, 0.5, 2, 1e-10, 1e12), Prediction{Unfinished, 2}},
		// alpha*input^2 = 1e-30: 1 - a rounds to 1, but ln(r^2) does not
		// vanish; the theory says it converges, far too slowly.
		{"a tiny rate is unfinished, not infinite", gd(1e-30, 1, 0.8, 0.5, 1000, 1e-10, 1e12), Prediction{Unfinished, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Predict(tt.cfg)
			if !ok {
				t.Fatal("Predict gave no prediction for gradient descent")
			}
			if got != tt.want {
				t.Errorf("Predict = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, ok := Predict(hc(0.1, 1, 0.8, 0.5, 100, 1e-10, 1e12)); ok {
		t.Error("Predict gave a prediction for hot_cold, which has no theory")
	}
}

func TestLogR2(t *testing.T) {
	for _, tt := range []struct{ a, want float64 }{
		{0.19, 2 * math.Log(0.81)},
		{1.5, 2 * math.Log(0.5)},
		{3, 2 * math.Log(2)},
		{1e-30, -2e-30}, // 1 - a rounds to 1; log1p keeps it
	} {
		if got := logR2(tt.a); math.Abs(got-tt.want) > 1e-15*math.Abs(tt.want) {
			t.Errorf("logR2(%v) = %v, want %v", tt.a, got, tt.want)
		}
	}
}

// TestTheoryAgreesWithRuns runs a whole grid away from the edges of the
// theory (r not within rounding of -1, 0 or 1) and checks that every
// verdict and step count is what the closed form predicts.
func TestTheoryAgreesWithRuns(t *testing.T) {
	spec, err := grid.Parse("agree.yaml", []byte(`
method: gradient_descent
iterations: 1000
tolerance: 1e-10
divergence: 1e12
grid:
  alpha: {from: 10, to: 0.0001, per_decade: 4}
  input: {from: -2, to: 2, step: 0.5}
  goal: [0.8, -1, 0]
  weight: [0.5, 0, -1]
`))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for c := range spec.Configs() {
		n++
		trace, verdict := Run(c, nil)
		p, _ := Predict(c)
		if p.Verdict != verdict || p.Steps != len(trace) {
			t.Errorf("alpha %v input %v goal %v weight %v: ran %v in %d rows, theory says %v in %d",
				c.Rate, c.Input, c.Goal, c.Weight, verdict, len(trace), p.Verdict, p.Steps)
		}
	}
	if got, want := n, 21*9*3*3; got != want {
		t.Errorf("grid has %d configs, want %d", got, want)
	}
}
