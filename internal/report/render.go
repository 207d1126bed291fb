package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"sweep/internal/grid"
)

// The plot area of every chart, in SVG units.
const (
	plotW, plotH             = 640, 360
	marginL, marginB, margin = 72, 48, 16
)

// axis maps values to pixels, linearly or on log10.
type axis struct {
	lo, hi   float64 // in axis units (log10 of the value on a log axis)
	log      bool
	from, to float64 // pixels
}

func (a axis) pos(v float64) float64 {
	if a.log {
		v = math.Log10(v)
	}
	return a.at(v)
}

// at maps a value in axis units (log10 of the value on a log axis).
func (a axis) at(u float64) float64 {
	return a.from + (u-a.lo)/(a.hi-a.lo)*(a.to-a.from)
}

// theoryLine samples the theory's alpha = k/input^2 over inputs in [xlo,
// xhi], keeping the points whose log10 alpha lies in [logLo, logHi]: the
// pieces of the curve that fall inside a chart, as (input, log10 alpha)
// pairs. The curve is infinite at input 0, which splits it in two.
func theoryLine(k, xlo, xhi, logLo, logHi float64) [][][2]float64 {
	const n = 400
	var pieces [][][2]float64
	var piece [][2]float64
	flush := func() {
		if len(piece) > 1 {
			pieces = append(pieces, piece)
		}
		piece = nil
	}
	for i := 0; i <= n; i++ {
		x := xlo + (xhi-xlo)*float64(i)/n
		la := math.Log10(k / (x * x))
		if x == 0 || la < logLo || la > logHi {
			flush()
			continue
		}
		piece = append(piece, [2]float64{x, la})
	}
	flush()
	return pieces
}

// svgPath writes pieces as the d attribute of an SVG path, x and y taking
// a piece's point to pixels.
func svgPath(b *strings.Builder, pieces [][][2]float64, x, y func(p [2]float64) float64) {
	for _, piece := range pieces {
		for i, p := range piece {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(b, "%s%.1f %.1f ", cmd, x(p), y(p))
		}
	}
}

// bounds returns the cell edges of sorted values: midway between
// neighbours, and half a spacing beyond the ends (half a unit when there is
// one value).
func bounds(values []float64, log bool) []float64 {
	t := make([]float64, len(values))
	for i, v := range values {
		t[i] = v
		if log {
			t[i] = math.Log10(v)
		}
	}
	out := make([]float64, len(t)+1)
	for i := 1; i < len(t); i++ {
		out[i] = (t[i-1] + t[i]) / 2
	}
	half := 0.5
	if len(t) > 1 {
		out[0] = t[0] - (t[1]-t[0])/2
		out[len(t)] = t[len(t)-1] + (t[len(t)-1]-t[len(t)-2])/2
	} else {
		out[0], out[1] = t[0]-half, t[0]+half
	}
	return out
}

// svgOpen starts a chart of the plot area and its axes, and below them
// extra pixels (for a legend, which never goes over the data).
func svgOpen(b *strings.Builder, id, label string, extra int) {
	w, h := marginL+plotW+margin, margin+plotH+marginB+extra
	fmt.Fprintf(b, `<svg id="%s" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" xmlns="http://www.w3.org/2000/svg">`,
		id, template.HTMLEscapeString(label), w, h, w, h)
}

func num(v float64) string { return fmt.Sprintf("%g", v) }

// mapPanel is one panel of the stability map: the runs of one set of
// limits, either all of them (the aggregate, each cell the commonest
// verdict over goals and weights, or a program's Rest) or those of one
// goal and weight (one combination of Rest; each cell one run).
type mapPanel struct {
	Limits Limits
	All    bool
	Combo  int // the index in Data.Combos of a panel that is not All
	Label  string
	// Group names the set of limits when the sweep has several, for the
	// selector's groups; "" when it has one.
	Group string
}

// mapPanels lists the map's panels in the order the selector offers them:
// per set of limits (in the order of d.Limits) the aggregate, then each
// goal and weight (each combination of Rest), by goal, then weight. Labels
// name the limits only when the sweep has several sets, so that a sweep of
// one set of limits reads as it always has. A program's sweep without
// Rest has the aggregate only, which is every run's own cell.
func mapPanels(d *Data) []mapPanel {
	type key = group
	seen := d.present
	if seen == nil {
		seen = map[key]bool{}
		for _, c := range d.Cells {
			seen[key{c.Limits, c.combo}] = true
		}
	}
	name := limitsNamer(d.Limits)
	var out []mapPanel
	for _, l := range d.Limits {
		n := name(l)
		out = append(out, mapPanel{Limits: l, All: true, Label: aggregateLabel(d) + prefixed(", ", n), Group: n})
		if len(d.Rest) == 0 {
			continue
		}
		for i := range d.Combos {
			if !seen[key{l, i}] {
				continue
			}
			label := d.comboName(i, false)
			if n != "" {
				label = n + ", " + label
			}
			out = append(out, mapPanel{Limits: l, Combo: i, Label: label, Group: n})
		}
	}
	return out
}

