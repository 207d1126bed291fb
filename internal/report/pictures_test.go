package report

import (
	"bytes"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// grid builds a Data of one goal and weight over rates and inputs, the
// verdict and steps of each cell given by f.
func gridData(method string, rates, inputs []float64, f func(rate, input float64) (string, int64)) *Data {
	d := &Data{Name: "t", Method: method, RateAxis: "alpha", YAxis: "input", Rest: []string{"goal", "weight"}, Rates: rates, Inputs: inputs, Counts: map[string]int64{}, TraceEvery: 1}
	id := int64(0)
	for _, r := range rates {
		for _, x := range inputs {
			id++
			v, steps := f(r, x)
			d.Cells = append(d.Cells, Cell{RunID: id, Rate: r, Input: x, Rest: []float64{0.8, 0.5}, Verdict: v, Steps: steps})
			d.Counts[v]++
		}
	}
	arrange(d)
	return d
}

// TestCandidates checks the order in which the default curves are tried:
// the longest trace first (not the first run, converged at step 0), then
// the run nearest the middle of the grid among equally long ones.
func TestCandidates(t *testing.T) {
	rates, inputs := []float64{0.001, 0.01, 0.1, 1, 10}, []float64{-2, -1, 0, 1, 2}
	d := gridData("gradient_descent", rates, inputs, func(r, x float64) (string, int64) {
		switch {
		case x == 0:
			return "stalled", 1
		case r == 0.001:
			return "unfinished", 100
		case r == 10:
			return "diverged", 5
		case r == 0.01 && x == -2:
			return "converged", 1 // error 0 at step 0: the first converged run
		case r == 0.1:
			return "converged", 40
		}
		return "converged", 12
	})
	c := candidates(d)
	at := func(id int64) Cell { return d.Cells[id-1] }
	for _, tc := range []struct {
		verdict     string
		rate, input float64
	}{
		{"converged", 0.1, -1}, // 40 rows at alpha 0.1; of inputs -2, -1, 1, 2, -1 and 1 are nearest the middle
		{"stalled", 0.1, 0},    // all one row: the middle of the grid
		{"unfinished", 0.001, -1},
		{"diverged", 10, -1},
	} {
		first := at(c[tc.verdict][0])
		if first.Rate != tc.rate || first.Input != tc.input {
			t.Errorf("first %s candidate: alpha %g, input %g, want alpha %g, input %g", tc.verdict, first.Rate, first.Input, tc.rate, tc.input)
		}
	}
	if got, want := len(c["converged"]), 12; got != want {
		t.Errorf("%d converged candidates, want %d", got, want)
	}
	if last := at(c["converged"][len(c["converged"])-1]); last.Steps != 1 {
		t.Errorf("the one-row converged run is not tried last: %+v", last)
	}
}

func TestVisible(t *testing.T) {
	c := Curve{Points: []Point{{Error: 0.5}, {Error: 0}, {Error: math.Inf(1)}, {Error: math.NaN()}, {Error: 1e-300}}}
	if got, want := visible(c), 2; got != want {
		t.Errorf("visible = %d, want %d", got, want)
	}
}

// TestCurveColors checks that every curve has a colour of its own, the
// first of each verdict the verdict's; in a program's sweep no other curve
// takes failed's colour.
func TestCurveColors(t *testing.T) {
	for _, method := range []string{"gradient_descent", "command"} {
		t.Run(method, func(t *testing.T) {
			var curves []Curve
			for _, v := range []string{"converged", "converged", "diverged", "converged", "diverged"} {
				curves = append(curves, Curve{Verdict: v})
			}
			for range 12 {
				curves = append(curves, Curve{Verdict: "stalled"})
			}
			curveColors(curves, verdictColors(&Data{Method: method}))
			want := []string{Colors["converged"], extraColors[0], Colors["diverged"], extraColors[1], extraColors[2]}
			if method == "command" {
				// #CC79A7, extraColors[1], is failed's.
				want = []string{Colors["converged"], extraColors[0], Colors["diverged"], extraColors[2], extraColors[3]}
			}
			if got := []string{curves[0].Color, curves[1].Color, curves[2].Color, curves[3].Color, curves[4].Color}; !slices.Equal(got, want) {
				t.Errorf("colours = %v, want %v", got, want)
			}
			type look struct {
				color  string
				dashed bool
			}
			seen := map[look]int{}
			for i, c := range curves {
				if j, ok := seen[look{c.Color, c.Dashed}]; ok {
					t.Errorf("curves %d and %d look alike: %s, dashed %v", j, i, c.Color, c.Dashed)
				}
				seen[look{c.Color, c.Dashed}] = i
				if method == "command" && c.Color == Colors["failed"] {
					t.Errorf("curve %d (%s) has failed's colour", i, c.Verdict)
				}
			}
		})
	}
}

// TestErrorZeroAtFloor checks that an error of 0 is drawn at the floor of
// the error axis, a decade below the smallest error, labelled 0.
func TestErrorZeroAtFloor(t *testing.T) {
	curves := []Curve{{Verdict: "converged", Points: []Point{{Error: 0.64}, {Step: 1, Error: 1e-3}, {Step: 2, Error: 0}}}}
	floor, ceil, hasZero := errorRange(curves)
	if floor != -4 || ceil != 0 || !hasZero {
		t.Fatalf("errorRange = %v, %v, %v, want -4, 0, true", floor, ceil, hasZero)
	}
	if got := errorY(0, floor, ceil); got != floor {
		t.Errorf("error 0 at %v, want the floor %v", got, floor)
	}
	if got := errorY(math.NaN(), floor, ceil); got != ceil {
		t.Errorf("error NaN at %v, want the ceiling %v", got, ceil)
	}
	ticks := powerTicks{zero: floor, hasZero: hasZero}.Ticks(floor, ceil)
	if ticks[0].Value != -4 || ticks[0].Label != "0" || ticks[1].Label != "0.001" {
		t.Errorf("ticks = %v, want 0 at the floor, then 0.001", ticks)
	}
	d := gridData("gradient_descent", []float64{0.1}, []float64{1}, func(float64, float64) (string, int64) { return "converged", 3 })
	d.Curves = curves
	curveColors(d.Curves, verdictColors(d))
	svg := curvesSVG(d)
	if !strings.Contains(svg, `class="y-tick" x="64" y="380.0" text-anchor="end" font-size="11">0</text>`) {
		t.Errorf("the SVG curves label no 0 at the floor:\n%s", svg)
	}
	if !strings.Contains(svg, `cy="376.0" r="2.5" fill="#009E73"><title>step 2, weight 0, error 0</title>`) {
		t.Errorf("the SVG curves do not draw error 0 at the floor:\n%s", svg)
	}
}

// labels returns the labelled ticks of a gonum marker as values.
func labels(m plot.Ticker, lo, hi float64) []string {
	var out []string
	for _, t := range m.Ticks(lo, hi) {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// TestMapTicks checks that the map's axes are labelled at the grid's
// values: every input of the alpha sweep, the inputs 0.5, 1, 2 of a
// hot_cold sweep (not 0.5, 1.5, 2.5), the ends of a rate axis too dense to
// label in full.
func TestMapTicks(t *testing.T) {
	var rates []float64
	for k := 0; k <= 20; k++ {
		rates = append(rates, math.Pow(10, 1-float64(k)/4))
	}
	slices.Sort(rates)
	inputs := []float64{-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2}
	for _, tc := range []struct {
		name          string
		rates, inputs []float64
		x, y          []string
	}{
		{"alpha", rates, inputs,
			[]string{"0.0001", "0.000316", "0.001", "0.00316", "0.01", "0.0316", "0.1", "0.316", "1", "3.16", "10"},
			[]string{"-2", "-1.5", "-1", "-0.5", "0", "0.5", "1", "1.5", "2"}},
		{"hot_cold", []float64{0.0001, 0.01, 0.1, 0.3, 0.55}, []float64{0.5, 1, 2},
			[]string{"0.0001", "0.01", "0.1", "0.3", "0.55"}, []string{"0.5", "1", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := gridData("hot_cold", tc.rates, tc.inputs, func(float64, float64) (string, int64) { return "converged", 3 })
			ch, err := mapPlot(d)
			if err != nil {
				t.Fatal(err)
			}
			c, err := draw.NewFormattedCanvas(chartW, chartH, "png")
			if err != nil {
				t.Fatal(err)
			}
			ch.draw(draw.New(c))
			p := ch.p
			if got := labels(p.X.Tick.Marker, p.X.Min, p.X.Max); !slices.Equal(got, tc.x) {
				t.Errorf("x labels = %v, want %v", got, tc.x)
			}
			if got := labels(p.Y.Tick.Marker, p.Y.Min, p.Y.Max); !slices.Equal(got, tc.y) {
				t.Errorf("y labels = %v, want %v", got, tc.y)
			}
			// The HTML map labels the same values.
			svg, _, _ := mapSVG(d)
			var ys []string
			for _, part := range strings.Split(svg, `class="y-tick"`)[1:] {
				ys = append(ys, part[strings.Index(part, ">")+1:strings.Index(part, "<")])
			}
			if !slices.Equal(ys, tc.y) {
				t.Errorf("HTML y labels = %v, want %v", ys, tc.y)
			}
		})
	}
}

func TestThin(t *testing.T) {
	for _, tc := range []struct {
		n, room int // labels overlap when closer than room indexes
		want    []int
	}{
		{0, 1, nil},
		{1, 5, []int{0}},
		{5, 1, []int{0, 1, 2, 3, 4}},
		{21, 2, []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20}},
		{10, 2, []int{0, 2, 4, 6, 9}}, // 8 is dropped for the end
		{10, 4, []int{0, 4, 9}},
		{3, 9, []int{0, 2}}, // the ends always, even overlapping
	} {
		got := thin(tc.n, func(i, j int) bool { return j-i < tc.room })
		if !slices.Equal(got, tc.want) {
			t.Errorf("thin(%d, room %d) = %v, want %v", tc.n, tc.room, got, tc.want)
		}
	}
}

// TestLegendOutside checks that every chart's legend has an area of its
// own, beside or below the plot, and none inside it.
func TestLegendOutside(t *testing.T) {
	d := gridData("gradient_descent", []float64{0.01, 0.1, 1}, []float64{-1, 0, 1}, func(r, x float64) (string, int64) {
		if x == 0 {
			return "stalled", 1
		}
		return "converged", 12
	})
	d.Curves = []Curve{{RunID: 1, Verdict: "converged", Label: "run 1: a long label of a run (converged)", Points: []Point{{0, 0.5, 0.1}, {1, 0.6, 0.01}}}}
	curveColors(d.Curves, verdictColors(d))
	for name, build := range map[string]func(*Data) (*chartLayout, error){"map": mapPlot, "frontier": frontierPlot, "curves": curvesPlot} {
		ch, err := build(d)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := draw.NewFormattedCanvas(chartW, chartH, "png")
		canvas := draw.New(c)
		if r := ch.p.Legend.Rectangle(canvas); r.Max.X-r.Min.X != 0 {
			t.Errorf("%s: the plot draws a legend inside itself", name)
		}
		plotC, legendC := ch.areas(canvas)
		lr := ch.legend.Rectangle(legendC)
		if lr.Max.X-lr.Min.X == 0 {
			t.Errorf("%s: no legend", name)
		}
		if overlaps(plotC.Rectangle, lr) {
			t.Errorf("%s: legend %v overlaps the plot %v", name, lr, plotC.Rectangle)
		}
		if !inside(lr, canvas.Rectangle) {
			t.Errorf("%s: legend %v is off the chart %v", name, lr, canvas.Rectangle)
		}
	}
}

func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

func inside(a, b vg.Rectangle) bool {
	return a.Min.X >= b.Min.X && a.Max.X <= b.Max.X && a.Min.Y >= b.Min.Y && a.Max.Y <= b.Max.Y
}

// tied is a 2 by 2 map with two goals whose cell alpha 0.1, input 1 is
// converged for one and diverged for the other: a tie.
func tied() *Data {
	d := gridData("gradient_descent", []float64{0.1, 1}, []float64{1, 2}, func(float64, float64) (string, int64) { return "converged", 3 })
	for _, c := range slices.Clone(d.Cells) {
		c.Rest, c.RunID = []float64{-1, 0.5}, c.RunID+4
		if c.Rate == 0.1 && c.Input == 1 {
			c.Verdict = "diverged"
		}
		d.Cells = append(d.Cells, c)
		d.Counts[c.Verdict]++
	}
	arrange(d)
	return d
}

func TestCommonest(t *testing.T) {
	for _, tc := range []struct {
		counts map[string]int
		want   []string
	}{
		{map[string]int{}, nil},
		{map[string]int{"stalled": 2, "converged": 1}, []string{"stalled"}},
		{map[string]int{"diverged": 2, "converged": 2, "stalled": 1}, []string{"converged", "diverged"}},
		{map[string]int{"unfinished": 3, "oscillating": 3, "diverged": 3}, []string{"diverged", "oscillating", "unfinished"}},
	} {
		if got := commonest(tc.counts, Verdicts); !slices.Equal(got, tc.want) {
			t.Errorf("commonest(%v) = %v, want %v", tc.counts, got, tc.want)
		}
	}
}

// TestTieHTML checks that a tie in the aggregate panel is a split cell,
// named in its title and in the legend, not a converged one.
func TestTieHTML(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, tied()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<linearGradient id="tie-converged-diverged"><stop offset="0.0000" stop-color="#009E73"/><stop offset="0.5000" stop-color="#009E73"/><stop offset="0.5000" stop-color="#D55E00"/><stop offset="1.0000" stop-color="#D55E00"/></linearGradient>`,
		`fill="url(#tie-converged-diverged)" shape-rendering="crispEdges" data-rate="0.1" data-input="1" data-verdict="tie"><title>alpha 0.1, input 1: 1 converged, 1 diverged (a tie: converged = diverged)</title>`,
		`fill="#009E73" shape-rendering="crispEdges" data-rate="1" data-input="1" data-verdict="converged"`,
		`<span><i style="background:linear-gradient(90deg, #009E73 0% 50%, #D55E00 50% 100%)"></i>tie (split cell: the tied verdicts side by side)</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if _, _, ties := mapSVG(gridData("gradient_descent", []float64{1}, []float64{1}, func(float64, float64) (string, int64) { return "converged", 3 })); ties != nil {
		t.Errorf("a map without ties has ties %v", ties)
	}
}

// TestTiePNG checks that the PNG map splits a tied cell: a quarter of the
// plot is half diverged, far more than the legend's swatch.
func TestTiePNG(t *testing.T) {
	count := func(d *Data) int {
		var b bytes.Buffer
		if err := Plot(&b, d, "map", "png"); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		r := img.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if cr, cg, cb, _ := img.At(x, y).RGBA(); cr>>8 == 0xD5 && cg>>8 == 0x5E && cb>>8 == 0x00 {
					n++
				}
			}
		}
		return n
	}
	d := tied()
	if n := count(d); n < 5000 {
		t.Errorf("%d pixels of the diverged colour: the tie is not split", n)
	}
	// Without the tie there is only the legend's swatch.
	for i := range d.Cells {
		d.Cells[i].Verdict = "converged"
	}
	if n := count(d); n > 1000 {
		t.Errorf("%d pixels of the diverged colour without a diverged run", n)
	}
}
