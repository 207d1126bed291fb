package report

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// program builds a Data of a program's sweep with the rate axis lr, the
// map's other axis y (none for "") and the other axes rest: one run per
// set of limits, rate, value of y and combination of rest, its verdict
// given by f. A failed run failed before its first row, with exit status 3.
func program(y string, rest []string, sets []Limits, rates, ys []float64, combos [][]float64,
	f func(rate, y float64, combo []float64) string) *Data {
	d := &Data{Name: "t", Method: "command", RateAxis: "lr", YAxis: y, Rest: rest, Rates: rates, Inputs: ys, Counts: map[string]int64{}, TraceEvery: 1}
	id := int64(0)
	for _, l := range sets {
		for _, r := range rates {
			for _, x := range ys {
				for _, combo := range combos {
					id++
					c := Cell{RunID: id, Rate: r, Input: x, Rest: combo, Limits: l, Verdict: f(r, x, combo), Steps: 3}
					if c.Verdict == "failed" {
						c.Steps, c.Reason = 0, "exit status 3"
					}
					d.Cells = append(d.Cells, c)
					d.Counts[c.Verdict]++
				}
			}
		}
	}
	arrange(d)
	return d
}

// momentum is a program's sweep of lr and input, with momentum as its
// third axis: momentum 0.9 fails at lr 1, and converges at lr 0.1 where
// momentum 0 is unfinished at input 0.5.
func momentum(sets ...Limits) *Data {
	if len(sets) == 0 {
		sets = []Limits{iter1000}
	}
	return program("input", []string{"momentum"}, sets, []float64{0.01, 0.1, 1}, []float64{0.5, 2}, [][]float64{{0.9}, {0}},
		func(r, x float64, combo []float64) string {
			switch {
			case r == 1 && combo[0] == 0.9:
				return "failed"
			case r == 1 && x == 2:
				return "diverged"
			case r == 1 || r == 0.1 && (x == 2 || combo[0] == 0.9):
				return "converged"
			}
			return "unfinished"
		})
}

func TestMapAxes(t *testing.T) {
	for _, tc := range []struct {
		names []string
		y     string
		rest  []string
	}{
		{[]string{"lr", "momentum"}, "momentum", nil},
		{[]string{"lr", "momentum", "input"}, "input", []string{"momentum"}},
		{[]string{"alpha", "input", "goal", "weight"}, "input", []string{"goal", "weight"}},
		{[]string{"lr", "beta", "momentum"}, "beta", []string{"momentum"}},
		{[]string{"lr"}, "", nil},
	} {
		t.Run(strings.Join(tc.names, ","), func(t *testing.T) {
			y, rest := mapAxes(tc.names, tc.names[0])
			if y != tc.y || !slices.Equal(rest, tc.rest) {
				t.Errorf("mapAxes = %q, %q, want %q, %q", y, rest, tc.y, tc.rest)
			}
		})
	}
}

