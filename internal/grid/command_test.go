package grid

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// The example of method: command, as the README pins it.
const commandSweep = `name: gd-python
method: command
command: [python3, programs/gd.py, --alpha, "{alpha}", --input, "{input}", --goal, "{goal}", --weight, "{weight}"]
rate: alpha          # the axis that is the learning rate: maps, frontier, refine use it
iterations: 1000
tolerance: 1e-12
divergence: 1e12
timeout: 30s         # per run
grid:
  alpha: {from: 10, to: 0.0001, per_decade: 4}
  input: [0.5, 2]
  goal: 0.8
  weight: 0.5
`

func TestCommandSweep(t *testing.T) {
	spec := mustParse(t, commandSweep)
	if spec.Method != Command || spec.RateAxis() != "alpha" || spec.Len() != 42 {
		t.Fatalf("method %s, rate axis %s, %d configs; want command, alpha, 42", spec.Method, spec.RateAxis(), spec.Len())
	}
	if got := spec.Program.Argv; len(got) != 10 || got[0] != "python3" || got[3] != "{alpha}" {
		t.Errorf("argv = %q", got)
	}
	if spec.Program.Timeout != 30*time.Second || spec.Program.Line != 3 || spec.Program.Col != 10 {
		t.Errorf("timeout %v at %d:%d, want 30s at 3:10", spec.Program.Timeout, spec.Program.Line, spec.Program.Col)
	}
	if spec.Limits != (Limits{Iterations: 1000, Tolerance: 1e-12, Divergence: 1e12}) {
		t.Errorf("limits = %+v", spec.Limits)
	}
	c := spec.Config(1) // alpha 10, input 2
	if c.Rate != 10 || c.Input != 2 || c.Goal != 0.8 || c.Weight != 0.5 || !slices.Equal(c.Params, []float64{10, 2, 0.8, 0.5}) {
		t.Errorf("Config(1) = %+v", c)
	}
}

// A program's axes are named freely; the rate axis comes first whatever
// its place in the file, the others keep the file's order, and limits
// given as axes come last. input, goal and weight a program lacks are NaN.
func TestCommandFreeAxes(t *testing.T) {
	spec := mustParse(t, `method: command
command: [./momentum, "{lr}", "{momentum}", "--budget={iterations}"]
rate: lr
grid:
  momentum: [0, 0.5, 0.9]
  lr: [1, 0.1]
  iterations: [10, 100]
`)
	var names []string
	for _, a := range spec.Axes {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"lr", "momentum", "iterations"}) {
		t.Fatalf("axes %v, want [lr momentum iterations]", names)
	}
	if got := spec.LimitAxes(); len(got) != 1 || got[0].Name != "iterations" {
		t.Errorf("LimitAxes = %v", got)
	}
	c := spec.Config(5) // lr 1, momentum 0.9, iterations 100
	if c.Rate != 1 || c.Limits.Iterations != 100 || !slices.Equal(c.Params, []float64{1, 0.9, 100}) {
		t.Errorf("Config(5) = %+v", c)
	}
	if !math.IsNaN(c.Input) || !math.IsNaN(c.Goal) || !math.IsNaN(c.Weight) {
		t.Errorf("input, goal, weight = %v, %v, %v; want NaN (no such axes)", c.Input, c.Goal, c.Weight)
	}
	if got := spec.ParamNames(); !slices.Equal(got, []string{"lr", "momentum", "iterations", "tolerance", "divergence"}) {
		t.Errorf("ParamNames = %v", got)
	}
	if got := spec.Params(c); !slices.Equal(got, []float64{1, 0.9, 100, DefaultTolerance, DefaultDivergence}) {
		t.Errorf("Params(Config(5)) = %v", got)
	}
	index := spec.Indexer()
	for i := range spec.Len() {
		if got, ok := index(spec.Config(i)); !ok || got != i {
			t.Errorf("Indexer(Config(%d)) = %d, %v", i, got, ok)
		}
	}
	other := spec.Config(5)
	other.Params[1] = 0.7
	if _, ok := index(other); ok {
		t.Error("Indexer found a momentum the grid does not have")
	}
}

