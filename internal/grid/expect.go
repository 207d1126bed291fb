package grid

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Expectation is one assertion of a sweep file's expect: section, checked
// after the sweep has run. It is either a pick of runs by axis values with
// the verdict (and optionally the step counts) they must have, or an SQL
// query whose first value must be true.
type Expectation struct {
	Line int    // where it is written, for reports
	Name string // given, or made from the pick
	// Where picks the runs whose axes have these values; axes left out
	// match every value.
	Where   map[string]float64
	Verdict string // the verdict every picked run must have
	// MinSteps and MaxSteps bound the picked runs' steps; 0 means no bound.
	MinSteps, MaxSteps int
	// SQL, when not empty, is a query that must return true (a nonzero
	// number) as its first value. :sweep stands for the sweep's id.
	SQL string
}

var (
	expectFields = []string{"name", "where", "verdict", "steps", "sql"}
	stepsFields  = []string{"min", "max"}
	verdictNames = []string{"converged", "diverged", "oscillating", "stalled", "unfinished"}
)

// expectations reads the expect: list. axes are the grid's, to check that
// every picked value is one the grid has.
func (p *parser) expectations(n *yaml.Node, method Method, axes []Axis) []Expectation {
	hint := "expect is a list of {where: {alpha: 0.1, input: 2}, verdict: converged, steps: {max: 30}} or {sql: \"SELECT ...\"}"
	if n.Kind != yaml.SequenceNode {
		p.fail(n, hint, "expect: want a list, got %s", describe(n))
		return nil
	}
	var out []Expectation
	for i, item := range n.Content {
		item = resolve(item)
		where := fmt.Sprintf("expect[%d]: ", i+1)
		if item.Kind != yaml.MappingNode {
			p.fail(item, hint, "%swant a mapping, got %s", where, describe(item))
			continue
		}
		e := Expectation{Line: item.Line}
		before := len(p.errs)
		var verdictNode *yaml.Node
		for key, val := range p.fields(item, where, expectFields, hint) {
			switch key.Value {
			case "name":
				e.Name = val.Value
			case "where":
				e.Where = p.pick(val, where, axes)
			case "verdict":
				verdictNode = val
				names := verdictNames
				if method == Command {
					names = append(names[:len(names):len(names)], "failed")
				}
				if val.Kind != yaml.ScalarNode || !slices.Contains(names, val.Value) {
					p.fail(val, p.suggest(val, names, "a verdict is one of "+strings.Join(names, ", ")),
						"%sunknown verdict %s", where, quoted(val))
					continue
				}
				e.Verdict = val.Value
			case "steps":
				p.stepBounds(val, where, &e)
			case "sql":
				if val.Kind != yaml.ScalarNode || strings.TrimSpace(val.Value) == "" {
					p.fail(val, `write the query as text, e.g. sql: "SELECT count(*) = 0 FROM mismatch WHERE sweep_id = :sweep"`,
						"%ssql: want a query, got %s", where, describe(val))
					continue
				}
				e.SQL = val.Value
			}
		}
		if len(p.errs) > before {
			continue
		}
		switch {
		case e.SQL != "" && (e.Where != nil || verdictNode != nil || e.MinSteps > 0 || e.MaxSteps > 0):
			p.fail(item, hint, "%sgive either sql or where/verdict/steps, not both", where)
			continue
		case e.SQL == "" && verdictNode == nil:
			p.fail(item, hint, "%ssays nothing to check: give a verdict (and a where) or an sql", where)
			continue
		}
		if e.Name == "" {
			e.Name = e.describe(axes)
		}
		out = append(out, e)
	}
	return out
}

// pick reads where: {axis: value, ...}, checking each value is on its axis.
func (p *parser) pick(n *yaml.Node, where string, axes []Axis) map[string]float64 {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "where picks runs by axis values, e.g. where: {alpha: 0.1, input: 2}", "%swhere: want a mapping, got %s", where, describe(n))
		return nil
	}
	var names []string // the rule's or program's axes, then the limits that are axes
	for _, a := range axes {
		names = append(names, a.Name)
	}
	pick := map[string]float64{}
	for key, val := range p.fields(n, where+"where: ", names, "the axes of this sweep are "+strings.Join(names, ", ")) {
		f, ok := p.number(val, key.Value)
		if !ok {
			continue
		}
		for _, a := range axes {
			if a.Name == key.Value && !slices.Contains(a.Values, f) {
				p.fail(val, fmt.Sprintf("the %s axis has %s", a.Name, listValues(a.Values)),
					"%swhere: no run has %s %s", where, key.Value, formatFloat(f))
			}
		}
		pick[key.Value] = f
	}
	return pick
}

// stepBounds reads steps: {min: N, max: M} (either may be left out).
func (p *parser) stepBounds(n *yaml.Node, where string, e *Expectation) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "steps bounds the trace length, e.g. steps: {max: 30} or {min: 2, max: 30}", "%ssteps: want a mapping, got %s", where, describe(n))
		return
	}
	for key, val := range p.fields(n, where+"steps: ", stepsFields, "steps takes min and max") {
		v, ok := p.integer(val, "steps."+key.Value, 1, MaxIterations)
		if !ok {
			continue
		}
		if key.Value == "min" {
			e.MinSteps = v
		} else {
			e.MaxSteps = v
		}
	}
	if e.MinSteps > 0 && e.MaxSteps > 0 && e.MinSteps > e.MaxSteps {
		p.fail(n, "min must not exceed max", "%ssteps: min %d is more than max %d", where, e.MinSteps, e.MaxSteps)
	}
}

// describe names an expectation by what it checks: "alpha 0.1, input 2:
// converged in at most 30 steps".
func (e *Expectation) describe(axes []Axis) string {
	if e.SQL != "" {
		// Named by its statement, on one line and cut short.
		text := strings.Join(strings.Fields(e.SQL), " ")
		if r := []rune(text); len(r) > 72 {
			text = string(r[:69]) + "..."
		}
		return "sql: " + text
	}
	var parts []string
	for _, a := range axes {
		if v, ok := e.Where[a.Name]; ok {
			parts = append(parts, a.Name+" "+formatFloat(v))
		}
	}
	pick := "every run"
	if len(parts) > 0 {
		pick = strings.Join(parts, ", ")
	}
	s := pick + ": " + e.Verdict
	switch {
	case e.MinSteps > 0 && e.MaxSteps > 0:
		s += fmt.Sprintf(" in %d to %d steps", e.MinSteps, e.MaxSteps)
	case e.MaxSteps > 0:
		s += fmt.Sprintf(" in at most %d steps", e.MaxSteps)
	case e.MinSteps > 0:
		s += fmt.Sprintf(" in at least %d steps", e.MinSteps)
	}
	return s
}

// listValues prints up to eight values of an axis.
func listValues(vs []float64) string {
	var parts []string
	for i, v := range vs {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("... (%d values)", len(vs)))
			break
		}
		parts = append(parts, formatFloat(v))
	}
	return strings.Join(parts, ", ")
}
