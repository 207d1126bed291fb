package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The drawing of a binned map (see Bins): its cells span their bins, each
// coloured by the verdict mix of its runs (see stripes).

// stripe is one verdict's part of a binned cell: its share of the cell's
// runs, in percent.
type stripe struct {
	verdict string
	percent int64
}

// stripes returns the verdict mix of a cell whose runs have counts (per
// verdict of verdicts): each verdict with runs, its share of the cell's
// runs rounded to the percent so that the shares add up to 100 (the
// largest remainders round up, the first verdict's first among equal
// ones), those that round to 0 left out: too thin to draw.
func stripes(counts []int64, verdicts []string) []stripe {
	var n int64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return nil
	}
	pct, rem := make([]int64, len(counts)), make([]int64, len(counts))
	total := int64(0)
	for i, c := range counts {
		pct[i], rem[i] = c*100/n, c*100%n
		total += pct[i]
	}
	for ; total < 100; total++ {
		best := -1
		for i, c := range counts {
			if c > 0 && rem[i] >= 0 && (best < 0 || rem[i] > rem[best]) {
				best = i
			}
		}
		pct[best]++
		rem[best] = -1
	}
	var out []stripe
	for i, p := range pct {
		if p > 0 {
			out = append(out, stripe{verdicts[i], p})
		}
	}
	return out
}

// mixed reports whether counts has runs of more than one verdict.
func mixed(counts []int64) bool {
	n := 0
	for _, c := range counts {
		if c > 0 {
			n++
		}
	}
	return n > 1
}

// evener reports whether the mix a is a better example for the legend
// than b (nil for none yet): its widest stripe is narrower, so that every
// stripe shows.
func evener(a, b []stripe) bool {
	widest := func(st []stripe) int64 {
		w := int64(0)
		for _, s := range st {
			w = max(w, s.percent)
		}
		return w
	}
	return b == nil || widest(a) < widest(b)
}

// gradientID names the SVG gradient of a verdict mix.
func gradientID(st []stripe) string {
	var b strings.Builder
	b.WriteString("mix")
	for _, s := range st {
		fmt.Fprintf(&b, "-%s%d", s.verdict, s.percent)
	}
	return b.String()
}

// cssMix is a verdict mix as a CSS gradient, for the legend.
func cssMix(st []stripe) string {
	var stops []string
	at := int64(0)
	for _, s := range st {
		stops = append(stops, fmt.Sprintf("%s %d%% %d%%", Colors[s.verdict], at, at+s.percent))
		at += s.percent
	}
	return "linear-gradient(90deg, " + strings.Join(stops, ", ") + ")"
}

// spanText names the values of a span: "0.5", or "0.5 to 1 (3 values)".
func spanText(values []float64, s span) string {
	if s.n() == 1 {
		return fmt.Sprintf("%g", values[s.lo])
	}
	return fmt.Sprintf("%g to %g (%d values)", values[s.lo], values[s.hi], s.n())
}

// ySpanText names a span of YAxis after a comma, ", input -3 to -2.9 (11
// values)"; "" for a sweep without one.
func (d *Data) ySpanText(s span) string {
	if d.YAxis == "" {
		return ""
	}
	return ", " + d.YAxis + " " + spanText(d.Inputs, s)
}