// aggregateLabel names the aggregate panel: all goals and weights, or all
// values of a program's Rest.
func aggregateLabel(d *Data) string {
	switch {
	case d.Method != string(grid.Command):
		return "all goals and weights"
	case len(d.Rest) == 0:
		return "all runs"
	}
	return "all values of " + andList(d.Rest)
}

// andList joins names for prose: "a", "a and b", "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// mapSVG draws the stability map: per set of limits, one panel for all
// goals and weights and one per (goal, weight), each cell coloured by
// verdict (the commonest, in an aggregate, the tied verdicts side by side
// where several are commonest), with the theory's alpha = 1/x^2 and 2/x^2
// over it. Each run is drawn in one panel of its own (goal, weight) and
// counted in one aggregate cell, so the map grows with the runs, not with
// runs times panels. ties lists the colours of the first tie, nil when
// there is none.
func mapSVG(d *Data) (svg string, panels []mapPanel, ties []string) {
	var b strings.Builder
	svgOpen(&b, "stability-map", "stability map: "+d.RateAxis+prefixed(" against ", d.YAxis)+", coloured by verdict", 0)
	xb, yb := bounds(d.Rates, true), bounds(d.Inputs, false)
	xa := axis{lo: xb[0], hi: xb[len(xb)-1], log: true, from: marginL, to: marginL + plotW}
	ya := axis{lo: yb[0], hi: yb[len(yb)-1], from: margin + plotH, to: margin}
	rateIndex, inputIndex := map[float64]int{}, map[float64]int{}
	for i, v := range d.Rates {
		rateIndex[v] = i
	}
	for i, v := range d.Inputs {
		inputIndex[v] = i
	}

	type run struct {
		limits Limits
		combo  int
	}
	type pos struct{ rate, input float64 }
	byPanel := map[run]map[pos]Cell{}
	counts := map[Limits]map[pos]map[string]int{}
	for _, c := range d.Cells {
		k := run{c.Limits, c.combo}
		if byPanel[k] == nil {
			byPanel[k] = map[pos]Cell{}
		}
		p := pos{c.Rate, c.Input}
		byPanel[k][p] = c
		if counts[c.Limits] == nil {
			counts[c.Limits] = map[pos]map[string]int{}
		}
		if counts[c.Limits][p] == nil {
			counts[c.Limits][p] = map[string]int{}
		}
		counts[c.Limits][p][c.Verdict]++
	}
	positions := map[Limits][]pos{}
	for l, byPos := range counts {
		var ps []pos
		for p := range byPos {
			ps = append(ps, p)
		}
		slices.SortFunc(ps, func(a, b pos) int {
			if a.rate != b.rate {
				return cmpFloat(a.rate, b.rate)
			}
			return cmpFloat(a.input, b.input)
		})
		positions[l] = ps
	}

	// What the cells of a sweep of a million runs repeat is made once:
	// the attribute and text of each value of YAxis, the text of each
	// combination of Rest.
	yAttrs, yTexts := make([]string, len(d.Inputs)), make([]string, len(d.Inputs))
	for j, v := range d.Inputs {
		yAttrs[j], yTexts[j] = yAttr(d, v), d.yText(v)
	}
	restTexts := make([]string, len(d.Combos))
	for i, vals := range d.Combos {
		restTexts[i] = d.restText(vals)
	}
	cell := func(p pos, fill, verdict, title string) {
		i, j := rateIndex[p.rate], inputIndex[p.input]
		x0, x1 := marginL+(xb[i]-xa.lo)/(xa.hi-xa.lo)*plotW, marginL+(xb[i+1]-xa.lo)/(xa.hi-xa.lo)*plotW
		y0, y1 := ya.from+(yb[j+1]-ya.lo)/(ya.hi-ya.lo)*(ya.to-ya.from), ya.from+(yb[j]-ya.lo)/(ya.hi-ya.lo)*(ya.to-ya.from)
		fmt.Fprintf(&b, `<rect class="cell" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s" shape-rendering="crispEdges" data-rate="%s"%s data-verdict="%s"><title>%s</title></rect>`,
			x0, y0, x1-x0, y1-y0, fill, num(p.rate), yAttrs[j], verdict, template.HTMLEscapeString(title))
	}

	verdicts := VerdictsOf(d.Method)
	gradients := map[string]bool{}
	aggregate := func(l Limits, limits string) {
		for _, p := range positions[l] {
			var parts []string
			for _, v := range verdicts {
				if c := counts[l][p][v]; c > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", c, v))
				}
			}
			title := fmt.Sprintf("%s %g%s%s: %s", d.RateAxis, p.rate, yTexts[inputIndex[p.input]], limits, strings.Join(parts, ", "))
			best := commonest(counts[l][p], verdicts)
			if len(best) == 1 {
				cell(p, Colors[best[0]], best[0], title)
				continue
			}
			// A tie: one cell split into stripes of the tied verdicts, by a
			// gradient with hard stops, so the map keeps one rect per cell.
			id := "tie-" + strings.Join(best, "-")
			if !gradients[id] {
				gradients[id] = true
				fmt.Fprintf(&b, `<defs><linearGradient id="%s">`, id)
				for i, v := range best {
					fmt.Fprintf(&b, `<stop offset="%.4f" stop-color="%s"/><stop offset="%.4f" stop-color="%s"/>`,
						float64(i)/float64(len(best)), Colors[v], float64(i+1)/float64(len(best)), Colors[v])
				}
				b.WriteString(`</linearGradient></defs>`)
			}
			if ties == nil {
				for _, v := range best {
					ties = append(ties, Colors[v])
				}
			}
			cell(p, "url(#"+id+")", "tie", title+" (a tie: "+strings.Join(best, " = ")+")")
		}
	}

	// The first panel (the first limits' aggregate) is shown by default.
	panels = mapPanels(d)
	name := limitsNamer(d.Limits)
	for i, pn := range panels {
		if i == 0 {
			fmt.Fprintf(&b, `<g class="panel" data-panel="0">`)
		} else {
			fmt.Fprintf(&b, `<g class="panel" data-panel="%d" style="display:none">`, i)
		}
		limits := prefixed(", ", name(pn.Limits))
		// A program's sweep without Rest has a run per cell: its one
		// panel shows the runs.
		if pn.All && len(d.Rest) > 0 {
			aggregate(pn.Limits, limits)
		} else {
			byPos := byPanel[run{pn.Limits, pn.Combo}]
			for _, p := range positions[pn.Limits] {
				c, ok := byPos[p]
				switch {
				case !ok:
				case c.Verdict == "failed":
					cell(p, Colors[c.Verdict], c.Verdict, fmt.Sprintf("run %d: %s %g%s%s%s: %s",
						c.RunID, d.RateAxis, c.Rate, yTexts[inputIndex[c.Input]], restTexts[c.combo], limits, ended(c)))
				default:
					cell(p, Colors[c.Verdict], c.Verdict, fmt.Sprintf("run %d: %s %g%s%s%s: %s in %d steps",
						c.RunID, d.RateAxis, c.Rate, yTexts[inputIndex[c.Input]], restTexts[c.combo], limits, c.Verdict, c.Steps))
				}
			}
		}
		b.WriteString(`</g>`)
	}
	if d.Method == "gradient_descent" {
		for _, k := range []float64{1, 2} {
			theoryCurve(&b, xa, ya, k, fmt.Sprintf("theory: alpha = %g/input²", k), k == 2)
		}
	}
	axes(&b, xa, ya, gridTicksSVG(d.Rates, xa, true), gridTicksSVG(yValues(d), ya, false), d.RateAxis+" (log scale)", d.YAxis)
	b.WriteString(`</svg>`)
	return b.String(), panels, ties
}

