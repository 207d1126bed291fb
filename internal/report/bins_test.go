package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestBinValues(t *testing.T) {
	perDecade := func(from, to float64, n int) []float64 { // ascending, as a sweep's rates
		var out []float64
		for e := math.Log10(from) * float64(n); e <= math.Log10(to)*float64(n)+1e-9; e++ {
			out = append(out, math.Pow(10, e/float64(n)))
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		values []float64
		n      int
		log    bool
		want   []span
	}{
		{"one value", []float64{0.5}, 4, false, []span{{0, 0}}},
		{"no values", nil, 4, false, nil},
		{"exactly the limit", []float64{0, 1, 2, 3}, 4, false, []span{{0, 0}, {1, 1}, {2, 2}, {3, 3}}},
		{"the limit, unevenly", []float64{0, 0.001, 0.002, 100}, 4, false, []span{{0, 0}, {1, 1}, {2, 2}, {3, 3}}},
		{"limit+1", []float64{0, 1, 2, 3, 4}, 4, false, []span{{0, 0}, {1, 1}, {2, 2}, {3, 4}}},
		// Values closer than a part share it; a part without values is no span.
		{"uneven", []float64{0, 0.1, 0.2, 5, 10}, 4, false, []span{{0, 2}, {3, 3}, {4, 4}}},
		{"a limit below 1 is 1", []float64{1, 2, 3}, 0, false, []span{{0, 2}}},
		// -1e308 to 1e308 does not overflow the range.
		{"huge range", []float64{-1e308, 0, 1e308}, 2, false, []span{{0, 0}, {1, 2}}},
		// Non-finite values are spans of their own (as sorted: NaN first),
		// and take a part each from the finite ones: 5 - 3 parts.
		{"NaN and infinities", []float64{math.NaN(), math.Inf(-1), -1, 0, 1, 2, math.Inf(1)}, 5, false,
			[]span{{0, 0}, {1, 1}, {2, 3}, {4, 5}, {6, 6}}},
		// On a log axis, 0 and below are not finite.
		{"log of 0", []float64{0, 0.01, 0.1, 1, 10}, 3, true, []span{{0, 0}, {1, 2}, {3, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := binValues(tc.values, tc.n, tc.log); !slices.Equal(got, tc.want) {
				t.Errorf("binValues(%v, %d, %v) = %v, want %v", tc.values, tc.n, tc.log, got, tc.want)
			}
		})
	}

	// Log-spaced rates (21, 4 a decade, 1e-4 to 10) in 5 parts: about a
	// decade each, where a linear cut puts 18 of them (up to 1.78) in the
	// first part.
	rates := perDecade(1e-4, 10, 4)
	if len(rates) != 21 {
		t.Fatalf("%d rates, want 21", len(rates))
	}
	logSpans := binValues(rates, 5, true)
	if got, want := len(logSpans), 5; got != want {
		t.Errorf("log-spaced rates: %d spans %v, want %d", got, logSpans, want)
	}
	for _, s := range logSpans {
		if width := math.Log10(rates[s.hi]) - math.Log10(rates[s.lo]); s.n() > 5 || width > 1+1e-9 {
			t.Errorf("log span %v of %d values spans %.3g decades, want at most 5 values in a decade", s, s.n(), width)
		}
	}
	if lin := binValues(rates, 5, false); lin[0].n() != 18 {
		t.Errorf("the first linear span of log-spaced rates has %d values, want 18", lin[0].n())
	}

	// Every cut covers the values in order, one span each, at most n.
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		values := make([]float64, 1+r.IntN(300))
		for i := range values {
			values[i] = r.NormFloat64() * 100
		}
		slices.Sort(values)
		values = slices.Compact(values)
		n := 1 + r.IntN(100)
		spans := binValues(values, n, false)
		if len(spans) > n || spans[0].lo != 0 || spans[len(spans)-1].hi != len(values)-1 {
			t.Fatalf("binValues of %d values into %d: %v", len(values), n, spans)
		}
		for i := 1; i < len(spans); i++ {
			if spans[i].lo != spans[i-1].hi+1 || spans[i].hi < spans[i].lo {
				t.Fatalf("binValues of %d values into %d: spans %v and %v are not consecutive", len(values), n, spans[i-1], spans[i])
			}
		}
	}
}

func TestPanelShape(t *testing.T) {
	for _, tc := range []struct {
		nr, ny, cells      int
		wantCols, wantRows int
	}{
		{21, 601, 10_000, 21, 64},  // W2's aggregate: the rates as they are, the inputs binned
		{21, 9, 10_000, 21, 9},     // alpha.yaml: nothing binned
		{200, 500, 16_000, 96, 64}, // both axes at their limit
		{1, 601, 150, 1, 64},       // one rate
		{21, 601, 118, 6, 19},      // W2's panels of one goal and weight: scaled down alike
		{21, 601, 0, 1, 1},         // no room still draws a cell
	} {
		cols, rows := panelShape(tc.nr, tc.ny, tc.cells)
		if cols != tc.wantCols || rows != tc.wantRows {
			t.Errorf("panelShape(%d, %d, %d) = %d, %d, want %d, %d", tc.nr, tc.ny, tc.cells, cols, rows, tc.wantCols, tc.wantRows)
		}
	}
}

func TestPlanMap(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		nLimits, comboPanels, nr, ny int
		agg, combo                   [2]int
	}{
		{"W2", 1, 124, 21, 601, [2]int{21, 64}, [2]int{6, 19}},
		{"no combinations", 1, 0, 200, 500, [2]int{96, 64}, [2]int{}},
		{"two sets of limits", 2, 0, 200, 500, [2]int{96, 64}, [2]int{}},
		// 100 sets of limits share the cells: 160 each.
		{"many sets of limits", 100, 0, 200, 500, [2]int{16, 10}, [2]int{}},
		// (16000-1344)/305 = 48 cells a panel, the least there may be.
		{"just enough", 1, 305, 21, 601, [2]int{21, 64}, [2]int{4, 12}},
		{"too many combinations", 1, 306, 21, 601, [2]int{21, 64}, [2]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agg, combo := planMap(tc.nLimits, tc.comboPanels, tc.nr, tc.ny)
			if agg != tc.agg || combo != tc.combo {
				t.Errorf("planMap = %v, %v, want %v, %v", agg, combo, tc.agg, tc.combo)
			}
			if cells := tc.nLimits*agg[0]*agg[1] + tc.comboPanels*combo[0]*combo[1]; cells > maxMapCells {
				t.Errorf("%d cells, more than %d", cells, maxMapCells)
			}
		})
	}
}