// The fingerprint covers what decides a program's results: its argv, its
// timeout and the hash of the files it names.
func TestCommandFingerprint(t *testing.T) {
	base := mustParse(t, commandSweep)
	for _, tt := range []struct {
		name string
		edit func(*Spec)
	}{
		{"argv", func(s *Spec) { s.Program.Argv[1] = "programs/gd2.py" }},
		{"timeout", func(s *Spec) { s.Program.Timeout = time.Minute }},
		{"program files", func(s *Spec) { s.Program.Hash = "abc" }},
	} {
		s := mustParse(t, commandSweep)
		tt.edit(s)
		if s.Fingerprint() == base.Fingerprint() {
			t.Errorf("changing the %s keeps the fingerprint", tt.name)
		}
	}
	again := mustParse(t, strings.ReplaceAll(commandSweep, "# per run", "# each run"))
	if again.Fingerprint() != base.Fingerprint() {
		t.Error("a comment changed the fingerprint")
	}
}

func TestCommandParseErrors(t *testing.T) {
	const ok = "method: command\ncommand: [prog, \"{alpha}\"]\nrate: alpha\ngrid:\n  alpha: [1, 0.1]\n"
	for _, tt := range []struct {
		name, text string
		want, hint string
	}{
		{"missing command", strings.Replace(ok, "command: [prog, \"{alpha}\"]\n", "", 1), "test.yaml:1:1: missing field command (method: command runs it for each config)", "command: [python3"},
		{"missing rate", strings.Replace(ok, "rate: alpha\n", "", 1), "test.yaml:1:1: missing field rate (method: command)", "rate: alpha"},
		{"rate names no axis", strings.Replace(ok, "rate: alpha", "rate: lr", 1), "test.yaml:4:1: grid: missing axis lr, which rate: names", "add lr:"},
		{"rate is a limit", strings.Replace(ok, "rate: alpha", "rate: iterations", 1), "test.yaml:3:7: rate: want the name of a grid axis, got the text \"iterations\"", "learning rate"},
		{"rate not positive", strings.Replace(ok, "[1, 0.1]", "[1, 0]", 1), "test.yaml:5:14: alpha: 0 is not positive", "learning step"},
		{"command not a list", strings.Replace(ok, "[prog, \"{alpha}\"]", "prog --alpha", 1), "test.yaml:2:10: command: want a non-empty list, got the text \"prog --alpha\"", "without a shell"},
		{"empty command", strings.Replace(ok, "[prog, \"{alpha}\"]", "[]", 1), "test.yaml:2:10: command: want a non-empty list, got a list", "without a shell"},
		{"empty program", strings.Replace(ok, "[prog, \"{alpha}\"]", "[\"\", x]", 1), "test.yaml:2:11: command[1]: the program name is empty", ""},
		{"NUL byte", strings.Replace(ok, "{alpha}", "a\\0b", 1), "test.yaml:2:17: command[2]: has a NUL byte, which no argument can hold", ""},
		{"nested list", strings.Replace(ok, "[prog, \"{alpha}\"]", "[prog, [a]]", 1), "test.yaml:2:17: command[2]: want a text, got a list", "without a shell"},
		{"unknown placeholder", strings.Replace(ok, "{alpha}", "{alhpa}", 1), "test.yaml:2:17: command[2]: {alhpa} names no parameter", "did you mean {alpha}? the names are the grid's axes and the limits: alpha, iterations, tolerance, divergence"},
		{"lone brace", strings.Replace(ok, "{alpha}", "{alpha", 1), `test.yaml:2:17: command[2]: has a { that is not closed`, "{{ for a literal {"},
		{"lone closing brace", strings.Replace(ok, "{alpha}", "x}", 1), `test.yaml:2:17: command[2]: has a single }`, "}} for a literal }"},
		{"bad axis name", ok + "  Momentum: [0, 1]\n", `test.yaml:6:3: grid: axis name "Momentum" is not a plain lower-case name`, "SWEEP_NAME"},
		{"axis twice", ok + "  beta: 1\n  beta: 2\n", `test.yaml:7:3: grid: axis "beta" given twice`, "once"},
		{"bad timeout", ok + "timeout: soon\n", `test.yaml:6:10: timeout: want a positive duration such as 30s, got "soon"`, "30s, 5m"},
		{"negative timeout", ok + "timeout: -1s\n", `test.yaml:6:10: timeout: want a positive duration such as 30s, got "-1s"`, "30s, 5m"},
		{"command for a built-in", "method: gradient_descent\ncommand: [x]\ngrid: {alpha: 1, input: 1, goal: 0.8, weight: 0.5}\n", "test.yaml:2:1: command: applies to method: command only", "runs its built-in rule"},
		{"rate for a built-in", "method: hot_cold\nrate: step_amount\ngrid: {step_amount: 1, input: 1, goal: 0.8, weight: 0.5}\n", "test.yaml:2:1: rate: applies to method: command only", "built-in rule"},
		{"failed verdict for a built-in", "method: gradient_descent\ngrid: {alpha: 1, input: 1, goal: 0.8, weight: 0.5}\nexpect:\n  - {verdict: failed}\n", `test.yaml:4:15: expect[1]: unknown verdict "failed"`, "unfinished"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.text))
			errs, _ := err.(Errors)
			if len(errs) == 0 {
				t.Fatalf("no error, want %s", tt.want)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Errorf("first error:\n got %s\nwant %s", got, tt.want)
			}
			if !strings.Contains(errs[0].Hint, tt.hint) {
				t.Errorf("hint %q lacks %q", errs[0].Hint, tt.hint)
			}
		})
	}
	// A program's sweep may expect failed, and pick runs by any axis.
	spec := mustParse(t, ok+"  momentum: [0, 0.9]\nexpect:\n  - {where: {momentum: 0.9}, verdict: failed}\n")
	if e := spec.Expect[0]; e.Verdict != "failed" || e.Where["momentum"] != 0.9 {
		t.Errorf("expectation = %+v", e)
	}
}

