package runner

import (
	"math"
	"testing"

	"sweep/internal/grid"
)

func gd(alpha, input, goal, weight float64, iterations int, tol, bound float64) grid.Config {
	return grid.Config{Method: grid.GradientDescent, Rate: alpha, Input: input, Goal: goal, Weight: weight,
		Limits: grid.Limits{Iterations: iterations, Tolerance: tol, Divergence: bound}}
}

func hc(step, input, goal, weight float64, iterations int, tol, bound float64) grid.Config {
	c := gd(step, input, goal, weight, iterations, tol, bound)
	c.Method = grid.HotCold
	return c
}

// same reports whether two floats have the same bits (NaN equals NaN).
func same(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func checkRow(t *testing.T, got, want Row) {
	t.Helper()
	if got.Step != want.Step || !same(got.Weight, want.Weight) || !same(got.Pred, want.Pred) ||
		!same(got.Error, want.Error) || !same(got.Delta, want.Delta) || !same(got.WeightDelta, want.WeightDelta) {
		t.Errorf("row %d:\n got %+v\nwant %+v", want.Step, got, want)
	}
}

// TestPublishedTraces reproduces the textbook's gradient-descent tables
// (DOMAIN.md) bit for bit. The budget is the book's 20 steps and the bounds
// are set so that none of them stops a run early.
func TestPublishedTraces(t *testing.T) {
	tests := []struct {
		name                 string
		alpha, input         float64
		firstErr, firstPred  float64
		lastErr, lastPred    float64
		lastWeight, lastDlta float64
	}{
		{"input 0.5 alpha 1 converges", 1, 0.5, 0.30250000000000005, 0.25, 5.408208020258491e-06, 0.7976744445781151, 1.5953488891562302, -0.0023255554218849506},
		{"input 2 alpha 1 diverges", 1, 2, 0.03999999999999998, 1.0, 5.403406870691965e+16, -232452292.5999999, -116226146.29999995, -232452293.39999992},
		{"input 2 alpha 0.1 converges", 0.1, 2, 0.03999999999999998, 1.0, 1.485277170987127e-10, 0.8000121871948003, 0.40000609359740014, 1.218719480022834e-05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trace, verdict := Run(gd(tt.alpha, tt.input, 0.8, 0.5, 20, 1e-300, 1e300), nil)
			if got, want := len(trace), 20; got != want {
				t.Fatalf("trace has %d rows, want %d", got, want)
			}
			if got, want := verdict, Unfinished; got != want {
				t.Errorf("verdict = %v, want %v", got, want)
			}
			first, last := trace[0], trace[19]
			if !same(first.Error, tt.firstErr) || !same(first.Pred, tt.firstPred) {
				t.Errorf("step 0: error %v pred %v, want error %v pred %v", first.Error, first.Pred, tt.firstErr, tt.firstPred)
			}
			if !same(last.Error, tt.lastErr) || !same(last.Pred, tt.lastPred) {
				t.Errorf("step 19: error %v pred %v, want error %v pred %v", last.Error, last.Pred, tt.lastErr, tt.lastPred)
			}
			if !same(last.Weight, tt.lastWeight) || !same(last.Delta, tt.lastDlta) {
				t.Errorf("step 19: weight %v delta %v, want weight %v delta %v", last.Weight, last.Delta, tt.lastWeight, tt.lastDlta)
			}
			for i, r := range trace {
				if r.Step != i {
					t.Fatalf("row %d has step %d", i, r.Step)
				}
				if !same(r.Pred, float64(r.Weight*tt.input)) || !same(r.Delta, r.Pred-0.8) ||
					!same(r.Error, r.Delta*r.Delta) || !same(r.WeightDelta, float64(tt.input*r.Delta)) {
					t.Fatalf("row %d is not consistent with its weight: %+v", i, r)
				}
				if i > 0 && !same(r.Weight, trace[i-1].Weight-float64(tt.alpha*trace[i-1].WeightDelta)) {
					t.Fatalf("row %d: weight %v does not follow from row %d", i, r.Weight, i-1)
				}
			}
		})
	}
}

