package report

import (
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
// it in format (png, svg or pdf) to w.
func Plot(w io.Writer, d *Data, chart, format string) error {
	if len(d.Cells) == 0 {
		return fmt.Errorf("sweep %s has no stored runs to draw", d.Name)
	}
	var (
		p   *plot.Plot
		err error
	)
	switch chart {
	case "map":
		p, err = mapPlot(d)
	case "frontier":
		p, err = frontierPlot(d)
	case "curves":
		p, err = curvesPlot(d)
	default:
		return fmt.Errorf("unknown chart %q: the charts are map, frontier, curves", chart)
	}
	if err != nil {
		return err
	}
	to, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return err
	}
	_, err = to.WriteTo(w)
	return err
}

// powerTicks labels a linear axis of log10 values with the values: 0.001,
// 0.01, ...
type powerTicks struct{}

func (powerTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Ceil(min); k <= max; k++ {
		ticks = append(ticks, plot.Tick{Value: k, Label: strconv.FormatFloat(math.Pow(10, k), 'g', -1, 64)})
	}
	return ticks
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

func mapPlot(d *Data) (*plot.Plot, error) {
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
	counts := make([][][]int, len(d.Rates))
	g.z = make([][]float64, len(d.Rates))
	for i := range counts {
		counts[i] = make([][]int, len(d.Inputs))
		g.z[i] = make([]float64, len(d.Inputs))
		for j := range counts[i] {
			counts[i][j] = make([]int, len(Verdicts))
			g.z[i][j] = math.NaN()
		}
	}
	index := map[string]int{}
	for i, v := range Verdicts {
		index[v] = i
	}
	for _, c := range d.Cells {
		counts[rateIndex[c.Rate]][inputIndex[c.Input]][index[c.Verdict]]++
	}
	for i := range counts {
		for j := range counts[i] {
			best := 0
			for k, n := range counts[i][j] {
				if n > counts[i][j][best] {
					best = k
				}
			}
			if counts[i][j][best] > 0 {
				g.z[i][j] = float64(best)
			}
		}
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("sweep %s: verdict by %s and input", d.Name, d.RateAxis)
	p.X.Label.Text = d.RateAxis + " (log scale)"
	p.Y.Label.Text = "input"
	p.X.Tick.Marker = powerTicks{}
	hm := plotter.NewHeatMap(g, verdictPalette{})
	hm.Min, hm.Max = 0, float64(len(Verdicts)-1)
	hm.NaN = color.White
	p.Add(hm)
	if d.Method == "gradient_descent" && len(g.x) > 0 {
		lo, hi := bounds(d.Rates, true), bounds(d.Inputs, false)
		for _, k := range []float64{1, 2} {
			for i, piece := range theoryLine(k, hi[0], hi[len(hi)-1], lo[0], lo[len(lo)-1]) {
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
					p.Legend.Add(fmt.Sprintf("alpha = %g/input²", k), line)
				}
			}
		}
	}
	for i, v := range Verdicts {
		box, err := plotter.NewPolygon(plotter.XYs{})
		if err != nil {
			return nil, err
		}
		box.Color = verdictPalette{}.Colors()[i]
		box.LineStyle.Width = 0
		p.Legend.Add(v, box)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return p, nil
}

func frontierPlot(d *Data) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("sweep %s: the largest %s that converged for every goal and weight", d.Name, d.RateAxis)
	p.X.Label.Text = "input"
	p.Y.Label.Text = "largest converging " + d.RateAxis + " (log scale)"
	p.Y.Tick.Marker = powerTicks{}
	var pts plotter.XYs
	for _, f := range d.Frontier {
		if f.HasLargest {
			pts = append(pts, plotter.XY{X: f.Input, Y: math.Log10(f.Largest)})
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
		p.Legend.Add("experiment", sc)
	}
	if d.Method == "gradient_descent" {
		lo := bounds(d.Rates, true)
		for i, piece := range theoryLine(2, d.Inputs[0], d.Inputs[len(d.Inputs)-1], lo[0], lo[len(lo)-1]) {
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
				p.Legend.Add("theory: 2/input²", line)
			}
		}
	}
	return p, nil
}

func curvesPlot(d *Data) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("sweep %s: error by step", d.Name)
	p.X.Label.Text = "step"
	p.Y.Label.Text = "error (log scale)"
	p.Y.Tick.Marker = powerTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range d.Curves {
		for _, pt := range c.Points {
			if pt.Error > 0 && !math.IsInf(pt.Error, 0) {
				lo, hi = math.Min(lo, pt.Error), math.Max(hi, pt.Error)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1e-12, 1
	}
	floor, ceil := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	for _, c := range d.Curves {
		var xys plotter.XYs
		for _, pt := range c.Points {
			y := ceil
			switch {
			case pt.Error > 0 && !math.IsInf(pt.Error, 0):
				y = math.Log10(pt.Error)
			case pt.Error == 0:
				y = floor
			}
			xys = append(xys, plotter.XY{X: float64(pt.Step), Y: y})
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.Color = hexColor(Colors[c.Verdict])
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(c.Label, line)
	}
	p.Legend.Top = true
	return p, nil
}
