package expect

import (
	"cmp"
	"fmt"
	"slices"
)

// Config identifies a run across databases and exports: the learning rule,
// its rate, the config and the limits it ran with.
type Config struct {
	Method string
	// Input, Goal and Weight are 0 for a program without such an axis
	// (NULL in the database, empty in an export), alike on both sides.
	Rate, Input, Goal, Weight float64
	Iterations                int64
	Tolerance, Divergence     float64
	// Params are a program's other axes, as runs.params; "" for none.
	Params string
}

func (c Config) String() string {
	rate := "alpha"
	if c.Method == "hot_cold" {
		rate = "step_amount"
	}
	s := fmt.Sprintf("%s %g, input %g, goal %g, weight %g", rate, c.Rate, c.Input, c.Goal, c.Weight)
	if c.Params != "" {
		s += ", " + c.Params
	}
	return s
}

// Outcome is a run's verdict and step count.
type Outcome struct {
	Verdict string
	Steps   int64
}

// Change is a config whose verdict differs between two sets of runs, or
// that one of them lacks (Got or Want is nil).
type Change struct {
	Config    Config
	Got, Want *Outcome
}

// Comparison is what Compare found.
type Comparison struct {
	Matched int      // configs in both with the same verdict
	Changed []Change // configs in both with another verdict
	Missing []Change // configs expected but not run
	Extra   int      // configs run but not expected
}

// Failed reports whether the comparison should fail a build: a verdict
// changed or an expected config is missing.
func (c Comparison) Failed() bool { return len(c.Changed) > 0 || len(c.Missing) > 0 }

// Compare matches the runs got against the runs wanted by config and
// reports the verdicts that changed. Step counts are not compared: a
// verdict is the behaviour a build guards.
func Compare(got, want map[Config]Outcome) Comparison {
	var c Comparison
	for cfg, w := range want {
		g, ok := got[cfg]
		switch {
		case !ok:
			c.Missing = append(c.Missing, Change{Config: cfg, Want: &w})
		case g.Verdict != w.Verdict:
			c.Changed = append(c.Changed, Change{Config: cfg, Got: &g, Want: &w})
		default:
			c.Matched++
		}
	}
	for cfg := range got {
		if _, ok := want[cfg]; !ok {
			c.Extra++
		}
	}
	order := func(a, b Change) int {
		x, y := a.Config, b.Config
		return cmp.Or(cmp.Compare(x.Method, y.Method), cmp.Compare(x.Params, y.Params), cmp.Compare(y.Rate, x.Rate), cmp.Compare(x.Input, y.Input),
			cmp.Compare(x.Goal, y.Goal), cmp.Compare(x.Weight, y.Weight), cmp.Compare(x.Iterations, y.Iterations),
			cmp.Compare(x.Tolerance, y.Tolerance), cmp.Compare(x.Divergence, y.Divergence))
	}
	slices.SortFunc(c.Changed, order)
	slices.SortFunc(c.Missing, order)
	return c
}