// ended says how a failed run ended, for its cell's title: how far it
// got and why it failed.
func ended(c Cell) string {
	s := "failed after " + plural(c.Steps, "row")
	if c.Steps == 0 {
		s = "failed before its first row"
	}
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// yAttr is the data attribute of a value of YAxis, data-input="2"; none
// for a sweep without one.
func yAttr(d *Data, v float64) string {
	if d.YAxis == "" {
		return ""
	}
	return fmt.Sprintf(` data-%s="%s"`, d.YAxis, num(v))
}

// yValues are the values of YAxis to label on an axis: none for a sweep
// without one, whose one row stands for every run.
func yValues(d *Data) []float64 {
	if d.YAxis == "" {
		return nil
	}
	return d.Inputs
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// theoryCurve draws alpha = k/x^2 across the input range, as a path whose
// pieces stay inside the plot.
func theoryCurve(b *strings.Builder, xa, ya axis, k float64, label string, dashed bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(b, `<path class="theory" data-k="%g" fill="none" stroke="#000" stroke-width="1.5"%s d="`, k, dash)
	svgPath(b, theoryLine(k, ya.lo, ya.hi, xa.lo, xa.hi),
		func(p [2]float64) float64 { return xa.at(p[1]) }, func(p [2]float64) float64 { return ya.pos(p[0]) })
	fmt.Fprintf(b, `"><title>%s</title></path>`, template.HTMLEscapeString(label))
}

// axes draws the frame, ticks and labels; a tick without a label is drawn
// shorter.
func axes(b *strings.Builder, xa, ya axis, xt, yt []axisTick, xlabel, ylabel string) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`, marginL, margin, plotW, plotH)
	for _, t := range xt {
		x := xa.pos(t.v)
		if t.label == "" {
			fmt.Fprintf(b, `<line class="tick" x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333"/>`, x, x, margin+plotH, margin+plotH+3)
			continue
		}
		fmt.Fprintf(b, `<line class="tick" x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333"/><text class="x-tick" x="%.1f" y="%d" text-anchor="middle" font-size="11">%s</text>`,
			x, x, margin+plotH, margin+plotH+5, x, margin+plotH+18, template.HTMLEscapeString(t.label))
	}
	for _, t := range yt {
		y := ya.pos(t.v)
		if t.label == "" {
			fmt.Fprintf(b, `<line class="tick" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#333"/>`, marginL-3, marginL, y, y)
			continue
		}
		fmt.Fprintf(b, `<line class="tick" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#333"/><text class="y-tick" x="%d" y="%.1f" text-anchor="end" font-size="11">%s</text>`,
			marginL-5, marginL, y, y, marginL-8, y+4, template.HTMLEscapeString(t.label))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-size="12">%s</text>`, marginL+plotW/2, margin+plotH+40, template.HTMLEscapeString(xlabel))
	fmt.Fprintf(b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle" font-size="12">%s</text>`, margin+plotH/2, template.HTMLEscapeString(ylabel))
}