// A continuous range with sample: draws N quasi-random points, the same
// for the same seed; one such axis is an axis of N values, in the
// direction of its range; several are drawn together, as points, tied to
// the rate (Spec.Joint).
func TestSample(t *testing.T) {
	const one = `method: command
command: [prog, "{alpha}", "{input}"]
rate: alpha
sample: {n: 200, seed: 7}
grid:
  alpha: {from: 10, to: 0.0001, scale: log}
  input: [0.5, 2]
`
	spec := mustParse(t, one)
	alpha := spec.Axes[0].Values
	if len(alpha) != 200 || spec.Len() != 400 || len(spec.Joint) != 0 {
		t.Fatalf("%d alphas, %d configs, %d joint axes; want 200, 400, 0", len(alpha), spec.Len(), len(spec.Joint))
	}
	// Descending from 10 to 0.0001, as the range runs; evenly spread: each
	// of the 5 decades holds about a fifth of the points.
	perDecade := make([]int, 5)
	for i, a := range alpha {
		if a > 10 || a < 0.0001 || i > 0 && a >= alpha[i-1] {
			t.Fatalf("alpha[%d] = %v (before it %v): want 10 >= alpha >= 0.0001, descending", i, a, alpha[max(i-1, 0)])
		}
		perDecade[min(int(-math.Log10(a/10)), 4)]++
	}
	// (The README says 39 to 41.)
	for d, n := range perDecade {
		if n < 39 || n > 41 {
			t.Errorf("decade %d holds %d of 200 points, want 39 to 41: %v", d, n, perDecade)
		}
	}
	if again := mustParse(t, one); !slices.Equal(again.Axes[0].Values, alpha) || again.Fingerprint() != spec.Fingerprint() {
		t.Error("the same file drew other points")
	}
	other := mustParse(t, strings.Replace(one, "seed: 7", "seed: 8", 1))
	if slices.Equal(other.Axes[0].Values, alpha) || other.Fingerprint() == spec.Fingerprint() {
		t.Error("another seed drew the same points")
	}

	joint := mustParse(t, `method: command
command: [prog, "{alpha}", "{momentum}"]
rate: alpha
sample: {n: 64, seed: 1}
grid:
  momentum: {from: 0, to: 0.99, scale: linear}
  alpha: {from: 0.001, to: 1, scale: log}
  input: [0.5, 2]
`)
	if len(joint.Axes) != 2 || joint.Axes[0].Name != "alpha" || len(joint.Joint) != 1 || joint.Joint[0].Name != "momentum" || joint.Len() != 128 {
		t.Fatalf("axes %v, joint %v, %d configs", joint.Axes, joint.Joint, joint.Len())
	}
	a, m := joint.Axes[0].Values, joint.Joint[0].Values
	if !slices.IsSorted(a) {
		t.Error("the points are not in the order of the rate, from 0.001 up")
	}
	// Both coordinates spread over their range: each half of the momentum
	// range holds about half of the points.
	low := 0
	for _, v := range m {
		if v < 0 || v > 0.99 {
			t.Fatalf("momentum %v outside [0, 0.99]", v)
		}
		if v < 0.495 {
			low++
		}
	}
	if low < 28 || low > 36 {
		t.Errorf("%d of 64 momentums below the middle, want about 32", low)
	}
	if got := joint.ParamNames(); !slices.Equal(got[:3], []string{"alpha", "input", "momentum"}) {
		t.Errorf("ParamNames = %v", got)
	}
	index := joint.Indexer()
	for i := range joint.Len() {
		c := joint.Config(i)
		if c.Params[2] != m[i/2] || c.Rate != a[i/2] {
			t.Fatalf("Config(%d) = %+v: want alpha %v with momentum %v", i, c, a[i/2], m[i/2])
		}
		if got, ok := index(c); !ok || got != i {
			t.Errorf("Indexer(Config(%d)) = %d, %v", i, got, ok)
		}
	}
	c := joint.Config(0)
	c.Params[2] = m[1]
	if _, ok := index(c); ok {
		t.Error("Indexer took a momentum that does not go with the rate")
	}
}

