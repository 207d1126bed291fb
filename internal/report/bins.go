package report

// A map is drawn run by run only while that stays small: a sweep of more
// than maxExactRuns stored runs (W2 has 1.5 million) is drawn binned, to
// what a screen can show. Its runs are read twice, a row at a time, and
// never held: the first pass finds the values of each axis, the sets of
// limits and the combinations of Rest; the second counts each run into the
// cell of its bin, per panel, finds the frontier and the runs whose error
// curves are drawn by default. What is held grows with the axes (their
// distinct values) and the cells of the map, never with the runs.
//
// An axis is binned when it has more distinct values than a panel has
// columns (rates) or rows (inputs): its range, in the units it is drawn
// in (log10 for the rate), is cut into that many equal parts, and the
// values that fall into one part share a cell, which spans them on the
// map. An axis of no more values than that keeps a cell per value. All
// panels together have at most maxMapCells cells: the aggregate panels
// (one per set of limits) up to maxRateBins by maxYBins, and the panels of
// one combination of Rest (goal and weight) share what is left, scaled
// down alike on both axes; when that leaves too little for a panel each
// (minPanelCells), there are none, and the report says so.
//
// A binned cell holds runs of several rates and inputs, and in the
// aggregate of several goals and weights, that may have ended in several
// verdicts. It shows their mix: a cell whose runs all ended alike has
// their verdict's colour; one of several verdicts is split into stripes,
// one per verdict, each as wide as its share of the cell's runs, to the
// percent. A share of under half a percent is too thin to see and is not
// drawn; the cell's title (hover) has every count.

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/store"
)

const (
	// maxExactRuns is the most stored runs a map draws one by one, each
	// in a cell of its own (W1, 8,400 runs, is 2.75 MB of HTML).
	maxExactRuns = 10_000
	// maxRateBins and maxYBins are the most columns and rows of a binned
	// panel: cells of at least 6.7 by 5.6 of the plot's 640 by 360 units.
	maxRateBins, maxYBins = 96, 64
	// maxMapCells bounds the cells of all panels of a binned map: about
	// 5 MB of HTML.
	maxMapCells = 16_000
	// minPanelCells is the fewest cells a panel of one combination of
	// Rest may have; below it, those panels are not drawn.
	minPanelCells = 48
	// maxCombos is the most combinations of Rest that can have a panel
	// each: beyond it, the first pass stops telling them apart.
	maxCombos = maxMapCells / minPanelCells
	// maxFrontierPoints is the most points of a frontier series: one per
	// unit of the plot's width. More inputs are binned as the map's are.
	maxFrontierPoints = 640
)

// span is a group of consecutive values of a sorted axis: the indexes of
// its first and last value.
type span struct{ lo, hi int }

func (s span) n() int { return s.hi - s.lo + 1 }

// binValues groups sorted distinct values into at most n spans of
// consecutive values: each value a span of its own when there are at most
// n of them; else the values that fall into one of equal parts of their
// range (of their log10, when log), where a value that is not finite
// there (NaN, an infinity, and on a log axis 0 or less) is a span of its
// own and takes one part from the others.
func binValues(values []float64, n int, log bool) []span {
	n = max(n, 1)
	var out []span
	if len(values) <= n {
		for i := range values {
			out = append(out, span{i, i})
		}
		return out
	}
	unit := func(v float64) float64 {
		if log {
			return math.Log10(v)
		}
		return v
	}
	finite := func(u float64) bool { return !math.IsNaN(u) && !math.IsInf(u, 0) }
	lo, hi, odd := math.Inf(1), math.Inf(-1), 0
	for _, v := range values {
		if u := unit(v); finite(u) {
			lo, hi = math.Min(lo, u), math.Max(hi, u)
		} else {
			odd++
		}
	}
	parts := max(1, n-odd)
	part := func(u float64) int {
		if hi <= lo {
			return 0
		}
		// Halved, so that a range of -1e308 to 1e308 does not overflow.
		f := (u/2 - lo/2) / (hi/2 - lo/2)
		return min(parts-1, max(0, int(f*float64(parts))))
	}
	prev := -1 // the part of the last span; -1 after a non-finite value
	for i, v := range values {
		u := unit(v)
		if !finite(u) {
			out, prev = append(out, span{i, i}), -1
			continue
		}
		if p := part(u); p == prev {
			out[len(out)-1].hi = i
		} else {
			out, prev = append(out, span{i, i}), p
		}
	}
	return out
}