// roundTicks labels the round values of ticks.
func roundTicks(a axis) []axisTick {
	var out []axisTick
	for _, v := range ticks(a) {
		// 12 digits: 3 steps of 0.2 print as 0.6, not 0.6000000000000001.
		out = append(out, axisTick{v: v, label: strconv.FormatFloat(v, 'g', 12, 64)})
	}
	return out
}

// ticks returns round values inside an axis: decades on a log axis, a
// handful of steps of 1, 2 or 5 times a power of ten on a linear one.
func ticks(a axis) []float64 {
	var out []float64
	if a.log {
		for e := math.Ceil(a.lo); e <= a.hi; e++ {
			out = append(out, math.Pow(10, e))
		}
		return out
	}
	span := a.hi - a.lo
	step := math.Pow(10, math.Floor(math.Log10(span/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 8 {
			step *= m
			break
		}
	}
	for v := math.Ceil(a.lo/step) * step; v <= a.hi+1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// frontierSeries is the frontier of one group (one set of limits, and
// for a program's sweep maybe one combination of Rest): a point per input.
type frontierSeries struct {
	Limits Limits
	Combo  int
	Label  string // the group's name (see groupNamer); "" when the sweep has one group
	Points []Frontier
}

// frontiers splits d.Frontier into one series per group, in the order of
// groups.
func frontiers(d *Data) []frontierSeries {
	name := groupNamer(d)
	var out []frontierSeries
	for _, f := range d.Frontier {
		if len(out) == 0 || out[len(out)-1].Limits != f.Limits || out[len(out)-1].Combo != f.Combo {
			out = append(out, frontierSeries{Limits: f.Limits, Combo: f.Combo, Label: name(group{f.Limits, f.Combo})})
		}
		out[len(out)-1].Points = append(out[len(out)-1].Points, f)
	}
	return out
}

// seriesColors are the colours of the frontier's series when there are
// several: the first the converged colour of a lone frontier, the others
// none of a verdict's (the map's colours mean verdicts) nor the theory's
// black.
var seriesColors = []string{"#009E73", "#56B4E9", "#CC79A7", "#332288", "#882255", "#44AA99", "#AA4499", "#88CCEE", "#DDCC77", "#117733"}

// seriesPalette returns the colours of d's frontier series: seriesColors
// without the colours of d's verdicts but converged's, the first (a
// program's sweep has failed's reddish purple).
func seriesPalette(d *Data) []string {
	avoid := verdictColors(d)
	delete(avoid, Colors["converged"])
	return unlike(seriesColors, avoid)
}

// seriesMarker returns the d attribute of the hollow marker of series i at
// (x, y): circle, square, triangle, diamond, down-pointing triangle, so
// that series that share a point still show as distinct shapes.
func seriesMarker(i int, x, y float64) string {
	switch i % 5 {
	case 1:
		return fmt.Sprintf("M%.1f %.1fh8v8h-8Z", x-4, y-4)
	case 2:
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-5.5, x+5, y+3.5, x-5, y+3.5)
	case 3:
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-5.5, x+5.5, y, x, y+5.5, x-5.5, y)
	case 4:
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y+5.5, x+5, y-3.5, x-5, y-3.5)
	}
	return fmt.Sprintf("M%.1f %.1fa4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0 -9 0Z", x-4.5, y)
}

