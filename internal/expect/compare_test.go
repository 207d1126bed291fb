package expect

import "testing"

func TestCompare(t *testing.T) {
	cfg := func(rate, input float64) Config {
		return Config{Method: "gradient_descent", Rate: rate, Input: input, Goal: 0.8, Weight: 0.5, Iterations: 100, Tolerance: 1e-10, Divergence: 1e12}
	}
	want := map[Config]Outcome{
		cfg(1, 2):   {"diverged", 16},
		cfg(1, 1):   {"converged", 2},
		cfg(0.5, 2): {"oscillating", 3},
		cfg(0.1, 1): {"converged", 99},
	}
	got := map[Config]Outcome{
		cfg(1, 2):   {"diverged", 15}, // steps differ: not a change
		cfg(1, 1):   {"stalled", 1},   // a changed verdict
		cfg(0.5, 2): {"oscillating", 3},
		cfg(0.2, 1): {"converged", 40}, // not expected: extra
	}
	c := Compare(got, want)
	if c.Matched != 2 || len(c.Changed) != 1 || len(c.Missing) != 1 || c.Extra != 1 || !c.Failed() {
		t.Fatalf("Compare = matched %d, changed %v, missing %v, extra %d", c.Matched, c.Changed, c.Missing, c.Extra)
	}
	if ch := c.Changed[0]; ch.Config != cfg(1, 1) || ch.Got.Verdict != "stalled" || ch.Want.Verdict != "converged" {
		t.Errorf("changed = %+v", ch)
	}
	if m := c.Missing[0]; m.Config != cfg(0.1, 1) || m.Got != nil || m.Want.Verdict != "converged" {
		t.Errorf("missing = %+v", m)
	}
	if got, want := c.Changed[0].Config.String(), "alpha 1, input 1, goal 0.8, weight 0.5"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if Compare(want, want).Failed() {
		t.Error("comparing a set with itself failed")
	}
}
