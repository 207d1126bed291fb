// Package report draws a sweep as pictures: the stability map (rate
// against input, each cell coloured by verdict, with the theory's
// boundaries over it), the safe-rate frontier and error curves, gathered
// into one self-contained HTML file that needs no network to view, with
// the sweep's summary and provenance.
//
// A user's program (method: command) names its axes freely: its map is
// the rate against its first other axis (input when it has one), with a
// panel per value of the axes after that, where the built-in rules have a
// panel per goal and weight; the theory's lines are drawn for gradient
// descent only, and its runs may have the verdict failed, which has a
// colour of its own. A built-in sweep's pictures are as they always were.
//
// Runs of different limits (iterations, tolerance, divergence, which a
// sweep may vary as axes) are different experiments: the map draws a set
// of panels and the frontier a series per set of limits, and names the
// limits only when there are several sets, so that the report of a sweep
// of one set reads as it did before limits could vary.
package report

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/runner"
	"sweep/internal/store"
)

// Cell is one config of the map: its position and verdict.
type Cell struct {
	RunID int64
	Rate  float64
	// Input is the run's value on the map's other axis, Data.YAxis:
	// input for the built-in rules; 0 when the sweep has no such axis.
	Input float64
	// Rest holds the run's values of Data.Rest, in that order: goal and
	// weight for the built-in rules. Runs of equal values share one slice.
	Rest    []float64
	Limits  Limits
	Verdict string
	Steps   int64
	// Reason is why a failed run failed ("exit status 3"); "" for any
	// other.
	Reason string
	// combo is the index of Rest in Data.Combos (see arrange).
	combo int
}

// Limits are the stopping rules a run ran under, which a sweep may vary
// as axes: runs of different limits are different experiments, so the
// map and the frontier never mix them.
type Limits struct {
	Iterations            int64
	Tolerance, Divergence float64
}

func cmpLimits(a, b Limits) int {
	if a.Iterations != b.Iterations {
		return cmpFloat(float64(a.Iterations), float64(b.Iterations))
	}
	if a.Tolerance != b.Tolerance {
		return cmpFloat(a.Tolerance, b.Tolerance)
	}
	return cmpFloat(a.Divergence, b.Divergence)
}

// limitSets returns the distinct limits of cells, sorted by iterations,
// then tolerance, then divergence.
func limitSets(cells []Cell) []Limits {
	seen := map[Limits]bool{}
	var out []Limits
	for _, c := range cells {
		if !seen[c.Limits] {
			seen[c.Limits] = true
			out = append(out, c.Limits)
		}
	}
	slices.SortFunc(out, cmpLimits)
	return out
}

// varies reports which limits differ among sets.
func varies(sets []Limits) (iter, tol, div bool) {
	for _, l := range sets {
		iter = iter || l.Iterations != sets[0].Iterations
		tol = tol || l.Tolerance != sets[0].Tolerance
		div = div || l.Divergence != sets[0].Divergence
	}
	return iter, tol, div
}

// limitsNamer returns a function that names a set of limits by the limits
// that differ among sets ("iterations 100", "tolerance 1e-06, divergence
// 1e+06"): what tells the sets apart, and "" when there is one set.
func limitsNamer(sets []Limits) func(Limits) string {
	iter, tol, div := varies(sets)
	return func(l Limits) string {
		var parts []string
		if iter {
			parts = append(parts, fmt.Sprintf("iterations %d", l.Iterations))
		}
		if tol {
			parts = append(parts, fmt.Sprintf("tolerance %g", l.Tolerance))
		}
		if div {
			parts = append(parts, fmt.Sprintf("divergence %g", l.Divergence))
		}
		return strings.Join(parts, ", ")
	}
}