func TestStripes(t *testing.T) {
	verdicts := Verdicts
	for _, tc := range []struct {
		name   string
		counts []int64
		want   []stripe
	}{
		{"none", []int64{0, 0, 0, 0, 0}, nil},
		{"one verdict", []int64{0, 7, 0, 0, 0}, []stripe{{"diverged", 100}}},
		{"a mix", []int64{97, 3, 0, 0, 0}, []stripe{{"converged", 97}, {"diverged", 3}}},
		// A share under half a percent is not drawn.
		{"too thin to draw", []int64{1, 0, 0, 0, 999}, []stripe{{"unfinished", 100}}},
		// Thirds round to 34, 33, 33: the first of equal remainders up.
		{"thirds", []int64{1, 1, 0, 0, 1}, []stripe{{"converged", 34}, {"diverged", 33}, {"unfinished", 33}}},
		{"largest remainder", []int64{1, 2, 0, 3, 0}, []stripe{{"converged", 17}, {"diverged", 33}, {"stalled", 50}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := stripes(tc.counts, verdicts); !slices.Equal(got, tc.want) {
				t.Errorf("stripes(%v) = %v, want %v", tc.counts, got, tc.want)
			}
		})
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		counts := make([]int64, len(verdicts))
		for i := range counts {
			if r.IntN(2) == 0 {
				counts[i] = r.Int64N(5000)
			}
		}
		st := stripes(counts, verdicts)
		sum := int64(0)
		for _, s := range st {
			sum += s.percent
		}
		if slices.ContainsFunc(counts, func(c int64) bool { return c > 0 }) && sum != 100 {
			t.Fatalf("stripes(%v) = %v, adding up to %d", counts, st, sum)
		}
	}
}

// synthetic is a sweep of every rate, input and combination of Rest, its
// verdict and steps given by f, as Cells with their values of Rest.
type synthetic struct {
	d     *Data
	cells []Cell
}

