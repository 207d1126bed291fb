package grid

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Changes says what newer changes from older, two versions of a sweep file:
// the method, limits and trace storage that differ, and per axis the
// values added and removed, in words such as "input +1 (1)" or
// "iterations 1000 -> 5000". It returns nil when they run the same configs.
func Changes(older, newer *Spec) []string {
	var out []string
	if older.Method != newer.Method {
		out = append(out, fmt.Sprintf("method %s -> %s", older.Method, newer.Method))
	}
	for _, name := range limitNames {
		was, now := older.LimitValues(name), newer.LimitValues(name)
		if len(was) == 1 && len(now) == 1 {
			if was[0] != now[0] {
				out = append(out, fmt.Sprintf("%s %s -> %s", name, formatFloat(was[0]), formatFloat(now[0])))
			}
			continue
		}
		out = append(out, valueChanges(name, was, now)...)
	}
	if older.Trace != newer.Trace {
		out = append(out, fmt.Sprintf("trace %s -> %s", older.Trace, newer.Trace))
	}
	if older.Method == Command && newer.Method == Command {
		switch {
		case !slices.Equal(older.Program.Argv, newer.Program.Argv):
			out = append(out, "command changed")
		case older.Program.Hash != "" && newer.Program.Hash != "" && older.Program.Hash != newer.Program.Hash:
			out = append(out, "program changed") // a file the command names
		}
		if older.Program.Timeout != newer.Program.Timeout {
			out = append(out, fmt.Sprintf("timeout %s -> %s", durationOrNone(older.Program.Timeout), durationOrNone(newer.Program.Timeout)))
		}
		if older.RateAxis() != newer.RateAxis() {
			out = append(out, fmt.Sprintf("rate %s -> %s", older.RateAxis(), newer.RateAxis()))
		}
	}
	values := func(s *Spec, name string) []float64 {
		for _, a := range slices.Concat(s.Axes, s.Joint) {
			if a.Name == name {
				return a.Values
			}
		}
		return nil
	}
	// The built-ins' axes in their order, then a program's, as each file
	// names them.
	names := slices.Clone(axisNames)
	for _, a := range slices.Concat(older.Axes, older.Joint, newer.Axes, newer.Joint) {
		if !slices.Contains(names, a.Name) && !isLimit(a.Name) {
			names = append(names, a.Name)
		}
	}
	for _, name := range names {
		was, now := values(older, name), values(newer, name)
		switch {
		case was == nil && now == nil:
		case was == nil:
			out = append(out, name+" added")
		case now == nil:
			out = append(out, name+" removed")
		default:
			out = append(out, valueChanges(name, was, now)...)
		}
	}
	return out
}

// durationOrNone writes a timeout, "none" for none.
func durationOrNone(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return d.String()
}

// valueChanges says which values of an axis were added and removed, or
// that they were reordered.
func valueChanges(name string, was, now []float64) []string {
	var out []string
	added, removed := difference(now, was), difference(was, now)
	if len(added) > 0 {
		out = append(out, fmt.Sprintf("%s +%d (%s)", name, len(added), someValues(added)))
	}
	if len(removed) > 0 {
		out = append(out, fmt.Sprintf("%s -%d (%s)", name, len(removed), someValues(removed)))
	}
	if len(added) == 0 && len(removed) == 0 && !slices.Equal(was, now) {
		out = append(out, name+" reordered")
	}
	return out
}

// difference returns the values of a that b lacks, in a's order.
func difference(a, b []float64) []float64 {
	var out []float64
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// someValues prints up to three values, and how many more.
func someValues(vs []float64) string {
	var parts []string
	for i, v := range vs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(vs)-3))
			break
		}
		parts = append(parts, formatFloat(v))
	}
	return strings.Join(parts, ", ")
}