func TestSampleErrors(t *testing.T) {
	const ok = "method: command\ncommand: [prog]\nrate: alpha\nsample: {n: 10, seed: 1}\ngrid:\n  alpha: {from: 1, to: 0.01, scale: log}\n"
	for _, tt := range []struct{ name, text, want string }{
		{"continuous without sample", strings.Replace(ok, "sample: {n: 10, seed: 1}\n", "", 1),
			"test.yaml:5:10: alpha: a range without step, per_decade or num is continuous, and needs sample:"},
		{"sample without continuous", strings.Replace(ok, "{from: 1, to: 0.01, scale: log}", "[1, 0.1]", 1),
			"test.yaml:4:1: sample: no axis of the grid is a continuous range"},
		{"no n", strings.Replace(ok, "n: 10, ", "", 1), "test.yaml:4:9: sample: needs n, the number of points"},
		{"log through 0", strings.Replace(ok, "to: 0.01", "to: 0", 1), "test.yaml:6:10: alpha: a log range needs from and to > 0"},
		{"empty range", strings.Replace(ok, "to: 0.01", "to: 1", 1), "test.yaml:6:10: alpha: from and to are both 1"},
		{"refine of points", "method: command\ncommand: [prog]\nrate: alpha\nrefine: true\nsample: {n: 10, seed: 1}\ngrid:\n  alpha: {from: 1, to: 0.01, scale: log}\n  b: {from: 0, to: 1, scale: linear}\n",
			"test.yaml:5:1: refine: the rate is drawn together with b, so no two configs differ in the rate alone"},
		{"sampled limit", ok + "  iterations: {from: 10, to: 100, scale: linear}\n", "test.yaml:7:15: iterations: a limit cannot be sampled"},
		{"joint without the rate", ok[:len(ok)-len("  alpha: {from: 1, to: 0.01, scale: log}\n")] + "  alpha: [1, 0.1]\n  a: {from: 0, to: 1, scale: linear}\n  b: {from: 0, to: 1, scale: linear}\n",
			"test.yaml:7:6: sample: 2 continuous axes are drawn together, as points, and the rate axis alpha is not among them"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.text))
			errs, _ := err.(Errors)
			if len(errs) == 0 {
				t.Fatalf("no error, want %s", tt.want)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Errorf("first error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// What changed between two versions of a program's sweep file: its own
// axes, its command, its program's files, its timeout.
func TestCommandChanges(t *testing.T) {
	older := mustParse(t, "method: command\ncommand: [prog, \"{alpha}\"]\nrate: alpha\ngrid: {alpha: [1, 0.1], momentum: [0, 0.5]}\n")
	newer := mustParse(t, "method: command\ncommand: [prog, \"{alpha}\", x]\nrate: alpha\ntimeout: 1m\ngrid: {alpha: [1, 0.1], momentum: [0, 0.5, 0.9], beta: 2}\n")
	got := strings.Join(Changes(older, newer), "; ")
	if want := "command changed; timeout none -> 1m0s; momentum +1 (0.9); beta added"; got != want {
		t.Errorf("Changes = %q, want %q", got, want)
	}
	same := mustParse(t, "method: command\ncommand: [prog, \"{alpha}\"]\nrate: alpha\ngrid: {alpha: [1, 0.1], momentum: [0, 0.5]}\n")
	older.Program.Hash, same.Program.Hash = "a", "b"
	if got := strings.Join(Changes(older, same), "; "); got != "program changed" {
		t.Errorf("Changes with another program = %q, want %q", got, "program changed")
	}
}

// A program's rate named weight (or input, goal) is in its column too.
func TestCommandRateNamedWeight(t *testing.T) {
	spec := mustParse(t, "method: command\ncommand: [./p, \"{weight}\"]\nrate: weight\ngrid: {weight: [0.1, 0.2]}\n")
	if c := spec.Config(1); c.Rate != 0.2 || c.Weight != 0.2 || !math.IsNaN(c.Input) {
		t.Errorf("Config(1) = %+v: want rate and weight 0.2", c)
	}
}