func newSynthetic(method, yAxis string, rest []string, rates, inputs []float64, combos [][]float64, limits []Limits,
	f func(rate, input float64, combo []float64) (string, int64)) synthetic {
	rateAxis := "alpha"
	if method == "command" {
		rateAxis = "lr"
	}
	s := synthetic{d: &Data{Name: "t", Method: method, RateAxis: rateAxis, YAxis: yAxis, Rest: rest, Counts: map[string]int64{}, TraceEvery: 1}}
	id := int64(0)
	for _, l := range limits {
		for _, r := range rates {
			for _, x := range inputs {
				for _, c := range combos {
					id++
					v, steps := f(r, x, c)
					s.cells = append(s.cells, Cell{RunID: id, Rate: r, Input: x, Rest: c, Limits: l, Verdict: v, Steps: steps})
				}
			}
		}
	}
	return s
}

// exact returns the sweep as Load reads one of few runs.
func (s synthetic) exact() *Data {
	d := *s.d
	d.Counts = map[string]int64{}
	for _, c := range s.cells {
		d.Cells = append(d.Cells, c)
		d.Counts[c.Verdict]++
		d.Rates, d.Inputs = append(d.Rates, c.Rate), append(d.Inputs, c.Input)
	}
	slices.Sort(d.Rates)
	slices.Sort(d.Inputs)
	d.Rates, d.Inputs = slices.Compact(d.Rates), slices.Compact(d.Inputs)
	arrange(&d)
	return &d
}

// binned returns the sweep as Load reads one of many runs, and the runs
// it picks to try for the default curves.
func (s synthetic) binned(t *testing.T) (*Data, map[string][]int64) {
	t.Helper()
	d := *s.d
	d.Counts = map[string]int64{}
	over := func(f func(c *Cell, rest []float64) error) error {
		for _, c := range s.cells {
			c := c
			if err := f(&c, c.Rest); err != nil {
				return err
			}
		}
		return nil
	}
	picks, err := binRuns(&d, over, over, true)
	if err != nil {
		t.Fatal(err)
	}
	return &d, picks
}

func steps(x float64) []float64 {
	var out []float64
	for i := range int(x) {
		out = append(out, float64(i))
	}
	return out
}