// binning is the bins of a panel's axes: the spans of the rates
// (columns) and of the values of YAxis (rows), and the span of each value.
type binning struct {
	cols, rows   []span
	colOf, rowOf []int
}

func newBinning(rates, ys []float64, cols, rows int) *binning {
	b := &binning{cols: binValues(rates, cols, true), rows: binValues(ys, rows, false)}
	b.colOf, b.rowOf = spanOf(b.cols, len(rates)), spanOf(b.rows, len(ys))
	return b
}

func spanOf(spans []span, n int) []int {
	out := make([]int, n)
	for k, s := range spans {
		for i := s.lo; i <= s.hi; i++ {
			out[i] = k
		}
	}
	return out
}

// binned reports whether the binning merges values of either axis.
func (b *binning) binned(rates, ys int) (rateBinned, yBinned bool) {
	return len(b.cols) < rates, len(b.rows) < ys
}

// panelShape returns the columns and rows of a panel of at most cells
// cells (at least one), for nr rates and ny values of YAxis: each axis its
// values, up to maxRateBins and maxYBins, both scaled down alike when
// their product exceeds cells.
func panelShape(nr, ny, cells int) (cols, rows int) {
	maxCols, maxRows := max(1, min(nr, maxRateBins)), max(1, min(ny, maxYBins))
	cols, rows, cells = maxCols, maxRows, max(cells, 1)
	if cols*rows <= cells {
		return cols, rows
	}
	s := math.Sqrt(float64(cells) / float64(cols*rows))
	cols, rows = max(1, int(float64(cols)*s)), max(1, int(float64(rows)*s))
	for {
		switch {
		case cols < maxCols && (cols+1)*rows <= cells:
			cols++
		case rows < maxRows && cols*(rows+1) <= cells:
			rows++
		default:
			return cols, rows
		}
	}
}

// planMap returns the shape of a binned map's aggregate panels (one per
// set of limits, nLimits) and of its panels of one combination of Rest
// (comboPanels of them; 0 when there are none or too many to count), for
// nr rates and ny values of YAxis. Aggregates take up to half of
// maxMapCells when there are combination panels, all of it when not;
// combination panels share the rest, and get none (zero shape) when that
// is under minPanelCells each.
func planMap(nLimits, comboPanels, nr, ny int) (agg, combo [2]int) {
	nLimits = max(nLimits, 1)
	budget := maxMapCells
	if comboPanels > 0 {
		budget /= 2
	}
	agg[0], agg[1] = panelShape(nr, ny, budget/nLimits)
	if comboPanels <= 0 {
		return agg, combo
	}
	each := (maxMapCells - nLimits*agg[0]*agg[1]) / comboPanels
	if each < minPanelCells {
		return agg, combo
	}
	combo[0], combo[1] = panelShape(nr, ny, each)
	return agg, combo
}

// Bins is the map of a sweep of more runs than are drawn one by one
// (maxExactRuns): its runs counted into the cells of bins of rates and
// values of YAxis, per panel. Load fills it; nil for a sweep drawn run by
// run.
type Bins struct {
	// Runs is the number of runs counted; Cells the number of cells, over
	// all panels, that hold runs.
	Runs  int64
	Cells int
	// Combos is the number of combinations of the values of Rest, and
	// ComboPanels whether each has panels of its own (false when there
	// are too many for the map's cells, or no Rest).
	Combos      int
	ComboPanels bool

	agg, combo *binning // the bins of the aggregate and of the other panels
	panels     []*binPanel
}

// binPanel is one panel of a binned map: the runs of one set of limits,
// all of them (combo -1, the aggregate) or those of one combination of
// Rest, counted per cell (column-major: cell i*len(rows)+j is column i,
// row j) and verdict.
type binPanel struct {
	limits Limits
	combo  int
	bins   *binning
	cells  []binCell
	counts []int64 // counts[cell*verdicts+v]: the runs of the cell of verdict v
}

// binCell is a cell of a binned panel: how many runs it holds and, when
// it holds one, which (and its steps and reason, for its title).
type binCell struct {
	n, run, steps int64
	reason        string
}

// cellCounts returns the counts, per verdict, of cell k of p.
func (p *binPanel) cellCounts(k, verdicts int) []int64 {
	return p.counts[k*verdicts : (k+1)*verdicts]
}

// valueIndex finds a value's place among sorted distinct values: -0 is 0,
// as in SQL, and NaN (a NULL) has a place of its own.
type valueIndex struct {
	index map[float64]int
	nan   int
}

