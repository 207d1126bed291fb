// Package argv parses the argv of a user's program (method: command) with
// its {name} placeholders and fills them in for one config.
//
// It imports nothing of sweep but pyfloat, so that the sweep file parser
// (package grid, which package command's runner depends on) can check a
// command's placeholders and report them at their file:line:col.
//
// The syntax is a small part of Python's str.format: {name} is the value of
// the parameter name, {{ and }} are a literal { and }, and any other { or }
// is an error. Names are lowercase identifiers, [a-z_][a-z0-9_]*.
package argv

import (
	"fmt"
	"math"
	"strings"

	"sweep/internal/pyfloat"
)

// Error is a problem with one element of a command's argv.
type Error struct {
	Arg    int    // the element's index in argv
	Offset int    // byte offset of the problem within the element; 0 when it is the whole element
	Msg    string // what is wrong
	Hint   string // how to fix it, in a sentence; may be empty
}

// Error returns "command[n]: message", n counting the elements from 1 as
// the sweep file's messages do.
func (e *Error) Error() string {
	return fmt.Sprintf("command[%d]: %s", e.Arg+1, e.Msg)
}

// part is a literal, or a placeholder when param >= 0.
type part struct {
	lit   string
	param int // index into the names given to Parse; -1 for a literal
}

// Template is a command's argv with its placeholders resolved to parameter
// indexes. Its zero value has no elements.
type Template struct {
	args [][]part
}

// Parse parses args, whose placeholders may name only the parameters in
// names, and returns the Template. On failure it returns an *Error for the
// first problem: an empty argv or argv[0], a NUL byte, a single { or }, a
// placeholder that is not a name, or one that names no parameter.
func Parse(args []string, names []string) (Template, error) {
	if len(args) == 0 {
		return Template{}, &Error{Msg: "the command is empty",
			Hint: "give the program and its arguments as a list, such as [python3, train.py, --alpha, \"{alpha}\"]"}
	}
	for _, n := range names {
		if !IsName(n) {
			return Template{}, fmt.Errorf("argv: parameter name %q is not a lowercase identifier", n)
		}
	}
	t := Template{args: make([][]part, len(args))}
	for i, a := range args {
		if i == 0 && a == "" {
			return Template{}, &Error{Arg: 0, Msg: "the program name is empty"}
		}
		if j := strings.IndexByte(a, 0); j >= 0 {
			return Template{}, &Error{Arg: i, Offset: j, Msg: "has a NUL byte, which no argument can hold"}
		}
		parts, err := parseArg(a, names)
		if err != nil {
			err.Arg = i
			return Template{}, err
		}
		t.args[i] = parts
	}
	return t, nil
}

func parseArg(a string, names []string) ([]part, *Error) {
	var (
		parts []part
		lit   strings.Builder
	)
	for i := 0; i < len(a); i++ {
		switch c := a[i]; {
		case c == '{' && i+1 < len(a) && a[i+1] == '{', c == '}' && i+1 < len(a) && a[i+1] == '}':
			lit.WriteByte(c)
			i++
		case c == '}':
			return nil, &Error{Offset: i, Msg: "has a single }", Hint: "write }} for a literal }"}
		case c == '{':
			end := strings.IndexByte(a[i+1:], '}')
			if end < 0 {
				return nil, &Error{Offset: i, Msg: "has a { that is not closed", Hint: "write {name} for a parameter's value, {{ for a literal {"}
			}
			name := a[i+1 : i+1+end]
			if !IsName(name) {
				return nil, &Error{Offset: i, Msg: fmt.Sprintf("{%s} is not a parameter name", name),
					Hint: "names are lowercase letters, digits and _ (such as {alpha}); write {{ and }} for literal braces"}
			}
			k := indexOf(names, name)
			if k < 0 {
				return nil, &Error{Offset: i, Msg: fmt.Sprintf("{%s} names no parameter", name), Hint: namesHint(names)}
			}
			if lit.Len() > 0 {
				parts = append(parts, part{lit: lit.String(), param: -1})
				lit.Reset()
			}
			parts = append(parts, part{param: k})
			i += 1 + end
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 || len(parts) == 0 {
		parts = append(parts, part{lit: lit.String(), param: -1})
	}
	return parts, nil
}

func namesHint(names []string) string {
	if len(names) == 0 {
		return "this sweep has no parameters to put in the command"
	}
	return "the parameters are " + strings.Join(names, ", ")
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// IsName reports whether s is a parameter name: [a-z_][a-z0-9_]*.
func IsName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// Len returns the number of elements of the argv.
func (t Template) Len() int { return len(t.args) }

// HasPlaceholder reports whether element i holds a placeholder.
func (t Template) HasPlaceholder(i int) bool {
	for _, p := range t.args[i] {
		if p.param >= 0 {
			return true
		}
	}
	return false
}

// Literal returns element i with {{ and }} unescaped, when it holds no
// placeholder; ok is false otherwise.
func (t Template) Literal(i int) (s string, ok bool) {
	if t.HasPlaceholder(i) {
		return "", false
	}
	return t.args[i][0].lit, true
}

// Expand returns the argv with each placeholder replaced by values[k],
// where k is the placeholder's index in the names given to Parse. It panics
// if values is shorter than those names.
func (t Template) Expand(values []string) []string {
	out := make([]string, len(t.args))
	for i, parts := range t.args {
		if len(parts) == 1 && parts[0].param < 0 {
			out[i] = parts[0].lit
			continue
		}
		var b strings.Builder
		for _, p := range parts {
			if p.param >= 0 {
				b.WriteString(values[p.param])
			} else {
				b.WriteString(p.lit)
			}
		}
		out[i] = b.String()
	}
	return out
}

// Format returns the text of a parameter's value, the same in the argv and
// in the environment: the shortest digits that read back as v, written the
// way Python's repr writes a float (pyfloat.Repr). That is also what Go's
// strconv.FormatFloat(v, 'g', -1, 64) writes, except where the two
// disagree, and there Python's form is chosen, so that a Python program's
// float(arg) gives back v exactly and its str() prints the same text:
//
//	value                  Python repr               Go 'g', -1
//	1                      1.0                       1
//	10                     10.0                      10
//	1e6                    1000000.0                 1e+06
//	-0                     -0.0                      -0
//	0.0001                 0.0001                    0.0001
//	1e-05                  1e-05                     1e-05
//	1e16                   1e+16                     1e+16
//	123456789012345680     1.2345678901234568e+17    1.2345678901234568e+17
//
// So a value is written positionally, with a fractional part (1.0, not 1),
// when 1e-4 <= |v| < 1e16, and in exponent form with a signed exponent of
// at least two digits otherwise; every float parser (Python's float, C's
// strtod, Go's ParseFloat) reads both, and reads back v bit for bit.
//
// Format returns an error for a NaN or an infinity, which no parameter holds.
func Format(v float64) (string, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "", fmt.Errorf("argv: parameter value %v is not finite", v)
	}
	return pyfloat.Repr(v), nil
}
