package report

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// verdictNames reads a panel of the map back as verdict names, by rate
// (rows) and input: "" for a (rate, input) without runs, "tie" for a split
// cell.
func verdictNames(m verdictMap) [][]string {
	out := make([][]string, len(m.grid.x))
	for i, x := range m.grid.x {
		out[i] = make([]string, len(m.grid.y))
		for j, y := range m.grid.y {
			if z := m.grid.z[i][j]; !math.IsNaN(z) {
				out[i][j] = Verdicts[int(z)]
				continue
			}
			for _, c := range m.ties {
				if c.x0 < x && x < c.x1 && c.y0 < y && y < c.y1 {
					out[i][j] = "tie"
				}
			}
		}
	}
	return out
}

// TestVerdictMapsPerLimits checks the numbers behind sweep plot map: a
// panel per set of limits, each of the verdicts of its own runs. Mixed,
// alpha 0.01 would be a tie of unfinished (10 iterations) and converged
// (1000) at every input.
func TestVerdictMapsPerLimits(t *testing.T) {
	const c, d, u = "converged", "diverged", "unfinished"
	for _, tc := range []struct {
		name   string
		data   *Data
		titles []string
		want   [][][]string // per panel, per rate (0.01, 0.1, 1), per input (1, 2, 4)
		ties   []int        // per panel
	}{
		{"two budgets", budgets(), []string{"iterations 10", "iterations 1000"},
			[][][]string{
				{{u, u, u}, {u, c, c}, {"tie", d, d}}, // alpha 1, input 1: goal 0.8 converged, -1 oscillating
				{{c, c, c}, {c, c, c}, {c, d, d}},
			},
			[]int{1, 0}},
		{"one budget", limited([]Limits{iter10}, []float64{0.01, 0.1, 1}, []float64{1, 2, 4}, []float64{0.8, -1},
			func(_ Limits, r, x, _ float64) string {
				if r*x > 1 {
					return d
				}
				return c
			}), []string{""},
			[][][]string{{{c, c, c}, {c, c, c}, {c, d, d}}},
			[]int{0}},
		{"a set without some rates", func() *Data {
			data := budgets()
			data.Cells = slices.DeleteFunc(data.Cells, func(c Cell) bool { return c.Limits == iter1000 && c.Rate == 0.01 })
			return data
		}(), []string{"iterations 10", "iterations 1000"},
			[][][]string{
				{{u, u, u}, {u, c, c}, {"tie", d, d}},
				{{"", "", ""}, {c, c, c}, {c, d, d}},
			},
			[]int{1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			maps := verdictMaps(tc.data)
			var titles []string
			for _, m := range maps {
				titles = append(titles, m.title)
			}
			if !slices.Equal(titles, tc.titles) {
				t.Fatalf("panels %q, want %q", titles, tc.titles)
			}
			for i, m := range maps {
				if got := verdictNames(m); !slices.EqualFunc(got, tc.want[i], slices.Equal) {
					t.Errorf("panel %q = %q, want %q", m.title, got, tc.want[i])
				}
				if got, want := len(m.ties), tc.ties[i]; got != want {
					t.Errorf("panel %q has %d ties, want %d", m.title, got, want)
				}
			}
		})
	}
	// The tie at 10 iterations is converged beside oscillating.
	tie := verdictMaps(budgets())[0].ties[0]
	if got, want := tie.colors, []string{"converged", "oscillating"}; len(got) != 2 || got[0] != hexColor(Colors[want[0]]) || got[1] != hexColor(Colors[want[1]]) {
		t.Errorf("tie colours %v, want those of %v", got, want)
	}
}

// svgTexts returns how often each text is drawn in an SVG of gonum/plot.
func svgTexts(t *testing.T, d *Data, chart string) map[string]int {
	t.Helper()
	var b bytes.Buffer
	if err := Plot(&b, d, chart, "svg"); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, part := range strings.Split(b.String(), "</text>")[:strings.Count(b.String(), "</text>")] {
		out[part[strings.LastIndex(part, ">")+1:]]++
	}
	return out
}