func newValueIndex(sorted []float64) valueIndex {
	v := valueIndex{index: make(map[float64]int, len(sorted)), nan: -1}
	for i, x := range sorted {
		if math.IsNaN(x) {
			v.nan = i
		} else {
			v.index[x] = i
		}
	}
	return v
}

// of returns the place of x, -1 for a value that is not among them.
func (v valueIndex) of(x float64) int {
	if math.IsNaN(x) {
		return v.nan
	}
	if i, ok := v.index[x]; ok {
		return i
	}
	return -1
}

// valueSet collects distinct values.
type valueSet struct {
	seen map[float64]bool
	nan  bool
}

func (s *valueSet) add(x float64) {
	if math.IsNaN(x) {
		s.nan = true
		return
	}
	if s.seen == nil {
		s.seen = map[float64]bool{}
	}
	s.seen[x] = true
}

// sorted returns the values ascending, NaN first (as slices.Sort puts it).
func (s *valueSet) sorted() []float64 {
	var out []float64
	if s.nan {
		out = append(out, math.NaN())
	}
	for x := range s.seen {
		out = append(out, x)
	}
	slices.Sort(out)
	return out
}

// binScanner reads the runs of a binned sweep with as few columns as it
// can, since the driver's cost is per column of each row (W2 has 1.5
// million): it leaves out the value of YAxis when there is none and the
// limits when there is one set of them, and its first pass reads the axes
// and limits only; the second reads the verdict as a number with the
// steps.
type binScanner struct {
	c        Cell
	vals     []float64 // the values of Rest, NaN for NULL
	full     bool      // the second pass: the verdict, steps and reason too
	verdicts []string
	readsY   bool // whether the sweep has a YAxis to read
	y        sql.NullFloat64
	rest     []sql.NullFloat64
	code     int64 // steps*8 + the verdict's index (7 for another)
	why      sql.NullString
	dest     []any
}

// newBinScanner returns a scanner of d's runs, of every column (full) or
// those of the first pass, and its query and arguments.
func newBinScanner(d *Data, full bool, limits []Limits) (*binScanner, string, []any) {
	s := &binScanner{vals: make([]float64, len(d.Rest)), rest: make([]sql.NullFloat64, len(d.Rest)), verdicts: VerdictsOf(d.Method), readsY: d.YAxis != "", full: full}
	var cols []string
	var args []any
	if full {
		cols, s.dest = append(cols, "id"), append(s.dest, &s.c.RunID)
	}
	cols, s.dest = append(cols, "coalesce(alpha, step_amount)"), append(s.dest, &s.c.Rate)
	if s.readsY {
		col, a := axisColumn(d.YAxis)
		cols, args, s.dest = append(cols, col), append(args, a...), append(s.dest, &s.y)
	}
	rest, restArgs := restColumns(d)
	cols, args = append(cols, rest...), append(args, restArgs...)
	for i := range s.rest {
		s.dest = append(s.dest, &s.rest[i])
	}
	if len(limits) != 1 {
		cols = append(cols, "iterations", "tolerance", "divergence")
		s.dest = append(s.dest, &s.c.Limits.Iterations, &s.c.Limits.Tolerance, &s.c.Limits.Divergence)
	} else {
		s.c.Limits = limits[0]
	}
	if full {
		var code strings.Builder
		code.WriteString("steps * 8 + CASE verdict")
		for i, v := range s.verdicts {
			fmt.Fprintf(&code, " WHEN '%s' THEN %d", v, i)
		}
		code.WriteString(" ELSE 7 END")
		cols, s.dest = append(cols, code.String()), append(s.dest, &s.code)
		if d.Method == string(grid.Command) {
			cols = append(cols, "(SELECT reason FROM run_failures f WHERE f.run_id = runs.id)")
			s.dest = append(s.dest, &s.why)
		}
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM runs WHERE sweep_id = ? ORDER BY id"
	return s, q, append(args, d.SweepID)
}

// scan reads the current row: the Cell is valid until the next scan, and
// its Rest is unset (the values are in vals).
func (s *binScanner) scan(rows *sql.Rows) (*Cell, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, err
	}
	s.c.Input, s.c.Reason = 0, s.why.String
	if s.readsY {
		s.c.Input = nullNaN(s.y)
	}
	for i, v := range s.rest {
		s.vals[i] = nullNaN(v)
	}
	s.c.Steps, s.c.Verdict = s.code>>3, ""
	if v := int(s.code & 7); s.full && v < len(s.verdicts) {
		s.c.Verdict = s.verdicts[v]
	}
	return &s.c, nil
}