// varying names the limits that differ among sets, for prose:
// "iterations", "iterations and tolerance", "iterations, tolerance and
// divergence"; "" when there is one set.
func varying(sets []Limits) string {
	iter, tol, div := varies(sets)
	var names []string
	for _, n := range []struct {
		name string
		vary bool
	}{{"iterations", iter}, {"tolerance", tol}, {"divergence", div}} {
		if n.vary {
			names = append(names, n.name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Point is one row of a trace.
type Point struct {
	Step          int64
	Weight, Error float64
}

// Curve is the trace of one run.
type Curve struct {
	RunID   int64
	Label   string
	Verdict string
	// Points are the trace's rows as drawn: all of them, or of a trace of
	// more than maxCurveRows those that draw it (see reduceTrace); Rows
	// counts them all.
	Points []Point
	Rows   int64
	// Color is the curve's own colour (see curveColors), Dashed whether
	// its line is dashed because the palette ran out.
	Color  string
	Dashed bool
}

// Frontier is the largest rate at which every goal and weight converged,
// for one input and one set of limits, beside the theory. For a program's
// sweep it is per value of YAxis, and per combination of its Rest when
// the plots draw those apart (see perCombo).
type Frontier struct {
	Limits Limits
	// Combo is the index in Data.Combos of the runs' values of Rest, or
	// -1 for the runs of every combination.
	Combo                  int
	Input, Largest, Theory float64
	HasLargest             bool
	// Values is the number of values of YAxis the point stands for, from
	// Input to InputTo, when a frontier of more than maxFrontierPoints
	// is binned: its Largest converged at each of them (where any did);
	// 0 for a point of one value.
	Values  int
	InputTo float64
}

// Provenance is what made a sweep's results, as sweep run recorded it: ""
// where nothing was recorded (a sweep stored by an older version; the git
// commit of a sweep file outside git).
type Provenance struct {
	Version   string // the sweep binary's version
	Host      string
	GitCommit string // 40 hex digits, maybe with +dirty or +unknown
	Command   string // the command line, quoted for a shell
}

// Data is everything a report shows of one sweep.
type Data struct {
	SweepID int64
	Name    string
	DB      string // the database's path, for hints
	File    string // the sweep file's path as given to sweep run
	// TraceEvery is the trace storage: 1 every row, 0 none (no curves can
	// be drawn), N every Nth and the deciding row.
	TraceEvery int64
	Method     string
	RateAxis   string
	// YAxis names the map's other axis, the frontier's x axis: input for
	// the built-in rules; for a program's sweep, input when it is one of
	// its axes, else its first axis after the rate; "" when the rate is
	// its only axis (the map is one row).
	YAxis string
	// Rest names the axes that are neither the rate, YAxis nor a limit,
	// in the sweep's order: goal and weight for the built-in rules. The
	// map has a panel per combination of their values.
	Rest    []string
	YAML    string
	Status  string
	Configs int64
	Stored  int64
	Counts  map[string]int64
	Rates   []float64 // sorted ascending
	Inputs  []float64 // the values of YAxis, sorted ascending
	// Limits are the sets of limits the runs ran under, sorted by
	// iterations, then tolerance, then divergence (see limitSets). Load
	// fills it; the map and the frontier draw the cells of these sets.
	Limits []Limits
	// Combos are the combinations of values of Rest that the runs have,
	// sorted (arrange fills it, and gives each cell its index).
	Combos     [][]float64
	Cells      []Cell
	Frontier   []Frontier // per group (see groups), then per input
	Curves     []Curve
	Provenance Provenance
	// Bins is the map of a sweep of more runs than are drawn one by one,
	// whose Cells Load leaves empty; nil for one drawn run by run.
	Bins *Bins

	// Of a binned sweep: per axis of Rest whether its value varies, and
	// the groups of a set of limits and a combination that have runs.
	restVary []bool
	present  map[group]bool
}

// Verdicts are the verdicts of the built-in rules in the order reports
// list them; CommandVerdicts those of a user's program, failed last.
var (
	Verdicts        = verdictStrings(runner.Verdicts)
	CommandVerdicts = verdictStrings(runner.CommandVerdicts)
)

func verdictStrings(vs []runner.Verdict) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

// VerdictsOf returns the verdicts a sweep of method can have, in report
// order: a built-in sweep's reports keep the five they always had.
func VerdictsOf(method string) []string {
	if method == string(grid.Command) {
		return CommandVerdicts
	}
	return Verdicts
}

// Colors are the verdicts' colours (colour-blind-safe, from the Okabe-Ito
// palette). Failed, a program's verdict only, is reddish purple: no
// learning outcome, and unlike any of them.
var Colors = map[string]string{
	"converged":   "#009E73",
	"diverged":    "#D55E00",
	"oscillating": "#E69F00",
	"stalled":     "#999999",
	"unfinished":  "#0072B2",
	"failed":      "#CC79A7",
}

// verdictColors returns the colours of the verdicts of d's method, which
// the colours of curves and frontier series must not repeat.
func verdictColors(d *Data) map[string]bool {
	out := map[string]bool{}
	for _, v := range VerdictsOf(d.Method) {
		out[Colors[v]] = true
	}
	return out
}

// Load reads the sweep with the given id (0: the newest that is not a
// refinement's probes) from a database: each run a Cell, or for a sweep
// of more than maxExactRuns, its runs counted into the bins of Bins a row
// at a time and Cells left empty.
// curves lists the runs whose error curves to draw; empty picks one run of
// each verdict that shows something (see candidates and pickCurve). A
// trace of more than maxCurveRows rows is reduced as it is read.
func Load(ctx context.Context, r *store.Reader, sweepID int64, curves []int64) (*Data, error) {
	d := &Data{Counts: map[string]int64{}, DB: r.Path()}
	row := func(query string, args ...any) (*sql.Rows, error) { return r.Query(ctx, query, args...) }
	// A database older than schema 0006 is read through temporary views
	// (see store.Reader) whose provenance columns are NULL; one older
	// than 0007 has NULL rate_axis.
	q := `SELECT s.id, s.name, s.method, s.yaml, s.file, s.trace_every, o.status, s.configs, o.stored,
		s.sweep_version, s.host, s.git_commit, s.command, s.rate_axis
		FROM sweeps s JOIN sweep_overview o ON o.id = s.id`
	var args []any
	if sweepID > 0 {
		q += " WHERE s.id = ?"
		args = append(args, sweepID)
	} else {
		// The newest grid: a refinement's probes are no grid to draw.
		q += " WHERE s.refines IS NULL ORDER BY s.id DESC LIMIT 1"
	}
	rows, err := row(q, args...)
	if err != nil {
		return nil, err
	}
	found := rows.Next()
	var rateAxis sql.NullString
	if found {
		var version, host, commit, command sql.NullString
		err = rows.Scan(&d.SweepID, &d.Name, &d.Method, &d.YAML, &d.File, &d.TraceEvery, &d.Status, &d.Configs, &d.Stored,
			&version, &host, &commit, &command, &rateAxis)
		d.Provenance = Provenance{version.String, host.String, commit.String, command.String}
	}
	rows.Close()
	if err != nil {
		return nil, err
	}
	if !found {
		if sweepID > 0 {
			return nil, fmt.Errorf("no sweep %d in %s", sweepID, r.Path())
		}
		return nil, fmt.Errorf("no sweep in %s", r.Path())
	}
	d.RateAxis, d.YAxis, d.Rest = "alpha", grid.AxisInput, []string{grid.AxisGoal, grid.AxisWeight}
	if d.Method == "hot_cold" {
		d.RateAxis = "step_amount"
	}
	if d.Method == string(grid.Command) {
		if err := programAxes(ctx, r, d, rateAxis.String); err != nil {
			return nil, err
		}
	}

	// A sweep of more runs than a map draws one by one is read binned,
	// without holding its runs (see Bins).
	var picks map[string][]int64
	if d.Stored > maxExactRuns {
		if picks, err = loadBinned(ctx, r, d, len(curves) == 0 && d.TraceEvery != 0); err != nil {
			return nil, err
		}
	} else if err := loadCells(ctx, r, d); err != nil {
		return nil, err
	}

	if len(curves) == 0 {
		if d.TraceEvery == 0 {
			// No traces: nothing to pick from (the report says so).
			return d, nil
		}
		if picks == nil {
			picks = candidates(d)
		}
		for _, verdict := range VerdictsOf(d.Method) {
			c, err := pickCurve(ctx, r, d, picks[verdict])
			if err != nil {
				return nil, err
			}
			if c != nil {
				d.Curves = append(d.Curves, *c)
			}
		}
	} else {
		for _, id := range curves {
			c, err := loadCurve(ctx, r, d, id)
			if err != nil {
				return nil, err
			}
			d.Curves = append(d.Curves, c)
		}
	}
	curveColors(d.Curves, verdictColors(d))
	return d, nil
}

// loadCells reads d's runs, each a Cell, and arranges them.
func loadCells(ctx context.Context, r *store.Reader, d *Data) error {
	q, args := runSelect(d)
	rows, err := r.Query(ctx, q+" WHERE sweep_id = ? ORDER BY id", append(args, d.SweepID)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	rates, inputs := map[float64]bool{}, map[float64]bool{}
	combo := newCombos()
	s := newRunScanner(d)
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return err
		}
		c.Rest = combo.add(s.vals)
		d.Cells = append(d.Cells, *c)
		d.Counts[c.Verdict]++
		rates[c.Rate], inputs[c.Input] = true, true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for v := range rates {
		d.Rates = append(d.Rates, v)
	}
	for v := range inputs {
		d.Inputs = append(d.Inputs, v)
	}
	slices.Sort(d.Rates)
	slices.Sort(d.Inputs)
	arrange(d)
	return nil
}

// axisColumn returns the column of an axis of d's runs and the argument
// it binds: a program's axes without a column of their own are in
// runs.params, read by name (a bound JSON path).
func axisColumn(name string) (string, []any) {
	switch name {
	case grid.AxisInput, grid.AxisGoal, grid.AxisWeight:
		return name, nil
	}
	return "json_extract(params, ?)", []any{`$."` + name + `"`}
}

// restColumns returns the columns of d's Rest and the arguments they bind.
func restColumns(d *Data) (cols []string, args []any) {
	for _, name := range d.Rest {
		col, a := axisColumn(name)
		cols, args = append(cols, col), append(args, a...)
	}
	return cols, args
}

// runSelect is the query of what runScanner scans of a run, before its
// WHERE: its id, rate, value of YAxis (0 for a sweep without one), values
// of Rest, limits, verdict, steps and why it failed (NULL but for a
// failed run of a program).
func runSelect(d *Data) (string, []any) {
	cols, args := []string{"coalesce(alpha, step_amount)", "0.0"}, []any(nil)
	if d.YAxis != "" {
		cols[1], args = axisColumn(d.YAxis)
	}
	rest, restArgs := restColumns(d)
	cols, args = append(cols, rest...), append(args, restArgs...)
	reason := "NULL"
	if d.Method == string(grid.Command) {
		reason = "(SELECT reason FROM run_failures f WHERE f.run_id = runs.id)"
	}
	return `SELECT id, ` + strings.Join(cols, ", ") + `, iterations, tolerance, divergence, verdict, steps, ` + reason + `
		FROM runs`, args
}

// runScanner scans the rows of runSelect into a Cell, reusing its
// buffers.
type runScanner struct {
	c        Cell
	y        sql.NullFloat64
	rest     []sql.NullFloat64
	vals     []float64 // the values of Rest, NaN for NULL
	why      sql.NullString
	verdict  sql.RawBytes
	verdicts []string
	dest     []any
}

func newRunScanner(d *Data) *runScanner {
	s := &runScanner{rest: make([]sql.NullFloat64, len(d.Rest)), vals: make([]float64, len(d.Rest)), verdicts: CommandVerdicts}
	s.dest = []any{&s.c.RunID, &s.c.Rate, &s.y}
	for i := range s.rest {
		s.dest = append(s.dest, &s.rest[i])
	}
	s.dest = append(s.dest, &s.c.Limits.Iterations, &s.c.Limits.Tolerance, &s.c.Limits.Divergence, &s.verdict, &s.c.Steps, &s.why)
	return s
}

// scan reads the current row; the Cell is valid until the next scan.
// Its Rest is unset: the values are in vals.
func (s *runScanner) scan(rows *sql.Rows) (*Cell, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, err
	}
	s.c.Input, s.c.Reason = nullNaN(s.y), s.why.String
	for i, v := range s.rest {
		s.vals[i] = nullNaN(v)
	}
	// The known verdicts without a string per row.
	s.c.Verdict = ""
	for _, v := range s.verdicts {
		if string(s.verdict) == v {
			s.c.Verdict = v
			break
		}
	}
	if s.c.Verdict == "" {
		s.c.Verdict = string(s.verdict)
	}
	return &s.c, nil
}

// runCell reads run id of d's sweep as a Cell; ok is false when the sweep
// has no such run.
func runCell(ctx context.Context, r *store.Reader, d *Data, id int64) (c Cell, ok bool, err error) {
	q, args := runSelect(d)
	rows, err := r.Query(ctx, q+" WHERE id = ? AND sweep_id = ?", append(args, id, d.SweepID)...)
	if err != nil {
		return c, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return c, false, rows.Err()
	}
	s := newRunScanner(d)
	p, err := s.scan(rows)
	if err != nil {
		return c, false, err
	}
	c = *p
	c.Rest = slices.Clone(s.vals)
	return c, true, rows.Err()
}

// programAxes sets the rate axis, YAxis and Rest of a program's sweep from
// its sweep file, or, when this version cannot read that, from its first
// run: the rate, input, the axes in params, goal and weight, those it has.
func programAxes(ctx context.Context, r *store.Reader, d *Data, rate string) error {
	var names []string
	if spec, err := grid.Parse(d.File, []byte(d.YAML)); err == nil && len(spec.Axes) > 0 {
		for _, a := range spec.Axes[:len(spec.Axes)-len(spec.LimitAxes())] {
			names = append(names, a.Name)
		}
		if rate == "" {
			rate = spec.RateAxis()
		}
	} else {
		var err error
		if names, err = storedAxes(ctx, r, d.SweepID); err != nil {
			return err
		}
	}
	if rate == "" {
		rate = "alpha"
	}
	d.RateAxis = rate
	d.YAxis, d.Rest = mapAxes(names, rate)
	return nil
}

// mapAxes splits the axes of a program's sweep (not its limits), in the
// sweep's order, into the map's other axis, y, and the rest: y is input
// when it is an axis, so that a program of the lesson's network is drawn
// as the built-in rules are, else the first axis after the rate; "" when
// the rate is the only one.
func mapAxes(names []string, rate string) (y string, rest []string) {
	others := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == rate })
	switch {
	case slices.Contains(others, grid.AxisInput):
		y = grid.AxisInput
	case len(others) > 0:
		y = others[0]
	}
	for _, n := range others {
		if n != y {
			rest = append(rest, n)
		}
	}
	return y, rest
}

// storedAxes returns the axes of a program's sweep as its first run has
// them: input, goal and weight where they are not NULL, and the keys of
// params in the order stored, which is the sweep's.
func storedAxes(ctx context.Context, r *store.Reader, sweepID int64) ([]string, error) {
	rows, err := r.Query(ctx, `SELECT input IS NOT NULL, goal IS NOT NULL, weight IS NOT NULL, coalesce(params, '{}')
		FROM runs WHERE sweep_id = ? ORDER BY id LIMIT 1`, sweepID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var input, goal, weight bool
	var params string
	if err := rows.Scan(&input, &goal, &weight, &params); err != nil {
		return nil, err
	}
	var names []string
	if input {
		names = append(names, grid.AxisInput)
	}
	dec := json.NewDecoder(strings.NewReader(params))
	if t, err := dec.Token(); err == nil && t == json.Delim('{') {
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				break
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				break
			}
			if name, ok := k.(string); ok {
				names = append(names, name)
			}
		}
	}
	if goal {
		names = append(names, grid.AxisGoal)
	}
	if weight {
		names = append(names, grid.AxisWeight)
	}
	return names, rows.Err()
}

