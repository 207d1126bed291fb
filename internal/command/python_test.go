//go:build linux

package command

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// lesson is the lesson's gradient-descent loop, printing its printout or
// json.dumps rows forever (sweep stops it). "mul" squares with delta *
// delta, as runner does; "pow" with delta ** 2, as the book does.
const lesson = `import json, sys
alpha, input, goal, weight = map(float, sys.argv[1:5])
square, form = sys.argv[5], sys.argv[6]
step = 0
while True:
    pred = input * weight
    delta = pred - goal
    error = delta * delta if square == "mul" else delta ** 2
    weight_delta = input * delta
    if form == "print":
        print("Error:" + str(error) + " Prediction:" + str(pred) + " Weight:" + str(weight) +
              " Delta:" + str(delta) + " Weight Delta:" + str(weight_delta))
    else:
        print(json.dumps({"step": step, "weight": weight, "prediction": pred, "error": error,
                          "delta": delta, "weight_delta": weight_delta}))
    weight = weight - alpha * weight_delta
    step += 1
`

func pythonProgram(t *testing.T, square, form string) Program {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gd.py"), []byte(lesson), 0o644); err != nil {
		t.Fatal(err)
	}
	return Program{Argv: []string{python, "gd.py", "{alpha}", "{input}", "{goal}", "{weight}", square, form}, Dir: dir}
}

func gdParams(c grid.Config) []Param {
	return []Param{{Name: "alpha", Value: c.Rate}, {Name: "input", Value: c.Input}, {Name: "goal", Value: c.Goal}, {Name: "weight", Value: c.Weight}}
}

// The lesson's Python loop, run by sweep, gives the built-in loop's rows
// bit for bit, and the published traces of DOMAIN.md.
func TestPythonLesson(t *testing.T) {
	lim := grid.Limits{Iterations: 20, Tolerance: 1e-300, Divergence: 1e300}
	for _, tt := range []struct {
		name                string
		alpha, input        float64
		lastError, lastPred float64
	}{
		{"alpha 1 input 0.5", 1, 0.5, 5.408208020258491e-06, 0.7976744445781151},
		{"alpha 1 input 2", 1, 2, 5.403406870691965e+16, -232452292.5999999},
		{"alpha 0.1 input 2", 0.1, 2, 1.485277170987127e-10, 0.8000121871948003},
	} {
		for _, form := range []string{"print", "json"} {
			t.Run(tt.name+" "+form, func(t *testing.T) {
				t.Parallel()
				c := gdConfig(tt.alpha, tt.input, 0.8, 0.5, lim)
				want, steps, v := runner.RunKeeping(c, 1, nil)
				r := mustRun(t, pythonProgram(t, "mul", form), lim, 1, gdParams(c)...)
				checkOutcome(t, r.Outcome, v, steps, "")
				if len(r.rows) != len(want) {
					t.Fatalf("%d rows, want %d", len(r.rows), len(want))
				}
				for i := range want {
					if !sameRow(r.rows[i], want[i]) {
						t.Errorf("row %d = %+v\nbuilt-in %+v", i, r.rows[i], want[i])
					}
				}
				if tt.input == 0.5 && (r.rows[0].Error != 0.30250000000000005 || r.rows[0].Pred != 0.25) {
					t.Errorf("row 0: error %v pred %v, want the published 0.30250000000000005, 0.25", r.rows[0].Error, r.rows[0].Pred)
				}
				if r.Last.Step != 19 || r.Last.Error != tt.lastError || r.Last.Pred != tt.lastPred {
					t.Errorf("step %d: error %v pred %v, want the published step 19: %v, %v", r.Last.Step, r.Last.Error, r.Last.Pred, tt.lastError, tt.lastPred)
				}
			})
		}
	}
}

// With delta ** 2 (libm's pow) only the error column can differ from the
// built-in's delta * delta, and by one unit in the last place at most
// (about 0.1% of values); the trajectory is the same, since the update
// never reads the error. A NaN error and an overflow (Python raises
// OverflowError where ** overflows) are out of this run's range.
func TestPythonPow(t *testing.T) {
	t.Parallel()
	lim := grid.Limits{Iterations: 3000, Tolerance: 1e-300, Divergence: 1e300}
	c := gdConfig(0.001, 0.7, 0.8, 0.5, lim)
	want, steps, v := runner.RunKeeping(c, 1, nil)
	r := mustRun(t, pythonProgram(t, "pow", "print"), lim, 1, gdParams(c)...)
	checkOutcome(t, r.Outcome, v, steps, "")
	if len(r.rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(r.rows), len(want))
	}
	differ := 0
	for i, w := range want {
		got := r.rows[i]
		e := got.Error
		got.Error = w.Error
		if !sameRow(got, w) {
			t.Fatalf("row %d = %+v\nbuilt-in %+v: a column other than error differs", i, r.rows[i], w)
		}
		if e != w.Error {
			differ++
			if math.Nextafter(e, w.Error) != w.Error {
				t.Errorf("row %d: error %v, built-in %v: more than one ulp apart", i, e, w.Error)
			}
		}
	}
	t.Logf("delta ** 2 differs from delta * delta in %d of %d rows", differ, len(want))
}
