package report

import (
	"context"
	"math"
	"slices"

	"sweep/internal/store"
)

// The default error curves are one run of each verdict, picked to teach:
// the first run of a verdict is often one that converged at step 0 with
// error 0 (nothing to see on a log axis) or a one-row stalled run, so each
// verdict's runs are tried longest trace first and, among equally long
// ones, nearest the middle of the grid, until one shows a line.

// candidates lists, per verdict, the runs of d in the order pickCurve tries
// them: most trace rows first, then nearest the middle of the grid (in
// grid positions, so a log-spaced rate axis counts like a linear input
// axis), then by id.
func candidates(d *Data) map[string][]int64 {
	order := d.candidateOrder(newValueIndex(d.Rates), newValueIndex(d.Inputs))
	by := map[string][]Cell{}
	for _, c := range d.Cells {
		by[c.Verdict] = append(by[c.Verdict], c)
	}
	out := map[string][]int64{}
	for v, cells := range by {
		slices.SortStableFunc(cells, order)
		for _, c := range cells {
			out[v] = append(out[v], c.RunID)
		}
	}
	return out
}

// candidateOrder returns the order of candidates: most trace rows first,
// then nearest the middle of the grid, then by id. rateIndex and
// inputIndex place a run's rate and input among d.Rates and d.Inputs.
func (d *Data) candidateOrder(rateIndex, inputIndex valueIndex) func(a, b Cell) int {
	middle := func(c Cell) float64 {
		off := func(i, n int) float64 {
			if n < 2 {
				return 0
			}
			return float64(i)/float64(n-1) - 0.5
		}
		return math.Hypot(off(rateIndex.of(c.Rate), len(d.Rates)), off(inputIndex.of(c.Input), len(d.Inputs)))
	}
	return func(a, b Cell) int {
		if a.Steps != b.Steps {
			return cmpFloat(float64(b.Steps), float64(a.Steps))
		}
		if da, db := middle(a), middle(b); math.Abs(da-db) > 1e-12 {
			return cmpFloat(da, db)
		}
		return cmpFloat(float64(a.RunID), float64(b.RunID))
	}
}

// A trace of more than maxCurveRows rows (a run of a million steps) is
// read a row at a time and reduced to what its curve shows at the plot's
// width: per column of the curveColumns its steps span, the rows of least
// and of largest error, and its first and last row. The line through
// them has every extreme the whole trace has at that resolution.
const (
	maxCurveRows = 2048
	curveColumns = plotW
)

// traceReducer reduces a trace of steps rows, given a row at a time in
// any order (see maxCurveRows).
type traceReducer struct {
	steps       int64
	least, most []Point
	has         []bool
	first, last Point
	any         bool
}

func newTraceReducer(steps int64) *traceReducer {
	return &traceReducer{steps: max(steps, 1), least: make([]Point, curveColumns), most: make([]Point, curveColumns), has: make([]bool, curveColumns)}
}

// rank orders errors for the reduction as the error axis places them:
// NaN with the infinities, at the top.
func rank(e float64) float64 {
	if math.IsNaN(e) {
		return math.Inf(1)
	}
	return e
}

func (t *traceReducer) add(p Point) {
	k := min(curveColumns-1, max(0, int(p.Step*curveColumns/t.steps)))
	less := func(a, b Point) bool { // a before b as the least error
		return rank(a.Error) < rank(b.Error) || rank(a.Error) == rank(b.Error) && a.Step < b.Step
	}
	more := func(a, b Point) bool {
		return rank(a.Error) > rank(b.Error) || rank(a.Error) == rank(b.Error) && a.Step < b.Step
	}
	switch {
	case !t.has[k]:
		t.least[k], t.most[k], t.has[k] = p, p, true
	case less(p, t.least[k]):
		t.least[k] = p
	case more(p, t.most[k]):
		t.most[k] = p
	}
	if !t.any || p.Step < t.first.Step {
		t.first = p
	}
	if !t.any || p.Step > t.last.Step {
		t.last = p
	}
	t.any = true
}

// points returns the rows kept, by step.
func (t *traceReducer) points() []Point {
	if !t.any {
		return nil
	}
	out := []Point{t.first, t.last}
	for k, ok := range t.has {
		if ok {
			out = append(out, t.least[k], t.most[k])
		}
	}
	slices.SortFunc(out, func(a, b Point) int { return cmpFloat(float64(a.Step), float64(b.Step)) })
	return slices.CompactFunc(out, func(a, b Point) bool { return a.Step == b.Step })
}

// visible counts the points of a curve that a log axis shows where they
// are: finite errors above zero.
func visible(c Curve) int {
	n := 0
	for _, p := range c.Points {
		if p.Error > 0 && !math.IsInf(p.Error, 0) {
			n++
		}
	}
	return n
}

// maxTries bounds the traces read per verdict, so that a sweep of a million
// runs whose longest runs all end at error 0 is not read whole.
const maxTries = 8

// pickCurve loads the first of ids whose curve shows a line (two visible
// points, or every point of a shorter trace); failing that, the one with
// the most visible points among those tried. It returns nil for no ids,
// and when none of those tried has a row.
func pickCurve(ctx context.Context, r *store.Reader, d *Data, ids []int64) (*Curve, error) {
	var best *Curve
	for i, id := range ids {
		if i == maxTries {
			break
		}
		c, err := loadCurve(ctx, r, d, id)
		if err != nil {
			return nil, err
		}
		if n := visible(c); n >= min(2, len(c.Points)) && len(c.Points) > 0 {
			return &c, nil
		}
		if best == nil || visible(c) > visible(*best) {
			best = &c
		}
	}
	if best != nil && len(best.Points) == 0 {
		// A program that failed before its first row: no curve to draw.
		return nil, nil
	}
	return best, nil
}

// extraColors are the colours of curves after the first of their verdict
// (which has the verdict's colour): the rest of the Okabe-Ito palette and
// Paul Tol's muted one, none of them a verdict's colour.
var extraColors = []string{"#56B4E9", "#CC79A7", "#000000", "#332288", "#882255", "#44AA99", "#117733", "#AA4499", "#88CCEE", "#DDCC77"}

// curveColors gives every curve a colour of its own: the first curve of
// each verdict the verdict's colour, so that curves and map read alike;
// the others the next unused colour of extraColors that is none of the
// verdicts' colours (avoid: a program's failed is one of them), dashed
// once those run out.
func curveColors(curves []Curve, avoid map[string]bool) {
	palette := unlike(extraColors, avoid)
	used := map[string]bool{}
	next := 0
	for i := range curves {
		c := &curves[i]
		if col := Colors[c.Verdict]; col != "" && !used[col] {
			c.Color, used[col] = col, true
			continue
		}
		c.Color = palette[next%len(palette)]
		c.Dashed = next >= len(palette)
		next++
	}
}

// unlike returns the colours of palette that are not in avoid.
func unlike(palette []string, avoid map[string]bool) []string {
	return slices.DeleteFunc(slices.Clone(palette), func(c string) bool { return avoid[c] })
}
