// Package report draws a sweep as pictures: the stability map (rate
// against input, each cell coloured by verdict, with the theory's
// boundaries over it), the safe-rate frontier and error curves, gathered
// into one self-contained HTML file that needs no network to view, with
// the sweep's summary and provenance.
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
	"fmt"
	"math"
	"slices"
	"strings"

	"sweep/internal/store"
)

// Cell is one config of the map: its position and verdict.
type Cell struct {
	RunID       int64
	Rate, Input float64
	Goal        float64
	Weight      float64
	Limits      Limits
	Verdict     string
	Steps       int64
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
	Points  []Point
	// Color is the curve's own colour (see curveColors), Dashed whether
	// its line is dashed because the palette ran out.
	Color  string
	Dashed bool
}

// Frontier is the largest rate at which every goal and weight converged,
// for one input and one set of limits, beside the theory.
type Frontier struct {
	Limits                 Limits
	Input, Largest, Theory float64
	HasLargest             bool
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
	YAML       string
	Status     string
	Configs    int64
	Stored     int64
	Counts     map[string]int64
	Rates      []float64 // sorted ascending
	Inputs     []float64 // sorted ascending
	// Limits are the sets of limits the runs ran under, sorted by
	// iterations, then tolerance, then divergence (see limitSets). Load
	// fills it; the map and the frontier draw the cells of these sets.
	Limits     []Limits
	Cells      []Cell
	Frontier   []Frontier // per set of limits, in the order of Limits, then per input
	Curves     []Curve
	Provenance Provenance
}

// Verdicts in the order reports list them, with their colours.
var Verdicts = []string{"converged", "diverged", "oscillating", "stalled", "unfinished"}

// Colors are the verdicts' colours (colour-blind-safe, from the Okabe-Ito
// palette).
var Colors = map[string]string{
	"converged":   "#009E73",
	"diverged":    "#D55E00",
	"oscillating": "#E69F00",
	"stalled":     "#999999",
	"unfinished":  "#0072B2",
}

// Load reads the sweep with the given id (0: the newest that is not a
// refinement's probes) from a database.
// curves lists the runs whose error curves to draw; empty picks one run of
// each verdict that shows something (see candidates and pickCurve).
func Load(ctx context.Context, r *store.Reader, sweepID int64, curves []int64) (*Data, error) {
	d := &Data{Counts: map[string]int64{}, DB: r.Path()}
	row := func(query string, args ...any) (*sql.Rows, error) { return r.Query(ctx, query, args...) }
	// A database older than schema 0006 is read through temporary views
	// (see store.Reader) whose provenance columns are NULL.
	q := `SELECT s.id, s.name, s.method, s.yaml, s.file, s.trace_every, o.status, s.configs, o.stored,
		s.sweep_version, s.host, s.git_commit, s.command
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
	if found {
		var version, host, commit, command sql.NullString
		err = rows.Scan(&d.SweepID, &d.Name, &d.Method, &d.YAML, &d.File, &d.TraceEvery, &d.Status, &d.Configs, &d.Stored,
			&version, &host, &commit, &command)
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
	d.RateAxis = "alpha"
	if d.Method == "hot_cold" {
		d.RateAxis = "step_amount"
	}

	rows, err = row(`SELECT id, coalesce(alpha, step_amount), input, goal, weight, iterations, tolerance, divergence, verdict, steps
		FROM runs WHERE sweep_id = ? ORDER BY id`, d.SweepID)
	if err != nil {
		return nil, err
	}
	rates, inputs := map[float64]bool{}, map[float64]bool{}
	for rows.Next() {
		var c Cell
		if err := rows.Scan(&c.RunID, &c.Rate, &c.Input, &c.Goal, &c.Weight,
			&c.Limits.Iterations, &c.Limits.Tolerance, &c.Limits.Divergence, &c.Verdict, &c.Steps); err != nil {
			rows.Close()
			return nil, err
		}
		d.Cells = append(d.Cells, c)
		d.Counts[c.Verdict]++
		rates[c.Rate], inputs[c.Input] = true, true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for v := range rates {
		d.Rates = append(d.Rates, v)
	}
	for v := range inputs {
		d.Inputs = append(d.Inputs, v)
	}
	slices.Sort(d.Rates)
	slices.Sort(d.Inputs)
	d.Limits = limitSets(d.Cells)
	d.Frontier = frontier(d)

	if len(curves) == 0 {
		if d.TraceEvery == 0 {
			// No traces: nothing to pick from (the report says so).
			return d, nil
		}
		for _, verdict := range Verdicts {
			c, err := pickCurve(ctx, r, d, candidates(d)[verdict])
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
	curveColors(d.Curves)
	return d, nil
}

// frontier finds, per set of limits and input, the largest rate at which
// every config (every goal and weight) converged, and the theory's
// 2/input^2 (gradient descent only), which no limit changes.
func frontier(d *Data) []Frontier {
	type key struct {
		limits      Limits
		input, rate float64
	}
	all := map[key]bool{}
	for _, c := range d.Cells {
		k := key{c.Limits, c.Input, c.Rate}
		if _, ok := all[k]; !ok {
			all[k] = true
		}
		if c.Verdict != "converged" {
			all[k] = false
		}
	}
	var out []Frontier
	for _, l := range d.Limits {
		for _, x := range d.Inputs {
			f := Frontier{Limits: l, Input: x, Theory: math.Inf(1)}
			if x != 0 && d.Method == "gradient_descent" {
				f.Theory = 2 / (x * x)
			}
			for _, a := range d.Rates {
				if ok, present := all[key{l, x, a}]; present && ok && a > f.Largest {
					f.Largest, f.HasLargest = a, true
				}
			}
			out = append(out, f)
		}
	}
	return out
}

func loadCurve(ctx context.Context, r *store.Reader, d *Data, id int64) (Curve, error) {
	var c Curve
	name := limitsNamer(d.Limits)
	for _, cell := range d.Cells {
		if cell.RunID == id {
			c = Curve{RunID: id, Verdict: cell.Verdict, Label: fmt.Sprintf("run %d: %s %.6g, input %g, goal %g, weight %g%s (%s)",
				id, d.RateAxis, cell.Rate, cell.Input, cell.Goal, cell.Weight, prefixed(", ", name(cell.Limits)), cell.Verdict)}
		}
	}
	if c.RunID == 0 {
		return c, fmt.Errorf("run %d is not in sweep %s", id, d.Name)
	}
	rows, err := r.Query(ctx, "SELECT step, weight, error FROM trace WHERE run_id = ? ORDER BY step", id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var p Point
		var w, e sql.NullFloat64
		if err := rows.Scan(&p.Step, &w, &e); err != nil {
			return c, err
		}
		p.Weight, p.Error = nullNaN(w), nullNaN(e)
		c.Points = append(c.Points, p)
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
