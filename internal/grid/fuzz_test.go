package grid

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary text to the parser: it must never panic, and
// what it accepts must be a grid that can be expanded, of finite values,
// with a positive rate, no value twice on an axis, within the limits, and
// whose configs come back in order from their indexes. What it refuses
// must be refused with at least one positioned message.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"method: gradient_descent\ngrid: {alpha: 0.1, input: 1, goal: 0.8, weight: 0.5}\n",
		"name: a\nmethod: hot_cold\niterations: 10\ntolerance: 1e-6\ndivergence: 1e9\ntrace: {every: 3}\ngrid:\n  step_amount: [0.1, 0.01]\n  input: {from: -1, to: 1, step: 0.5}\n  goal: [0.8, -1]\n  weight: 0.5\n",
		"method: gradient_descent\ngrid:\n  alpha: {from: 10, to: 0.0001, per_decade: 4}\n  input: {from: -2, to: 2, step: 0.5}\n  goal: [0.8, -1]\n  weight: 0.5\n",
		"method: gradient_descent\ngrid: {alpha: {from: 1, to: 0.003, per_decade: 2}, input: {from: 0, to: 1, step: 0.3}, goal: .nan, weight: [1, 1]}\n",
		"method: gradient_descent\ngrid:\n\talpha: 1\n",
		"a: &x {from: 1, to: 2, step: 1}\nmethod: gradient_descent\ngrid: {alpha: *x, input: *x, goal: *x, weight: *x}\n",
		"method: [\n",
		"",
		"- 1\n",
		"method: gradient_descent\ngrid: {alpha: 1e-320, input: -0, goal: 1e308, weight: -1.7976931348623157e308}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		start := time.Now()
		defer func() {
			if took := time.Since(start); took > time.Second {
				t.Fatalf("took %v", took) // a hang the fuzzer would not report
			}
		}()
		spec, err := Parse("fuzz.yaml", []byte(text))
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse failed without positioned errors: %v", err)
			}
			for _, e := range errs {
				if e.Msg == "" || !strings.HasPrefix(e.Error(), "fuzz.yaml") {
					t.Fatalf("bad error %q", e.Error())
				}
			}
			return
		}
		if len(spec.Axes) != 4 {
			t.Fatalf("accepted a grid of %d axes", len(spec.Axes))
		}
		n := spec.Len()
		if n < 1 || n > MaxConfigs {
			t.Fatalf("accepted a grid of %d configs", n)
		}
		if spec.Limits.Iterations < 1 || spec.Limits.Iterations > MaxIterations ||
			!(spec.Limits.Tolerance > 0) || !(spec.Limits.Divergence > spec.Limits.Tolerance) || math.IsInf(spec.Limits.Divergence, 0) {
			t.Fatalf("accepted limits %+v", spec.Limits)
		}
		for k, a := range spec.Axes {
			seen := map[float64]bool{}
			for _, v := range a.Values {
				if math.IsNaN(v) || math.IsInf(v, 0) || seen[v] || k == 0 && v <= 0 {
					t.Fatalf("axis %s accepted value %v (values %v)", a.Name, v, a.Values)
				}
				seen[v] = true
			}
		}
		for _, i := range []int64{0, n / 2, n - 1} {
			if c := spec.Config(i); c.Index != i {
				t.Fatalf("Config(%d) has index %d", i, c.Index)
			}
		}
		var i int64
		for c := range spec.Configs() {
			if !reflect.DeepEqual(c, spec.Config(i)) {
				t.Fatalf("config %d from Configs differs from Config", i)
			}
			if i++; i == 1000 {
				break
			}
		}
	})
}

// FuzzRanges drives the range expansion directly with arbitrary numbers:
// no panic, and an accepted range starts at from, ends at to, and steps
// monotonically with no value twice.
func FuzzRanges(f *testing.F) {
	f.Add(-2.0, 2.0, 0.5, 4)
	f.Add(10.0, 0.0001, 0.1, 4)
	f.Add(0.1, 0.7, 0.1, 3)
	f.Add(1e-300, 1e300, 1e299, 1)
	f.Fuzz(func(t *testing.T, from, to, step float64, perDecade int) {
		if math.IsNaN(from) || math.IsInf(from, 0) || math.IsNaN(to) || math.IsInf(to, 0) || math.IsNaN(step) || math.IsInf(step, 0) {
			return // the parser refuses these before expanding
		}
		check := func(kind string, vs []float64) {
			if len(vs) == 0 || vs[0] != from || vs[len(vs)-1] != to {
				t.Fatalf("%s range from %v to %v: %v", kind, from, to, vs)
			}
			for i := 1; i < len(vs); i++ {
				if (to > from) != (vs[i] > vs[i-1]) || vs[i] == vs[i-1] {
					t.Fatalf("%s range from %v to %v is not monotonic at %d: %v", kind, from, to, i, vs[i-1:i+1])
				}
			}
		}
		if step > 0 {
			if vs, err := linearRange(from, to, step); err == nil {
				check("linear", vs)
			}
		}
		if perDecade >= 1 && perDecade <= 100 {
			if vs, err := logRange(from, to, perDecade); err == nil {
				check("log", vs)
			}
			// perDecade doubles as a count of values.
			for kind, count := range map[string]func(float64, float64, int) ([]float64, *rangeError){"linear num": linearCount, "log num": logCount} {
				if vs, err := count(from, to, perDecade); err == nil {
					if len(vs) != perDecade {
						t.Fatalf("%s %d from %v to %v gave %d values", kind, perDecade, from, to, len(vs))
					}
					check(kind, vs)
				}
			}
		}
	})
}
