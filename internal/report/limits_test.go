package report

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// limited builds a Data of runs under several sets of limits: one run per
// set, rate, input and goal (weight 0.5), its verdict given by f.
func limited(sets []Limits, rates, inputs, goals []float64, f func(l Limits, rate, input, goal float64) string) *Data {
	d := &Data{Name: "t", Method: "gradient_descent", RateAxis: "alpha", YAxis: "input", Rest: []string{"goal", "weight"}, Rates: rates, Inputs: inputs, Counts: map[string]int64{}, TraceEvery: 1}
	id := int64(0)
	for _, l := range sets {
		for _, r := range rates {
			for _, x := range inputs {
				for _, g := range goals {
					id++
					v := f(l, r, x, g)
					d.Cells = append(d.Cells, Cell{RunID: id, Rate: r, Input: x, Rest: []float64{g, 0.5}, Limits: l, Verdict: v, Steps: 3})
					d.Counts[v]++
				}
			}
		}
	}
	arrange(d)
	return d
}

func converged(Limits, float64, float64, float64) string { return "converged" }

var (
	iter10   = Limits{Iterations: 10, Tolerance: 1e-10, Divergence: 1e12}
	iter1000 = Limits{Iterations: 1000, Tolerance: 1e-10, Divergence: 1e12}
)

// TestMapPanels checks the panels the selector offers and their labels:
// per set of limits (sorted, whatever the order of the runs), the
// aggregate, then each goal and weight; the labels name only the limits
// that vary, and none when there is one set (the report of such a sweep
// reads as it did before limits could vary).
func TestMapPanels(t *testing.T) {
	tol6 := Limits{Iterations: 10, Tolerance: 1e-6, Divergence: 1e12}
	for _, tc := range []struct {
		name   string
		sets   []Limits
		labels []string
		groups []string
	}{
		{"one set", []Limits{iter1000},
			[]string{"all goals and weights", "goal -1, weight 0.5", "goal 0.8, weight 0.5"},
			[]string{"", "", ""}},
		{"iterations", []Limits{iter1000, iter10},
			[]string{
				"all goals and weights, iterations 10", "iterations 10, goal -1, weight 0.5", "iterations 10, goal 0.8, weight 0.5",
				"all goals and weights, iterations 1000", "iterations 1000, goal -1, weight 0.5", "iterations 1000, goal 0.8, weight 0.5"},
			[]string{"iterations 10", "iterations 10", "iterations 10", "iterations 1000", "iterations 1000", "iterations 1000"}},
		{"iterations and tolerance", []Limits{iter1000, iter10, tol6},
			[]string{
				"all goals and weights, iterations 10, tolerance 1e-10", "iterations 10, tolerance 1e-10, goal -1, weight 0.5", "iterations 10, tolerance 1e-10, goal 0.8, weight 0.5",
				"all goals and weights, iterations 10, tolerance 1e-06", "iterations 10, tolerance 1e-06, goal -1, weight 0.5", "iterations 10, tolerance 1e-06, goal 0.8, weight 0.5",
				"all goals and weights, iterations 1000, tolerance 1e-10", "iterations 1000, tolerance 1e-10, goal -1, weight 0.5", "iterations 1000, tolerance 1e-10, goal 0.8, weight 0.5"},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := limited(tc.sets, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8, -1}, converged)
			var labels, groups []string
			for _, p := range mapPanels(d) {
				labels, groups = append(labels, p.Label), append(groups, p.Group)
			}
			if !slices.Equal(labels, tc.labels) {
				t.Errorf("panels:\n%q\nwant\n%q", labels, tc.labels)
			}
			if tc.groups != nil && !slices.Equal(groups, tc.groups) {
				t.Errorf("groups = %q, want %q", groups, tc.groups)
			}
		})
	}
}

func TestVarying(t *testing.T) {
	div := Limits{Iterations: 10, Tolerance: 1e-6, Divergence: 1e6}
	for _, tc := range []struct {
		sets []Limits
		want string
	}{
		{[]Limits{iter10}, ""},
		{[]Limits{iter10, iter1000}, "iterations"},
		{[]Limits{iter10, div}, "tolerance and divergence"},
		{[]Limits{iter1000, iter10, div}, "iterations, tolerance and divergence"},
	} {
		if got := varying(tc.sets); got != tc.want {
			t.Errorf("varying(%v) = %q, want %q", tc.sets, got, tc.want)
		}
	}
	if got, want := limitsNamer([]Limits{iter10, div})(div), "tolerance 1e-06, divergence 1e+06"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
}

