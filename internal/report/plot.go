package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plots are drawn with gonum.org/v1/plot, a pure-Go plotting library that
// writes PNG, SVG and PDF alike. Log axes are drawn as linear axes of
// log10 values with labels of the values themselves, so that the map's cells
// are centred on their rates whatever the spacing of the grid.

// Charts names the charts that Plot draws.
var Charts = []string{"map", "frontier", "curves"}

// Plot draws one chart (map, frontier or curves) with gonum/plot and writes
// it in format (png, svg or pdf) to w. It fails with ErrNoTraces for curves
// of a sweep that stores no traces.
func Plot(w io.Writer, d *Data, chart, format string) error {
	if len(d.Cells) == 0 {
		return fmt.Errorf("sweep %s has no stored runs to draw", d.Name)
	}
	var (
		ch  *chartLayout
		err error
	)
	switch chart {
	case "map":
		ch, err = mapPlot(d)
	case "frontier":
		ch, err = frontierPlot(d)
	case "curves":
		if d.TraceEvery == 0 {
			return ErrNoTraces
		}
		ch, err = curvesPlot(d)
	default:
		return fmt.Errorf("unknown chart %q: the charts are map, frontier, curves", chart)
	}
	if err != nil {
		return err
	}
	c, err := draw.NewFormattedCanvas(chartW, chartH, format)
	if err != nil {
		return err
	}
	ch.draw(draw.New(c))
	_, err = c.WriteTo(w)
	return err
}

// ErrNoTraces is Plot's error for a chart of traces (curves) of a sweep
// that stores none (sweep run --trace none).
var ErrNoTraces = errors.New("the sweep stores no traces")

// NeedsTraces reports whether a chart draws traces, which a sweep run with
// --trace none does not store.
func NeedsTraces(chart string) bool { return chart == "curves" }

// The size of every chart: 768 by 480 pixels in PNG.
const chartW, chartH = 8 * vg.Inch, 5 * vg.Inch

// chartLayout is a plot with its legend kept outside the plot area, so
// that no swatch is ever drawn over the data: to the right of the plot, or
// below it for long entries (the curves' run labels).
type chartLayout struct {
	p      *plot.Plot
	legend plot.Legend
	below  bool
}

func newChart(below bool) *chartLayout {
	ch := &chartLayout{p: plot.New(), legend: plot.NewLegend(), below: below}
	ch.legend.Top, ch.legend.Left = true, true
	ch.legend.TextStyle.Font.Size = vg.Points(10)
	ch.legend.ThumbnailWidth = vg.Points(18)
	ch.legend.Padding = vg.Points(2)
	return ch
}

const legendPad = vg.Length(8)

// areas splits c into the plot's area and the legend's, which do not
// overlap.
func (ch *chartLayout) areas(c draw.Canvas) (plotC, legendC draw.Canvas) {
	r := ch.legend.Rectangle(c)
	lw, lh := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	if lw == 0 {
		return c, draw.Canvas{Canvas: c.Canvas}
	}
	legendC = draw.Canvas{Canvas: c.Canvas}
	if ch.below {
		plotC = draw.Crop(c, 0, 0, lh+2*legendPad, 0)
		legendC.Rectangle = vg.Rectangle{
			Min: vg.Point{X: c.Min.X + legendPad, Y: c.Min.Y + legendPad},
			Max: vg.Point{X: c.Max.X, Y: c.Min.Y + legendPad + lh},
		}
		return plotC, legendC
	}
	plotC = draw.Crop(c, 0, -(lw + 2*legendPad), 0, 0)
	top := c.Max.Y
	if ch.p.Title.Text != "" {
		top -= ch.p.Title.TextStyle.Rectangle(ch.p.Title.Text).Size().Y + ch.p.Title.Padding + legendPad
	}
	legendC.Rectangle = vg.Rectangle{
		Min: vg.Point{X: c.Max.X - lw - legendPad, Y: c.Min.Y},
		Max: vg.Point{X: c.Max.X, Y: top},
	}
	return plotC, legendC
}