// survey is what the first pass over a binned sweep's runs finds.
type survey struct {
	rates, ys valueSet
	limits    map[Limits]bool
	// combos are the combinations of Rest by key (see comboKey), up to
	// maxCombos, and pairs the sets of limits each has runs of; tooMany
	// is set, and both nil, when there are more.
	combos  map[string][]float64
	pairs   map[string]map[Limits]bool
	tooMany bool
	first   []float64 // the first run's values of Rest
	varies  []bool    // per axis of Rest, whether its value varies
	key     []byte
}

func (sv *survey) add(c *Cell, vals []float64) {
	sv.rates.add(c.Rate)
	sv.ys.add(c.Input)
	sv.limits[c.Limits] = true
	if len(vals) == 0 {
		return
	}
	if sv.first == nil {
		sv.first, sv.varies = slices.Clone(vals), make([]bool, len(vals))
	}
	for i, v := range vals {
		sv.varies[i] = sv.varies[i] || !(v == sv.first[i] || math.IsNaN(v) && math.IsNaN(sv.first[i]))
	}
	if sv.tooMany {
		return
	}
	sv.key = comboKey(sv.key, vals)
	if _, ok := sv.combos[string(sv.key)]; !ok {
		if len(sv.combos) == maxCombos {
			sv.tooMany, sv.combos, sv.pairs = true, nil, nil
			return
		}
		sv.combos[string(sv.key)] = slices.Clone(vals)
		sv.pairs[string(sv.key)] = map[Limits]bool{}
	}
	sv.pairs[string(sv.key)][c.Limits] = true
}

// comboPanels returns the number of panels of one combination of Rest
// and one set of limits that have runs (0 for too many to tell apart).
func (sv *survey) comboPanels() int {
	n := 0
	for _, sets := range sv.pairs {
		n += len(sets)
	}
	return n
}

// add counts a run of rate ri, value of YAxis yi and verdict v (-1 for
// one of none of the map's verdicts) into p.
func (p *binPanel) add(c *Cell, ri, yi, v, verdicts int) {
	k := p.bins.colOf[ri]*len(p.bins.rows) + p.bins.rowOf[yi]
	cell := &p.cells[k]
	cell.n++
	if cell.n == 1 {
		cell.run, cell.steps, cell.reason = c.RunID, c.Steps, c.Reason
	}
	if v >= 0 {
		p.counts[k*verdicts+v]++
	}
}

// pass is one pass over a sweep's runs: it calls f with each run and its
// values of Rest (both valid until f returns), and returns f's first
// error or its own.
type pass func(f func(c *Cell, rest []float64) error) error

// loadBinned fills d from its runs without holding them (see Bins and
// binRuns), in two passes of SQL, a row at a time.
func loadBinned(ctx context.Context, r *store.Reader, d *Data, wantCurves bool) (map[string][]int64, error) {
	// The sets of limits first: with one, the passes need not read them.
	var limits []Limits
	err := query(ctx, r, "SELECT DISTINCT iterations, tolerance, divergence FROM runs WHERE sweep_id = ?", []any{d.SweepID},
		func(rows *sql.Rows) error {
			var l Limits
			err := rows.Scan(&l.Iterations, &l.Tolerance, &l.Divergence)
			limits = append(limits, l)
			return err
		})
	if err != nil {
		return nil, err
	}
	passOf := func(full bool) pass {
		return func(f func(c *Cell, rest []float64) error) error {
			s, q, args := newBinScanner(d, full, limits)
			return query(ctx, r, q, args, func(rows *sql.Rows) error {
				c, err := s.scan(rows)
				if err != nil {
					return err
				}
				return f(c, s.vals)
			})
		}
	}
	picks, err := binRuns(d, passOf(false), passOf(true), wantCurves)
	if err != nil || d.Bins.Combos >= 0 {
		return picks, err
	}
	// More combinations of Rest than the first pass tells apart: count
	// them, for the report.
	cols, args := restColumns(d)
	err = query(ctx, r, `SELECT count(*) FROM (SELECT DISTINCT `+strings.Join(cols, ", ")+` FROM runs WHERE sweep_id = ?)`,
		append(args, d.SweepID), func(rows *sql.Rows) error { return rows.Scan(&d.Bins.Combos) })
	return picks, err
}

