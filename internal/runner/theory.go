package runner

import (
	"math"

	"sweep/internal/grid"
)

// Prediction is what the theory of DOMAIN.md expects of a gradient-descent
// run: its verdict and its number of trace rows.
type Prediction struct {
	Verdict Verdict
	Steps   int
}

// Predict returns the theory's verdict and trace length for a
// gradient-descent config, computed from the closed form rather than by
// running it: the miss e = pred - goal shrinks or grows by r = 1 -
// alpha*input^2 each step, so error_t = e0^2 * r^(2t). It reports ok =
// false for other methods, which have no such theory.
//
// The theory is exact arithmetic; the run is float64. Where they disagree
// (r within a few ULP of -1 or 1, an update too small to move the weight,
// step counts off by one at the tolerance) that is a finding to show, so
// Predict makes no attempt to imitate rounding.
func Predict(c grid.Config) (p Prediction, ok bool) {
	if c.Method != grid.GradientDescent {
		return Prediction{}, false
	}
	tol, bound := c.Limits.Tolerance, c.Limits.Divergence
	e0 := float64(c.Input*c.Weight) - c.Goal
	err0 := e0 * e0
	// a = alpha * input^2; r = 1 - a.
	a := c.Rate * c.Input * c.Input

	var verdict Verdict
	var t float64 // the 0-based step whose row decides
	switch {
	case !(err0 <= bound):
		verdict, t = Diverged, 0
	case err0 < tol:
		verdict, t = Converged, 0
	case a == 0:
		verdict, t = Stalled, 0 // input 0: nothing is learned
	case a == 1:
		verdict, t = Converged, 1 // lands on the goal in one step
	case a == 2:
		verdict, t = Oscillating, 2 // r = -1: back where it started after two steps
	case a < 2:
		// |r| < 1: the first t with err0 * r^(2t) < tol.
		verdict, t = Converged, firstStepPast(math.Log(tol)-math.Log(err0), logR2(a))
	default:
		// |r| > 1: the first t with err0 * r^(2t) > bound.
		verdict, t = Diverged, firstStepPast(math.Log(bound)-math.Log(err0), logR2(a))
	}
	if t >= float64(c.Limits.Iterations) {
		return Prediction{Verdict: Unfinished, Steps: c.Limits.Iterations}, true
	}
	return Prediction{Verdict: verdict, Steps: int(t) + 1}, true
}

// logR2 returns ln(r^2) for r = 1 - a, accurately even when a is far below
// the float64 epsilon, where 1 - a rounds to 1 and a plain log gives 0.
func logR2(a float64) float64 {
	if a < 1 {
		return 2 * math.Log1p(-a)
	}
	return 2 * math.Log(a-1)
}

// firstStepPast returns the smallest whole t > x/rate, the first step at
// which t*rate strictly passes x (both of one sign); +Inf when rate is 0.
func firstStepPast(x, rate float64) float64 {
	return math.Floor(x/rate) + 1
}