// TestMapPlotPanels checks the image of several sets of limits: a panel
// each, titled by its limits, tiled in a near square under one title,
// beside one legend; and that one set is one plot of the usual size, as
// before limits could vary.
func TestMapPlotPanels(t *testing.T) {
	iter100 := Limits{Iterations: 100, Tolerance: 1e-10, Divergence: 1e12}
	three := limited([]Limits{iter1000, iter10, iter100}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8}, converged)
	for _, tc := range []struct {
		name       string
		data       *Data
		titles     []string
		cols, rows int
	}{
		{"two", budgets(), []string{"iterations 10", "iterations 1000"}, 2, 1},
		{"three", three, []string{"iterations 10", "iterations 100", "iterations 1000"}, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := mapPlot(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, p := range ch.panels {
				titles = append(titles, p.Title.Text)
			}
			if !slices.Equal(titles, tc.titles) {
				t.Errorf("panels %q, want %q", titles, tc.titles)
			}
			if ch.cols != tc.cols || ch.rows() != tc.rows {
				t.Errorf("%d by %d panels, want %d by %d", ch.cols, ch.rows(), tc.cols, tc.rows)
			}
			if ch.w < vg.Length(tc.cols)*panelW || ch.h < vg.Length(tc.rows)*panelH {
				t.Errorf("image %v by %v, too small for %d by %d panels", ch.w, ch.h, tc.cols, tc.rows)
			}
			texts := svgTexts(t, tc.data, "map")
			for _, s := range append(tc.titles, "sweep t: verdict by alpha and input", "converged", "unfinished", "alpha = 2/input²") {
				if texts[s] != 1 {
					t.Errorf("%q drawn %d times, want once", s, texts[s])
				}
			}
			if got, want := texts["input"], len(tc.titles); got != want {
				t.Errorf("%d input axes, want %d", got, want)
			}
		})
	}
	if texts := svgTexts(t, budgets(), "map"); texts["tie (split cell)"] != 1 {
		t.Errorf("the legend of two budgets has %d tie entries, want 1", texts["tie (split cell)"])
	}

	one := limited([]Limits{iter10}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8}, converged)
	ch, err := mapPlot(one)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.panels) != 0 || ch.w != chartW || ch.h != chartH || ch.p.Title.Text != "sweep t: verdict by alpha and input" {
		t.Errorf("one set of limits: %d panels, %v by %v, title %q; want one plot of %v by %v", len(ch.panels), ch.w, ch.h, ch.p.Title.Text, chartW, chartH)
	}
	for s := range svgTexts(t, one, "map") {
		if strings.Contains(s, "iterations") {
			t.Errorf("the map of one set of limits names them: %q", s)
		}
	}
}

// frontierMarks returns the points of the frontier's marks, in the order
// drawn, read back from the plot's glyph boxes (lines have thinner ones).
func frontierMarks(t *testing.T, ch *chartLayout) [][2]float64 {
	t.Helper()
	x, y := ch.p.X, ch.p.Y
	var out [][2]float64
	for _, b := range ch.p.GlyphBoxes(ch.p) {
		if b.Size().X < vg.Points(6) {
			continue
		}
		in := x.Min + b.X*(x.Max-x.Min)
		rate := math.Pow(10, y.Min+b.Y*(y.Max-y.Min))
		out = append(out, [2]float64{math.Round(in*1e9) / 1e9, math.Round(rate*1e9) / 1e9})
	}
	return out
}

// TestFrontierPlotPerLimits checks sweep plot frontier of two budgets: a
// labelled series each, with the points of its own runs (10 iterations
// has none at input 1, where mixed limits would have none at all), the
// legend below; a budget where nothing converged is named so; one set of
// limits is the lone "experiment" series of before.
func TestFrontierPlotPerLimits(t *testing.T) {
	ch, err := frontierPlot(budgets())
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{{2, 0.1}, {4, 0.1}, {1, 1}, {2, 0.1}, {4, 0.1}} // iterations 10, then 1000
	if got := frontierMarks(t, ch); !slices.Equal(got, want) {
		t.Errorf("marks %v, want %v", got, want)
	}
	if !ch.below || ch.h <= chartH {
		t.Errorf("legend below %v, height %v: want the legend below, in room of its own", ch.below, ch.h)
	}
	texts := svgTexts(t, budgets(), "frontier")
	for _, s := range []string{"iterations 10", "iterations 1000", "theory: 2/input²"} {
		if texts[s] != 1 {
			t.Errorf("%q drawn %d times, want once", s, texts[s])
		}
	}
	if texts["experiment"] != 0 {
		t.Error("a frontier of two budgets has an experiment series")
	}

	never := limited([]Limits{iter10, iter1000}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8},
		func(l Limits, _, _, _ float64) string {
			if l == iter10 {
				return "unfinished"
			}
			return "converged"
		})
	if ch, err = frontierPlot(never); err != nil {
		t.Fatal(err)
	}
	if got, want := frontierMarks(t, ch), [][2]float64{{1, 1}, {2, 1}}; !slices.Equal(got, want) {
		t.Errorf("marks %v, want %v", got, want)
	}
	if texts := svgTexts(t, never, "frontier"); texts["iterations 10 (converged at no input)"] != 1 || texts["iterations 1000"] != 1 {
		t.Errorf("legend %v, want iterations 10 (converged at no input) and iterations 1000", texts)
	}

	one := limited([]Limits{iter10}, []float64{0.1, 1}, []float64{1, 2}, []float64{0.8}, converged)
	if ch, err = frontierPlot(one); err != nil {
		t.Fatal(err)
	}
	if got, want := frontierMarks(t, ch), [][2]float64{{1, 1}, {2, 1}}; !slices.Equal(got, want) {
		t.Errorf("marks of one set %v, want %v", got, want)
	}
	if ch.below || ch.h != chartH {
		t.Errorf("one set of limits: legend below %v, height %v; want beside, %v", ch.below, ch.h, chartH)
	}
	texts = svgTexts(t, one, "frontier")
	if texts["experiment"] != 1 {
		t.Errorf("one set of limits: %d experiment series, want 1", texts["experiment"])
	}
	for s := range texts {
		if strings.Contains(s, "iterations") {
			t.Errorf("the frontier of one set of limits names them: %q", s)
		}
	}
}
