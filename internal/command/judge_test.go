package command

import (
	"math"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// toRow is the built-in row as a program would print it, weight and all.
func toRow(r runner.Row) Row {
	return Row{Step: r.Step, Weight: r.Weight, Pred: r.Pred, Error: r.Error, Delta: r.Delta, WeightDelta: r.WeightDelta,
		Has: HasWeight | HasPred | HasDelta | HasWeightDelta}
}

// judgeTrace feeds rows to a judge and returns the index of the deciding
// row and its verdict, or -1.
func judgeTrace(lim grid.Limits, rows []Row) (int, runner.Verdict) {
	j := judge{lim: lim}
	for i := range rows {
		if v, ok := j.next(&rows[i]); ok {
			return i, v
		}
	}
	return -1, 0
}

// The judge, given the built-in loop's rows, decides at the built-in's
// deciding row with its verdict, over a grid of configs that reach every
// verdict; except stalled, which it sees one row later, in the row that
// shows the unchanged weight (unless that row is beyond the budget).
func TestJudgeMirrorsTrainer(t *testing.T) {
	counts := map[runner.Verdict]int{}
	for _, method := range []grid.Method{grid.GradientDescent, grid.HotCold} {
		for _, rate := range []float64{0, 1e-300, 0.01, 0.1, 0.5, 1, 2, 2.5, 10} {
			for _, input := range []float64{0, 0.5, 1, 2} {
				for _, weight := range []float64{0.5, 0.8, -3} {
					for _, iters := range []int{0, 1, 2, 3, 20, 200} {
						c := grid.Config{Method: method, Rate: rate, Input: input, Goal: 0.8, Weight: weight,
							Limits: grid.Limits{Iterations: iters, Tolerance: 1e-10, Divergence: 1e6}}
						trace, want := runner.Run(c, nil)
						rows := make([]Row, len(trace))
						for i, r := range trace {
							rows[i] = toRow(r)
						}
						last := len(rows) - 1
						if want == runner.Stalled {
							// The row a program prints next: the same weight.
							next := rows[last]
							next.Step++
							rows = append(rows, next)
							if last+1 < iters {
								last++
							} else {
								want = runner.Unfinished
							}
						}
						counts[want]++
						at, got := judgeTrace(c.Limits, rows)
						if at != last || got != want {
							t.Errorf("%+v: judge decides %v at row %d, want %v at row %d", c, got, at, want, last)
						}
					}
				}
			}
		}
	}
	for _, v := range runner.Verdicts {
		if counts[v] == 0 {
			t.Errorf("no config is %v: the test covers too little", v)
		}
	}
}

// Rows without a weight are judged by error and budget only; a weight
// compares only with rows that have one.
func TestJudgeWithoutWeights(t *testing.T) {
	lim := grid.Limits{Iterations: 5, Tolerance: 0.01, Divergence: 100}
	row := func(err, w float64, has bool) Row {
		r := Row{Error: err, Weight: w}
		if has {
			r.Has = HasWeight
		}
		return r
	}
	for _, tt := range []struct {
		name string
		rows []Row
		at   int
		want runner.Verdict
	}{
		{"no weights, same error", []Row{row(1, 0, false), row(1, 0, false), row(1, 0, false), row(1, 0, false), row(1, 0, false)}, 4, runner.Unfinished},
		{"no weights, diverges", []Row{row(1, 0, false), row(101, 0, false)}, 1, runner.Diverged},
		{"gap hides a stall", []Row{row(1, 0.5, true), row(1, 0, false), row(1, 0.5, true), row(1, 0.7, true), row(1, 0.7, true)}, 2, runner.Oscillating},
		{"weight missing two back", []Row{row(1, 0.5, false), row(1, 0.6, true), row(1, 0.5, true), row(1, 0.5, true)}, 3, runner.Stalled},
		{"converged before oscillating", []Row{row(1, 0.5, true), row(1, 0.6, true), row(0.001, 0.5, true)}, 2, runner.Converged},
		{"NaN error diverges", []Row{row(1, 0.5, true), row(nan(), 0.5, true)}, 1, runner.Diverged},
		{"NaN weight never stalls", []Row{row(1, nan(), true), row(1, nan(), true), row(1, nan(), true), row(1, nan(), true), row(1, nan(), true)}, 4, runner.Unfinished},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at, got := judgeTrace(lim, tt.rows)
			if at != tt.at || got != tt.want {
				t.Errorf("decided %v at row %d, want %v at row %d", got, at, tt.want, tt.at)
			}
		})
	}
}

func nan() float64 { return math.NaN() }