// frontierSVG draws the largest converging rate per input, beside the
// theory's 2/input^2: one series of points for a sweep of one set of
// limits; for several, one labelled series per set, each its own colour
// and marker, joined by a line, with a legend below the plot.
func frontierSVG(d *Data) string {
	var b strings.Builder
	const rowH = 15
	series := frontiers(d)
	extra := 0
	if len(series) > 1 {
		extra = 8 + rowH*len(series)
	}
	label := "the largest converging " + d.RateAxis + prefixed(" per ", d.YAxis)
	if d.Method != string(grid.Command) {
		label += ", against the theory"
	}
	svgOpen(&b, "frontier", label, extra)
	yb := bounds(d.Rates, true)
	xa := axis{lo: d.Inputs[0] - 0.5, hi: d.Inputs[len(d.Inputs)-1] + 0.5, from: marginL, to: marginL + plotW}
	if len(d.Inputs) > 1 {
		pad := (d.Inputs[len(d.Inputs)-1] - d.Inputs[0]) / 20
		xa.lo, xa.hi = d.Inputs[0]-pad, d.Inputs[len(d.Inputs)-1]+pad
	}
	ya := axis{lo: yb[0], hi: yb[len(yb)-1], log: true, from: margin + plotH, to: margin}
	if d.Method == "gradient_descent" {
		b.WriteString(`<path class="theory" fill="none" stroke="#000" stroke-width="1.5" stroke-dasharray="6 4" d="`)
		svgPath(&b, theoryLine(2, xa.lo, xa.hi, ya.lo, ya.hi),
			func(p [2]float64) float64 { return xa.pos(p[0]) }, func(p [2]float64) float64 { return ya.at(p[1]) })
		b.WriteString(`"><title>theory: alpha = 2/input²</title></path>`)
	}
	if len(series) <= 1 {
		for _, f := range d.Frontier {
			if !f.HasLargest {
				continue
			}
			fmt.Fprintf(&b, `<circle class="frontier-point" cx="%.1f" cy="%.1f" r="4" fill="%s"%s data-rate="%s"><title>%s</title></circle>`,
				xa.pos(f.x()), ya.pos(f.Largest), Colors["converged"], yAttr(d, f.Input), num(f.Largest), frontierTitle(d, "", f))
		}
	} else {
		for i, s := range series {
			seriesSVG(&b, d, xa, ya, i, s, margin+plotH+marginB+8+rowH*i)
		}
	}
	xt := gridTicksSVG(yValues(d), xa, true)
	if d.roundYTicks() {
		xt = roundTicks(xa)
	}
	axes(&b, xa, ya, xt, gridTicksSVG(d.Rates, ya, false), d.YAxis, "largest converging "+d.RateAxis+" (log scale)")
	b.WriteString(`</svg>`)
	return b.String()
}

// seriesSVG draws the frontier of series i of several, and its legend
// entry at height ly below the plot.
func seriesSVG(b *strings.Builder, d *Data, xa, ya axis, i int, s frontierSeries, ly int) {
	palette := seriesPalette(d)
	color := palette[i%len(palette)]
	dash := ""
	if i >= len(palette) {
		dash = ` stroke-dasharray="5 3"`
	}
	label := template.HTMLEscapeString(s.Label)
	fmt.Fprintf(b, `<g class="frontier-series" data-limits="%s" data-color="%s"><path fill="none" stroke="%s" stroke-width="1.2"%s d="`, label, color, color, dash)
	// The line joins the points of neighbouring inputs; an input where
	// nothing converged breaks it.
	cmd := "M"
	for _, f := range s.Points {
		if !f.HasLargest {
			cmd = "M"
			continue
		}
		fmt.Fprintf(b, "%s%.1f %.1f ", cmd, xa.pos(f.x()), ya.pos(f.Largest))
		cmd = "L"
	}
	fmt.Fprintf(b, `"><title>%s</title></path>`, label)
	found := false
	for _, f := range s.Points {
		if !f.HasLargest {
			continue
		}
		found = true
		fmt.Fprintf(b, `<path class="frontier-point" d="%s" fill="none" stroke="%s" stroke-width="1.5"%s data-rate="%s"><title>%s</title></path>`,
			seriesMarker(i, xa.pos(f.x()), ya.pos(f.Largest)), color, yAttr(d, f.Input), num(f.Largest), frontierTitle(d, label, f))
	}
	text := s.Label
	if !found {
		text += " (converged at no " + d.YAxis + ")"
		if d.YAxis == "" {
			text = s.Label + " (nothing converged)"
		}
	}
	fmt.Fprintf(b, `<g class="legend-entry"><line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="1.2"%s/><path d="%s" fill="none" stroke="%s" stroke-width="1.5"/><text x="%d" y="%d" font-size="11" fill="#222">%s</text></g></g>`,
		marginL, marginL+20, ly+6, ly+6, color, dash, seriesMarker(i, float64(marginL+10), float64(ly+6)), color, marginL+26, ly+10, template.HTMLEscapeString(text))
}