// finite reports whether every value is finite.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// binnedMapSVG draws the map of a binned sweep as mapSVG draws one of
// runs, in the panels of mapPanels: each cell spans its bin and has the
// colour of its runs' verdict, or when they ended in several, stripes of
// their verdict mix (see stripes), by a gradient with hard stops so that
// the map keeps one rect per cell. A cell of one run has that run's
// title. mix is the first mix of several stripes, for the legend; nil
// when there is none.
func binnedMapSVG(d *Data) (svg string, panels []mapPanel, mix []stripe) {
	// The gradients of the mixes go first, in one defs outside the
	// panels, which are hidden but one.
	var b, defs strings.Builder
	xb, yb := bounds(d.Rates, true), bounds(d.Inputs, false)
	xa := axis{lo: xb[0], hi: xb[len(xb)-1], log: true, from: marginL, to: marginL + plotW}
	ya := axis{lo: yb[0], hi: yb[len(yb)-1], from: margin + plotH, to: margin}
	verdicts := VerdictsOf(d.Method)
	gradients := map[string]bool{}
	name := limitsNamer(d.Limits)
	panels = mapPanels(d)
	for i, pn := range panels {
		p := d.Bins.panels[i]
		// Its cells inherit crispEdges from the panel.
		if i == 0 {
			b.WriteString(`<g class="panel" data-panel="0" shape-rendering="crispEdges">`)
		} else {
			fmt.Fprintf(&b, `<g class="panel" data-panel="%d" style="display:none" shape-rendering="crispEdges">`, i)
		}
		after := ""
		if p.combo >= 0 {
			after = d.restText(d.Combos[p.combo])
		}
		after += prefixed(", ", name(pn.Limits))
		rows := len(p.bins.rows)
		for ci, cs := range p.bins.cols {
			x0, x1 := xa.at(xb[cs.lo]), xa.at(xb[cs.hi+1])
			rateAttr := fmt.Sprintf(` data-rate="%s"`, num(d.Rates[cs.lo]))
			if cs.n() > 1 {
				rateAttr += fmt.Sprintf(` data-rate-to="%s"`, num(d.Rates[cs.hi]))
			}
			for ri, rs := range p.bins.rows {
				k := ci*rows + ri
				cell := p.cells[k]
				y0, y1 := ya.at(yb[rs.hi+1]), ya.at(yb[rs.lo])
				counts := p.cellCounts(k, len(verdicts))
				st := stripes(counts, verdicts)
				if cell.n == 0 || len(st) == 0 || !finite(x0, x1, y0, y1) {
					continue
				}
				yAttrs := yAttr(d, d.Inputs[rs.lo])
				if rs.n() > 1 && d.YAxis != "" {
					yAttrs += fmt.Sprintf(` data-%s-to="%s"`, d.YAxis, num(d.Inputs[rs.hi]))
				}
				where := d.RateAxis + " " + spanText(d.Rates, cs) + d.ySpanText(rs) + after
				fill, verdict := Colors[st[0].verdict], st[0].verdict
				if mixed(counts) {
					verdict = "mixed"
					if len(st) > 1 {
						id := gradientID(st)
						if !gradients[id] {
							gradients[id] = true
							fmt.Fprintf(&defs, `<linearGradient id="%s">`, id)
							at := int64(0)
							for _, s := range st {
								fmt.Fprintf(&defs, `<stop offset="%.2f" stop-color="%s"/><stop offset="%.2f" stop-color="%s"/>`,
									float64(at)/100, Colors[s.verdict], float64(at+s.percent)/100, Colors[s.verdict])
								at += s.percent
							}
							defs.WriteString(`</linearGradient>`)
						}
						fill = "url(#" + id + ")"
						if evener(st, mix) {
							mix = st
						}
					}
				}
				var title string
				switch {
				case cell.n == 1 && verdict == "failed":
					title = fmt.Sprintf("run %d: %s: %s", cell.run, where, ended(Cell{Steps: cell.steps, Reason: cell.reason}))
				case cell.n == 1:
					title = fmt.Sprintf("run %d: %s: %s in %d steps", cell.run, where, verdict, cell.steps)
				default:
					var parts []string
					for v, c := range counts {
						if c > 0 {
							parts = append(parts, fmt.Sprintf("%d %s", c, verdicts[v]))
						}
					}
					title = fmt.Sprintf("%s: %d runs: %s", where, cell.n, strings.Join(parts, ", "))
				}
				fmt.Fprintf(&b, `<rect class="cell" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"%s%s data-verdict="%s" data-runs="%d"><title>%s</title></rect>`,
					x0, y0, x1-x0, y1-y0, fill, rateAttr, yAttrs, verdict, cell.n, template.HTMLEscapeString(title))
			}
		}
		b.WriteString(`</g>`)
	}
	if d.Method == "gradient_descent" {
		for _, k := range []float64{1, 2} {
			theoryCurve(&b, xa, ya, k, fmt.Sprintf("theory: alpha = %g/input²", k), k == 2)
		}
	}
	// An axis whose values are binned is labelled at round values: its
	// cells no longer stand for its values one by one.
	rateBinned, _ := d.Bins.agg.binned(len(d.Rates), len(d.Inputs))
	xt, yt := gridTicksSVG(d.Rates, xa, true), gridTicksSVG(yValues(d), ya, false)
	if rateBinned {
		xt = roundTicks(xa)
	}
	if d.roundYTicks() {
		yt = roundTicks(ya)
	}
	axes(&b, xa, ya, xt, yt, d.RateAxis+" (log scale)", d.YAxis)
	b.WriteString(`</svg>`)
	var out strings.Builder
	svgOpen(&out, "stability-map", "stability map: "+d.RateAxis+prefixed(" against ", d.YAxis)+", coloured by verdict", 0)
	if defs.Len() > 0 {
		out.WriteString("<defs>" + defs.String() + "</defs>")
	}
	out.WriteString(b.String())
	return out.String(), panels, mix
}

