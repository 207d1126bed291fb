package command

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// parseOne parses line as row index of a trace, as line lineNo of stdout.
func parseOne(line string, lineNo, index int) (Row, bool, error) {
	var (
		p lineParser
		r Row
	)
	step, ms, err := p.parse([]byte(line), lineNo, index, &r, nil)
	if step && len(r.Metrics) > 0 && &r.Metrics[0] != &ms[len(ms)-len(r.Metrics)] {
		panic("Metrics is not the tail of the returned slice")
	}
	return r, step, err
}

// same reports whether a and b are the same float64, bit for bit.
func same(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func TestParseStepLines(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name, line                             string
		weight, pred, errv, delta, weightDelta float64
		has                                    Field
		metrics                                []Metric
	}{
		{"json", `{"weight": 0.5, "pred": 0.25, "error": 0.30250000000000005}`,
			0.5, 0.25, 0.30250000000000005, nan, nan, HasWeight | HasPred, nil},
		{"json every column", `{"step": 3, "weight": 1e-05, "prediction": -0.0, "error": 5.408208020258491e-06, "delta": -232452292.5999999, "weight_delta": 1E+16}`,
			1e-05, math.Copysign(0, -1), 5.408208020258491e-06, -232452292.5999999, 1e16, HasWeight | HasPred | HasDelta | HasWeightDelta, nil},
		{"json python's non-standard numbers", `{"error": NaN, "weight": Infinity, "delta": -Infinity}`,
			math.Inf(1), nan, nan, math.Inf(-1), nan, HasWeight | HasDelta, nil},
		{"json metrics in order", `{"loss": 2, "error": 1, "zeta": 0.5, "acc": -3e-2, "caf\u00e9 \"q\"": 7}`,
			nan, nan, 1, nan, nan, 0, []Metric{{"loss", 2}, {"zeta", 0.5}, {"acc", -0.03}, {`café "q"`, 7}}},
		{"json compact, spaces around", "  {\"error\":0}\t ", nan, nan, 0, nan, nan, 0, nil},
		{"json integer beyond float64 is inf, as in Python", `{"error": 1e400}`, nan, nan, math.Inf(1), nan, nan, 0, nil},
		{"json smallest subnormal", `{"error": 5e-324}`, nan, nan, 5e-324, nan, nan, 0, nil},
		{"json escaped key is the same key", `{"err\u006fr": 1, "\ud83d\ude00": 2}`, nan, nan, 1, nan, nan, 0, []Metric{{"😀", 2}}},
		{"printout", "Error:0.30250000000000005 Prediction:0.25",
			nan, 0.25, 0.30250000000000005, nan, nan, HasPred, nil},
		{"printout spaced", "  Error: 0.3025 Prediction: 0.25  ",
			nan, 0.25, 0.3025, nan, nan, HasPred, nil},
		{"printout every key in any order", "Error:0.64 Prediction:0.0 Weight:0.5 Delta:-0.8 Weight Delta:-0.4",
			0.5, 0, 0.64, -0.8, -0.4, HasWeight | HasPred | HasDelta | HasWeightDelta, nil},
		{"printout weight delta first", "Error:1 Weight Delta:-0.4 Weight:0.5",
			0.5, nan, 1, nan, -0.4, HasWeight | HasWeightDelta, nil},
		{"printout inf nan", "Error:inf Prediction:-inf Weight:nan Delta:5.403406870691965e+16",
			nan, math.Inf(-1), math.Inf(1), 5.403406870691965e+16, nan, HasWeight | HasPred | HasDelta, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, step, err := parseOne(tt.line, 1, 3)
			if err != nil || !step {
				t.Fatalf("parse(%q) = step %v, %v; want a step", tt.line, step, err)
			}
			for _, c := range []struct {
				col       string
				got, want float64
			}{{"weight", r.Weight, tt.weight}, {"pred", r.Pred, tt.pred}, {"error", r.Error, tt.errv}, {"delta", r.Delta, tt.delta}, {"weight_delta", r.WeightDelta, tt.weightDelta}} {
				if !same(c.got, c.want) && !(math.IsNaN(c.got) && math.IsNaN(c.want)) {
					t.Errorf("%s = %v, want %v", c.col, c.got, c.want)
				}
			}
			if r.Has != tt.has {
				t.Errorf("Has = %04b, want %04b", r.Has, tt.has)
			}
			if r.Step != 3 {
				t.Errorf("Step = %d, want 3", r.Step)
			}
			if !slices.Equal(r.Metrics, tt.metrics) {
				t.Errorf("Metrics = %v, want %v", r.Metrics, tt.metrics)
			}
		})
	}
}

