package report

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// The map and the frontier label their grid axes at the grid's own values
// (inputs 0.5, 1, 2 are labelled 0.5, 1, 2, not 0.5, 1.5, 2.5), every one
// of them when the labels fit, else every k-th, the smallest k whose
// labels do not overlap, always with both ends. The values left unlabelled
// keep an unlabelled tick.

// tickLabel is a grid value as an axis prints it: three significant
// digits, which tell apart the values of any grid of up to a few hundred
// per decade.
func tickLabel(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// thin returns the indexes of n ticks to label: every k-th from the first,
// for the smallest k at which no two neighbours overlap, and always the
// last (dropping the one before it if the two would overlap). Two ends that
// overlap each other are still both returned.
func thin(n int, overlap func(i, j int) bool) []int {
	if n == 0 {
		return nil
	}
	for k := 1; ; k++ {
		var idx []int
		for i := 0; i < n; i += k {
			idx = append(idx, i)
		}
		if last := idx[len(idx)-1]; last != n-1 {
			if len(idx) > 1 && overlap(last, n-1) {
				idx = idx[:len(idx)-1]
			}
			idx = append(idx, n-1)
		}
		ok := true
		for a := 1; a < len(idx); a++ {
			if overlap(idx[a-1], idx[a]) {
				ok = false
				break
			}
		}
		if ok || k >= n {
			return idx
		}
	}
}

// axisTick is one tick of an SVG axis: a value (not its log) and a label,
// empty for a tick without one.
type axisTick struct {
	v     float64
	label string
}

// svgCharW and svgLabelGap estimate the width of an 11px sans-serif label
// and the room wanted between two.
const svgCharW, svgLabelGap = 6.6, 6

// gridTicksSVG returns the ticks of an SVG axis at the grid values: a, its
// pixels, and whether it runs across (x: labels side by side) or up (y:
// labels stacked).
func gridTicksSVG(values []float64, a axis, horizontal bool) []axisTick {
	overlap := func(i, j int) bool {
		d := math.Abs(a.pos(values[i]) - a.pos(values[j]))
		if !horizontal {
			return d < 11+2
		}
		wi, wj := float64(len(tickLabel(values[i])))*svgCharW, float64(len(tickLabel(values[j])))*svgCharW
		return d < (wi+wj)/2+svgLabelGap
	}
	return labelled(values, thin(len(values), overlap))
}

func labelled(values []float64, idx []int) []axisTick {
	out := make([]axisTick, len(values))
	for i, v := range values {
		out[i] = axisTick{v: v}
	}
	for _, i := range idx {
		out[i].label = tickLabel(values[i])
	}
	return out
}

// gridTicker is a gonum tick marker at the grid's values. at maps a value
// to the axis's units (math.Log10 on a log axis drawn as a linear one, nil
// for the value itself); length is the axis's length in points and width
// (height on a vertical axis) the room a label takes, in points.
type gridTicker struct {
	values []float64
	at     func(float64) float64
	length float64
	width  func(label string) float64
}

// Ticks returns a tick at every grid value inside [min, max], labelled as
// thin allows.
func (g gridTicker) Ticks(min, max float64) []plot.Tick {
	at := g.at
	if at == nil {
		at = func(v float64) float64 { return v }
	}
	var vs []float64
	for _, v := range g.values {
		if u := at(v); u >= min-1e-9 && u <= max+1e-9 {
			vs = append(vs, v)
		}
	}
	scale := g.length / (max - min)
	overlap := func(i, j int) bool {
		d := math.Abs(at(vs[i])-at(vs[j])) * scale
		return d < (g.width(tickLabel(vs[i]))+g.width(tickLabel(vs[j])))/2+4
	}
	var out []plot.Tick
	for _, t := range labelled(vs, thin(len(vs), overlap)) {
		out = append(out, plot.Tick{Value: at(t.v), Label: t.label})
	}
	return out
}
