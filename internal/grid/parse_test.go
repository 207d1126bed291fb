package grid

import (
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string) *Spec {
	t.Helper()
	spec, err := Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return spec
}

func TestParseIssueExample(t *testing.T) {
	spec := mustParse(t, `
name: alpha                 # stored with the results
method: gradient_descent    # or hot_cold
iterations: 1000            # most steps per run
tolerance: 1e-10            # converged when error < tolerance
divergence: 1e12            # diverged when error > divergence, or not finite
grid:                       # the sweep is the cartesian product of these axes
  alpha: {from: 10, to: 0.0001, per_decade: 4}   # log-spaced, both ends included
  input: {from: -2, to: 2, step: 0.5}             # linear, both ends included
  goal: [0.8, -1]                                 # a list
  weight: 0.5                                     # one value
`)
	if got, want := spec.Name, "alpha"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if got, want := spec.Method, GradientDescent; got != want {
		t.Errorf("Method = %q, want %q", got, want)
	}
	if got, want := spec.Limits, (Limits{Iterations: 1000, Tolerance: 1e-10, Divergence: 1e12}); got != want {
		t.Errorf("Limits = %+v, want %+v", got, want)
	}
	wantAxes := []Axis{
		{AxisAlpha, []float64{10, 5.62341325190349, 3.16227766016838, 1.77827941003892, 1,
			0.562341325190349, 0.316227766016838, 0.177827941003892, 0.1,
			0.0562341325190349, 0.0316227766016838, 0.0177827941003892, 0.01,
			0.00562341325190349, 0.00316227766016838, 0.00177827941003892, 0.001,
			0.000562341325190349, 0.000316227766016838, 0.000177827941003892, 0.0001}},
		{AxisInput, []float64{-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2}},
		{AxisGoal, []float64{0.8, -1}},
		{AxisWeight, []float64{0.5}},
	}
	if len(spec.Axes) != len(wantAxes) {
		t.Fatalf("got %d axes, want %d", len(spec.Axes), len(wantAxes))
	}
	for i, want := range wantAxes {
		if got := spec.Axes[i]; got.Name != want.Name || !slices.Equal(got.Values, want.Values) {
			t.Errorf("axis %d = %s %v,\nwant %s %v", i, got.Name, got.Values, want.Name, want.Values)
		}
	}
	if got, want := spec.Len(), int64(21*9*2); got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
}

