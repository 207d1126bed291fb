// Package report draws a sweep as pictures: the stability map (rate
// against input, each cell coloured by verdict, with the theory's
// boundaries over it), the safe-rate frontier and error curves, gathered
// into one self-contained HTML file that needs no network to view.
package report

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"

	"sweep/internal/store"
)

// Cell is one config of the map: its position and verdict.
type Cell struct {
	RunID       int64
	Rate, Input float64
	Goal        float64
	Weight      float64
	Verdict     string
	Steps       int64
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
// per input, beside the theory.
type Frontier struct {
	Input, Largest, Theory float64
	HasLargest             bool
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
	Cells      []Cell
	Frontier   []Frontier
	Curves     []Curve
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
	q := "SELECT s.id, s.name, s.method, s.yaml, s.file, s.trace_every, o.status, s.configs, o.stored FROM sweeps s JOIN sweep_overview o ON o.id = s.id"
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
		err = rows.Scan(&d.SweepID, &d.Name, &d.Method, &d.YAML, &d.File, &d.TraceEvery, &d.Status, &d.Configs, &d.Stored)
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

	rows, err = row(`SELECT id, coalesce(alpha, step_amount), input, goal, weight, verdict, steps
		FROM runs WHERE sweep_id = ? ORDER BY id`, d.SweepID)
	if err != nil {
		return nil, err
	}
	rates, inputs := map[float64]bool{}, map[float64]bool{}
	for rows.Next() {
		var c Cell
		if err := rows.Scan(&c.RunID, &c.Rate, &c.Input, &c.Goal, &c.Weight, &c.Verdict, &c.Steps); err != nil {
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

// frontier finds, per input, the largest rate at which every config
// converged, and the theory's 2/input^2 (gradient descent only).
func frontier(d *Data) []Frontier {
	type key struct{ input, rate float64 }
	all := map[key]bool{}
	for _, c := range d.Cells {
		k := key{c.Input, c.Rate}
		if _, ok := all[k]; !ok {
			all[k] = true
		}
		if c.Verdict != "converged" {
			all[k] = false
		}
	}
	var out []Frontier
	for _, x := range d.Inputs {
		f := Frontier{Input: x, Theory: math.Inf(1)}
		if x != 0 && d.Method == "gradient_descent" {
			f.Theory = 2 / (x * x)
		}
		for _, a := range d.Rates {
			if ok, present := all[key{x, a}]; present && ok && a > f.Largest {
				f.Largest, f.HasLargest = a, true
			}
		}
		out = append(out, f)
	}
	return out
}

func loadCurve(ctx context.Context, r *store.Reader, d *Data, id int64) (Curve, error) {
	var c Curve
	for _, cell := range d.Cells {
		if cell.RunID == id {
			c = Curve{RunID: id, Verdict: cell.Verdict, Label: fmt.Sprintf("run %d: %s %.6g, input %g, goal %g, weight %g (%s)",
				id, d.RateAxis, cell.Rate, cell.Input, cell.Goal, cell.Weight, cell.Verdict)}
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

func nullNaN(f sql.NullFloat64) float64 {
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}
