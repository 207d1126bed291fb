package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// The run summary of a sweep of 40 rates, each 300 configs (so that rates
// straddle the blocks of 4,096 configs that run_counts counts by), with
// the runs of every third rate missing: the first and last rates with
// runs, in sweep order, with the counts of their runs; and EachRate gives
// every rate with runs, in sweep order, as a GROUP BY of the runs does.
func TestSummarizeRates(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	var alphas, inputs []string
	for k := range 40 {
		alphas = append(alphas, fmt.Sprint(1/float64(k+1)))
	}
	for i := range 300 {
		inputs = append(inputs, fmt.Sprint(-1.5+float64(i)/100))
	}
	spec, err := grid.Parse("many.yaml", []byte(fmt.Sprintf("method: gradient_descent\niterations: 30\ngrid: {alpha: [%s], input: [%s], goal: 0.8, weight: 0.5}\n",
		strings.Join(alphas, ", "), strings.Join(inputs, ", "))))
	if err != nil {
		t.Fatal(err)
	}
	sw, err := st.StartSweep(ctx, spec, "many.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	rates := spec.Axes[0].Values
	want := map[float64][runner.NumVerdicts]int64{}
	var results []*runner.Result
	for i := range spec.Len() {
		if k := i / 300; k%3 == 0 {
			continue
		}
		r := runner.Train(spec.Config(i))
		results = append(results, r)
		n := want[r.Config.Rate]
		n[r.Verdict]++
		want[r.Config.Rate] = n
	}
	write(t, st, sw, results...)
	var stored []float64 // the rates with runs, in sweep order
	for k, r := range rates {
		if k%3 != 0 {
			stored = append(stored, r)
		}
	}
	check := func(what string, got []RateCounts, rates []float64) {
		t.Helper()
		if len(got) != len(rates) {
			t.Fatalf("%s: %d rates, want %d", what, len(got), len(rates))
		}
		for i, rc := range got {
			if rc.Rate != rates[i] || rc.Counts != want[rates[i]] {
				t.Errorf("%s %d: alpha %v %v, want alpha %v %v", what, i, rc.Rate, rc.Counts, rates[i], want[rates[i]])
			}
		}
	}
	sum, err := st.SummarizeRates(ctx, sw, rates, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != int64(len(results)) || sum.Rates != int64(len(stored)) {
		t.Errorf("stored %d runs of %d rates, want %d of %d", sum.Stored, sum.Rates, len(results), len(stored))
	}
	check("head", sum.Head, stored[:3])
	check("tail", sum.Tail, stored[len(stored)-2:])
	var all []RateCounts
	if err := st.EachRate(ctx, sw, rates, func(rc RateCounts) error { all = append(all, rc); return nil }); err != nil {
		t.Fatal(err)
	}
	check("every rate", all, stored)

	// Every rate is shown when only one more would be left out.
	if sum, err = st.SummarizeRates(ctx, sw, rates, 20, 6); err != nil {
		t.Fatal(err)
	}
	check("head of all", sum.Head, stored)
	if len(sum.Tail) != 0 {
		t.Errorf("tail %v, want none (head has all 26 rates)", sum.Tail)
	}
	if sum, err = st.SummarizeRates(ctx, sw, rates, 20, 5); err != nil {
		t.Fatal(err)
	}
	check("head of 20+5+1", sum.Head, stored)
	if sum, err = st.SummarizeRates(ctx, sw, rates, 20, 4); err != nil {
		t.Fatal(err)
	}
	check("head of 20+4", sum.Head, stored[:20])
	check("tail of 20+4", sum.Tail, stored[22:])
}