func TestParseLogLines(t *testing.T) {
	for _, line := range []string{
		"", "epoch 1", "error: lower case is a log line", "Errors: 3", " Weight:0.5 Error:1",
		"[1, 2]", "café", "Error without a colon",
	} {
		if _, step, err := parseOne(line, 1, 0); step || err != nil {
			t.Errorf("parse(%q) = step %v, %v; want a log line", line, step, err)
		}
	}
}

// The messages are what a user reads in a failed run's reason, after
// "protocol: ".
func TestParseProtocolErrors(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{`{"error": "0.5"}`, `line 7, column 11: the value of "error" is a string, not a number`},
		{`{"error": 1, "lr": true}`, `line 7, column 20: the value of "lr" is a boolean, not a number`},
		{`{"error": 1, "lr": null}`, `line 7, column 20: the value of "lr" is null, not a number`},
		{`{"error": 1, "lr": [1]}`, `line 7, column 20: the value of "lr" is an array, not a number`},
		{`{"error": 1, "lr": {"a": 1}}`, `line 7, column 20: the value of "lr" is an object, not a number`},
		{`{"error": 0x10}`, `line 7, column 11: the value of "error" is not a number: "0x10"`},
		{`{"error": 01}`, `line 7, column 11: the value of "error" is not a number: "01"`},
		{`{"error": 1.}`, `line 7, column 11: the value of "error" is not a number: "1."`},
		{`{"error": NaNa}`, `line 7, column 11: the value of "error" is not a number: "NaNa"`},
		{`{"error": -inf}`, `line 7, column 11: the value of "error" is not a number: "-inf"`},
		{`{"error": }`, `line 7, column 11: the value of "error" is not a number: ""`},
		{`{"error": 1, "error": 2}`, `line 7, column 14: key "error" given twice`},
		{`{"pred": 1, "prediction": 2, "error": 1}`, `line 7, column 13: "pred" or "prediction" given twice`},
		{`{"a": 1, "error": 1, "a": 2}`, `line 7, column 22: key "a" given twice`},
		{`{"error": 1, "step": 2}`, `line 7, column 14: "step" is 2, but this is row 3 of the trace (0-based)`},
		{`{"error": 1, "step": 3.5}`, `line 7, column 14: "step" is 3.5, but this is row 3 of the trace (0-based)`},
		{`{"weight": 1}`, `line 7: trace row has no "error"`},
		{`{}`, `line 7: trace row has no "error"`},
		{`{"error": 1`, `line 7, column 12: expected ',' or '}' after the value of "error", found the end of the line`},
		{`{"error": 1,}`, `line 7, column 13: expected a key in double quotes, found '}'`},
		{`{error: 1}`, `line 7, column 2: expected a key in double quotes, found 'e'`},
		{`{"error" 1}`, `line 7, column 10: expected ':' after key "error", found '1'`},
		{`{"error": 1} {"error": 2}`, `line 7, column 14: text after the closing '}': a trace row is one JSON object on one line`},
		{`{"err`, `line 7, column 2: string not closed before the end of the line`},
		{`{"e\x": 1}`, `line 7, column 4: invalid escape \x in a string`},
		{"{\"e\tx\": 1}", `line 7, column 4: control character U+0009 in a string`},
		{"{\"error\": 1, \"x\x00\": 1}", `line 7, column 16: NUL byte: stdout must be text, one trace row or log line per line`},
		{"log line \xff\xfe", `line 7, column 10: invalid UTF-8: stdout must be text, one trace row or log line per line`},
		{"Error:0.5 Accuracy:0.9", `line 7, column 11: unknown key "Accuracy" in an Error: line (the keys are Error:, Prediction:, Weight:, Delta:, Weight Delta:)`},
		{"Error:0.5 Learning Rate:0.9", `line 7, column 11: unknown key "Learning Rate" in an Error: line (the keys are Error:, Prediction:, Weight:, Delta:, Weight Delta:)`},
		{"Error: file not found", `line 7, column 8: the value of Error is not a number: "file"`},
		{"Error:", `line 7, column 7: Error has no value`},
		{"Error:1 Prediction:0x1p-2", `line 7, column 20: the value of Prediction is not a number: "0x1p-2"`},
		{"Error:1 Prediction:1_000", `line 7, column 20: the value of Prediction is not a number: "1_000"`},
		{"Error:1 Prediction:Infinity", `line 7, column 20: the value of Prediction is not a number: "Infinity"`},
		{"Error:1 Error:2", `line 7, column 9: Error given twice`},
		{"Error:1 Weight:2 Weight:3", `line 7, column 18: Weight given twice`},
	} {
		_, step, err := parseOne(tt.line, 7, 3)
		if err == nil {
			t.Errorf("parse(%q) = step %v, no error; want %s", tt.line, step, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("parse(%q):\n got %s\nwant %s", tt.line, got, tt.want)
		}
	}
}