// binnedText says how a binned map is drawn, for the report: how many
// runs, the bins of the aggregate panels and of the others, what a
// cell's colour means, and what is not drawn.
func binnedText(d *Data) string {
	bn := d.Bins
	var b strings.Builder
	fmt.Fprintf(&b, "Sweep %s has %d runs, more than the %d a map draws one by one, so each cell is a bin of neighbouring values, %d cells in all: ",
		d.Name, bn.Runs, maxExactRuns, bn.Cells)
	shape := func(bins *binning) string {
		s := binsText(d.Rates, bins.cols, d.RateAxis, "column")
		if d.YAxis != "" {
			s += " and " + binsText(d.Inputs, bins.rows, d.YAxis, "row")
		}
		return s
	}
	label := aggregateLabel(d)
	if len(d.Rest) == 0 {
		label = "the map"
	}
	fmt.Fprintf(&b, "in %s, %s", panelName(label), shape(bn.agg))
	if bn.ComboPanels {
		fmt.Fprintf(&b, "; in the panel of each %s, %s", andList(d.Rest), shape(bn.combo))
	}
	b.WriteString(". A cell whose runs all ended alike has their verdict's colour; a cell of runs of several verdicts is split into stripes, one per verdict, each as wide as its share of the cell's runs, to the percent (a share under half a percent is too thin to draw). Hover a cell for what it holds and its counts.")
	if len(d.Rest) > 0 && !bn.ComboPanels {
		n := fmt.Sprintf("%d", bn.Combos)
		if bn.Combos < 0 {
			n = fmt.Sprintf("more than %d", maxCombos)
		}
		fmt.Fprintf(&b, " The %s combinations of %s are too many for a panel each (a map has at most %d cells, a panel at least %d): the panel of %s shows every run.",
			n, andList(d.Rest), maxMapCells, minPanelCells, label)
	}
	return b.String()
}

// panelName is "the panel of " a label, or the map.
func panelName(label string) string {
	if label == "the map" {
		return label
	}
	return "the panel of " + label
}

// binsText says how the values of an axis are binned: "the 21 values of
// alpha in 21 columns", "the 601 values of input in 64 rows (up to 10 a
// row)".
func binsText(values []float64, spans []span, name, unit string) string {
	most := 0
	for _, s := range spans {
		most = max(most, s.n())
	}
	s := fmt.Sprintf("the %s of %s in %s", plural(int64(len(values)), "value"), name, plural(int64(len(spans)), unit))
	if most > 1 {
		s += fmt.Sprintf(" (up to %d a %s)", most, unit)
	}
	return s
}

// binnedVerdictMaps returns the panels of a binned map for the plots, one
// per group as verdictMaps does: each cell of a bin with runs, in the
// colour of their verdict or stripes of their mix.
func binnedVerdictMaps(d *Data) []verdictMap {
	gs := groups(d)
	name := groupNamer(d)
	verdicts := VerdictsOf(d.Method)
	xb, yb := bounds(d.Rates, true), bounds(d.Inputs, false)
	var out []verdictMap
	for _, g := range gs {
		m := verdictMap{binned: true}
		if len(gs) > 1 {
			m.title = name(g)
		}
		for _, p := range d.Bins.panels {
			if p.limits != g.limits || p.combo != g.combo {
				continue
			}
			rows := len(p.bins.rows)
			for ci, cs := range p.bins.cols {
				for ri, rs := range p.bins.rows {
					k := ci*rows + ri
					st := stripes(p.cellCounts(k, len(verdicts)), verdicts)
					cell := tieCell{x0: xb[cs.lo], x1: xb[cs.hi+1], y0: yb[rs.lo], y1: yb[rs.hi+1]}
					if len(st) == 0 || !finite(cell.x0, cell.x1, cell.y0, cell.y1) {
						continue
					}
					for _, s := range st {
						cell.colors = append(cell.colors, hexColor(Colors[s.verdict]))
						cell.shares = append(cell.shares, float64(s.percent)/100)
					}
					if len(st) > 1 && (m.mix == nil || evener(st, m.mixStripes)) {
						m.mix, m.mixStripes = &cell, st
					}
					m.ties = append(m.ties, cell)
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// PlotCells returns the number of cells that Plot draws of a binned map
// (its panels of one group each: see groups), for what sweep plot says;
// 0 for a map drawn run by run.
func PlotCells(d *Data) int {
	if d.Bins == nil {
		return 0
	}
	n := 0
	for _, m := range binnedVerdictMaps(d) {
		n += len(m.ties)
	}
	return n
}

// shareSwatch is a legend thumbnail of a verdict mix: its colours side by
// side, each as wide as its share.
type shareSwatch tieCell

func (s shareSwatch) Thumbnail(c *draw.Canvas) {
	x := c.Min.X
	for i, col := range s.colors {
		w := (c.Max.X - c.Min.X) * vg.Length(s.shares[i])
		c.FillPolygon(col, []vg.Point{{X: x, Y: c.Min.Y}, {X: x + w, Y: c.Min.Y}, {X: x + w, Y: c.Max.Y}, {X: x, Y: c.Max.Y}})
		x += w
	}
}

// binnedTickers labels the axes of a binned map's panel whose values are
// binned at round values, as binnedMapSVG does.
func binnedTickers(p *plot.Plot, d *Data) {
	if rateBinned, _ := d.Bins.agg.binned(len(d.Rates), len(d.Inputs)); rateBinned {
		p.X.Tick.Marker = powerTicks{}
	}
	if d.roundYTicks() {
		p.Y.Tick.Marker = plot.DefaultTicks{}
	}
}