// TestDecimalAxes checks that axis values are the decimals a person writes,
// so that WHERE input = 0.3 finds its rows.
func TestDecimalAxes(t *testing.T) {
	tests := []struct {
		name string
		axis string
		want []float64
	}{
		{"tenths", "{from: 0, to: 0.6, step: 0.1}", []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6}},
		{"downwards", "{from: 0.3, to: -0.3, step: 0.1}", []float64{0.3, 0.2, 0.1, 0, -0.1, -0.2, -0.3}},
		{"thousandths across zero", "{from: -0.002, to: 0.001, step: 0.001}", []float64{-0.002, -0.001, 0, 0.001}},
		{"one point", "{from: 0.7, to: 0.7, step: 0.1}", []float64{0.7}},
		{"exponent notation", "{from: 1e-3, to: 3e-3, step: 1e-3}", []float64{0.001, 0.002, 0.003}},
		{"log decades exact", "{from: 1, to: 1e-6, per_decade: 1}", []float64{1, 0.1, 0.01, 0.001, 0.0001, 1e-05, 1e-06}},
		{"log upwards", "{from: 0.01, to: 100, per_decade: 2}", []float64{0.01, 0.0316227766016838, 0.1, 0.316227766016838, 1, 3.16227766016838, 10, 31.6227766016838, 100}},
		{"log off the decades", "{from: 3, to: 300, per_decade: 1}", []float64{3, 30, 300}},
		{"list keeps its order", "[0.8, -1, 0]", []float64{0.8, -1, 0}},
		{"one value", "-0.25", []float64{-0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := mustParse(t, "method: gradient_descent\ngrid:\n  alpha: 1\n  input: "+tt.axis+"\n  goal: 0\n  weight: 0\n")
			if got := spec.Axes[1].Values; !slices.Equal(got, tt.want) {
				t.Errorf("input = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTraceStorage(t *testing.T) {
	base := "method: gradient_descent\ngrid: {alpha: 1, input: 1, goal: 0, weight: 0}\n"
	for _, tt := range []struct {
		line string
		want TraceStorage
	}{
		{"", TraceAll},
		{"trace: all\n", TraceAll},
		{"trace: none\n", TraceNone},
		{"trace: {every: 10}\n", TraceStorage{Every: 10}},
		{"trace: {every: 1}\n", TraceAll},
	} {
		if got := mustParse(t, base+tt.line).Trace; got != tt.want {
			t.Errorf("%q: Trace = %v, want %v", tt.line, got, tt.want)
		}
	}
	all, none := mustParse(t, base), mustParse(t, base+"trace: none\n")
	if all.Fingerprint() != mustParse(t, base+"trace: all\n").Fingerprint() {
		t.Error("an explicit trace: all changed the fingerprint")
	}
	if all.Fingerprint() == none.Fingerprint() || none.Fingerprint() == mustParse(t, base+"trace: {every: 2}\n").Fingerprint() {
		t.Error("trace storage does not change the fingerprint")
	}
	for _, tt := range []struct{ line, want, hint string }{
		{"trace: some\n", `test.yaml:3:8: trace: want all, none or {every: N}, got the text "some"`, "{every: N}"},
		{"trace: nome\n", `test.yaml:3:8: trace: want all, none or {every: N}, got the text "nome"`, `did you mean "none"?`},
		{"trace: {every: 0}\n", "test.yaml:3:16: trace.every: 0 is out of range", "from 1 to"},
		{"trace: {}\n", "test.yaml:3:8: trace: {} says nothing", "{every: N}"},
	} {
		_, err := Parse("test.yaml", []byte(base+tt.line))
		var errs Errors
		if !errors.As(err, &errs) || errs[0].Error() != tt.want || !strings.Contains(errs[0].Hint, tt.hint) {
			t.Errorf("%q: error %v, want %q with hint containing %q", tt.line, err, tt.want, tt.hint)
		}
	}
}

func TestParseTraceStorage(t *testing.T) {
	for in, want := range map[string]TraceStorage{"all": TraceAll, "none": TraceNone, "every:10": {10}, "every=3": {3}, "every 4": {4}} {
		if got, err := ParseTraceStorage(in); err != nil || got != want {
			t.Errorf("ParseTraceStorage(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "every", "every:0", "every:x", "some", "every:2000000"} {
		if _, err := ParseTraceStorage(in); err == nil {
			t.Errorf("ParseTraceStorage(%q) succeeded", in)
		}
	}
	keeps := func(t TraceStorage, steps int) (out []int) {
		for s := 0; s < steps; s++ {
			if t.Keeps(s, steps) {
				out = append(out, s)
			}
		}
		return out
	}
	if got := keeps(TraceStorage{Every: 4}, 10); !slices.Equal(got, []int{0, 4, 8, 9}) {
		t.Errorf("every 4 of 10 keeps %v", got)
	}
	if got := keeps(TraceNone, 10); got != nil {
		t.Errorf("none keeps %v", got)
	}
}

func TestDefaultsAndHotCold(t *testing.T) {
	spec := mustParse(t, "method: hot_cold\ngrid: {step_amount: [0.1, 0.01], input: 0.5, goal: 0.8, weight: 0.5}\n")
	if got, want := spec.Name, "test"; got != want {
		t.Errorf("Name = %q, want the file name %q", got, want)
	}
	if got, want := spec.Limits, (Limits{DefaultIterations, DefaultTolerance, DefaultDivergence}); got != want {
		t.Errorf("Limits = %+v, want the defaults %+v", got, want)
	}
	if got, want := spec.Axes[0].Name, AxisStepAmount; got != want {
		t.Errorf("rate axis = %q, want %q", got, want)
	}
}

func TestConfigOrder(t *testing.T) {
	spec := mustParse(t, "method: gradient_descent\ngrid:\n  alpha: [1, 0.1]\n  input: [1, 2, 3]\n  goal: [0, 1]\n  weight: 0.5\n")
	var got [][4]float64
	for c := range spec.Configs() {
		if c.Index != int64(len(got)) {
			t.Fatalf("config %d has index %d", len(got), c.Index)
		}
		if c2 := spec.Config(c.Index); !reflect.DeepEqual(c2, c) {
			t.Fatalf("Config(%d) = %+v, Configs gave %+v", c.Index, c2, c)
		}
		got = append(got, [4]float64{c.Rate, c.Input, c.Goal, c.Weight})
	}
	want := [][4]float64{
		{1, 1, 0, 0.5}, {1, 1, 1, 0.5}, {1, 2, 0, 0.5}, {1, 2, 1, 0.5}, {1, 3, 0, 0.5}, {1, 3, 1, 0.5},
		{0.1, 1, 0, 0.5}, {0.1, 1, 1, 0.5}, {0.1, 2, 0, 0.5}, {0.1, 2, 1, 0.5}, {0.1, 3, 0, 0.5}, {0.1, 3, 1, 0.5},
	}
	if !slices.Equal(got, want) {
		t.Errorf("configs =\n%v\nwant\n%v", got, want)
	}
}

func TestFingerprint(t *testing.T) {
	base := "method: gradient_descent\ngrid:\n  alpha: [1, 0.1]\n  input: 1\n  goal: 0\n  weight: 0.5\n"
	fp := mustParse(t, base).Fingerprint()
	same := "# a comment\nmethod: gradient_descent   # rule\ngrid: {alpha: [1, 0.1], input: 1, goal: 0, weight: 0.5}\n"
	if got := mustParse(t, same).Fingerprint(); got != fp {
		t.Errorf("comments and layout changed the fingerprint")
	}
	for _, changed := range []string{
		strings.Replace(base, "[1, 0.1]", "[1, 0.01]", 1),
		strings.Replace(base, "[1, 0.1]", "[0.1, 1]", 1),
		base + "iterations: 999\n",
		base + "name: other\n",
	} {
		if mustParse(t, changed).Fingerprint() == fp {
			t.Errorf("fingerprint did not change for:\n%s", changed)
		}
	}
}

func TestExperimentsParse(t *testing.T) {
	files, _ := os.ReadDir("../../experiments")
	if len(files) < 3 {
		t.Fatalf("found %d files in experiments/, want at least alpha, book and hot_cold", len(files))
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".yaml") {
			continue
		}
		data, err := os.ReadFile("../../experiments/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f.Name(), data); err != nil {
			t.Errorf("%s: %v", f.Name(), err)
		}
	}
}

// TestParseErrors checks that each mistake is reported at its place, says
// what is wrong and hints at the fix.
// TestLimitAxes: limits given under grid: are axes after the others, in
// the order iterations, tolerance, divergence; a single value is the same
// as that limit at the top level, fingerprint and all.
func TestLimitAxes(t *testing.T) {
	const base = "name: l\nmethod: gradient_descent\ngrid:\n  alpha: [1, 0.1]\n  input: 2\n  goal: 0.8\n  weight: 0.5\n"
	spec, err := Parse("l.yaml", []byte(base+"  divergence: [1e6, 1e12]\n  iterations: [10, 100, 1000]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spec.Len(), int64(2*3*2); got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	var names []string
	for _, a := range spec.Axes {
		names = append(names, a.Name)
	}
	if got, want := strings.Join(names, " "), "alpha input goal weight iterations divergence"; got != want {
		t.Errorf("axes %q, want %q", got, want)
	}
	// The innermost axis varies fastest: config 1 is divergence 1e12,
	// config 2 iterations 100, config 6 the second alpha.
	for _, tt := range []struct {
		i    int64
		rate float64
		lim  Limits
	}{
		{0, 1, Limits{10, DefaultTolerance, 1e6}},
		{1, 1, Limits{10, DefaultTolerance, 1e12}},
		{2, 1, Limits{100, DefaultTolerance, 1e6}},
		{5, 1, Limits{1000, DefaultTolerance, 1e12}},
		{6, 0.1, Limits{10, DefaultTolerance, 1e6}},
	} {
		c := spec.Config(tt.i)
		if c.Rate != tt.rate || c.Limits != tt.lim {
			t.Errorf("Config(%d) = rate %g, %+v; want rate %g, %+v", tt.i, c.Rate, c.Limits, tt.rate, tt.lim)
		}
	}
	if got := spec.MaxIterations(); got != 1000 {
		t.Errorf("MaxIterations = %d, want 1000", got)
	}
	one, err := Parse("l.yaml", []byte(base+"  iterations: [500]\n"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse("l.yaml", []byte("iterations: 500\n"+base))
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Axes) != 4 || one.Limits.Iterations != 500 || one.Fingerprint() != top.Fingerprint() {
		t.Errorf("iterations: [500] under grid: %d axes, iterations %d, same fingerprint as at the top level: %v",
			len(one.Axes), one.Limits.Iterations, one.Fingerprint() == top.Fingerprint())
	}
	if ch := Changes(top, spec); strings.Join(ch, "; ") != "iterations +3 (10, 100, 1000); iterations -1 (500); divergence +1 (1e+06)" {
		t.Errorf("Changes = %q", ch)
	}
}

func TestParseErrors(t *testing.T) {
	const ok = "method: gradient_descent\ngrid:\n  alpha: 0.1\n  input: 1\n  goal: 0.8\n  weight: 0.5\n"
	tests := []struct {
		name, text string
		want       string // the first error, as printed
		hint       string // part of its hint
	}{
		{"empty file", "", "test.yaml: the sweep file is empty", "method: and grid:"},
		{"only a comment", "# nothing\n", "test.yaml: the sweep file is empty", "method: and grid:"},
		{"not a mapping", "- 1\n- 2\n", "test.yaml:1:1: the sweep file must be a mapping of fields, not a list", "top level"},
		{"malformed YAML", "method: gradient_descent\ngrid: [1, 2\n", "test.yaml:2: not valid YAML: did not find expected ',' or ']'", "indentation"},
		{"bad indentation", "method: gradient_descent\ngrid:\n  alpha: 0.1\n input: 1\n", "test.yaml:4: not valid YAML: did not find expected key", "indentation"},
		{"mapping in a value on line 1", "method: a: b\n", "test.yaml:1: not valid YAML: mapping values are not allowed in this context", "colons"},
		{"unclosed quote", "method: gradient_descent\nname: 'x\n", "test.yaml:2: not valid YAML: found unexpected end of stream", "indentation"},
		{"tab on a blank line (yaml.v3 refuses it too)", "method: gradient_descent\n\t\ngrid: {alpha: 1, input: 1, goal: 0, weight: 0}\n", "test.yaml:2:1: tab in indentation", "spaces only"},
		{"tab indentation", "method: gradient_descent\ngrid:\n\talpha: 0.1\n", "test.yaml:3:1: tab in indentation", "spaces only"},
		{"misspelled field", "metod: gradient_descent\n" + ok[25:], `test.yaml:1:1: unknown field "metod"`, `did you mean "method"?`},
		{"misspelled axis", strings.Replace(ok, "alpha", "aplha", 1), `test.yaml:3:3: grid: unknown field "aplha"`, `did you mean "alpha"?`},
		{"unknown field", ok + "colour: red\n", `test.yaml:7:1: unknown field "colour"`, "the fields of a sweep file are name, method"},
		{"field twice", ok + "method: hot_cold\n", `test.yaml:7:1: field "method" given twice`, "once"},
		{"unknown method", strings.Replace(ok, "gradient_descent", "gradient_decent", 1), `test.yaml:1:9: method: unknown learning rule "gradient_decent"`, `did you mean "gradient_descent"?`},
		{"missing method", ok[25:], "test.yaml:1:1: missing field method", "method: hot_cold"},
		{"missing grid", "method: gradient_descent\n", "test.yaml:1:1: missing field grid", "alpha (or step_amount)"},
		{"missing axis", strings.Replace(ok, "  goal: 0.8\n", "", 1), "test.yaml:2:1: grid: missing axis goal", "goal: [0.8, -1]"},
		{"axis of the other method", strings.Replace(ok, "alpha", "step_amount", 1), "test.yaml:3:3: grid: step_amount does not apply to method gradient_descent", "sweeps alpha"},
		{"text for a number", strings.Replace(ok, "0.8", `"0.8"`, 1), `test.yaml:5:9: goal: want a number, got the text "0.8"`, "without quotes"},
		{"boolean for a number", strings.Replace(ok, "0.8", "yes", 1), `test.yaml:5:9: goal: want a number, got the text "yes"`, "plain number"},
		{"null value", strings.Replace(ok, "0.8", "", 1), `test.yaml:5:8: goal: want a number, got nothing (null)`, "plain number"},
		{"NaN", strings.Replace(ok, "0.8", ".nan", 1), "test.yaml:5:9: goal: .nan is not a finite number", ".inf and .nan are not allowed"},
		{"infinity in a list", strings.Replace(ok, "0.8", "[1, -.inf]", 1), "test.yaml:5:13: goal: -.inf is not a finite number", "finite"},
		{"too large", strings.Replace(ok, "0.8", "1e400", 1), "test.yaml:5:9: goal: 1e400 overflows (too large for a float64; the largest is about 1.8e308)", "1.8e308"},
		{"too large and negative in a list", strings.Replace(ok, "0.8", "[1, -1E+400]", 1), "test.yaml:5:13: goal: -1E+400 overflows (too large for a float64; the largest is about 1.8e308)", "1.8e308"},
		{"alpha too small", strings.Replace(ok, "alpha: 0.1", "alpha: 1e-400", 1), "test.yaml:3:10: alpha: 1e-400 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", "between 0 and ±5e-324"},
		{"alpha too small in a list", strings.Replace(ok, "alpha: 0.1", "alpha: [0.1, -2.5E-400]", 1), "test.yaml:3:16: alpha: -2.5E-400 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", "5e-324"},
		{"range end too small", strings.Replace(ok, "alpha: 0.1", "alpha: {from: 1, to: 1e-999, per_decade: 1}", 1), "test.yaml:3:24: alpha.to: 1e-999 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", "5e-324"},
		{"range step too small", strings.Replace(ok, "input: 1", "input: {from: 0, to: 1, step: .5e-400}", 1), "test.yaml:4:33: input.step: .5e-400 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", "5e-324"},
		{"goal too small", strings.Replace(ok, "0.8", "1e-330", 1), "test.yaml:5:9: goal: 1e-330 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", "0 where 0 is meant"},
		{"tolerance too small", ok + "tolerance: 1e-400\n", "test.yaml:7:12: tolerance: 1e-400 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", "5e-324"},
		{"second document", ok + "---\nname: two\n", "test.yaml:7:1: a second YAML document starts here; sweep reads only one", "a file of its own"},
		{"second document after an end marker", ok + "...\n---\n" + ok, "test.yaml:8:1: a second YAML document starts here; sweep reads only one", "remove the --- line"},
		{"a --- at the end", ok + "---\n", "test.yaml:7:1: a second YAML document starts here; sweep reads only one", "one YAML document"},
		{"second document not valid", ok + "---\ngrid: [1\n", "test.yaml:8: not valid YAML: did not find expected ',' or ']'", "indentation"},
		{"escape in name", ok + `name: "red\e[31m"` + "\n", `test.yaml:7:7: name: "red\x1b[31m" holds the control character \x1b`, "printed on terminals"},
		{"newline in name", ok + "name: |\n  two\n  lines\n", `test.yaml:7:7: name: "two\nlines\n" holds the control character \n`, "letters, digits"},
		{"tab in name", ok + `name: "a\tb"` + "\n", `test.yaml:7:7: name: "a\tb" holds the control character \t`, "punctuation"},
		{"C1 control in name", ok + `name: "a\x9bb"` + "\n", `test.yaml:7:7: name: "a\u009bb" holds the control character \u009b`, "terminals"},
		{"bidi override in name", ok + `name: "a\u202Eb"` + "\n", `test.yaml:7:7: name: "a\u202eb" holds the control character \u202e`, "terminals"},
		{"empty list", strings.Replace(ok, "0.8", "[]", 1), "test.yaml:5:9: goal: empty list", "at least one value"},
		{"duplicate value", strings.Replace(ok, "0.8", "[0.8, 1, 0.80]", 1), "test.yaml:5:18: goal: 0.8 appears twice (values 1 and 3)", "once"},
		{"zero alpha", strings.Replace(ok, "alpha: 0.1", "alpha: 0", 1), "test.yaml:3:10: alpha: 0 is not positive", "must be > 0"},
		{"negative alpha in a range", strings.Replace(ok, "alpha: 0.1", "alpha: {from: -1, to: 1, step: 1}", 1), "test.yaml:3:10: alpha: -1 is not positive", "must be > 0"},
		{"zero step", strings.Replace(ok, "input: 1", "input: {from: 0, to: 1, step: 0}", 1), "test.yaml:4:33: input: step 0 is not positive", "distance"},
		{"negative step", strings.Replace(ok, "input: 1", "input: {from: 1, to: 0, step: -0.5}", 1), "test.yaml:4:33: input: step -0.5 is not positive", "whichever way"},
		{"range misses its end", strings.Replace(ok, "input: 1", "input: {from: 0, to: 1, step: 0.3}", 1), "test.yaml:4:10: input: from 0 in steps of 0.3 never reaches 1 (the last value would be 0.9)", "use to: 0.9"},
		{"log range misses its end", strings.Replace(ok, "alpha: 0.1", "alpha: {from: 1, to: 0.003, per_decade: 2}", 1), "test.yaml:3:10: alpha: from 1 to 0.003 is not a whole number of steps at 2 per decade (5.05 steps)", "use to: 0.00316227766016838"},
		{"log range shorter than a step", strings.Replace(ok, "alpha: 0.1", "alpha: {from: 0.7000000000000001, to: 0.7, per_decade: 3}", 1), "test.yaml:3:10: alpha: from 0.7000000000000001 to 0.7 is less than one step at 3 per decade", "one value"},
		{"log range through zero", strings.Replace(ok, "input: 1", "input: {from: -1, to: 1, per_decade: 2}", 1), "test.yaml:4:10: input: a log range needs from and to > 0, got from -1 to 1", "linear range"},
		{"per_decade 0", strings.Replace(ok, "alpha: 0.1", "alpha: {from: 1, to: 0.01, per_decade: 0}", 1), "test.yaml:3:42: alpha.per_decade: 0 is out of range", "whole number from 1"},
		{"fractional per_decade", strings.Replace(ok, "alpha: 0.1", "alpha: {from: 1, to: 0.01, per_decade: 2.5}", 1), "test.yaml:3:42: alpha.per_decade: 2.5 is out of range", "whole number"},
		{"step and per_decade", strings.Replace(ok, "alpha: 0.1", "alpha: {from: 1, to: 0.01, step: 0.01, per_decade: 2}", 1), "test.yaml:3:54: alpha: give step (linear) or per_decade (log), not both", "linear"},
		{"range without to", strings.Replace(ok, "input: 1", "input: {from: 0, step: 1}", 1), "test.yaml:4:10: input: a range needs both from and to", "{from: A, to: B, step: S}"},
		{"misspelled range field", strings.Replace(ok, "input: 1", "input: {from: 0, to: 1, stpe: 1}", 1), `test.yaml:4:27: input: unknown field "stpe"`, `did you mean "step"?`},
		{"iterations 0", ok + "iterations: 0\n", "test.yaml:7:13: iterations: 0 is out of range", "from 1 to 1000000"},
		{"absurd iterations", ok + "iterations: 1e12\n", "test.yaml:7:13: iterations: 1e12 is out of range", "from 1 to 1000000"},
		{"zero tolerance", ok + "tolerance: 0\n", "test.yaml:7:12: tolerance: 0 is not positive", "error < tolerance"},
		{"divergence below tolerance", ok + "tolerance: 1\ndivergence: 0.5\n", "test.yaml:8:13: divergence 0.5 must be greater than tolerance 1", "far above tolerance"},
		{"empty name", ok + "name: ''\n", `test.yaml:7:7: name: want a non-empty text, got the text ""`, "short name"},
		{"too many configs", strings.Replace(strings.Replace(ok, "input: 1", "input: {from: 0, to: 100000, step: 1}", 1), "goal: 0.8", "goal: {from: 0, to: 1000, step: 1}", 1), "test.yaml:2:1: grid: more than 100000000 configs", "split the sweep"},
		{"a long text is cut short", "a long line of text that is not a sweep file at all, as a CSV or a note might be\n", `test.yaml:1:1: the sweep file must be a mapping of fields, not the text "a long line of text that is not a sweep ..."`, "top level"},
		{"grid not a mapping", "method: gradient_descent\ngrid: [1, 2]\n", "test.yaml:2:7: grid: want a mapping of axes, got a list", "one axis per line"},
		{"limit given twice", "iterations: 100\n" + ok + "  iterations: [10, 100]\n", "test.yaml:8:3: grid: iterations is also given at the top level (line 1)", "keep one"},
		{"iterations axis not whole", ok + "  iterations: [10, 2.5]\n", "test.yaml:7:15: grid: iterations: 2.5 is out of range", "whole number"},
		{"iterations axis too large", ok + "  iterations: {from: 10, to: 1e7, per_decade: 1}\n", "test.yaml:7:15: grid: iterations: 1e+07 is out of range", "whole number"},
		{"tolerance axis not positive", ok + "  tolerance: [1e-6, 0]\n", "test.yaml:7:14: grid: tolerance: 0 is not positive", "error < tolerance"},
		{"empty limit axis", ok + "  divergence: []\n", "test.yaml:7:15: divergence: empty list", "divergence: [1e6, 1e12]"},
		{"divergence axis below a tolerance", ok + "  tolerance: [1e-6, 10]\n  divergence: [1e12, 5]\n", "test.yaml:8:15: divergence 5 must be greater than tolerance 10 (every divergence must exceed every tolerance)", "every divergence"},
		{"duplicate limit value", ok + "  iterations: [10, 10]\n", "test.yaml:7:20: iterations: 10 appears twice (values 1 and 2)", "once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.text))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse = %v, want an Errors", err)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Errorf("error = %q\n      want %q", got, tt.want)
			}
			if !strings.Contains(errs[0].Hint, tt.hint) {
				t.Errorf("hint = %q, want it to contain %q", errs[0].Hint, tt.hint)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse("test.yaml", []byte("method: gradient_descent\ncolour: red\ngrid:\n  alpha: 0\n  input: x\n  goal: 0\n  weight: 0\n"))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{
		`test.yaml:2:1: unknown field "colour"`,
		`test.yaml:4:10: alpha: 0 is not positive`,
		`test.yaml:5:10: input: want a number, got the text "x"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseAccepts checks the inputs near the new refusals that stay
// valid: one document with its markers, the smallest floats, a name with
// text from anywhere.
func TestParseAccepts(t *testing.T) {
	const ok = "method: gradient_descent\ngrid:\n  alpha: 0.1\n  input: 1\n  goal: 0.8\n  weight: 0.5\n"
	tests := []struct {
		name, text string
		check      func(*Spec) bool
	}{
		{"a leading ---", "---\n" + ok, func(s *Spec) bool { return s.Len() == 1 }},
		{"a leading --- and a trailing ...", "---\n" + ok + "...\n", func(s *Spec) bool { return s.Len() == 1 }},
		{"the smallest subnormal alpha", strings.Replace(ok, "alpha: 0.1", "alpha: 5e-324", 1), func(s *Spec) bool { return s.Axes[0].Values[0] == 5e-324 }},
		{"a subnormal that rounds up", strings.Replace(ok, "alpha: 0.1", "alpha: 3e-324", 1), func(s *Spec) bool { return s.Axes[0].Values[0] == 5e-324 }},
		{"zero written with an exponent", strings.Replace(ok, "0.8", "0.0e-400", 1), func(s *Spec) bool { return s.Axes[2].Values[0] == 0 }},
		{"negative zero is zero", strings.Replace(ok, "0.8", "-0.0", 1), func(s *Spec) bool { return s.Axes[2].Values[0] == 0 && !math.Signbit(s.Axes[2].Values[0]) }},
		{"the largest float", strings.Replace(ok, "0.8", "1.7976931348623157e308", 1), func(s *Spec) bool { return s.Axes[2].Values[0] == math.MaxFloat64 }},
		{"a name in any script", ok + "name: ünï ∂ 学習 ⚠\n", func(s *Spec) bool { return s.Name == "ünï ∂ 学習 ⚠" }},
		{"a name with a backslash and a replacement character", ok + `name: 'a\n \x1b ` + "\uFFFD'\n", func(s *Spec) bool { return s.Name == `a\n \x1b `+"\uFFFD" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := Parse("test.yaml", []byte(tt.text))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !tt.check(spec) {
				t.Errorf("Parse gave name %q, axes %v", spec.Name, spec.Axes)
			}
		})
	}
}

// TestSecondDocumentReportedLast checks that a second document is
// reported after the problems of the first, in the order of the file.
func TestSecondDocumentReportedLast(t *testing.T) {
	_, err := Parse("test.yaml", []byte("method: gradient_descent\ngrid: {alpha: 1e-400, input: 1, goal: 0, weight: 0}\n---\nmethod: hot_cold\n"))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{
		"test.yaml:2:15: alpha: 1e-400 underflows to 0 (too small for a float64; the smallest positive is about 5e-324)",
		"test.yaml:3:1: a second YAML document starts here; sweep reads only one",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct{ word, want string }{
		{"aplha", "alpha"}, {"imput", "input"}, {"wieght", "weight"}, {"step_amout", "step_amount"},
		{"goals", "goal"}, {"banana", ""}, {"x", ""},
	} {
		if got := didYouMean(tt.word, axisNames); got != tt.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

// BenchmarkConfigs measures grid expansion: every config of W2 (1,565,004)
// computed from its index.
func BenchmarkConfigs(b *testing.B) {
	data, err := os.ReadFile("../../bench/w2.yaml")
	if err != nil {
		b.Fatal(err)
	}
	spec, err := Parse("w2.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for c := range spec.Configs() {
			n++
			_ = c
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "configs/s")
}

// BenchmarkParse measures reading a sweep file with ranges.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../bench/w2.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := Parse("w2.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCountRanges checks {from, to, num}: log-spaced by default, evenly
// spaced with scale: linear, both ends included, and where a whole number
// of values per decade fits, the very values of per_decade.
func TestCountRanges(t *testing.T) {
	axis := func(text string) []float64 {
		t.Helper()
		spec := mustParse(t, "method: gradient_descent\ngrid: {alpha: "+text+", input: 1, goal: 0.8, weight: 0.5}\n")
		return spec.Axes[0].Values
	}
	if got, want := axis("{from: 10, to: 0.0001, num: 21}"), axis("{from: 10, to: 0.0001, per_decade: 4}"); !slices.Equal(got, want) {
		t.Errorf("num 21 from 10 to 0.0001 = %v, want per_decade 4's %v", got, want)
	}
	for _, tc := range []struct {
		name, text string
		want       []float64
	}{
		{"log where no per_decade fits", "{from: 0.1, to: 0.5, num: 5}", []float64{0.1, 0.149534878122122, 0.223606797749979, 0.334370152488211, 0.5}},
		{"log downwards", "{from: 100, to: 1, num: 3}", []float64{100, 10, 1}},
		{"explicit log", "{from: 1, to: 100, num: 3, scale: log}", []float64{1, 10, 100}},
		{"linear exact decimals", "{from: 0.1, to: 0.5, num: 5, scale: linear}", []float64{0.1, 0.2, 0.3, 0.4, 0.5}},
		{"linear thirds at 15 digits", "{from: 0.5, to: 1, num: 4, scale: linear}", []float64{0.5, 0.666666666666667, 0.833333333333333, 1}},
		{"one value", "{from: 0.3, to: 0.3, num: 1}", []float64{0.3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := axis(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("%s = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, text, want string }{
		{"num and step", "{from: 1, to: 2, num: 3, step: 0.5}", "give one of step (linear), per_decade (log) and num, not several"},
		{"scale without num", "{from: 1, to: 2, step: 0.5, scale: linear}", "scale goes with num"},
		{"bad scale", "{from: 1, to: 2, num: 3, scale: cubic}", "scale: want log or linear"},
		{"num 0", "{from: 1, to: 2, num: 0}", "num"},
		{"num 1 for two ends", "{from: 1, to: 2, num: 1}", "num 1 cannot hold both from 1 and to 2"},
		{"two values at one end", "{from: 1, to: 1, num: 2}", "there are no 2 values between them"},
		{"log through zero", "{from: 0, to: 1, num: 3}", "a log range needs from and to > 0"},
		{"too narrow", "{from: 1, to: 1.0000000000000002, num: 3, scale: linear}", "too narrow for 3 distinct values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte("method: gradient_descent\ngrid: {alpha: "+tc.text+", input: 1, goal: 0.8, weight: 0.5}\n"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want it to say %q", tc.text, err, tc.want)
			}
		})
	}
}

// TestChanges names what a new version of a sweep file changes.
func TestChanges(t *testing.T) {
	const base = "method: gradient_descent\niterations: 1000\ngrid: {alpha: [0.1, 0.3], input: [2], goal: 0.8, weight: 0.5}\n"
	for _, tc := range []struct{ name, newer, want string }{
		{"same", base, ""},
		{"input added", strings.Replace(base, "input: [2]", "input: [2, 1]", 1), "input +1 (1)"},
		{"alpha widened and narrowed", strings.Replace(base, "alpha: [0.1, 0.3]", "alpha: [0.3, 0.6, 1, 3, 10]", 1), "alpha +4 (0.6, 1, 3, and 1 more); alpha -1 (0.1)"},
		{"budget raised", strings.Replace(base, "iterations: 1000", "iterations: 5000", 1), "iterations 1000 -> 5000"},
		{"trace thinned", base + "trace: none\n", "trace all -> none"},
		{"reordered", strings.Replace(base, "alpha: [0.1, 0.3]", "alpha: [0.3, 0.1]", 1), "alpha reordered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Changes(mustParse(t, base), mustParse(t, tc.newer)), "; ")
			if got != tc.want {
				t.Errorf("Changes = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestIndexer: the index of every config of a grid is its position, and a
// config of another grid is found only when the grid has it.
func TestIndexer(t *testing.T) {
	spec, err := Parse("i.yaml", []byte("method: gradient_descent\ntolerance: 1e-8\ngrid:\n  alpha: [1, 0.1, 0.01]\n  input: [-1, 0, 2]\n  goal: [0.8, -1]\n  weight: 0.5\n  iterations: [10, 100]\n"))
	if err != nil {
		t.Fatal(err)
	}
	index := spec.Indexer()
	for i := range spec.Len() {
		if got, ok := index(spec.Config(i)); !ok || got != i {
			t.Errorf("index(Config(%d)) = %d, %v", i, got, ok)
		}
	}
	c := spec.Config(5)
	for _, change := range []func(*Config){
		func(c *Config) { c.Rate = 0.5 },
		func(c *Config) { c.Weight = -0.5 },
		func(c *Config) { c.Limits.Iterations = 1000 },
		func(c *Config) { c.Limits.Tolerance = 1e-10 }, // not an axis: must be the sweep's
		func(c *Config) { c.Method = HotCold },
	} {
		d := c
		change(&d)
		if i, ok := index(d); ok {
			t.Errorf("config %+v not in the grid found at %d", d, i)
		}
	}
}
