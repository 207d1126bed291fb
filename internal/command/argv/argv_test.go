package argv

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
)

// The wants are what Python 3 prints for repr(v); the comments say where
// Go's strconv.FormatFloat(v, 'g', -1, 64) differs.
func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{0.5, "0.5"},
		{1, "1.0"},         // Go: 1
		{10, "10.0"},       // Go: 10
		{1e6, "1000000.0"}, // Go: 1e+06
		{0.0001, "0.0001"},
		{1e-05, "1e-05"},
		{1e16, "1e+16"},
		{9999999999999998, "9999999999999998.0"}, // Go: 9.999999999999998e+15
		{1e22, "1e+22"},
		{123456789012345680, "1.2345678901234568e+17"},
		{math.Copysign(0, -1), "-0.0"}, // Go: -0
		{0, "0.0"},                     // Go: 0
		{5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
		{0.30000000000000004, "0.30000000000000004"},
		{-2.5, "-2.5"},
	} {
		got, err := Format(tt.v)
		if err != nil || got != tt.want {
			t.Errorf("Format(%v) = %q, %v; want %q", tt.v, got, err, tt.want)
		}
		// What a program reads back is the value, bit for bit.
		if back, err := strconv.ParseFloat(got, 64); err != nil || math.Float64bits(back) != math.Float64bits(tt.v) {
			t.Errorf("ParseFloat(%q) = %v, %v; want %v", got, back, err, tt.v)
		}
	}
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		if got, err := Format(v); err == nil {
			t.Errorf("Format(%v) = %q, want an error", v, got)
		}
	}
}

func TestExpand(t *testing.T) {
	names := []string{"alpha", "input", "x_2"}
	tmpl, err := Parse([]string{"./train {alpha}.py", "--alpha={alpha}", "{{literal}}", "{input}{x_2}", "a}}b{{c", "plain"}, names)
	if err != nil {
		t.Fatal(err)
	}
	got := tmpl.Expand([]string{"0.5", "2.0", "1e-05"})
	want := []string{"./train 0.5.py", "--alpha=0.5", "{literal}", "2.01e-05", "a}b{c", "plain"}
	if !slices.Equal(got, want) {
		t.Errorf("Expand = %q, want %q", got, want)
	}
	for i, want := range []bool{true, true, false, true, false, false} {
		if got := tmpl.HasPlaceholder(i); got != want {
			t.Errorf("HasPlaceholder(%d) = %v, want %v", i, got, want)
		}
	}
	if s, ok := tmpl.Literal(4); !ok || s != "a}b{c" {
		t.Errorf("Literal(4) = %q, %v; want a}b{c", s, ok)
	}
	if s, ok := tmpl.Literal(0); ok {
		t.Errorf("Literal(0) = %q, true; want false", s)
	}
	if tmpl, err := Parse([]string{"x", ""}, nil); err != nil || !slices.Equal(tmpl.Expand(nil), []string{"x", ""}) {
		t.Errorf("an empty argument: %q, %v", tmpl.Expand(nil), err)
	}
}

func TestParseErrors(t *testing.T) {
	names := []string{"alpha", "input"}
	for _, tt := range []struct {
		name   string
		args   []string
		arg    int
		offset int
		msg    string
		hint   string
	}{
		{"empty", nil, 0, 0, "the command is empty",
			`give the program and its arguments as a list, such as [python3, train.py, --alpha, "{alpha}"]`},
		{"empty program", []string{"", "x"}, 0, 0, "the program name is empty", ""},
		{"unknown", []string{"python3", "train.py", "--alpha={aplha}"}, 2, 8, "{aplha} names no parameter", "the parameters are alpha, input"},
		{"upper case", []string{"python3", "{Alpha}"}, 1, 0, "{Alpha} is not a parameter name",
			"names are lowercase letters, digits and _ (such as {alpha}); write {{ and }} for literal braces"},
		{"empty braces", []string{"x{}"}, 0, 1, "{} is not a parameter name",
			"names are lowercase letters, digits and _ (such as {alpha}); write {{ and }} for literal braces"},
		{"format spec", []string{"x", "{alpha:.3f}"}, 1, 0, "{alpha:.3f} is not a parameter name",
			"names are lowercase letters, digits and _ (such as {alpha}); write {{ and }} for literal braces"},
		{"unclosed", []string{"x", "a{alpha"}, 1, 1, "has a { that is not closed", "write {name} for a parameter's value, {{ for a literal {"},
		{"single close", []string{"x", "a}b"}, 1, 1, "has a single }", "write }} for a literal }"},
		{"triple", []string{"x", "{{{alpha}}}}"}, 1, 11, "has a single }", "write }} for a literal }"},
		{"NUL", []string{"x", "a\x00"}, 1, 1, "has a NUL byte, which no argument can hold", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.args, names)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v, want an *Error", err)
			}
			if e.Arg != tt.arg || e.Offset != tt.offset || e.Msg != tt.msg || e.Hint != tt.hint {
				t.Errorf("Parse = %+v\nwant {Arg:%d Offset:%d Msg:%s Hint:%s}", *e, tt.arg, tt.offset, tt.msg, tt.hint)
			}
		})
	}
	if _, err := Parse([]string{"x", "{a}"}, nil); err == nil || err.Error() != "command[2]: {a} names no parameter" {
		t.Errorf("no parameters: %v", err)
	}
	if _, err := Parse([]string{"x"}, []string{"Alpha"}); err == nil {
		t.Errorf("a parameter name that is not an identifier: no error")
	}
}

func TestIsName(t *testing.T) {
	for s, want := range map[string]bool{"alpha": true, "_": true, "x_2": true, "step_amount": true,
		"": false, "2x": false, "Alpha": false, "a-b": false, "a b": false, "é": false} {
		if got := IsName(s); got != want {
			t.Errorf("IsName(%q) = %v, want %v", s, got, want)
		}
	}
}