// frontierTitle is the title of a frontier point, after the label of its
// series (HTML already; "" for a lone series): "input 2: largest
// converging alpha 0.25 (theory 0.5)". A program's sweep has no theory.
func frontierTitle(d *Data, label string, f Frontier) string {
	var where []string
	if label != "" {
		where = append(where, label)
	}
	if d.YAxis != "" && f.Values > 1 {
		where = append(where, template.HTMLEscapeString(fmt.Sprintf("%s %g to %g (%d values)", d.YAxis, f.Input, f.InputTo, f.Values)))
	} else if d.YAxis != "" {
		where = append(where, template.HTMLEscapeString(fmt.Sprintf("%s %g", d.YAxis, f.Input)))
	}
	s := template.HTMLEscapeString(fmt.Sprintf("largest converging %s %g", d.RateAxis, f.Largest))
	if f.Values > 1 {
		s += " at every one of them"
	}
	if len(where) > 0 {
		s = strings.Join(where, ", ") + ": " + s
	}
	if d.Method != string(grid.Command) {
		s += " (theory " + theoryText(f.Theory) + ")"
	}
	return s
}

func theoryText(t float64) string {
	if math.IsInf(t, 1) {
		return "none"
	}
	return fmt.Sprintf("%.6g", t)
}

// curvesSVG draws error against step on a log scale for each curve, each
// point with its step, weight and error on hover, and the legend (each
// run's colour and label, verdict included) below the plot. Errors of 0
// are drawn at the axis floor, labelled 0.
func curvesSVG(d *Data) string {
	var b strings.Builder
	const rowH = 15
	svgOpen(&b, "error-curves", "error against step, log scale", 8+rowH*len(d.Curves))
	maxStep := int64(1)
	for _, c := range d.Curves {
		for _, p := range c.Points {
			maxStep = max(maxStep, p.Step)
		}
	}
	floor, ceil, hasZero := errorRange(d.Curves)
	xa := axis{lo: 0, hi: float64(maxStep), from: marginL, to: marginL + plotW}
	ya := axis{lo: floor, hi: ceil, from: margin + plotH, to: margin}
	y := func(e float64) float64 { return ya.at(errorY(e, floor, ceil)) }
	for i, c := range d.Curves {
		dash := ""
		if c.Dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<g class="curve" data-run="%d" data-verdict="%s" data-color="%s"><path fill="none" stroke="%s" stroke-width="1.5"%s d="`, c.RunID, c.Verdict, c.Color, c.Color, dash)
		for k, p := range c.Points {
			cmd := "L"
			if k == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f %.1f ", cmd, xa.pos(float64(p.Step)), y(p.Error))
		}
		fmt.Fprintf(&b, `"><title>%s</title></path>`, template.HTMLEscapeString(c.Label))
		for _, p := range c.Points {
			weight := ", weight " + num(p.Weight)
			if math.IsNaN(p.Weight) && d.Method == string(grid.Command) {
				weight = "" // a program need not print its weight
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>step %d%s, error %s</title></circle>`,
				xa.pos(float64(p.Step)), y(p.Error), c.Color, p.Step, weight, num(p.Error))
		}
		ly := margin + plotH + marginB + 8 + rowH*i
		fmt.Fprintf(&b, `<g class="legend-entry"><line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/><text x="%d" y="%d" font-size="11" fill="#222">%s</text></g></g>`,
			marginL, marginL+20, ly+6, ly+6, c.Color, dash, marginL+26, ly+10, template.HTMLEscapeString(c.Label))
	}
	var yt []axisTick
	for _, t := range roundTicks(axis{lo: ya.lo, hi: ya.hi, log: true}) {
		if hasZero && math.Abs(math.Log10(t.v)-floor) < 1e-9 {
			t.label = "0"
		}
		yt = append(yt, t)
	}
	axes(&b, xa, axis{lo: ya.lo, hi: ya.hi, log: true, from: ya.from, to: ya.to}, roundTicks(xa), yt, "step", "error (log scale)")
	b.WriteString(`</svg>`)
	return b.String()
}

var page = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sweep {{.D.Name}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
.legend span { display: inline-block; margin-right: 14px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
pre { background: #f6f6f6; padding: 8px; overflow: auto; }
#provenance { margin-top: 8px; } #provenance caption { text-align: left; font-weight: bold; }
#provenance th, #provenance td { text-align: left; } #provenance code { white-space: pre-wrap; word-break: break-all; }
#provenance .missing { color: #777; font-style: italic; }
</style>
</head>
<body>
<h1>sweep {{.D.Name}} ({{.D.Method}})</h1>
<h2>Summary</h2>
<table id="summary">
<tr><th>configs</th><th>stored</th><th>status</th>{{range .Verdicts}}<th>{{.}}</th>{{end}}</tr>
<tr><td>{{.D.Configs}}</td><td>{{.D.Stored}}</td><td>{{.D.Status}}</td>{{range .Counts}}<td>{{.}}</td>{{end}}</tr>
</table>
<table id="provenance"><caption>Provenance</caption>
{{range .Provenance}}<tr><th>{{.Name}}</th>{{if not .Value}}<td class="missing">not recorded</td>{{else if .Code}}<td><code>{{.Value}}</code></td>{{else}}<td>{{.Value}}</td>{{end}}</tr>
{{end}}</table>
<p class="legend">{{range .Legend}}<span><i style="background:{{.Color}}"></i>{{.Name}}</span>{{end}}</p>
<h2>Stability map</h2>
<p>{{if .Binned}}<span id="binned">{{.Binned}}</span>{{else}}Each cell is one {{.D.RateAxis}}{{with .D.YAxis}} and {{.}}{{end}}; its colour is the verdict ({{if .GD}}the commonest over goals and weights in the aggregate; {{else if .Over}}the commonest over {{.Over}} in the aggregate; {{end}}hover a cell for the counts or the run).{{end}} {{if .GD}}The solid line is alpha = 1/input² (no overshoot below it), the dashed one alpha = 2/input² (the theory's edge of convergence).{{end}}{{if .Command}}A failed run is one whose program exited non-zero, died, timed out or broke the trace protocol; hover it for why.{{end}}{{with .Varying}} Runs of different limits are different experiments: each panel shows one set of limits ({{.}}).{{end}}</p>
<label>Panel: <select id="panel">{{range .PanelGroups}}{{if .Label}}<optgroup label="{{.Label}}">{{end}}{{range .Options}}<option value="{{.Value}}">{{.Label}}</option>{{end}}{{if .Label}}</optgroup>{{end}}{{end}}</select></label>
<div>{{.Map}}</div>
<h2>Frontier</h2>
{{if .Command}}<p>The largest {{.D.RateAxis}} at which every run converged{{with .D.YAxis}}, per {{.}}{{end}}{{with .Series}}, one series per {{.}}{{end}}{{with .Together}}, {{.}}{{end}}.</p>{{else}}<p>The largest {{.D.RateAxis}} at which every goal and weight converged, per input{{with .Varying}}, one series per set of limits ({{.}}){{end}}{{if .GD}}, and the theory's 2/input² (dashed){{end}}.</p>{{end}}
{{with .FrontierBinned}}<p id="frontier-binned">{{.}}</p>
{{end}}<div>{{.Frontier}}</div>
<h2>Error curves</h2>
{{if .NoTraces}}<p id="no-traces">Sweep {{.D.Name}} stores no traces (it ran with <code>--trace none</code>), so there are no error curves to draw. To see them, run the sweep again with traces (a sweep of its own beside this one): <code>{{.Rerun}}</code></p>
{{else}}<p>Hover a point for its step, weight and error. An error of 0 is drawn at the axis floor, labelled 0.</p>
{{with .Reduced}}<p id="curves-reduced">{{.}}</p>
{{end}}<div>{{.Curves}}</div>{{end}}
<h2>Sweep file</h2>
<pre>{{.D.YAML}}</pre>
<script>
(function () {
  var select = document.getElementById("panel");
  var panels = document.querySelectorAll("#stability-map .panel");
  function show() {
    for (var i = 0; i < panels.length; i++) {
      panels[i].style.display = panels[i].getAttribute("data-panel") === select.value ? "" : "none";
    }
  }
  select.addEventListener("change", show);
  // report.html#panel=3 opens on panel 3, for links and screenshots.
  var m = /panel=(\d+)/.exec(location.hash);
  if (m && m[1] < panels.length) {
    select.value = m[1];
    show();
  }
})();
</script>
</body>
</html>
`))

// Write writes the report as one self-contained HTML page.
func Write(w io.Writer, d *Data) error {
	if len(d.Cells) == 0 && d.Bins == nil {
		return fmt.Errorf("sweep %s has no stored runs to draw", d.Name)
	}
	var (
		mapSVGText string
		panels     []mapPanel
		ties       []string
		mix        []stripe
		binned     string
	)
	if d.Bins != nil {
		mapSVGText, panels, mix = binnedMapSVG(d)
		binned = binnedText(d)
	} else {
		mapSVGText, panels, ties = mapSVG(d)
	}
	// The selector groups the panels of each set of limits; with one set
	// there is one group without a label, and no optgroup.
	type option struct {
		Value int
		Label string
	}
	type group struct {
		Label   string
		Options []option
	}
	var groups []group
	for i, p := range panels {
		if len(groups) == 0 || groups[len(groups)-1].Label != p.Group {
			groups = append(groups, group{Label: p.Group})
		}
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, option{i, p.Label})
	}
	type provenance struct {
		Name, Value string
		Code        bool
	}
	prov := []provenance{
		{"version", d.Provenance.Version, false},
		{"host", d.Provenance.Host, false},
		{"git commit", d.Provenance.GitCommit, true},
		{"command", d.Provenance.Command, true},
	}
	type legend struct {
		Name  string
		Color template.CSS
	}
	var counts []int64
	var leg []legend
	verdicts := VerdictsOf(d.Method)
	for _, v := range verdicts {
		counts = append(counts, d.Counts[v])
		leg = append(leg, legend{v, template.CSS(Colors[v])})
	}
	if ties != nil {
		var stops []string
		for i, c := range ties {
			stops = append(stops, fmt.Sprintf("%s %.0f%% %.0f%%", c, 100*float64(i)/float64(len(ties)), 100*float64(i+1)/float64(len(ties))))
		}
		leg = append(leg, legend{"tie (split cell: the tied verdicts side by side)", template.CSS("linear-gradient(90deg, " + strings.Join(stops, ", ") + ")")})
	}
	if mix != nil {
		leg = append(leg, legend{"mixed (a cell of runs of several verdicts, striped by their shares)", template.CSS(cssMix(mix))})
	}
	curves := ""
	if d.TraceEvery != 0 {
		curves = curvesSVG(d)
	}
	series, together := seriesText(d)
	return page.Execute(w, map[string]any{
		"D": d, "GD": d.Method == "gradient_descent", "Verdicts": verdicts, "Counts": counts, "Legend": leg,
		"Command": d.Method == string(grid.Command), "Over": over(d), "Series": series, "Together": together,
		"PanelGroups": groups, "Map": template.HTML(mapSVGText), "Frontier": template.HTML(frontierSVG(d)),
		"Varying": varying(d.Limits), "Provenance": prov,
		"Curves": template.HTML(curves), "NoTraces": d.TraceEvery == 0,
		"Rerun": RerunCommand(d), "Binned": binned, "FrontierBinned": frontierBinnedText(d), "Reduced": reducedText(d),
	})
}

// over names what a program's aggregate panel is the commonest verdict
// over: "all values of momentum"; "" when it has no Rest (each cell is
// one run) or is a built-in rule's.
func over(d *Data) string {
	if d.Method != string(grid.Command) || len(d.Rest) == 0 {
		return ""
	}
	return aggregateLabel(d)
}

// seriesText says what a program's frontier has a series per: "set of
// limits (iterations)", "value of momentum", "combination of goal and
// momentum", or several of those; "" for one series. together says which
// axes it draws together instead, when there are too many combinations of
// them to draw apart (see perCombo).
func seriesText(d *Data) (series, together string) {
	var parts []string
	if v := varying(d.Limits); v != "" {
		parts = append(parts, "set of limits ("+v+")")
	}
	var vary []string
	for k, v := range restVaries(d) {
		if v {
			vary = append(vary, d.Rest[k])
		}
	}
	switch {
	case len(vary) == 0:
	case !d.perCombo():
		together = "every value of " + andList(vary) + " together (too many to draw apart)"
	case len(vary) == 1:
		parts = append(parts, "value of "+vary[0])
	default:
		parts = append(parts, "combination of "+andList(vary))
	}
	return strings.Join(parts, " and "), together
}

// RerunCommand returns the command that runs a sweep again with every trace
// row stored.
func RerunCommand(d *Data) string {
	return fmt.Sprintf("sweep run --db %s --trace all %s", shellQuote(d.DB), shellQuote(d.File))
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// x is where a frontier point is drawn: at its value of YAxis, or the
// middle of its bin.
func (f Frontier) x() float64 {
	if f.Values > 1 {
		return (f.Input + f.InputTo) / 2
	}
	return f.Input
}

// roundYTicks reports whether the axis of YAxis is labelled at round
// values, not at its values: when the map or the frontier of a binned
// sweep bins them (see Bins and binFrontier), so that its ticks would no
// longer be cells or points.
func (d *Data) roundYTicks() bool {
	if d.YAxis == "" || d.Bins == nil {
		return false
	}
	_, yBinned := d.Bins.agg.binned(len(d.Rates), len(d.Inputs))
	return yBinned || len(d.Inputs) > maxFrontierPoints
}

// frontierBinnedText says how a frontier of more values of YAxis than
// points is drawn; "" for one drawn a point per value.
func frontierBinnedText(d *Data) string {
	if d.Bins == nil || len(d.Inputs) <= maxFrontierPoints || d.YAxis == "" {
		return ""
	}
	return fmt.Sprintf("The %d values of %s are more than the %d points a series draws: each point is a bin of neighbouring values, at its middle, and its %s is the largest that converged at every one of them (the smallest of their largest).",
		len(d.Inputs), d.YAxis, maxFrontierPoints, d.RateAxis)
}

// reducedText says how the curves of long traces are drawn; "" when every
// curve has all its rows.
func reducedText(d *Data) string {
	var long []string
	for _, c := range d.Curves {
		if c.Rows > int64(len(c.Points)) {
			long = append(long, fmt.Sprintf("run %d (%d of %d rows)", c.RunID, len(c.Points), c.Rows))
		}
	}
	if len(long) == 0 {
		return ""
	}
	return fmt.Sprintf("A trace of more than %d rows is drawn by its first and last row and, in each of %d columns of its steps, its rows of least and largest error: %s.",
		maxCurveRows, curveColumns, strings.Join(long, ", "))
}