// combos interns the combinations of values of Rest, so that the runs of
// one combination share one slice, and numbers them.
type combos struct {
	index map[string]int
	list  [][]float64
	key   []byte
}

func newCombos() *combos { return &combos{index: map[string]int{}} }

// find returns the number of vals, and whether it was known.
func (c *combos) find(vals []float64) (int, bool) {
	c.key = c.key[:0]
	for _, v := range vals {
		c.key = binary.LittleEndian.AppendUint64(c.key, math.Float64bits(v))
	}
	i, ok := c.index[string(c.key)]
	if !ok {
		i = len(c.list)
		c.index[string(c.key)] = i
		c.list = append(c.list, slices.Clone(vals))
	}
	return i, ok
}

// add returns the shared slice of vals.
func (c *combos) add(vals []float64) []float64 {
	i, _ := c.find(vals)
	return c.list[i]
}

// arrange fills in what d's cells imply: the sorted combinations of their
// values of Rest (Combos) and each cell's, the sets of limits and the
// frontier.
func arrange(d *Data) {
	all := newCombos()
	for _, c := range d.Cells {
		all.find(c.Rest)
	}
	d.Combos = all.list
	slices.SortFunc(d.Combos, func(a, b []float64) int {
		for i := range a {
			if c := cmpFloat(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	sorted := newCombos()
	for _, vals := range d.Combos {
		sorted.find(vals)
	}
	for i := range d.Cells {
		c := &d.Cells[i]
		c.combo, _ = sorted.find(c.Rest)
		c.Rest = d.Combos[c.combo]
	}
	d.Limits = limitSets(d.Cells)
	d.Frontier = frontier(d)
}

// maxGroups bounds the panels of a program's map (and the series of its
// frontier) in the plots: beyond it, the runs of every combination of its
// other axes are drawn together, as the built-in rules' goals and weights
// always are, rather than in an image of hundreds of panels.
const maxGroups = 36

// perCombo reports whether the plots and the frontier draw each
// combination of the values of Rest apart: for a program's sweep, when
// there are several and not too many.
func (d *Data) perCombo() bool {
	return d.Method == string(grid.Command) && len(d.Combos) > 1 && len(d.Limits)*len(d.Combos) <= maxGroups
}

// group is a set of runs that the plots and the frontier draw apart: one
// set of limits and, when perCombo, one combination of the values of
// Rest (combo -1: every combination).
type group struct {
	limits Limits
	combo  int
}

// groupOf returns the group of c.
func (d *Data) groupOf(c Cell, perCombo bool) group {
	if perCombo {
		return group{c.Limits, c.combo}
	}
	return group{c.Limits, -1}
}

// groups returns the groups of d's runs: per set of limits, in the order
// of Limits, and, when perCombo, per combination, in the order of Combos.
func groups(d *Data) []group {
	if !d.perCombo() {
		out := make([]group, len(d.Limits))
		for i, l := range d.Limits {
			out[i] = group{l, -1}
		}
		return out
	}
	present := d.present
	if present == nil {
		present = map[group]bool{}
		for _, c := range d.Cells {
			present[group{c.Limits, c.combo}] = true
		}
	}
	var out []group
	for _, l := range d.Limits {
		for i := range d.Combos {
			if present[group{l, i}] {
				out = append(out, group{l, i})
			}
		}
	}
	return out
}

// restVaries reports, per axis of Rest, whether its value differs among
// the combinations.
func restVaries(d *Data) []bool {
	if d.restVary != nil {
		return d.restVary
	}
	out := make([]bool, len(d.Rest))
	for _, vals := range d.Combos {
		for i, v := range vals {
			out[i] = out[i] || v != d.Combos[0][i]
		}
	}
	return out
}

// comboName names combination i of Rest: "goal 0.8, weight 0.5", every
// axis of Rest, or with onlyVarying those whose value differs among the
// combinations.
func (d *Data) comboName(i int, onlyVarying bool) string {
	vary := restVaries(d)
	var parts []string
	for k, name := range d.Rest {
		if !onlyVarying || vary[k] {
			parts = append(parts, fmt.Sprintf("%s %g", name, d.Combos[i][k]))
		}
	}
	return strings.Join(parts, ", ")
}

// groupNamer returns a function that names a group by what tells it
// apart from the others: its limits that differ among sets (limitsNamer)
// and its values of the axes of Rest that differ; "" for the only group.
func groupNamer(d *Data) func(group) string {
	name := limitsNamer(d.Limits)
	return func(g group) string {
		var parts []string
		if s := name(g.limits); s != "" {
			parts = append(parts, s)
		}
		if g.combo >= 0 {
			if s := d.comboName(g.combo, true); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
}

// yText names a value of YAxis after a comma, ", input 2"; "" for a sweep
// without one.
func (d *Data) yText(v float64) string {
	if d.YAxis == "" {
		return ""
	}
	return fmt.Sprintf(", %s %g", d.YAxis, v)
}

// restText names values of Rest after a comma: ", goal 0.8, weight 0.5".
func (d *Data) restText(vals []float64) string {
	var b strings.Builder
	for k, name := range d.Rest {
		fmt.Fprintf(&b, ", %s %g", name, vals[k])
	}
	return b.String()
}

// outcome says how a run ended, for labels: its verdict, and why a failed
// run failed.
func outcome(c Cell) string {
	if c.Verdict == "failed" && c.Reason != "" {
		return "failed: " + c.Reason
	}
	return c.Verdict
}

// frontier finds, per group (see groups) and input, the largest rate at
// which every config (every goal and weight) converged, and the theory's
// 2/input^2 (gradient descent only), which no limit changes.
func frontier(d *Data) []Frontier {
	type key struct {
		g           group
		input, rate float64
	}
	perCombo := d.perCombo()
	all := map[key]bool{}
	for _, c := range d.Cells {
		k := key{d.groupOf(c, perCombo), c.Input, c.Rate}
		if _, ok := all[k]; !ok {
			all[k] = true
		}
		if c.Verdict != "converged" {
			all[k] = false
		}
	}
	var out []Frontier
	for _, g := range groups(d) {
		for _, x := range d.Inputs {
			f := Frontier{Limits: g.limits, Combo: g.combo, Input: x, Theory: math.Inf(1)}
			if x != 0 && d.Method == "gradient_descent" {
				f.Theory = 2 / (x * x)
			}
			for _, a := range d.Rates {
				if ok, present := all[key{g, x, a}]; present && ok && a > f.Largest {
					f.Largest, f.HasLargest = a, true
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// loadCurve reads the error curve of run id of d's sweep: every row of a
// trace of up to maxCurveRows rows, else the rows that draw it at the
// resolution of the plot (see reduceTrace).
func loadCurve(ctx context.Context, r *store.Reader, d *Data, id int64) (Curve, error) {
	cell, ok, err := runCell(ctx, r, d, id)
	if err != nil {
		return Curve{}, err
	}
	if !ok {
		return Curve{}, fmt.Errorf("run %d is not in sweep %s", id, d.Name)
	}
	name := limitsNamer(d.Limits)
	c := Curve{RunID: id, Verdict: cell.Verdict, Label: fmt.Sprintf("run %d: %s %.6g%s%s%s (%s)",
		id, d.RateAxis, cell.Rate, d.yText(cell.Input), d.restText(cell.Rest), prefixed(", ", name(cell.Limits)), outcome(cell))}
	q := "SELECT step, weight, error FROM trace WHERE run_id = ?"
	long := cell.Steps > maxCurveRows
	if !long {
		q += " ORDER BY step"
	}
	rows, err := r.Query(ctx, q, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	var reduce *traceReducer
	if long {
		reduce = newTraceReducer(cell.Steps)
	}
	for rows.Next() {
		var p Point
		var w, e sql.NullFloat64
		if err := rows.Scan(&p.Step, &w, &e); err != nil {
			return c, err
		}
		p.Weight, p.Error = nullNaN(w), nullNaN(e)
		c.Rows++
		if reduce != nil {
			reduce.add(p)
		} else {
			c.Points = append(c.Points, p)
		}
	}
	if reduce != nil {
		c.Points = reduce.points()
	}
	return c, rows.Err()
}

// prefixed returns s after sep, or "" for no s.
func prefixed(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func nullNaN(f sql.NullFloat64) float64 {
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}