// TestBinnedMixedCells draws a sweep whose 100 inputs are binned into 64
// rows, some of two inputs, whose verdicts alternate: those cells are
// striped half and half, say so in their verdict and title, and the
// legend says what stripes mean.
func TestBinnedMixedCells(t *testing.T) {
	s := newSynthetic("gradient_descent", "input", []string{"goal", "weight"}, []float64{0.01, 0.1, 1}, steps(100),
		[][]float64{{0.8, 0.5}, {0.8, 1}}, []Limits{{Iterations: 100}}, func(r, x float64, c []float64) (string, int64) {
			if int(x)%2 == 0 {
				return "converged", 7
			}
			return "diverged", 3
		})
	d, _ := s.binned(t)
	if d.Bins == nil || !d.Bins.ComboPanels || d.Bins.Runs != 600 || d.Bins.Combos != 2 {
		t.Fatalf("bins %+v, want 600 runs, 2 combinations with panels", d.Bins)
	}
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	panels := regexp.MustCompile(`(?s)<g class="panel" data-panel="(\d)"[^>]*>(.*?)</g>`).FindAllStringSubmatch(page, -1)
	if got, want := len(panels), 3; got != want {
		t.Fatalf("%d panels, want %d (all goals and weights, and each)", got, want)
	}
	cell := regexp.MustCompile(`<rect class="cell"[^>]*fill="([^"]+)"[^>]*data-rate="([^"]+)"[^>]*data-input="([^"]+)"(?: data-input-to="([^"]+)")? data-verdict="([a-z]+)" data-runs="(\d+)"><title>([^<]*)</title>`)
	total := 0
	for _, p := range panels {
		cells := cell.FindAllStringSubmatch(p[2], -1)
		total += len(cells)
		if got, want := len(cells), 3*64; got != want {
			t.Errorf("panel %s has %d cells, want %d", p[1], got, want)
		}
		for _, c := range cells {
			fill, to, verdict, runs := c[1], c[4], c[5], c[6]
			mixed := to != "" // two inputs, one odd
			switch {
			case mixed && (fill != "url(#mix-converged50-diverged50)" || verdict != "mixed"):
				t.Errorf("panel %s, cell alpha %s, input %s to %s: %s %s, want mixed half and half", p[1], c[2], c[3], to, verdict, fill)
			case !mixed && verdict == "mixed":
				t.Errorf("panel %s, cell alpha %s, input %s: mixed, want one verdict", p[1], c[2], c[3])
			case !mixed && fill != Colors[verdict]:
				t.Errorf("panel %s, cell alpha %s, input %s: %s filled %s", p[1], c[2], c[3], verdict, fill)
			}
			n, _ := strconv.Atoi(runs)
			if want := map[bool]int{false: 1, true: 2}[mixed] * map[bool]int{false: 1, true: 2}[p[1] == "0"]; n != want {
				t.Errorf("panel %s, cell alpha %s, input %s: %d runs, want %d", p[1], c[2], c[3], n, want)
			}
		}
	}
	if total != d.Bins.Cells {
		t.Errorf("%d cells drawn, Bins.Cells = %d", total, d.Bins.Cells)
	}
	for _, want := range []string{
		`<rect class="cell" x="`, // the cells
		`data-rate="0.1" data-input="0" data-input-to="1" data-verdict="mixed" data-runs="4"><title>alpha 0.1, input 0 to 1 (2 values): 4 runs: 2 converged, 2 diverged</title>`,
		// Input 4 is a row of its own (64 parts of 99/64: 2 and 3 share one,
		// 5 and 6 another).
		`data-rate="0.1" data-input="4" data-verdict="converged" data-runs="2"><title>alpha 0.1, input 4: 2 runs: 2 converged</title>`,
		`data-rate="0.1" data-input="4" data-verdict="converged" data-runs="1"><title>run `,
		`: alpha 0.1, input 4, goal 0.8, weight 1: converged in 7 steps</title>`,
		`<linearGradient id="mix-converged50-diverged50"><stop offset="0.00" stop-color="#009E73"/><stop offset="0.50" stop-color="#009E73"/><stop offset="0.50" stop-color="#D55E00"/><stop offset="1.00" stop-color="#D55E00"/></linearGradient>`,
		`linear-gradient(90deg, #009E73 0% 50%, #D55E00 50% 100%)"></i>mixed (a cell of runs of several verdicts, striped by their shares)`,
		`the 3 values of alpha in 3 columns and the 100 values of input in 64 rows (up to 2 a row)`,
		`each as wide as its share of the cell&#39;s runs`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	// The plot draws the aggregate, 3 by 64 cells, and says what a mix is.
	if got, want := PlotCells(d), 3*64; got != want {
		t.Errorf("PlotCells = %d, want %d", got, want)
	}
	b.Reset()
	if err := Plot(&b, d, "map", "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "mixed (striped by share)") {
		t.Error("the map plot's legend lacks the mix")
	}
}

// TestBinnedAsExact checks that a sweep read binned has the frontier,
// the counts and the runs tried for the default curves that it has read
// run by run, for the built-in rules and a program's sweep drawn per
// combination.
func TestBinnedAsExact(t *testing.T) {
	verdict := func(r, x float64, c []float64) (string, int64) {
		switch k := r * x * x; {
		case x == 0:
			return "stalled", 1
		case c[0] == 0.8 && k < 0.02:
			return "unfinished", 100
		case k < 2:
			return "converged", int64(10 + int(100*x)%17)
		case k == 2:
			return "oscillating", 100
		}
		return "diverged", int64(3 + int(x)%4)
	}
	rates := []float64{0.001, 0.01, 0.1, 0.5, 1, 2, 10}
	for _, s := range []synthetic{
		newSynthetic("gradient_descent", "input", []string{"goal", "weight"}, rates, []float64{-2, -1, 0, 0.5, 1, 2},
			[][]float64{{0.8, 0.5}, {0, 0.5}, {-1, 2}}, []Limits{{Iterations: 100}, {Iterations: 10}}, verdict),
		newSynthetic("command", "input", []string{"momentum"}, rates, []float64{-1, 0, 1, 1.5},
			[][]float64{{0.8}, {0.9}}, []Limits{{Iterations: 100}}, verdict),
	} {
		t.Run(s.d.Method, func(t *testing.T) {
			exact := s.exact()
			binned, picks := s.binned(t)
			if !slices.Equal(exact.Frontier, binned.Frontier) {
				t.Errorf("frontier:\nbinned %v\nexact  %v", binned.Frontier, exact.Frontier)
			}
			if fmt.Sprint(exact.Counts) != fmt.Sprint(binned.Counts) || !slices.Equal(exact.Limits, binned.Limits) {
				t.Errorf("counts %v and limits %v, want %v and %v", binned.Counts, binned.Limits, exact.Counts, exact.Limits)
			}
			if !slices.Equal(exact.Rates, binned.Rates) || !slices.Equal(exact.Inputs, binned.Inputs) {
				t.Errorf("rates %v and inputs %v, want %v and %v", binned.Rates, binned.Inputs, exact.Rates, exact.Inputs)
			}
			if s.d.Method == "command" && (!binned.perCombo() || len(groups(binned)) != 2) {
				t.Errorf("a program's sweep of 2 values of momentum: %d groups, want 2", len(groups(binned)))
			}
			for v, ids := range candidates(exact) {
				if want := ids[:min(len(ids), maxTries)]; !slices.Equal(picks[v], want) {
					t.Errorf("%s: tries %v, want %v", v, picks[v], want)
				}
			}
			var b bytes.Buffer
			for _, chart := range Charts {
				if err := Plot(&b, binned, chart, "svg"); err != nil && chart != "curves" {
					t.Errorf("plot %s: %v", chart, err)
				}
			}
		})
	}
}

// TestBinnedManyCombos checks a sweep of more combinations of Rest than
// can have a panel each: the aggregate alone, and the report says why.
func TestBinnedManyCombos(t *testing.T) {
	var combos [][]float64
	for g := range maxCombos + 1 {
		combos = append(combos, []float64{float64(g), 0.5})
	}
	s := newSynthetic("gradient_descent", "input", []string{"goal", "weight"}, []float64{0.1, 1}, []float64{1, 2}, combos,
		[]Limits{{Iterations: 10}}, func(r, x float64, c []float64) (string, int64) { return "converged", 2 })
	d, _ := s.binned(t)
	if d.Bins.ComboPanels || d.Bins.Combos != -1 || len(d.Combos) != 0 || d.Bins.Cells != 4 {
		t.Fatalf("bins %+v with %d combinations listed, want the aggregate's 4 cells and more combinations than counted", d.Bins, len(d.Combos))
	}
	if !slices.Equal(d.restVary, []bool{true, false}) {
		t.Errorf("restVary = %v, want goal varying, weight not", d.restVary)
	}
	d.Bins.Combos = maxCombos + 1 // as loadBinned counts them
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("The %d combinations of goal and weight are too many for a panel each", maxCombos+1); !strings.Contains(b.String(), want) {
		t.Errorf("the report lacks %q", want)
	}
	if got := strings.Count(b.String(), `<option value=`); got != 1 {
		t.Errorf("%d panels to choose from, want 1", got)
	}
}

// TestBinnedFrontier checks a frontier of more inputs than points: each
// point a bin, at its middle, the smallest largest converging rate of it.
func TestBinnedFrontier(t *testing.T) {
	inputs := steps(maxFrontierPoints * 2)
	s := newSynthetic("gradient_descent", "input", []string{"goal", "weight"}, []float64{0.1, 1}, inputs, [][]float64{{0.8, 0.5}},
		[]Limits{{Iterations: 10}}, func(r, x float64, c []float64) (string, int64) {
			if r == 1 && int(x)%2 == 1 {
				return "diverged", 2
			}
			return "converged", 2
		})
	d, _ := s.binned(t)
	if got, want := len(d.Frontier), maxFrontierPoints; got != want {
		t.Fatalf("%d frontier points, want %d", got, want)
	}
	for _, f := range d.Frontier {
		if f.Values != 2 || f.InputTo != f.Input+1 || f.Largest != 0.1 || f.x() != f.Input+0.5 {
			t.Fatalf("frontier point %+v, want 2 inputs at %g, converging at 0.1 (1 diverged at the odd one)", f, f.Input+0.5)
		}
	}
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"input 0 to 1 (2 values): largest converging alpha 0.1 at every one of them",
		"The 1280 values of input are more than the 640 points a series draws",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestTraceReducer reduces a trace of a million rows, given out of order,
// to at most two rows a column and its ends, keeping its extremes.
func TestTraceReducer(t *testing.T) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(5, 6))
	red := newTraceReducer(n)
	least, most := Point{Error: math.Inf(1)}, Point{Error: math.Inf(-1)}
	for _, step := range r.Perm(n) {
		p := Point{Step: int64(step), Error: math.Exp(-float64(step)/1e5) * (1 + 0.1*r.Float64())}
		switch step {
		case 500_000:
			p.Error = 1e-30 // a dip the curve must show
		case 700_000:
			p.Error = math.NaN() // drawn at the top, as the axis places it
		}
		if p.Error < least.Error {
			least = p
		}
		if rank(p.Error) > rank(most.Error) {
			most = p
		}
		red.add(p)
	}
	got := red.points()
	if len(got) > 2*curveColumns+2 || len(got) < curveColumns {
		t.Errorf("%d points, want between %d and %d", len(got), curveColumns, 2*curveColumns+2)
	}
	if got[0].Step != 0 || got[len(got)-1].Step != n-1 {
		t.Errorf("the points run from step %d to %d, want 0 to %d", got[0].Step, got[len(got)-1].Step, n-1)
	}
	if !slices.IsSortedFunc(got, func(a, b Point) int { return int(a.Step - b.Step) }) {
		t.Error("the points are not in step order")
	}
	for _, want := range []Point{least, most} {
		if !slices.ContainsFunc(got, func(p Point) bool { return p.Step == want.Step }) {
			t.Errorf("the row of step %d (error %g) is not kept", want.Step, want.Error)
		}
	}
	// Every column keeps its least and largest error.
	col := func(step int64) int64 { return step * curveColumns / n }
	for _, p := range got {
		if c := col(p.Step); c < 0 || c >= curveColumns {
			t.Fatalf("step %d in column %d", p.Step, c)
		}
	}
	perColumn := map[int64]int{}
	for _, p := range got {
		perColumn[col(p.Step)]++
	}
	if len(perColumn) != curveColumns {
		t.Errorf("%d columns have points, want %d", len(perColumn), curveColumns)
	}
}