// budgets is a sweep of two iteration budgets in which 10 iterations are
// too few for a small rate (alpha*input < 0.2 is unfinished) and, at alpha
// 1 and input 1, goal -1 oscillates; with 1000 iterations every run with
// alpha*input <= 1 converges. Everything else diverges.
func budgets() *Data {
	return limited([]Limits{iter10, iter1000}, []float64{0.01, 0.1, 1}, []float64{1, 2, 4}, []float64{0.8, -1},
		func(l Limits, r, x, g float64) string {
			switch {
			case r*x > 1:
				return "diverged"
			case l.Iterations == 10 && r*x < 0.2:
				return "unfinished"
			case l.Iterations == 10 && r == 1 && x == 1 && g == -1:
				return "oscillating"
			}
			return "converged"
		})
}

// TestFrontierPerLimits checks that each set of limits has its own
// frontier: mixed, alpha 1 at input 1 (oscillating at 10 iterations) and
// alpha 0.1 there (unfinished at 10) would leave input 1 with none.
func TestFrontierPerLimits(t *testing.T) {
	d := budgets()
	type point struct {
		iterations     int64
		input, largest float64
		has            bool
	}
	var got []point
	for _, f := range d.Frontier {
		got = append(got, point{f.Limits.Iterations, f.Input, f.Largest, f.HasLargest})
	}
	want := []point{
		{10, 1, 0, false}, // alpha 1: goal -1 oscillates; 0.1 and 0.01: unfinished
		{10, 2, 0.1, true},
		{10, 4, 0.1, true},
		{1000, 1, 1, true},
		{1000, 2, 0.1, true},
		{1000, 4, 0.1, true}, // 0.01 converges too; 1 diverges
	}
	if !slices.Equal(got, want) {
		t.Errorf("frontier = %v, want %v", got, want)
	}
	if f := d.Frontier[4]; f.Theory != 0.5 {
		t.Errorf("theory at input 2 = %v, want 2/input² = 0.5", f.Theory)
	}
	series := frontiers(d)
	if len(series) != 2 || series[0].Label != "iterations 10" || series[1].Label != "iterations 1000" || len(series[1].Points) != 3 {
		t.Errorf("series = %+v, want iterations 10 and 1000 of 3 inputs each", series)
	}
}