// A row of thousands of metrics is checked for duplicates in linear time,
// and a duplicate far down the row is found.
func TestParseManyMetrics(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"error": 1`)
	for i := range 5000 {
		b.WriteString(`, "m` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `": 1`)
	}
	b.WriteString("}")
	r, step, err := parseOne(b.String(), 1, 0)
	if err != nil || !step {
		t.Fatalf("parse = %v, %v", step, err)
	}
	if got, want := len(r.Metrics), 5000; got != want {
		t.Fatalf("%d metrics, want %d", got, want)
	}
	if got, want := r.Metrics[4999].Name, "m"+string(rune('a'+4999%26))+strings.Repeat("x", 4999/26); got != want {
		t.Errorf("last metric %q, want %q", got, want)
	}
	dup := strings.TrimSuffix(b.String(), "}") + `, "ma": 2}`
	if _, _, err := parseOne(dup, 1, 0); err == nil || !strings.Contains(err.Error(), `key "ma" given twice`) {
		t.Errorf("duplicate after 5000 metrics: %v", err)
	}
}

// The parser never panics, and a line it takes for a step has an error
// column and the Has bits of what it set.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"weight": 0.5, "pred": 0.25, "error": 0.30250000000000005}`,
		`{"error": NaN, "x": -Infinity, "step": 0}`,
		"Error:0.64 Prediction:0.0 Weight:0.5 Delta:-0.8 Weight Delta:-0.4",
		`{"\ud83d\ude00": 1, "error": 1e400}`, "{", `{"a":`, "Error:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, step, err := parseOne(line, 1, 0)
		if step && err != nil {
			t.Fatalf("step and error %v", err)
		}
		if !step {
			return
		}
		for _, c := range []struct {
			bit Field
			v   float64
		}{{HasWeight, r.Weight}, {HasPred, r.Pred}, {HasDelta, r.Delta}, {HasWeightDelta, r.WeightDelta}} {
			if r.Has&c.bit == 0 && !math.IsNaN(c.v) {
				t.Errorf("column %04b not given but %v", c.bit, c.v)
			}
		}
		// A JSON row without Python's extensions is JSON that encoding/json
		// reads to the same error.
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "{") && !strings.Contains(line, "NaN") && !strings.Contains(line, "Infinity") {
			var m map[string]float64
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				if !strings.Contains(err.Error(), "cannot unmarshal number") {
					t.Fatalf("accepted %q, which encoding/json refuses: %v", line, err)
				}
			} else if !same(m["error"], r.Error) {
				t.Errorf("error %v, encoding/json reads %v", r.Error, m["error"])
			}
		}
	})
}