// draw draws the plot and its legend beside it. Grid tickers learn the
// length of their axis first, so that they label as many values as fit.
func (ch *chartLayout) draw(c draw.Canvas) {
	plotC, legendC := ch.areas(c)
	for range 2 {
		dc := ch.p.DataCanvas(plotC)
		if t, ok := ch.p.X.Tick.Marker.(*gridTicker); ok {
			t.length = float64(dc.Max.X - dc.Min.X)
		}
		if t, ok := ch.p.Y.Tick.Marker.(*gridTicker); ok {
			t.length = float64(dc.Max.Y - dc.Min.Y)
		}
	}
	ch.p.Draw(plotC)
	ch.legend.Draw(legendC)
}

// gridTickers puts the ticks of the x axis at values (drawn as their
// log10 when log) and those of the y axis at yvalues.
func gridTickers(p *plot.Plot, xvalues []float64, xlog bool, yvalues []float64, ylog bool) {
	at := func(log bool) func(float64) float64 {
		if log {
			return math.Log10
		}
		return nil
	}
	xs, ys := p.X.Tick.Label, p.Y.Tick.Label
	p.X.Tick.Marker = &gridTicker{values: xvalues, at: at(xlog), length: float64(6 * vg.Inch),
		width: func(s string) float64 { return float64(xs.Width(s)) }}
	p.Y.Tick.Marker = &gridTicker{values: yvalues, at: at(ylog), length: float64(4 * vg.Inch),
		width: func(s string) float64 { return float64(ys.Height(s)) }}
}

// powerTicks labels a linear axis of log10 values with the values: 0.001,
// 0.01, ..., every decade while there are at most a dozen, else every k-th
// and the ends. zero, when set, is the axis floor where errors of 0 are
// drawn, labelled 0.
type powerTicks struct {
	zero    float64
	hasZero bool
}

func (t powerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ks []float64
	for k := math.Ceil(lo); k <= hi; k++ {
		ks = append(ks, k)
	}
	step := max(1, (len(ks)+11)/12)
	idx := thin(len(ks), func(i, j int) bool { return j-i < step })
	var ticks []plot.Tick
	for _, i := range idx {
		label := strconv.FormatFloat(math.Pow(10, ks[i]), 'g', -1, 64)
		if t.hasZero && ks[i] == t.zero {
			label = "0"
		}
		ticks = append(ticks, plot.Tick{Value: ks[i], Label: label})
	}
	return ticks
}

// swatch is a legend thumbnail filled with colours side by side: one for a
// verdict, several for a tie.
type swatch []color.Color