// TestFrontierSVG checks that several sets of limits are drawn as one
// labelled series each, with the theory once, and that one set is drawn
// as a single unlabelled series without a legend.
func TestFrontierSVG(t *testing.T) {
	svg := frontierSVG(budgets())
	if got := strings.Count(svg, `class="theory"`); got != 1 {
		t.Errorf("%d theory lines, want 1", got)
	}
	for _, want := range []string{
		`<g class="frontier-series" data-limits="iterations 10" data-color="#009E73">`,
		`<g class="frontier-series" data-limits="iterations 1000" data-color="#56B4E9">`,
		`data-input="2" data-rate="0.1"><title>iterations 10, input 2: largest converging alpha 0.1 (theory 0.5)</title>`,
		`data-input="1" data-rate="1"><title>iterations 1000, input 1: largest converging alpha 1 (theory 2)</title>`,
		`font-size="11" fill="#222">iterations 10</text>`,
		`font-size="11" fill="#222">iterations 1000</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the frontier lacks %s", want)
		}
	}
	// Two points at 10 iterations (none at input 1), three at 1000.
	if got := strings.Count(svg, `class="frontier-point"`); got != 5 {
		t.Errorf("%d frontier points, want 5", got)
	}
	if strings.Contains(svg, `data-input="1" data-rate="1"><title>iterations 10,`) {
		t.Error("the frontier of 10 iterations has a point at input 1")
	}

	one := frontierSVG(limited([]Limits{iter10}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8}, converged))
	if strings.Contains(one, "frontier-series") || strings.Contains(one, "legend-entry") || strings.Contains(one, "iterations") {
		t.Errorf("one set of limits is drawn as series:\n%s", one)
	}
	if got := strings.Count(one, `<circle class="frontier-point"`); got != 2 {
		t.Errorf("%d frontier points of one set, want 2", got)
	}
}

// TestMapSVGPerLimits checks the map of two sets of limits: an aggregate
// panel per set with one cell per (rate, input) of the verdicts of that
// set only, each run once in the panel of its goal and weight, and so no
// more cells than runs plus one per (set, rate, input).
func TestMapSVGPerLimits(t *testing.T) {
	d := budgets()
	svg, panels, _ := mapSVG(d)
	groups := regexp.MustCompile(`<g class="panel" data-panel="(\d+)"[^>]*>(.*?)</g>`).FindAllStringSubmatch(svg, -1)
	if len(groups) != len(panels) || len(panels) != 6 {
		t.Fatalf("%d panel groups, %d panels, want 6", len(groups), len(panels))
	}
	cells := 0
	for i, g := range groups {
		n := strings.Count(g[2], `class="cell"`)
		cells += n
		// 3 rates by 3 inputs: the aggregate's (rate, input) cells, or a
		// goal's runs.
		if n != 9 {
			t.Errorf("panel %d (%s): %d cells, want 9", i, panels[i].Label, n)
		}
	}
	if got, want := cells, len(d.Cells)+2*9; got != want {
		t.Errorf("%d cells in all, want %d (runs plus the aggregates)", got, want)
	}
	// Alpha 1, input 1: at 10 iterations a tie of converged and
	// oscillating (goal 0.8, goal -1); at 1000 both converged.
	if !strings.Contains(groups[0][2], `data-rate="1" data-input="1" data-verdict="tie"><title>alpha 1, input 1, iterations 10: 1 converged, 1 oscillating (a tie: converged = oscillating)</title>`) {
		t.Errorf("the aggregate of 10 iterations lacks its tie: %s", groups[0][2])
	}
	if !strings.Contains(groups[3][2], `data-rate="1" data-input="1" data-verdict="converged"><title>alpha 1, input 1, iterations 1000: 2 converged</title>`) {
		t.Errorf("the aggregate of 1000 iterations mixes in other limits: %s", groups[3][2])
	}
	if !strings.Contains(groups[1][2], `data-verdict="oscillating"><title>run 14: alpha 1, input 1, goal -1, weight 0.5, iterations 10: oscillating in 3 steps</title>`) {
		t.Errorf("panel 1 (%s) lacks run 14: %s", panels[1].Label, groups[1][2])
	}
}

// TestReportPerLimits checks the page: the selector groups the panels by
// limits and the prose names what varies; a sweep of one set of limits
// has neither.
func TestReportPerLimits(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, budgets()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<optgroup label="iterations 10"><option value="0">all goals and weights, iterations 10</option><option value="1">iterations 10, goal -1, weight 0.5</option><option value="2">iterations 10, goal 0.8, weight 0.5</option></optgroup>`,
		`<optgroup label="iterations 1000"><option value="3">all goals and weights, iterations 1000</option>`,
		`each panel shows one set of limits (iterations).`,
		`per input, one series per set of limits (iterations), and`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	b.Reset()
	if err := Write(&b, limited([]Limits{iter10}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8}, converged)); err != nil {
		t.Fatal(err)
	}
	page = b.String()
	if !strings.Contains(page, `<select id="panel"><option value="0">all goals and weights</option><option value="1">goal 0.8, weight 0.5</option></select>`) {
		t.Errorf("the selector of one set of limits changed:\n%s", page)
	}
	if strings.Contains(page, "optgroup") || strings.Contains(page, "set of limits") {
		t.Error("the report of one set of limits speaks of sets of limits")
	}
}

// TestProvenanceHTML checks the provenance table: values escaped (a
// command line holds quotes, < and &), a missing one "not recorded".
func TestProvenanceHTML(t *testing.T) {
	d := limited([]Limits{iter10}, []float64{0.1}, []float64{1}, []float64{0.8}, converged)
	d.Provenance = Provenance{Version: "v1.2.0", Host: "lab<3>", Command: `sweep run --db 'my db.db' "a<b&c>.yaml"`}
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<tr><th>version</th><td>v1.2.0</td></tr>`,
		`<tr><th>host</th><td>lab&lt;3&gt;</td></tr>`,
		`<tr><th>git commit</th><td class="missing">not recorded</td></tr>`,
		`<tr><th>command</th><td><code>sweep run --db &#39;my db.db&#39; &#34;a&lt;b&amp;c&gt;.yaml&#34;</code></td></tr>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if strings.Contains(page, "a<b&c>") || strings.Contains(page, "lab<3>") {
		t.Error("the report holds a provenance value unescaped")
	}
}
