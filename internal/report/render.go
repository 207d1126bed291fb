package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
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

// mapSVG draws the stability map: one panel per (goal, weight) and one for
// all of them, each cell coloured by verdict (the commonest, in the
// aggregate, the tied verdicts side by side where several are commonest),
// with the theory's alpha = 1/x^2 and 2/x^2 over it. ties lists the
// colours of the first tie, nil when there is none.
func mapSVG(d *Data) (svg string, panels []string, ties []string) {
	var b strings.Builder
	svgOpen(&b, "stability-map", "stability map: "+d.RateAxis+" against input, coloured by verdict", 0)
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

	type key struct{ goal, weight float64 }
	type pos struct{ rate, input float64 }
	byPanel := map[key]map[pos]Cell{}
	counts := map[pos]map[string]int{}
	var keys []key
	for _, c := range d.Cells {
		k := key{c.Goal, c.Weight}
		if byPanel[k] == nil {
			byPanel[k] = map[pos]Cell{}
			keys = append(keys, k)
		}
		p := pos{c.Rate, c.Input}
		byPanel[k][p] = c
		if counts[p] == nil {
			counts[p] = map[string]int{}
		}
		counts[p][c.Verdict]++
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.goal != b.goal {
			return cmpFloat(a.goal, b.goal)
		}
		return cmpFloat(a.weight, b.weight)
	})

	cell := func(p pos, fill, verdict, title string) {
		i, j := rateIndex[p.rate], inputIndex[p.input]
		x0, x1 := marginL+(xb[i]-xa.lo)/(xa.hi-xa.lo)*plotW, marginL+(xb[i+1]-xa.lo)/(xa.hi-xa.lo)*plotW
		y0, y1 := ya.from+(yb[j+1]-ya.lo)/(ya.hi-ya.lo)*(ya.to-ya.from), ya.from+(yb[j]-ya.lo)/(ya.hi-ya.lo)*(ya.to-ya.from)
		fmt.Fprintf(&b, `<rect class="cell" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s" shape-rendering="crispEdges" data-rate="%s" data-input="%s" data-verdict="%s"><title>%s</title></rect>`,
			x0, y0, x1-x0, y1-y0, fill, num(p.rate), num(p.input), verdict, template.HTMLEscapeString(title))
	}

	// The aggregate panel first, shown by default.
	panels = append(panels, "all goals and weights")
	fmt.Fprintf(&b, `<g class="panel" data-panel="0">`)
	var ps []pos
	for p := range counts {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b pos) int {
		if a.rate != b.rate {
			return cmpFloat(a.rate, b.rate)
		}
		return cmpFloat(a.input, b.input)
	})
	gradients := map[string]bool{}
	for _, p := range ps {
		var parts []string
		for _, v := range Verdicts {
			if c := counts[p][v]; c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, v))
			}
		}
		title := fmt.Sprintf("%s %g, input %g: %s", d.RateAxis, p.rate, p.input, strings.Join(parts, ", "))
		best := commonest(counts[p])
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
	b.WriteString(`</g>`)
	for i, k := range keys {
		panels = append(panels, fmt.Sprintf("goal %g, weight %g", k.goal, k.weight))
		fmt.Fprintf(&b, `<g class="panel" data-panel="%d" style="display:none">`, i+1)
		for _, p := range ps {
			if c, ok := byPanel[k][p]; ok {
				cell(p, Colors[c.Verdict], c.Verdict, fmt.Sprintf("run %d: %s %g, input %g, goal %g, weight %g: %s in %d steps",
					c.RunID, d.RateAxis, c.Rate, c.Input, c.Goal, c.Weight, c.Verdict, c.Steps))
			}
		}
		b.WriteString(`</g>`)
	}
	if d.Method == "gradient_descent" {
		for _, k := range []float64{1, 2} {
			theoryCurve(&b, xa, ya, k, fmt.Sprintf("theory: alpha = %g/input²", k), k == 2)
		}
	}
	axes(&b, xa, ya, gridTicksSVG(d.Rates, xa, true), gridTicksSVG(d.Inputs, ya, false), d.RateAxis+" (log scale)", "input")
	b.WriteString(`</svg>`)
	return b.String(), panels, ties
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