func (s swatch) Thumbnail(c *draw.Canvas) {
	w := (c.Max.X - c.Min.X) / vg.Length(len(s))
	for i, col := range s {
		x0 := c.Min.X + w*vg.Length(i)
		c.FillPolygon(col, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x0 + w, Y: c.Min.Y}, {X: x0 + w, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// tieCells draws the aggregate cells whose commonest verdict is a tie,
// split into side-by-side stripes of the tied verdicts' colours.
type tieCells []tieCell

type tieCell struct {
	x0, x1, y0, y1 float64 // in axis units
	colors         []color.Color
}

func (t tieCells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, cell := range t {
		w := (cell.x1 - cell.x0) / float64(len(cell.colors))
		for i, col := range cell.colors {
			x0, x1 := trX(cell.x0+w*float64(i)), trX(cell.x0+w*float64(i+1))
			y0, y1 := trY(cell.y0), trY(cell.y1)
			c.FillPolygon(col, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
		}
	}
}

// commonest returns the verdicts that the most runs of a cell have, in
// the order of Verdicts: one verdict, or a tie of several.
func commonest(counts map[string]int) []string {
	n := 0
	for _, c := range counts {
		n = max(n, c)
	}
	var out []string
	for _, v := range Verdicts {
		if n > 0 && counts[v] == n {
			out = append(out, v)
		}
	}
	return out
}

type verdictPalette struct{}

func (verdictPalette) Colors() []color.Color {
	out := make([]color.Color, len(Verdicts))
	for i, v := range Verdicts {
		out[i] = hexColor(Colors[v])
	}
	return out
}

func hexColor(s string) color.Color {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

// verdictGrid is the map's aggregate panel as a grid of verdict indexes.
type verdictGrid struct {
	x, y []float64 // log10 rates, inputs
	z    [][]float64
}

func (g verdictGrid) Dims() (c, r int)   { return len(g.x), len(g.y) }
func (g verdictGrid) Z(c, r int) float64 { return g.z[c][r] }
func (g verdictGrid) X(c int) float64    { return g.x[c] }
func (g verdictGrid) Y(r int) float64    { return g.y[r] }

func mapPlot(d *Data) (*chartLayout, error) {
	rateIndex, inputIndex := map[float64]int{}, map[float64]int{}
	g := verdictGrid{}
	for i, r := range d.Rates {
		rateIndex[r] = i
		g.x = append(g.x, math.Log10(r))
	}
	for i, x := range d.Inputs {
		inputIndex[x] = i
		g.y = append(g.y, x)
	}
	counts := make([][]map[string]int, len(d.Rates))
	g.z = make([][]float64, len(d.Rates))
	for i := range counts {
		counts[i] = make([]map[string]int, len(d.Inputs))
		g.z[i] = make([]float64, len(d.Inputs))
		for j := range counts[i] {
			counts[i][j] = map[string]int{}
			g.z[i][j] = math.NaN()
		}
	}
	index := map[string]int{}
	for i, v := range Verdicts {
		index[v] = i
	}
	for _, c := range d.Cells {
		counts[rateIndex[c.Rate]][inputIndex[c.Input]][c.Verdict]++
	}
	xb, yb := bounds(d.Rates, true), bounds(d.Inputs, false)
	var ties tieCells
	for i := range counts {
		for j := range counts[i] {
			switch best := commonest(counts[i][j]); len(best) {
			case 0:
			case 1:
				g.z[i][j] = float64(index[best[0]])
			default:
				cell := tieCell{x0: xb[i], x1: xb[i+1], y0: yb[j], y1: yb[j+1]}
				for _, v := range best {
					cell.colors = append(cell.colors, hexColor(Colors[v]))
				}
				ties = append(ties, cell)
			}
		}
	}
	ch := newChart(false)
	p := ch.p
	p.Title.Text = fmt.Sprintf("sweep %s: verdict by %s and input", d.Name, d.RateAxis)
	p.X.Label.Text = d.RateAxis + " (log scale)"
	p.Y.Label.Text = "input"
	gridTickers(p, d.Rates, true, d.Inputs, false)
	hm := plotter.NewHeatMap(g, verdictPalette{})
	hm.Min, hm.Max = 0, float64(len(Verdicts)-1)
	hm.NaN = color.White
	p.Add(hm)
	if len(ties) > 0 {
		p.Add(ties)
	}
	if d.Method == "gradient_descent" && len(g.x) > 0 {
		for _, k := range []float64{1, 2} {
			for i, piece := range theoryLine(k, yb[0], yb[len(yb)-1], xb[0], xb[len(xb)-1]) {
				xys := make(plotter.XYs, len(piece))
				for j, pt := range piece {
					xys[j] = plotter.XY{X: pt[1], Y: pt[0]}
				}
				line, err := plotter.NewLine(xys)
				if err != nil {
					return nil, err
				}
				line.Width = vg.Points(1.5)
				if k == 2 {
					line.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
				}
				p.Add(line)
				if i == 0 {
					ch.legend.Add(fmt.Sprintf("alpha = %g/input²", k), line)
				}
			}
		}
	}
	for _, v := range Verdicts {
		ch.legend.Add(v, swatch{hexColor(Colors[v])})
	}
	if len(ties) > 0 {
		ch.legend.Add("tie (split cell)", swatch(ties[0].colors))
	}
	return ch, nil
}

func frontierPlot(d *Data) (*chartLayout, error) {
	ch := newChart(false)
	p := ch.p
	p.Title.Text = fmt.Sprintf("sweep %s: the largest %s that converged for every goal and weight", d.Name, d.RateAxis)
	p.X.Label.Text = "input"
	p.Y.Label.Text = "largest converging " + d.RateAxis + " (log scale)"
	gridTickers(p, d.Inputs, false, d.Rates, true)
	yb := bounds(d.Rates, true)
	p.Y.Min, p.Y.Max = yb[0], yb[len(yb)-1]
	// One series per set of limits, each its own colour and glyph, as in
	// the report; a lone one is "experiment" in the converged colour.
	glyphs := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{}}
	series := frontiers(d)
	for i, s := range series {
		var pts plotter.XYs
		for _, f := range s.Points {
			if f.HasLargest {
				pts = append(pts, plotter.XY{X: f.Input, Y: math.Log10(f.Largest)})
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.Color = hexColor(seriesColors[i%len(seriesColors)])
		sc.Shape = glyphs[i%len(glyphs)]
		sc.Radius = vg.Points(4)
		p.Add(sc)
		label := s.Label
		if len(series) == 1 {
			label = "experiment"
		}
		ch.legend.Add(label, sc)
	}
	if d.Method == "gradient_descent" {
		for i, piece := range theoryLine(2, d.Inputs[0], d.Inputs[len(d.Inputs)-1], yb[0], yb[len(yb)-1]) {
			xys := make(plotter.XYs, len(piece))
			for j, pt := range piece {
				xys[j] = plotter.XY{X: pt[0], Y: pt[1]}
			}
			line, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
			p.Add(line)
			if i == 0 {
				ch.legend.Add("theory: 2/input²", line)
			}
		}
	}
	return ch, nil
}

// errorRange returns the decades (log10) of an error axis for curves: from
// below the smallest finite error above 0 to above the largest; when some
// error is 0, the axis goes one decade lower and its floor stands for 0
// (hasZero), since a log axis has no 0.
func errorRange(curves []Curve) (floor, ceil float64, hasZero bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, pt := range c.Points {
			switch {
			case pt.Error > 0 && !math.IsInf(pt.Error, 0):
				lo, hi = math.Min(lo, pt.Error), math.Max(hi, pt.Error)
			case pt.Error == 0:
				hasZero = true
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1e-12, 1
	}
	floor, ceil = math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if ceil <= floor {
		ceil = floor + 1
	}
	if hasZero {
		floor--
	}
	return floor, ceil, hasZero
}

// errorY places an error on the error axis: 0 (and anything below the
// axis) at the floor, NaN, infinities and anything above at the ceiling.
func errorY(e, floor, ceil float64) float64 {
	switch {
	case math.IsNaN(e) || math.IsInf(e, 1):
		return ceil
	case e <= 0:
		return floor
	}
	return math.Max(floor, math.Min(ceil, math.Log10(e)))
}

func curvesPlot(d *Data) (*chartLayout, error) {
	ch := newChart(true)
	p := ch.p
	p.Title.Text = fmt.Sprintf("sweep %s: error by step", d.Name)
	p.X.Label.Text = "step"
	p.Y.Label.Text = "error (log scale)"
	floor, ceil, hasZero := errorRange(d.Curves)
	p.Y.Tick.Marker = powerTicks{zero: floor, hasZero: hasZero}
	p.Y.Min, p.Y.Max = floor, ceil
	for _, c := range d.Curves {
		var xys plotter.XYs
		for _, pt := range c.Points {
			xys = append(xys, plotter.XY{X: float64(pt.Step), Y: errorY(pt.Error, floor, ceil)})
		}
		col := hexColor(c.Color)
		var thumbs []plot.Thumbnailer
		if len(xys) > 1 {
			line, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			line.Color = col
			line.Width = vg.Points(1.5)
			if c.Dashed {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(line)
			thumbs = append(thumbs, line)
		}
		// Short traces get a mark per row: a one-row trace is no line.
		if len(xys) > 0 && len(xys) <= 60 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.Color = col
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if len(thumbs) > 0 {
			ch.legend.Add(c.Label, thumbs...)
		}
	}
	return ch, nil
}