// TestBinnedGrowing reads a sweep that a run joined between the passes
// (sweep report of a sweep still running): the second pass counts only
// the runs of the values, limits and combinations the first pass found.
func TestBinnedGrowing(t *testing.T) {
	s := newSynthetic("gradient_descent", "input", []string{"goal", "weight"}, []float64{0.1, 1}, []float64{1, 2},
		[][]float64{{0.8, 0.5}}, []Limits{{Iterations: 10}}, func(r, x float64, c []float64) (string, int64) { return "converged", 2 })
	d := *s.d
	d.Counts = map[string]int64{}
	over := func(cells []Cell) pass {
		return func(f func(c *Cell, rest []float64) error) error {
			for _, c := range cells {
				if err := f(&c, c.Rest); err != nil {
					return err
				}
			}
			return nil
		}
	}
	later := append(slices.Clone(s.cells),
		Cell{RunID: 5, Rate: 10, Input: 1, Rest: []float64{0.8, 0.5}, Limits: Limits{Iterations: 10}, Verdict: "diverged"},
		Cell{RunID: 6, Rate: 1, Input: 3, Rest: []float64{0.8, 0.5}, Limits: Limits{Iterations: 10}, Verdict: "diverged"},
		Cell{RunID: 7, Rate: 1, Input: 1, Rest: []float64{0.8, 0.5}, Limits: Limits{Iterations: 20}, Verdict: "diverged"})
	if _, err := binRuns(&d, over(s.cells), over(later), false); err != nil {
		t.Fatal(err)
	}
	if d.Bins.Runs != 4 || d.Counts["diverged"] != 0 || d.Bins.Cells != 4+4 {
		t.Errorf("counted %d runs, %d diverged, in %d cells; want the first 4, none diverged, in 4 cells and 4 of their goal and weight", d.Bins.Runs, d.Counts["diverged"], d.Bins.Cells)
	}
}