// TestHotColdTraces checks hot-and-cold learning against traces derived by
// hand and checked, digit for digit, with the book's own Python loop.
func TestHotColdTraces(t *testing.T) {
	t.Run("step 0.5 oscillates around the goal", func(t *testing.T) {
		// weight 0.5, input 0.5, goal 0.8: up from 0.5 to 1.0 to 1.5 to 2.0,
		// then down to 1.5 again, which it held two steps before.
		trace, verdict := Run(hc(0.5, 0.5, 0.8, 0.5, 100, 1e-6, 1e12), nil)
		want := []Row{
			{0, 0.5, 0.25, 0.30250000000000005, -0.55, -0.5},
			{1, 1.0, 0.5, 0.09000000000000002, -0.30000000000000004, -0.5},
			{2, 1.5, 0.75, 0.0025000000000000044, -0.050000000000000044, -0.5},
			{3, 2.0, 1.0, 0.03999999999999998, 0.19999999999999996, 0.5},
			{4, 1.5, 0.75, 0.0025000000000000044, -0.050000000000000044, -0.5},
		}
		if got, want := verdict, Oscillating; got != want {
			t.Errorf("verdict = %v, want %v", got, want)
		}
		if len(trace) != len(want) {
			t.Fatalf("trace has %d rows, want %d: %+v", len(trace), len(want), trace)
		}
		for i := range want {
			checkRow(t, trace[i], want[i])
		}
	})
	t.Run("the book's step 0.001 for 1101 steps", func(t *testing.T) {
		// The book prints its last line as
		// Error:1.0799505792475652e-27 Prediction:0.7999999999999672.
		trace, verdict := Run(hc(0.001, 0.5, 0.8, 0.5, 1101, 1e-30, 1e12), nil)
		if got, want := len(trace), 1101; got != want {
			t.Fatalf("trace has %d rows, want %d", got, want)
		}
		if got, want := verdict, Unfinished; got != want {
			t.Errorf("verdict = %v, want %v", got, want)
		}
		checkRow(t, trace[1], Row{1, 0.501, 0.2505, 0.3019502500000001, -0.5495000000000001, -0.001})
		checkRow(t, trace[1100], Row{1100, 1.5999999999999344, 0.7999999999999672, 1.0799505792475652e-27, -3.2862601528904634e-14, -0.001})
	})
	t.Run("converges at the first row under tolerance", func(t *testing.T) {
		trace, verdict := Run(hc(0.001, 0.5, 0.8, 0.5, 2000, 1e-6, 1e12), nil)
		if got, want := verdict, Converged; got != want {
			t.Errorf("verdict = %v, want %v", got, want)
		}
		if got, want := len(trace), 1100; got != want {
			t.Fatalf("trace has %d rows, want %d", got, want)
		}
		checkRow(t, trace[1099], Row{1099, 1.5989999999999345, 0.7994999999999672, 2.5000000003280753e-07, -0.0005000000000328075, -0.001})
	})
}