// TestProgramPanels checks the panels of a program's sweep with a third
// axis: in the report the aggregate and one per momentum, by value; in
// the plot a panel per momentum (each cell one run, failed in its own
// colour), also per set of limits when those vary.
func TestProgramPanels(t *testing.T) {
	d := momentum()
	if got, want := d.Combos, [][]float64{{0}, {0.9}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("combos = %v, want %v", got, want)
	}
	var labels []string
	for _, p := range mapPanels(d) {
		labels = append(labels, p.Label)
	}
	if want := []string{"all values of momentum", "momentum 0", "momentum 0.9"}; !slices.Equal(labels, want) {
		t.Errorf("report panels = %q, want %q", labels, want)
	}
	const c, dv, u, f = "converged", "diverged", "unfinished", "failed"
	maps := verdictMaps(d)
	var titles []string
	var got [][][]string
	for _, m := range maps {
		titles = append(titles, m.title)
		got = append(got, commandVerdictNames(m))
	}
	if want := []string{"momentum 0", "momentum 0.9"}; !slices.Equal(titles, want) {
		t.Errorf("plot panels = %q, want %q", titles, want)
	}
	// Per panel, per lr (0.01, 0.1, 1), per input (0.5, 2).
	want := [][][]string{
		{{u, u}, {u, c}, {c, dv}},
		{{u, u}, {c, c}, {f, f}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("plot panels' verdicts = %v, want %v", got, want)
	}

	two := momentum(iter1000, iter10)
	titles = nil
	for _, m := range verdictMaps(two) {
		titles = append(titles, m.title)
	}
	if want := []string{"iterations 10, momentum 0", "iterations 10, momentum 0.9", "iterations 1000, momentum 0", "iterations 1000, momentum 0.9"}; !slices.Equal(titles, want) {
		t.Errorf("plot panels of two budgets = %q, want %q", titles, want)
	}
	labels = nil
	for _, p := range mapPanels(two) {
		labels = append(labels, p.Label)
	}
	if want := []string{
		"all values of momentum, iterations 10", "iterations 10, momentum 0", "iterations 10, momentum 0.9",
		"all values of momentum, iterations 1000", "iterations 1000, momentum 0", "iterations 1000, momentum 0.9",
	}; !slices.Equal(labels, want) {
		t.Errorf("report panels of two budgets = %q, want %q", labels, want)
	}
}

// commandVerdictNames reads a panel of a program's map back as verdict
// names, by rate and value of y; "" for no runs, "tie" for a split cell.
func commandVerdictNames(m verdictMap) [][]string {
	out := make([][]string, len(m.grid.x))
	for i := range m.grid.x {
		out[i] = make([]string, len(m.grid.y))
		for j := range m.grid.y {
			if z := m.grid.z[i][j]; !math.IsNaN(z) {
				out[i][j] = CommandVerdicts[int(z)]
			} else if len(m.ties) > 0 {
				out[i][j] = "tie"
			}
		}
	}
	return out
}

// TestProgramFrontier checks the frontier of a program's sweep: the
// largest lr at which every run converged, per input and per momentum,
// with no theory.
func TestProgramFrontier(t *testing.T) {
	d := momentum()
	type point struct {
		label        string
		input, large float64
		has          bool
		theory       bool
	}
	var got []point
	for _, s := range frontiers(d) {
		for _, f := range s.Points {
			got = append(got, point{s.Label, f.Input, f.Largest, f.HasLargest, !math.IsInf(f.Theory, 1)})
		}
	}
	want := []point{
		{"momentum 0", 0.5, 1, true, false},
		{"momentum 0", 2, 0.1, true, false},
		{"momentum 0.9", 0.5, 0.1, true, false},
		{"momentum 0.9", 2, 0.1, true, false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("frontier = %v, want %v", got, want)
	}
	svg := frontierSVG(d)
	for _, s := range []string{
		`aria-label="the largest converging lr per input"`,
		`<title>momentum 0.9, input 0.5: largest converging lr 0.1</title>`,
		`>input</text>`,
	} {
		if !strings.Contains(svg, s) {
			t.Errorf("the frontier lacks %s", s)
		}
	}
	if strings.Contains(svg, "theory") || strings.Contains(svg, Colors["failed"]) {
		t.Errorf("the frontier of a program draws a theory or failed's colour:\n%s", svg)
	}
	series, together := seriesText(d)
	if series != "value of momentum" || together != "" {
		t.Errorf("seriesText = %q, %q", series, together)
	}
}

// TestProgramManyCombos checks that combinations beyond maxGroups are drawn
// together, as the built-in rules' goals and weights are, and said so.
func TestProgramManyCombos(t *testing.T) {
	var combos [][]float64
	for i := range maxGroups + 1 {
		combos = append(combos, []float64{float64(i)})
	}
	d := program("input", []string{"beta"}, []Limits{iter1000}, []float64{0.1, 1}, []float64{1}, combos,
		func(r, _ float64, combo []float64) string {
			if r == 1 && combo[0] == 3 {
				return "diverged"
			}
			return "converged"
		})
	if d.perCombo() || len(verdictMaps(d)) != 1 || len(frontiers(d)) != 1 {
		t.Fatalf("%d combinations are drawn apart", len(combos))
	}
	if f := d.Frontier[0]; f.Largest != 0.1 {
		t.Errorf("largest lr of every beta = %v, want 0.1 (beta 3 diverged at 1)", f.Largest)
	}
	if _, together := seriesText(d); together != "every value of beta together (too many to draw apart)" {
		t.Errorf("together = %q", together)
	}
}

// TestProgramHTML checks a program's report: a failed column in the
// summary with its count, failed in the legend in its own colour, the
// map's axes named by the sweep's, each run's cell titled with its values
// of every axis and why it failed, and no theory.
func TestProgramHTML(t *testing.T) {
	d := program("momentum", nil, []Limits{iter1000}, []float64{0.1, 1}, []float64{0, 0.9}, [][]float64{{}},
		func(r, m float64, _ []float64) string {
			if r == 1 && m == 0.9 {
				return "failed"
			}
			return "converged"
		})
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, s := range []string{
		`<th>unfinished</th><th>failed</th></tr>`,
		`<td></td><td>3</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>`, // 3 converged, 1 failed
		`<span><i style="background:#CC79A7"></i>failed</span>`,
		`aria-label="stability map: lr against momentum, coloured by verdict"`,
		`<option value="0">all runs</option>`,
		`fill="#CC79A7" shape-rendering="crispEdges" data-rate="1" data-momentum="0.9" data-verdict="failed"><title>run 4: lr 1, momentum 0.9: failed before its first row: exit status 3</title>`,
		`data-rate="0.1" data-momentum="0" data-verdict="converged"><title>run 1: lr 0.1, momentum 0: converged in 3 steps</title>`,
		`>lr (log scale)</text>`,
		`>momentum</text>`,
		`<p>The largest lr at which every run converged, per momentum.</p>`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("the report lacks %s", s)
		}
	}
	if strings.Contains(html, `class="theory"`) || strings.Contains(html, "input") {
		t.Errorf("the report of a program without input draws the theory or names input")
	}
}

// TestRateOnly checks a program whose only axis is the rate: a one-row
// map without a y axis, a one-point frontier.
func TestRateOnly(t *testing.T) {
	d := program("", nil, []Limits{iter1000}, []float64{0.01, 0.1, 1}, []float64{0}, [][]float64{{}},
		func(r, _ float64, _ []float64) string {
			if r == 1 {
				return "diverged"
			}
			return "converged"
		})
	svg, panels, _ := mapSVG(d)
	if len(panels) != 1 || panels[0].Label != "all runs" {
		t.Errorf("panels = %v", panels)
	}
	if n := strings.Count(svg, `class="cell"`); n != 3 {
		t.Errorf("%d cells, want 3", n)
	}
	if strings.Contains(svg, `class="y-tick"`) || !strings.Contains(svg, `<title>run 2: lr 0.1: converged in 3 steps</title>`) {
		t.Errorf("the one-row map:\n%s", svg)
	}
	if len(d.Frontier) != 1 || d.Frontier[0].Largest != 0.1 {
		t.Errorf("frontier = %v, want one point at 0.1", d.Frontier)
	}
	texts := svgTexts(t, d, "map")
	if texts["sweep t: verdict by lr"] != 1 || texts["failed"] != 1 {
		t.Errorf("the plot's texts: %v", texts)
	}
	texts = svgTexts(t, d, "frontier")
	if texts["sweep t: the largest lr at which every run converged"] != 1 {
		t.Errorf("the frontier's texts: %v", texts)
	}
}

// TestBuiltinHasNoFailed checks that a built-in rule's pictures list the
// five verdicts they always had.
func TestBuiltinHasNoFailed(t *testing.T) {
	d := limited([]Limits{iter1000}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8}, converged)
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "failed") || strings.Contains(b.String(), Colors["failed"]) {
		t.Error("a built-in report names failed")
	}
	if texts := svgTexts(t, d, "map"); texts["failed"] != 0 || texts["unfinished"] != 1 {
		t.Errorf("a built-in map's legend: %v", texts)
	}
}
