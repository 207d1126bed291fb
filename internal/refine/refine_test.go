package refine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

func parse(t *testing.T, text string) *grid.Spec {
	t.Helper()
	s, err := grid.Parse("refine.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// edge returns the edge of a kind that the theory places: where
// convergence stops, where divergence or overshooting starts.
func edge(b Boundary, kind string) Edge {
	for _, e := range b.Edges {
		if e.Kind == kind && e.Found && e.Starts == (kind != Converge) {
			return e
		}
	}
	return Edge{}
}

// TestEdgesAtInputTwo bisects the edges for input 2 (theory: 2/x^2 = 0.5,
// 1/x^2 = 0.25) and checks the bracket, the precision, and that the probes
// are the runs handed over.
func TestEdgesAtInputTwo(t *testing.T) {
	spec := parse(t, `
method: gradient_descent
iterations: 1000
tolerance: 1e-10
divergence: 1e12
grid: {alpha: {from: 10, to: 0.0001, per_decade: 4}, input: 2, goal: 0.8, weight: 0.5}
`)
	sink := &recorder{}
	bs, err := Refine(context.Background(), spec, 1e-6, 1, sink)
	if err != nil {
		t.Fatal(err)
	}
	probes := len(sink.results)
	rates := map[float64]bool{}
	for _, r := range sink.results {
		if rates[r.Config.Rate] {
			t.Errorf("alpha %v probed twice", r.Config.Rate)
		}
		rates[r.Config.Rate] = true
	}
	for i, r := range sink.results {
		if r.Config.Input != 2 || r.Config.Rate <= 0 || r.Config.Index != int64(i) {
			t.Fatalf("probe %d: a probe of another config: %+v", i, r.Config)
		}
		// The rows handed over are the probe's whole trace, as
		// runner.Train makes it.
		want := runner.Train(r.Config)
		if len(sink.rows[i]) != want.Steps || r.Steps != want.Steps || r.Verdict != want.Verdict || sink.rows[i][len(sink.rows[i])-1] != want.Last() {
			t.Fatalf("probe %d: %d rows, steps %d, %v; want %d rows, %v", i, len(sink.rows[i]), r.Steps, r.Verdict, want.Steps, want.Verdict)
		}
	}
	if len(bs) != 1 {
		t.Fatalf("%d boundaries, want 1", len(bs))
	}
	b := bs[0]
	conv, div, over := edge(b, Converge), edge(b, Diverge), edge(b, Overshoot)
	for _, e := range []Edge{conv, div, over} {
		if !e.Found || e.Upper/e.Lower-1 > 1e-6 || e.Lower >= e.Upper {
			t.Errorf("%s edge: found %v, bracket [%v, %v]", e.Kind, e.Found, e.Lower, e.Upper)
		}
	}
	// 2/x^2 lies between the converge and the diverge edge, close to both
	// with a budget of 1,000 steps.
	if !(conv.Value < 0.5 && 0.5 < div.Value) || conv.Value < 0.49 || div.Value > 0.51 {
		t.Errorf("converge edge %v, diverge edge %v: want them on either side of 0.5, within 2%%", conv.Value, div.Value)
	}
	if math.Abs(over.Value/0.25-1) > 2e-6 {
		t.Errorf("overshoot edge %v, want 0.25 (1/x^2)", over.Value)
	}
	got := 0
	for _, e := range b.Edges {
		got += e.Probes
	}
	if got != probes || probes < 30 {
		t.Errorf("%d probes handed over, the edges count %d", probes, got)
	}
	// With 1,000 steps the smallest rates do not finish either:
	// convergence starts at a low rate, then stops near 2/x^2; divergence
	// and overshooting start once.
	var kinds []string
	for _, e := range b.Edges {
		kinds = append(kinds, fmt.Sprintf("%s %d starts %v", e.Kind, e.N, e.Starts))
	}
	want := []string{"converge 0 starts true", "converge 1 starts false", "diverge 0 starts true", "overshoot 0 starts true"}
	if !slices.Equal(kinds, want) {
		t.Errorf("edges %q, want %q", kinds, want)
	}
	if low := b.Edges[0]; low.Value > 0.01 || low.Value != low.Upper {
		t.Errorf("edge where convergence starts: %+v, want below 0.01, told by its upper (converging) end", low)
	}
	// The edges are what they say: a run just inside converges, just
	// outside does not.
	c := runner.Train(grid.Config{Method: grid.GradientDescent, Rate: conv.Upper, Input: 2, Goal: 0.8, Weight: 0.5, Limits: spec.Limits})
	if c.Verdict == runner.Converged {
		t.Errorf("alpha %v, just above the converge edge, converged", conv.Upper)
	}
}

// TestEdgesCloseInWithBudget checks that a larger budget moves both edges
// towards 2/x^2.
func TestEdgesCloseInWithBudget(t *testing.T) {
	var gap []float64
	for _, iterations := range []string{"100", "1000", "10000"} {
		spec := parse(t, "method: gradient_descent\niterations: "+iterations+`
grid: {alpha: {from: 10, to: 0.0001, per_decade: 4}, input: 2, goal: 0.8, weight: 0.5}
`)
		bs, _ := Refine(context.Background(), spec, 1e-6, 0, nil)
		b := bs[0]
		gap = append(gap, edge(b, Diverge).Value-edge(b, Converge).Value)
	}
	if !(gap[0] > gap[1] && gap[1] > gap[2]) {
		t.Errorf("gaps between the edges for 100, 1000, 10000 iterations: %v, want shrinking", gap)
	}
}

func TestHotColdAndUnbracketed(t *testing.T) {
	spec := parse(t, `
method: hot_cold
iterations: 2000
tolerance: 1e-6
grid: {step_amount: [1, 0.1, 0.01, 0.001], input: [0.5, 0], goal: 0.8, weight: 0.5}
`)
	bs, _ := Refine(context.Background(), spec, 1e-4, 0, nil)
	if len(bs) != 2 || len(bs[0].Edges) != 1 || bs[0].Edges[0].Kind != Converge {
		t.Fatalf("hot_cold boundaries: %+v", bs)
	}
	if e := bs[0].Edges[0]; !e.Found || e.Value < 0.001 || e.Value >= 1 {
		t.Errorf("hot_cold converge edge at input 0.5: %+v", e)
	}
	// Input 0 never converges: nothing to bracket.
	if e := bs[1].Edges[0]; e.Found || e.Probes != 0 {
		t.Errorf("input 0 edge: %+v, want none found", e)
	}
}

// TestEveryEdgeNonMonotone refines the hot_cold rates of issue 12: 0.55
// converges, 0.3 oscillates, 0.1 and 0.01 converge and 0.0001 does not
// finish. Convergence starts, stops and starts again along the rate axis:
// three converge edges, each in its own bracket, each what it says.
func TestEveryEdgeNonMonotone(t *testing.T) {
	spec := parse(t, `
method: hot_cold
iterations: 5000
tolerance: 1e-8
grid: {step_amount: [0.55, 0.3, 0.1, 0.01, 0.0001], input: 0.5, goal: 0.8, weight: 0.5}
`)
	bs, err := Refine(context.Background(), spec, 1e-6, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 {
		t.Fatalf("%d boundaries, want 1", len(bs))
	}
	converges := func(rate float64) bool {
		c := grid.Config{Method: grid.HotCold, Rate: rate, Input: 0.5, Goal: 0.8, Weight: 0.5, Limits: spec.Limits}
		return runner.Train(c).Verdict == runner.Converged
	}
	es := bs[0].Edges
	// The grid brackets: [0.0001, 0.01] starts, [0.1, 0.3] stops, [0.3, 0.55] starts.
	brackets := [][2]float64{{0.0001, 0.01}, {0.1, 0.3}, {0.3, 0.55}}
	starts := []bool{true, false, true}
	if len(es) != len(brackets) {
		t.Fatalf("%d edges, want %d: %+v", len(es), len(brackets), es)
	}
	for i, e := range es {
		if e.Kind != Converge || e.N != i || !e.Found || e.Starts != starts[i] {
			t.Errorf("edge %d: %+v, want converge number %d, starts %v", i, e, i, starts[i])
		}
		if !(brackets[i][0] <= e.Lower && e.Lower < e.Upper && e.Upper <= brackets[i][1]) || e.Upper/e.Lower-1 > 1e-6 {
			t.Errorf("edge %d: bracket [%v, %v], want within %v to a precision of 1e-6", i, e.Lower, e.Upper, brackets[i])
		}
		// Value is the converging end; the other end does not converge.
		other := e.Lower
		if e.Value == e.Lower {
			other = e.Upper
		}
		if !converges(e.Value) || converges(other) {
			t.Errorf("edge %d: %v converges %v, %v converges %v; want only the value to", i, e.Value, converges(e.Value), other, converges(other))
		}
		if got, want := e.Value == e.Upper, e.Starts; got != want {
			t.Errorf("edge %d: value at the upper end %v, want %v (convergence starts above)", i, got, want)
		}
	}
	// The report: convergence stops above 0.1 and starts again
	// below 0.55.
	if es[1].Value < 0.1 || es[1].Value > 0.1001 || es[2].Value < 0.54 || es[2].Value > 0.55 {
		t.Errorf("edges %v and %v, want just above 0.1 and just below 0.55", es[1].Value, es[2].Value)
	}
}

// recorder is a runner.Sink that keeps every probe's result and rows.
type recorder struct {
	results []runner.Result
	rows    [][]runner.Row
}

func (r *recorder) Start(grid.Config) { r.rows = append(r.rows, nil) }
func (r *recorder) Rows(rows []runner.Row) {
	r.rows[len(r.rows)-1] = append(r.rows[len(r.rows)-1], rows...)
}
func (r *recorder) Done(res *runner.Result) error {
	c := *res
	c.Trace = slices.Clone(res.Trace)
	r.results = append(r.results, c)
	return nil
}
func (r *recorder) Close() error { return nil }

// TestThinnedProbes checks that probes of a thinned trace get the rows at
// every Nth step and the deciding row, and that a sink's error stops
// the refinement.
func TestThinnedProbes(t *testing.T) {
	spec := parse(t, `
method: gradient_descent
iterations: 1000
grid: {alpha: [0.1, 1], input: 2, goal: 0.8, weight: 0.5}
`)
	sink := &recorder{}
	if _, err := Refine(context.Background(), spec, 1e-3, 7, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.results) == 0 {
		t.Fatal("no probes")
	}
	for i, r := range sink.results {
		storage := grid.TraceStorage{Every: 7}
		var want []int
		for step := range r.Steps {
			if storage.Keeps(step, r.Steps) {
				want = append(want, step)
			}
		}
		var got []int
		for _, row := range sink.rows[i] {
			got = append(got, row.Step)
		}
		if !slices.Equal(got, want) {
			t.Errorf("probe %d (%d steps): rows at steps %v, want %v", i, r.Steps, got, want)
		}
	}
	stop := errors.New("the writer stopped")
	if _, err := Refine(context.Background(), spec, 1e-3, 7, failing{stop}); !errors.Is(err, stop) {
		t.Errorf("Refine with a failing sink returned %v, want %v", err, stop)
	}
}

type failing struct{ err error }

func (failing) Start(grid.Config)           {}
func (failing) Rows([]runner.Row)           {}
func (f failing) Done(*runner.Result) error { return f.err }
func (failing) Close() error                { return nil }