func TestVerdicts(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name  string
		cfg   grid.Config
		want  Verdict
		steps int
	}{
		{"already converged at step 0", gd(1, 0, 0, 0.5, 100, 1e-10, 1e12), Converged, 1},
		{"converges in one step when alpha = 1/input^2", gd(0.25, 2, 0.8, 0.5, 100, 1e-10, 1e12), Converged, 2},
		{"converges without overshoot", gd(0.1, 1, 0.8, 0.5, 1000, 1e-10, 1e12), Converged, 99},
		{"diverges past the bound", gd(1, 2, 0.8, 0.5, 1000, 1e-10, 1e12), Diverged, 16},
		{"diverged at once when the first error overflows", gd(1, 1e308, 0.8, 1e308, 1000, 1e-10, 1e12), Diverged, 1},
		{"diverged when the error is NaN", gd(1, 1, math.NaN(), 0.5, 1000, 1e-10, 1e12), Diverged, 1},
		{"an infinite bound still catches overflow", gd(10, 3, 0.8, 0.5, 10_000, 1e-10, inf), Diverged, 161},
		{"oscillates when alpha*input^2 = 2", gd(0.5, 2, 0.8, 0.5, 1000, 1e-10, 1e12), Oscillating, 3},
		{"stalls at input 0", gd(1, 0, 0.8, 0.5, 1000, 1e-10, 1e12), Stalled, 1},
		{"stalls when the update underflows", gd(1e-30, 1, 0.8, 0.5, 1000, 1e-10, 1e12), Stalled, 1},
		{"hot_cold stalls on a tie (input 0)", hc(0.1, 0, 0.8, 0.5, 1000, 1e-10, 1e12), Stalled, 1},
		{"hot_cold stalls when the step is lost in the weight", hc(1e-20, 1, 0.8, 1e5, 1000, 1e-10, 1e12), Stalled, 1},
		{"unfinished when learning is too slow", gd(0.0001, 1, 0.8, 0.5, 10, 1e-10, 1e12), Unfinished, 10},
		{"one iteration decides at step 0", gd(0.1, 1, 0.8, 0.5, 1, 1e-10, 1e12), Unfinished, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trace, verdict := Run(tt.cfg, nil)
			if verdict != tt.want {
				t.Fatalf("verdict = %v after %d rows, want %v", verdict, len(trace), tt.want)
			}
			if len(trace) != tt.steps {
				t.Errorf("trace has %d rows, want %d", len(trace), tt.steps)
			}
			// Only the last row decides: no earlier row met any stop rule.
			for _, r := range trace[:len(trace)-1] {
				if !(r.Error <= tt.cfg.Limits.Divergence) || r.Error < tt.cfg.Limits.Tolerance {
					t.Fatalf("row %d should have stopped the run: %+v", r.Step, r)
				}
			}
		})
	}
}

func TestRunReusesBuffer(t *testing.T) {
	buf := make([]Row, 0, 2000)
	trace, _ := Run(gd(0.1, 1, 0.8, 0.5, 1000, 1e-10, 1e12), buf)
	if &trace[0] != &buf[:1][0] {
		t.Errorf("Run allocated a new trace although the buffer was large enough")
	}
}

func FuzzRun(f *testing.F) {
	f.Add(1.0, 0.5, 0.8, 0.5, false)
	f.Add(0.5, 2.0, 0.8, 0.5, false)
	f.Add(0.001, 0.5, 0.8, 0.5, true)
	f.Add(1e-320, -0.0, 0.0, 1e308, true)
	f.Fuzz(func(t *testing.T, rate, input, goal, weight float64, hotCold bool) {
		c := gd(rate, input, goal, weight, 200, 1e-10, 1e12)
		if hotCold {
			c.Method = grid.HotCold
		}
		trace, verdict := Run(c, nil)
		if len(trace) < 1 || len(trace) > 200 {
			t.Fatalf("trace has %d rows", len(trace))
		}
		last := trace[len(trace)-1]
		switch verdict {
		case Converged:
			if !(last.Error < 1e-10) {
				t.Fatalf("converged with error %v", last.Error)
			}
		case Diverged:
			if last.Error <= 1e12 {
				t.Fatalf("diverged with error %v", last.Error)
			}
		case Unfinished:
			if len(trace) != 200 {
				t.Fatalf("unfinished after %d rows", len(trace))
			}
		}
	})
}

// BenchmarkRun measures the learning loop: the book's hot_cold example (1,101
// steps) and a gradient-descent run of 1,000 steps, keeping every row or
// none.
func BenchmarkRun(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cfg   grid.Config
		every int
	}{
		{"gradient_descent/every_row", gd(0.0001, 0.5, 0.8, 0.5, 1000, 1e-12, 1e12), 1},
		{"gradient_descent/no_rows", gd(0.0001, 0.5, 0.8, 0.5, 1000, 1e-12, 1e12), 0},
		{"hot_cold/every_row", hc(0.001, 0.5, 0.8, 0.5, 1101, 1e-30, 1e12), 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var buf []Row
			steps := 0
			for i := 0; i < b.N; i++ {
				var n int
				buf, n, _ = RunKeeping(bc.cfg, bc.every, buf)
				steps += n
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