// frontierSVG draws the largest converging rate per input, beside the
// theory's 2/input^2.
func frontierSVG(d *Data) string {
	var b strings.Builder
	svgOpen(&b, "frontier", "the largest converging "+d.RateAxis+" per input, against the theory", 0)
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
	for _, f := range d.Frontier {
		if !f.HasLargest {
			continue
		}
		fmt.Fprintf(&b, `<circle class="frontier-point" cx="%.1f" cy="%.1f" r="4" fill="%s" data-input="%s" data-rate="%s"><title>input %g: largest converging %s %g (theory %s)</title></circle>`,
			xa.pos(f.Input), ya.pos(f.Largest), Colors["converged"], num(f.Input), num(f.Largest), f.Input, d.RateAxis, f.Largest, theoryText(f.Theory))
	}
	axes(&b, xa, ya, gridTicksSVG(d.Inputs, xa, true), gridTicksSVG(d.Rates, ya, false), "input", "largest converging "+d.RateAxis+" (log scale)")
	b.WriteString(`</svg>`)
	return b.String()
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
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>step %d, weight %s, error %s</title></circle>`,
				xa.pos(float64(p.Step)), y(p.Error), c.Color, p.Step, num(p.Weight), num(p.Error))
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
</style>
</head>
<body>
<h1>sweep {{.D.Name}} ({{.D.Method}})</h1>
<h2>Summary</h2>
<table id="summary">
<tr><th>configs</th><th>stored</th><th>status</th>{{range .Verdicts}}<th>{{.}}</th>{{end}}</tr>
<tr><td>{{.D.Configs}}</td><td>{{.D.Stored}}</td><td>{{.D.Status}}</td>{{range .Counts}}<td>{{.}}</td>{{end}}</tr>
</table>
<p class="legend">{{range .Legend}}<span><i style="background:{{.Color}}"></i>{{.Name}}</span>{{end}}</p>
<h2>Stability map</h2>
<p>Each cell is one {{.D.RateAxis}} and input; its colour is the verdict ({{if .GD}}the commonest over goals and weights in the aggregate; {{end}}hover a cell for the counts or the run). {{if .GD}}The solid line is alpha = 1/input² (no overshoot below it), the dashed one alpha = 2/input² (the theory's edge of convergence).{{end}}</p>
<label>Panel: <select id="panel">{{range $i, $p := .Panels}}<option value="{{$i}}">{{$p}}</option>{{end}}</select></label>
<div>{{.Map}}</div>
<h2>Frontier</h2>
<p>The largest {{.D.RateAxis}} at which every goal and weight converged, per input{{if .GD}}, and the theory's 2/input² (dashed){{end}}.</p>
<div>{{.Frontier}}</div>
<h2>Error curves</h2>
{{if .NoTraces}}<p id="no-traces">Sweep {{.D.Name}} stores no traces (it ran with <code>--trace none</code>), so there are no error curves to draw. To see them, run the sweep again with traces (a sweep of its own beside this one): <code>{{.Rerun}}</code></p>
{{else}}<p>Hover a point for its step, weight and error. An error of 0 is drawn at the axis floor, labelled 0.</p>
<div>{{.Curves}}</div>{{end}}
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
	if len(d.Cells) == 0 {
		return fmt.Errorf("sweep %s has no stored runs to draw", d.Name)
	}
	mapSVGText, panels, ties := mapSVG(d)
	type legend struct {
		Name  string
		Color template.CSS
	}
	var counts []int64
	var leg []legend
	for _, v := range Verdicts {
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
	curves := ""
	if d.TraceEvery != 0 {
		curves = curvesSVG(d)
	}
	return page.Execute(w, map[string]any{
		"D": d, "GD": d.Method == "gradient_descent", "Verdicts": Verdicts, "Counts": counts, "Legend": leg,
		"Panels": panels, "Map": template.HTML(mapSVGText), "Frontier": template.HTML(frontierSVG(d)),
		"Curves": template.HTML(curves), "NoTraces": d.TraceEvery == 0,
		"Rerun": RerunCommand(d),
	})
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