// query runs q and calls f on each row.
func query(ctx context.Context, r *store.Reader, q string, args []any, f func(*sql.Rows) error) error {
	rows, err := r.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// binRuns fills d from two passes over its runs without holding them
// (see Bins): the first finds the axes' values, the sets of limits and
// the combinations of Rest; the second counts the runs into the cells of
// the map's panels and finds the frontier. With wantCurves it returns,
// per verdict, the runs to try for its default error curve, as many and
// in the order pickCurve tries of candidates. Bins.Combos is -1 when
// there are more combinations of Rest than maxCombos.
func binRuns(d *Data, first, second pass, wantCurves bool) (map[string][]int64, error) {
	sv := &survey{limits: map[Limits]bool{}, combos: map[string][]float64{}, pairs: map[string]map[Limits]bool{}}
	err := first(func(c *Cell, rest []float64) error {
		sv.add(c, rest)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Rates, d.Inputs, d.Limits = sv.rates.sorted(), sv.ys.sorted(), nil
	for l := range sv.limits {
		d.Limits = append(d.Limits, l)
	}
	slices.SortFunc(d.Limits, cmpLimits)
	d.restVary = sv.varies
	if d.restVary == nil {
		d.restVary = make([]bool, len(d.Rest))
	}

	b := &Bins{Combos: len(sv.combos)}
	if sv.tooMany {
		b.Combos = -1
	}
	d.Bins = b
	aggShape, comboShape := planMap(len(d.Limits), sv.comboPanels(), len(d.Rates), len(d.Inputs))
	b.agg = newBinning(d.Rates, d.Inputs, aggShape[0], aggShape[1])
	b.ComboPanels = comboShape[0] > 0
	// The combinations, sorted, are listed when they have panels (and so
	// when a program's sweep draws them apart: see perCombo).
	comboIndex := map[string]int{}
	if b.ComboPanels {
		b.combo = newBinning(d.Rates, d.Inputs, comboShape[0], comboShape[1])
		for _, vals := range sv.combos {
			d.Combos = append(d.Combos, vals)
		}
		slices.SortFunc(d.Combos, cmpCombo)
		for i, vals := range d.Combos {
			comboIndex[string(comboKey(nil, vals))] = i
		}
	}

	// The panels, in the order of mapPanels: per set of limits its
	// aggregate, then each combination's that has runs.
	verdicts := VerdictsOf(d.Method)
	nv := len(verdicts)
	newPanel := func(l Limits, combo int, bins *binning) *binPanel {
		n := len(bins.cols) * len(bins.rows)
		return &binPanel{limits: l, combo: combo, bins: bins, cells: make([]binCell, n), counts: make([]int64, n*nv)}
	}
	nl, nc := len(d.Limits), len(d.Combos)
	limitsIndex := map[Limits]int{}
	aggPanel, comboPanel := make([]*binPanel, nl), make([]*binPanel, nl*nc)
	d.present = map[group]bool{}
	for li, l := range d.Limits {
		limitsIndex[l] = li
		aggPanel[li] = newPanel(l, -1, b.agg)
		b.panels = append(b.panels, aggPanel[li])
		for ci, vals := range d.Combos {
			if sv.pairs[string(comboKey(nil, vals))][l] {
				comboPanel[li*nc+ci] = newPanel(l, ci, b.combo)
				b.panels = append(b.panels, comboPanel[li*nc+ci])
				d.present[group{l, ci}] = true
			}
		}
	}

	// The frontier: per group (see groups), value of YAxis and rate,
	// whether it has runs and whether any of them did not converge.
	perCombo := d.perCombo()
	rateIndex, yIndex := newValueIndex(d.Rates), newValueIndex(d.Inputs)
	nr, ny := len(d.Rates), len(d.Inputs)
	groupOf := func(li, ci int) int {
		if perCombo {
			return li*nc + ci
		}
		return li
	}
	nGroups := nl
	if perCombo {
		nGroups *= nc
	}
	present, failed := newBits(nGroups*ny*nr), newBits(nGroups*ny*nr)

	// The default curves: per verdict, the first maxTries runs in the
	// order of candidates.
	var picks map[string][]Cell
	if wantCurves {
		picks = map[string][]Cell{}
	}
	order := d.candidateOrder(rateIndex, yIndex)

	// The second pass.
	err = second(func(c *Cell, rest []float64) error {
		ri, yi := rateIndex.of(c.Rate), yIndex.of(c.Input)
		li, ok := limitsIndex[c.Limits]
		if ri < 0 || yi < 0 || !ok {
			return nil // a run stored after the first pass (a sweep still running)
		}
		v := slices.Index(verdicts, c.Verdict)
		if v >= 0 {
			d.Counts[c.Verdict]++
		}
		b.Runs++
		aggPanel[li].add(c, ri, yi, v, nv)
		ci := -1
		if nc > 0 {
			sv.key = comboKey(sv.key, rest)
			if i, ok := comboIndex[string(sv.key)]; ok {
				ci = i
				if p := comboPanel[li*nc+ci]; p != nil {
					p.add(c, ri, yi, v, nv)
				}
			}
		}
		if !perCombo || ci >= 0 {
			at := (groupOf(li, max(ci, 0))*ny+yi)*nr + ri
			present.set(at)
			if c.Verdict != "converged" {
				failed.set(at)
			}
		}
		if picks != nil {
			keepBest(picks, c, order)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range b.panels {
		for _, cell := range p.cells {
			if cell.n > 0 {
				b.Cells++
			}
		}
	}

	// The frontier, per group, then per value of YAxis (binned when there
	// are more than maxFrontierPoints).
	for _, g := range groups(d) {
		gi := groupOf(limitsIndex[g.limits], max(g.combo, 0))
		var points []Frontier
		for yi, x := range d.Inputs {
			f := Frontier{Limits: g.limits, Combo: g.combo, Input: x, Theory: theoryAt(d, x)}
			for ri := nr - 1; ri >= 0; ri-- {
				if at := (gi*ny+yi)*nr + ri; present.get(at) && !failed.get(at) {
					f.Largest, f.HasLargest = d.Rates[ri], true
					break
				}
			}
			points = append(points, f)
		}
		d.Frontier = append(d.Frontier, binFrontier(d, points)...)
	}
	if picks == nil {
		return nil, nil
	}
	out := map[string][]int64{}
	for v, cells := range picks {
		for _, c := range cells {
			out[v] = append(out[v], c.RunID)
		}
	}
	return out, nil
}

// comboKey appends to key[:0] the key of a combination of values of Rest,
// -0 as 0.
func comboKey(key []byte, vals []float64) []byte {
	key = key[:0]
	for _, v := range vals {
		if v == 0 {
			v = 0 // -0 is 0, as in SQL
		}
		key = binary.LittleEndian.AppendUint64(key, math.Float64bits(v))
	}
	return key
}

func cmpCombo(a, b []float64) int {
	for i := range a {
		if c := cmpFloat(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// bits is a set of small integers.
type bits []uint64

func newBits(n int) bits      { return make(bits, (n+63)/64) }
func (b bits) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bits) get(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// theoryAt is the theory's edge of convergence at input x, 2/x^2, for
// gradient descent; +Inf for the other methods and at input 0.
func theoryAt(d *Data, x float64) float64 {
	if x != 0 && d.Method == "gradient_descent" {
		return 2 / (x * x)
	}
	return math.Inf(1)
}

// binFrontier returns the points of one frontier series as drawn: each
// value of YAxis its own while there are at most maxFrontierPoints, else
// binned as the map's axes are (see binValues). A bin's point is the
// smallest of its values' largest converging rates (the rate that
// converged at each of them where any did), at the middle of the bin.
func binFrontier(d *Data, points []Frontier) []Frontier {
	if len(points) <= maxFrontierPoints {
		return points
	}
	var out []Frontier
	for _, s := range binValues(d.Inputs, maxFrontierPoints, false) {
		f := points[s.lo]
		f.InputTo, f.Values = points[s.hi].Input, s.n()
		f.Theory = theoryAt(d, (f.Input+f.InputTo)/2)
		for _, p := range points[s.lo+1 : s.hi+1] {
			if p.HasLargest && (!f.HasLargest || p.Largest < f.Largest) {
				f.Largest, f.HasLargest = p.Largest, true
			}
		}
		out = append(out, f)
	}
	return out
}

// keepBest adds c to the runs picked for its verdict when it is among the
// first maxTries in order, after those that order equal to it (a stable
// sort of the runs in id order would put it there).
func keepBest(picks map[string][]Cell, c *Cell, order func(a, b Cell) int) {
	list := picks[c.Verdict]
	i := len(list)
	for i > 0 && order(*c, list[i-1]) < 0 {
		i--
	}
	if i == maxTries {
		return
	}
	kept := *c
	kept.Reason, kept.Rest = "", nil
	list = slices.Insert(list, i, kept)
	if len(list) > maxTries {
		list = list[:maxTries]
	}
	picks[c.Verdict] = list
}
