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

	"sweep/internal/grid"
)

// Plots are drawn with gonum.org/v1/plot, a pure-Go plotting library that
// writes PNG, SVG and PDF alike. Log axes are drawn as linear axes of
// log10 values with labels of the values themselves, so that the map's cells
// are centred on their rates whatever the spacing of the grid.
//
// As in the report, runs of different limits are never mixed: with several
// sets of limits the map is one image of a panel per set and the frontier
// a labelled series per set; with one set both are drawn as they were
// before limits could vary.

// Charts names the charts that Plot draws.
var Charts = []string{"map", "frontier", "curves"}

// Plot draws one chart (map, frontier or curves) with gonum/plot and writes
// it in format (png, svg or pdf) to w. It fails with ErrNoTraces for curves
// of a sweep that stores no traces.
func Plot(w io.Writer, d *Data, chart, format string) error {
	if len(d.Cells) == 0 && d.Bins == nil {
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
	c, err := draw.NewFormattedCanvas(ch.w, ch.h, format)
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

// The size of a chart of one plot: 768 by 480 pixels in PNG. A map of
// several panels is panelW by panelH a panel, and a legend below a frontier
// of several series adds its height.
const (
	chartW, chartH = 8 * vg.Inch, 5 * vg.Inch
	panelW, panelH = 5.5 * vg.Inch, 4 * vg.Inch
	panelPad       = vg.Length(16)
)

// chartLayout is a plot with its legend kept outside the plot area, so
// that no swatch is ever drawn over the data: to the right of the plot, or
// below it for long entries (the curves' run labels).
type chartLayout struct {
	p      *plot.Plot
	legend plot.Legend
	below  bool
	// panels, when there are any, are drawn instead of p: tiled cols to
	// a row under p's title, aligned, with the one legend for them all.
	panels []*plot.Plot
	cols   int
	w, h   vg.Length // the chart's size
}

func newChart(below bool) *chartLayout {
	ch := &chartLayout{p: plot.New(), legend: plot.NewLegend(), below: below, w: chartW, h: chartH}
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

// draw draws the plot (or the panels) and its legend beside it. Grid
// tickers learn the length of their axis first, so that they label as many
// values as fit.
func (ch *chartLayout) draw(c draw.Canvas) {
	plotC, legendC := ch.areas(c)
	if len(ch.panels) > 0 {
		ch.drawPanels(plotC)
	} else {
		for range 2 {
			tickLengths(ch.p, plotC)
		}
		ch.p.Draw(plotC)
	}
	ch.legend.Draw(legendC)
}

// tickLengths tells p's grid tickers the length of their axis when p is
// drawn on c.
func tickLengths(p *plot.Plot, c draw.Canvas) {
	dc := p.DataCanvas(c)
	if t, ok := p.X.Tick.Marker.(*gridTicker); ok {
		t.length = float64(dc.Max.X - dc.Min.X)
	}
	if t, ok := p.Y.Tick.Marker.(*gridTicker); ok {
		t.length = float64(dc.Max.Y - dc.Min.Y)
	}
}

// rows returns the number of rows of panels.
func (ch *chartLayout) rows() int { return (len(ch.panels) + ch.cols - 1) / ch.cols }

// titleHeight is the room p's title takes above the panels.
func (ch *chartLayout) titleHeight() vg.Length {
	return ch.p.Title.TextStyle.Rectangle(ch.p.Title.Text).Size().Y + ch.p.Title.Padding + legendPad
}

// drawPanels draws p's title across c and the panels tiled under it, their
// data areas aligned and of one size.
func (ch *chartLayout) drawPanels(c draw.Canvas) {
	t := ch.p.Title
	c.FillText(t.TextStyle, vg.Point{X: c.Center().X, Y: c.Max.Y + t.TextStyle.FontExtents().Descent}, t.Text)
	c.Max.Y -= ch.titleHeight()
	grid := make([][]*plot.Plot, ch.rows())
	for j := range grid {
		grid[j] = make([]*plot.Plot, ch.cols)
	}
	for i, p := range ch.panels {
		grid[i/ch.cols][i%ch.cols] = p
	}
	tiles := draw.Tiles{Rows: len(grid), Cols: ch.cols, PadX: panelPad, PadY: panelPad}
	// The tiles depend on the tick labels, and the labels on the tiles.
	for range 2 {
		canvases := plot.Align(grid, tiles, c)
		for i, p := range ch.panels {
			tickLengths(p, canvases[i/ch.cols][i%ch.cols])
		}
	}
	canvases := plot.Align(grid, tiles, c)
	for i, p := range ch.panels {
		p.Draw(canvases[i/ch.cols][i%ch.cols])
	}
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
	// shares are the widths of the stripes, as parts of the cell that
	// add up to 1; nil for stripes of one width.
	shares []float64
}

// bleed is how far a binned map's cell is drawn beyond its edges.
const bleed = vg.Length(0.4)

func (t tieCells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, cell := range t {
		w, at := (cell.x1-cell.x0)/float64(len(cell.colors)), cell.x0
		for i, col := range cell.colors {
			x0, x1 := trX(cell.x0+w*float64(i)), trX(cell.x0+w*float64(i+1))
			if cell.shares != nil {
				x0, x1 = trX(at), trX(at+(cell.x1-cell.x0)*cell.shares[i])
				at += (cell.x1 - cell.x0) * cell.shares[i]
			}
			y0, y1 := trY(cell.y0), trY(cell.y1)
			if cell.shares != nil {
				// A binned map is all such cells: each bleeds into the
				// next, so that no seam of the background shows between
				// two where the image is anti-aliased.
				x0, y0, x1, y1 = x0-bleed, y0-bleed, x1+bleed, y1+bleed
			}
			c.FillPolygon(col, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
		}
	}
}

// commonest returns the verdicts that the most runs of a cell have, in
// the order of verdicts: one verdict, or a tie of several.
func commonest(counts map[string]int, verdicts []string) []string {
	n := 0
	for _, c := range counts {
		n = max(n, c)
	}
	var out []string
	for _, v := range verdicts {
		if n > 0 && counts[v] == n {
			out = append(out, v)
		}
	}
	return out
}

// verdictPalette is the colours of verdicts, by index.
type verdictPalette []string

func (p verdictPalette) Colors() []color.Color {
	out := make([]color.Color, len(p))
	for i, v := range p {
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

// mapPlot draws the stability map: one plot, or with several sets of
// limits (or a program's other axes) one panel per group in one image (see
// verdictMaps), titled by what differs, with one legend.
func mapPlot(d *Data) (*chartLayout, error) {
	ch := newChart(false)
	ch.p.Title.Text = fmt.Sprintf("sweep %s: verdict by %s%s", d.Name, d.RateAxis, prefixed(" and ", d.YAxis))
	maps := verdictMaps(d)
	var (
		ties       tieCells
		mix        *tieCell
		mixStripes []stripe
		theory     []legendEntry
	)
	for _, m := range maps {
		p := ch.p
		if len(maps) > 1 {
			p = plot.New()
			p.Title.Text = m.title
			ch.panels = append(ch.panels, p)
		}
		lines, err := verdictPanel(p, d, m)
		if err != nil {
			return nil, err
		}
		if m.binned {
			if m.mix != nil && (mix == nil || evener(m.mixStripes, mixStripes)) {
				mix, mixStripes = m.mix, m.mixStripes
			}
		} else {
			ties = append(ties, m.ties...)
		}
		if theory == nil {
			theory = lines // the same in every panel
		}
	}
	for _, e := range theory {
		ch.legend.Add(e.label, e.thumb)
	}
	for _, v := range VerdictsOf(d.Method) {
		ch.legend.Add(v, swatch{hexColor(Colors[v])})
	}
	if len(ties) > 0 {
		ch.legend.Add("tie (split cell)", swatch(ties[0].colors))
	}
	if mix != nil {
		ch.legend.Add("mixed (striped by share)", shareSwatch(*mix))
	}
	if len(ch.panels) > 0 {
		// A panel is about as big as a lone map's plot: the image grows
		// with the panels, tiled in a near square.
		ch.cols = int(math.Ceil(math.Sqrt(float64(len(ch.panels)))))
		cols, rows := vg.Length(ch.cols), vg.Length(ch.rows())
		r := ch.legend.Rectangle(draw.Canvas{})
		ch.w = cols*panelW + (cols-1)*panelPad + r.Max.X - r.Min.X + 2*legendPad
		ch.h = rows*panelH + (rows-1)*panelPad + ch.titleHeight()
	}
	return ch, nil
}

// verdictMap is one panel of the stability map: the commonest verdict of
// each (rate, input) of the grid over the runs of one group (one set of
// limits, or of a program's sweep maybe one combination of its Rest), NaN
// where it has no runs or a tie, and the ties.
type verdictMap struct {
	title string // the group's name (see groupNamer); "" for a sweep of one group
	grid  verdictGrid
	ties  tieCells
	// binned is set for a panel of a binned map (see Bins), which has
	// no grid: its cells are all in ties, each with the stripes of its
	// verdict mix; mix is its first cell of several, for the legend.
	binned     bool
	mix        *tieCell
	mixStripes []stripe
}

// verdictMaps returns the map's panels: one per group (see groups), each
// of the verdicts of that group's runs only (the commonest verdict of 10
// and of 1000 iterations means nothing); one of every run when there is
// one group.
func verdictMaps(d *Data) []verdictMap {
	if d.Bins != nil {
		return binnedVerdictMaps(d)
	}
	gs := groups(d)
	if len(gs) <= 1 {
		return []verdictMap{verdictCells(d, d.Cells)}
	}
	name := groupNamer(d)
	perCombo := d.perCombo()
	byGroup := map[group][]Cell{}
	for _, c := range d.Cells {
		g := d.groupOf(c, perCombo)
		byGroup[g] = append(byGroup[g], c)
	}
	var out []verdictMap
	for _, g := range gs {
		m := verdictCells(d, byGroup[g])
		m.title = name(g)
		out = append(out, m)
	}
	return out
}

// verdictCells counts the verdicts of cells on d's grid of rates and
// inputs.
func verdictCells(d *Data, cells []Cell) verdictMap {
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
	verdicts := VerdictsOf(d.Method)
	index := map[string]int{}
	for i, v := range verdicts {
		index[v] = i
	}
	for _, c := range cells {
		counts[rateIndex[c.Rate]][inputIndex[c.Input]][c.Verdict]++
	}
	xb, yb := bounds(d.Rates, true), bounds(d.Inputs, false)
	var ties tieCells
	for i := range counts {
		for j := range counts[i] {
			switch best := commonest(counts[i][j], verdicts); len(best) {
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
	return verdictMap{grid: g, ties: ties}
}

// legendEntry is an entry of a legend that several panels share.
type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// verdictPanel draws m on p, and for gradient descent the theory's lines,
// whose legend entries it returns.
func verdictPanel(p *plot.Plot, d *Data, m verdictMap) ([]legendEntry, error) {
	p.X.Label.Text = d.RateAxis + " (log scale)"
	p.Y.Label.Text = d.YAxis
	gridTickers(p, d.Rates, true, yValues(d), false)
	verdicts := VerdictsOf(d.Method)
	xb, yb := bounds(d.Rates, true), bounds(d.Inputs, false)
	if m.binned {
		// No heat map: the cells span bins of unequal widths.
		binnedTickers(p, d)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xb[0], xb[len(xb)-1], yb[0], yb[len(yb)-1]
	} else {
		hm := plotter.NewHeatMap(m.grid, verdictPalette(verdicts))
		hm.Min, hm.Max = 0, float64(len(verdicts)-1)
		hm.NaN = color.White
		p.Add(hm)
	}
	if len(m.ties) > 0 {
		p.Add(m.ties)
	}
	var theory []legendEntry
	if d.Method == "gradient_descent" && (len(m.grid.x) > 0 || m.binned) {
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
					theory = append(theory, legendEntry{fmt.Sprintf("alpha = %g/input²", k), line})
				}
			}
		}
	}
	return theory, nil
}

func frontierPlot(d *Data) (*chartLayout, error) {
	ch := newChart(false)
	p := ch.p
	p.Title.Text = fmt.Sprintf("sweep %s: the largest %s that converged for every goal and weight", d.Name, d.RateAxis)
	if d.Method == string(grid.Command) {
		p.Title.Text = fmt.Sprintf("sweep %s: the largest %s at which every run converged%s", d.Name, d.RateAxis, prefixed(", per ", d.YAxis))
	}
	p.X.Label.Text = d.YAxis
	p.Y.Label.Text = "largest converging " + d.RateAxis + " (log scale)"
	gridTickers(p, yValues(d), false, d.Rates, true)
	if d.roundYTicks() {
		p.X.Tick.Marker = plot.DefaultTicks{}
	}
	yb := bounds(d.Rates, true)
	p.Y.Min, p.Y.Max = yb[0], yb[len(yb)-1]
	// A lone frontier is "experiment", filled circles in the converged
	// colour. Several are one labelled series per set of limits, as in the
	// report: each its own colour and hollow mark, so that series that
	// share a point all show, joined along the inputs, the legend below.
	series := frontiers(d)
	if len(series) > 1 {
		ch.below = true
		palette := seriesPalette(d)
		for i, s := range series {
			if err := addSeries(ch, d, palette, i, s); err != nil {
				return nil, err
			}
		}
	} else if len(series) == 1 {
		var pts plotter.XYs
		for _, f := range series[0].Points {
			if f.HasLargest {
				pts = append(pts, plotter.XY{X: f.x(), Y: math.Log10(f.Largest)})
			}
		}
		if len(pts) > 0 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.Color = hexColor(Colors["converged"])
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(4)
			p.Add(sc)
			ch.legend.Add("experiment", sc)
		}
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
	if ch.below {
		// The legend below takes its own room, not the plot's.
		r := ch.legend.Rectangle(draw.Canvas{})
		ch.h += r.Max.Y - r.Min.Y + 2*legendPad
	}
	return ch, nil
}

// addSeries draws series i of a frontier of several on ch: its points as
// hollow marks, joined by a line where neighbouring inputs both have one
// (an input where nothing converged breaks it), dashed once the colours
// run out, and its legend entry, which says so when nothing converged.
func addSeries(ch *chartLayout, d *Data, palette []string, i int, s frontierSeries) error {
	style := seriesThumb{
		line:  draw.LineStyle{Color: hexColor(palette[i%len(palette)]), Width: vg.Points(1.2)},
		glyph: draw.GlyphStyle{Color: hexColor(palette[i%len(palette)]), Radius: vg.Points(4), Shape: hollowGlyph(i % 5)},
	}
	if i >= len(palette) {
		style.line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	var pts, run plotter.XYs
	flush := func() error {
		if len(run) > 1 {
			line, err := plotter.NewLine(run)
			if err != nil {
				return err
			}
			line.LineStyle = style.line
			ch.p.Add(line)
		}
		run = nil
		return nil
	}
	for _, f := range s.Points {
		if !f.HasLargest {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		xy := plotter.XY{X: f.x(), Y: math.Log10(f.Largest)}
		pts, run = append(pts, xy), append(run, xy)
	}
	if err := flush(); err != nil {
		return err
	}
	label := s.Label
	switch {
	case len(pts) > 0:
	case d.YAxis == "":
		label += " (nothing converged)"
	default:
		label += " (converged at no " + d.YAxis + ")"
	}
	if len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle = style.glyph
		ch.p.Add(sc)
	}
	ch.legend.Add(label, style)
	return nil
}

// seriesThumb is the legend thumbnail of a frontier series: its line with
// its mark in the middle.
type seriesThumb struct {
	line  draw.LineStyle
	glyph draw.GlyphStyle
}

func (t seriesThumb) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(t.line, c.Min.X, y, c.Max.X, y)
	c.DrawGlyph(t.glyph, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y})
}

// hollowGlyph is the outline of the mark of a frontier series, as the
// report draws it (see seriesMarker): a circle, square, triangle, diamond
// or down-pointing triangle.
type hollowGlyph int

func (g hollowGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
	r := sty.Radius
	var corners [][2]vg.Length // offsets from pt, in units of r
	switch g % 5 {
	case 1:
		corners = [][2]vg.Length{{-0.9, -0.9}, {0.9, -0.9}, {0.9, 0.9}, {-0.9, 0.9}}
	case 2:
		corners = [][2]vg.Length{{0, 1.2}, {1.1, -0.8}, {-1.1, -0.8}}
	case 3:
		corners = [][2]vg.Length{{0, 1.2}, {1.2, 0}, {0, -1.2}, {-1.2, 0}}
	case 4:
		corners = [][2]vg.Length{{0, -1.2}, {1.1, 0.8}, {-1.1, 0.8}}
	}
	var path vg.Path
	if len(corners) == 0 {
		path.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		path.Arc(pt, r, 0, 2*math.Pi)
	} else {
		path.Move(vg.Point{X: pt.X + corners[0][0]*r, Y: pt.Y + corners[0][1]*r})
		for _, k := range corners[1:] {
			path.Line(vg.Point{X: pt.X + k[0]*r, Y: pt.Y + k[1]*r})
		}
	}
	path.Close()
	c.Stroke(path)
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
