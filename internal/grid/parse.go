package grid

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"sweep/internal/command/argv"
)

var (
	topFields   = []string{"name", "method", "command", "rate", "timeout", "iterations", "tolerance", "divergence", "trace", "sample", "grid", "expect", "refine"}
	axisNames   = []string{AxisAlpha, AxisStepAmount, AxisInput, AxisGoal, AxisWeight}
	limitNames  = []string{LimitIterations, LimitTolerance, LimitDivergence}
	rangeFields = []string{"from", "to", "step", "per_decade", "num", "scale"}
	methods     = []string{string(GradientDescent), string(HotCold), string(Command)}
	// commandFields are the fields that only method: command takes.
	commandFields = []string{"command", "rate", "timeout"}
	// axisName is what a program's axis may be called: a name that SQL,
	// {placeholders} and environment variables all take as it is.
	axisName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
)

// Parse reads the sweep file data; file names it in error messages and gives
// the sweep its default name. On failure the error is an Errors listing every
// problem found, each with its line and column and a hint.
func Parse(file string, data []byte) (*Spec, error) {
	p := &parser{file: file}
	spec := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	spec.Source = data
	return spec, nil
}

type parser struct {
	file string
	errs Errors
	// misspelled holds the names that a "did you mean" has offered, so
	// that the same mistake is not reported again as a missing field.
	misspelled map[string]bool
	// rate is the rate axis of a method: command sweep, whose values must
	// be positive as alpha's are; "" for the built-in rules.
	rate string
	// argNodes are where each element of command: is written.
	argNodes []*yaml.Node
	// continuous are the axes given as ranges to sample, in file order.
	continuous []continuous
}

func (p *parser) fail(n *yaml.Node, hint, format string, args ...any) {
	e := &Error{File: p.file, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

var (
	yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)
	// parserProblem matches the messages of yaml.v3's parser (as opposed to
	// its scanner), whose line numbers it reports 0-based.
	parserProblem = regexp.MustCompile(`^did not find expected (<document start>|node content|key|'-' indicator|',' or '[\]}]')$`)
)

// syntaxErrorLine turns a yaml.v3 syntax error, which is an untyped error
// such as "yaml: line 3: did not find expected key", into a 1-based line and
// the problem. yaml.v3 numbers lines 1-based for scanner errors, 0-based for
// parser errors (where the line is that of the construct left open), and
// leaves the number out for line 0.
func syntaxErrorLine(text string) (line int, msg string) {
	msg = strings.TrimPrefix(text, "yaml: ")
	m := yamlLine.FindStringSubmatch(text)
	if m == nil {
		return 1, msg
	}
	line, _ = strconv.Atoi(m[1])
	msg = strings.TrimPrefix(text, m[0])
	if parserProblem.MatchString(msg) {
		line++
	}
	return line, msg
}

// syntaxError reports a YAML syntax error at its line.
func (p *parser) syntaxError(err error) {
	line, msg := syntaxErrorLine(err.Error())
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: "not valid YAML: " + msg,
		Hint: "check the indentation, colons and brackets from that line on; experiments/alpha.yaml is a working example"})
}

func (p *parser) parse(data []byte) *Spec {
	if p.tabs(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		p.syntaxError(err)
		return nil
	}
	// yaml.v3 reads one document at a time: a second one, after a ---
	// line, would be ignored without a word. It is reported after the
	// problems of the first, in the order of the file.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		defer p.syntaxError(err)
	default:
		defer p.fail(&next, "a sweep file is one YAML document: put each sweep in a file of its own, or remove the --- line if what follows belongs to this sweep",
			"a second YAML document starts here; sweep reads only one")
	}
	if len(doc.Content) == 0 {
		p.errs = append(p.errs, &Error{File: p.file, Msg: "the sweep file is empty",
			Hint: "a sweep file needs at least method: and grid:; experiments/alpha.yaml is a working example"})
		return nil
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.fail(root, "write fields such as method: gradient_descent and grid: at the top level",
			"the sweep file must be a mapping of fields, not %s", describe(root))
		return nil
	}

	spec := &Spec{
		Name:   strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file)),
		Limits: Limits{Iterations: DefaultIterations, Tolerance: DefaultTolerance, Divergence: DefaultDivergence},
		Trace:  TraceAll,
	}
	var methodNode, gridKey, gridNode, expectNode, rateNode, sampleNode *yaml.Node
	var sample *Sample
	limitNodes := map[string]*yaml.Node{}   // the limits given at the top level
	commandNodes := map[string]*yaml.Node{} // the fields of method: command given
	for key, val := range p.fields(root, "", topFields, "the fields of a sweep file are "+strings.Join(topFields, ", ")) {
		switch key.Value {
		case "name":
			if val.Kind != yaml.ScalarNode || val.ShortTag() == "!!null" || strings.TrimSpace(val.Value) == "" {
				p.fail(val, `write a short name, e.g. name: alpha`, "name: want a non-empty text, got %s", describe(val))
				continue
			}
			if c, ok := unprintable(val.Value); ok {
				p.fail(val, "the name is printed on terminals (summaries, sweep ls, sweep show); use letters, digits, spaces and punctuation",
					"name: %s holds the control character %s", quoted(val), c)
				continue
			}
			spec.Name = val.Value
		case "method":
			methodNode = val
			if val.Kind != yaml.ScalarNode || !contains(methods, val.Value) {
				p.fail(val, p.suggest(val, methods, "method is gradient_descent, hot_cold or command (a program of your own)"),
					"method: unknown learning rule %s", quoted(val))
				continue
			}
			spec.Method = Method(val.Value)
		case "iterations":
			limitNodes[key.Value] = val
			if n, ok := p.integer(val, "iterations", 1, MaxIterations); ok {
				spec.Limits.Iterations = n
			}
		case "tolerance":
			limitNodes[key.Value] = val
			if f, ok := p.number(val, "tolerance"); ok {
				if f <= 0 {
					p.fail(val, "a run converges when error < tolerance, so it must be > 0, e.g. 1e-10",
						"tolerance: %s is not positive", formatFloat(f))
					continue
				}
				spec.Limits.Tolerance = f
			}
		case "divergence":
			limitNodes[key.Value] = val
			if f, ok := p.number(val, "divergence"); ok {
				spec.Limits.Divergence = f
			}
		case "trace":
			if t, ok := p.traceStorage(val); ok {
				spec.Trace = t
			}
		case "command":
			commandNodes[key.Value] = key
			spec.Program.Argv = p.argv(val)
			spec.Program.Line, spec.Program.Col = val.Line, val.Column
		case "rate":
			commandNodes[key.Value], rateNode = key, val
		case "timeout":
			commandNodes[key.Value] = key
			spec.Program.Timeout = p.timeout(val)
		case "sample":
			sampleNode, sample = key, p.sampleSpec(val)
		case "grid":
			gridKey, gridNode = key, val
		case "expect":
			expectNode = val
		case "refine":
			spec.Refine = p.refine(val)
		}
	}
	if methodNode == nil && !p.misspelled["method"] {
		p.fail(root, "add method: gradient_descent (alpha axis), method: hot_cold (step_amount axis) or method: command (a program of your own)",
			"missing field method")
	}
	rate := p.commandFields(spec, root, commandNodes, rateNode)
	if gridNode == nil && !p.misspelled["grid"] {
		p.fail(root, "add a grid: with the axes alpha (or step_amount), input, goal and weight",
			"missing field grid")
		return spec
	}
	if gridNode != nil {
		spec.GridLine, spec.GridCol = gridKey.Line, gridKey.Column
		if spec.Method == Command {
			spec.Axes = p.programGrid(gridKey, gridNode, rate)
		} else {
			spec.Axes = p.grid(gridKey, gridNode, spec.Method)
		}
		p.limitAxes(spec, gridNode, limitNodes)
		p.applySample(spec, sample, sampleNode)
		p.placeholders(spec)
	}
	p.checkBounds(spec, gridNode, limitNodes)
	if expectNode != nil && spec.Method != "" {
		spec.Expect = p.expectations(expectNode, spec.Method, spec.Axes)
	}
	return spec
}

// refine reads refine: true (the default precision) or refine: {precision:
// P}, returning the precision, or 0 for refine: false.
func (p *parser) refine(n *yaml.Node) float64 {
	hint := "refine is true, false or {precision: 1e-6} (the relative precision of the edges, from 1e-15 to 0.1)"
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool":
		if n.Value == "true" {
			return DefaultRefinePrecision
		}
		return 0
	case n.Kind == yaml.MappingNode:
		precision := DefaultRefinePrecision
		for key, val := range p.fields(n, "refine: ", []string{"precision"}, hint) {
			if key.Value == "precision" {
				f, ok := p.number(val, "refine.precision")
				if !ok {
					continue
				}
				if err := CheckRefinePrecision(f); err != nil {
					p.fail(val, hint, "refine.precision: %v", err)
					continue
				}
				precision = f
			}
		}
		return precision
	}
	p.fail(n, hint, "refine: want true, false or {precision: P}, got %s", describe(n))
	return 0
}

// traceStorage reads trace: all, trace: none or trace: {every: N}.
func (p *parser) traceStorage(n *yaml.Node) (TraceStorage, bool) {
	hint := "trace is all (every row, the default), none (verdicts only) or {every: N} (every Nth row and the deciding one)"
	switch {
	case n.Kind == yaml.ScalarNode && (n.Value == "all" || n.Value == "none"):
		t, _ := ParseTraceStorage(n.Value)
		return t, true
	case n.Kind == yaml.MappingNode:
		t, ok := TraceStorage{}, false
		for key, val := range p.fields(n, "trace: ", []string{"every"}, hint) {
			if key.Value == "every" {
				var every int
				if every, ok = p.integer(val, "trace.every", 1, MaxIterations); ok {
					t.Every = every
				}
			}
		}
		if !ok && len(n.Content) == 0 {
			p.fail(n, hint, "trace: {} says nothing")
		}
		return t, ok
	}
	p.fail(n, p.suggest(n, []string{"all", "none"}, hint), "trace: want all, none or {every: N}, got %s", describe(n))
	return TraceStorage{}, false
}

// tabs reports (as errors) every line indented with a tab, which YAML
// forbids and which yaml.v3 reports only as "found character that cannot
// start any token".
func (p *parser) tabs(data []byte) bool {
	found := false
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if col := strings.IndexByte(indent, '\t'); col >= 0 {
			p.errs = append(p.errs, &Error{File: p.file, Line: i + 1, Col: col + 1,
				Msg: "tab in indentation", Hint: "YAML indents with spaces only; replace the tab with spaces"})
			found = true
		}
	}
	return found
}

// fields yields the key and value nodes of a mapping, reporting keys that are
// not in known (with a "did you mean") and keys given twice.
func (p *parser) fields(m *yaml.Node, where string, known []string, hint string) func(yield func(key, val *yaml.Node) bool) {
	return func(yield func(key, val *yaml.Node) bool) {
		seen := map[string]bool{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			key, val := resolve(m.Content[i]), resolve(m.Content[i+1])
			name := key.Value
			switch {
			case key.Kind != yaml.ScalarNode:
				p.fail(key, hint, "%sa field name must be plain text, not %s", where, describe(key))
				continue
			case !contains(known, name):
				p.fail(key, p.suggest(key, known, hint), "%sunknown field %q", where, name)
				continue
			case seen[name]:
				p.fail(key, "give each field once", "%sfield %q given twice", where, name)
				continue
			}
			seen[name] = true
			if !yield(key, val) {
				return
			}
		}
	}
}

// suggest returns a "did you mean" hint for a misspelled word, or else hint.
func (p *parser) suggest(n *yaml.Node, candidates []string, hint string) string {
	if n.Kind == yaml.ScalarNode {
		if best := didYouMean(n.Value, candidates); best != "" {
			if p.misspelled == nil {
				p.misspelled = map[string]bool{}
			}
			p.misspelled[best] = true
			return fmt.Sprintf("did you mean %q? %s", best, hint)
		}
	}
	return hint
}

func (p *parser) grid(key, n *yaml.Node, method Method) []Axis {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "write one axis per line, e.g. alpha: [1, 0.1] or input: 0.5",
			"grid: want a mapping of axes, got %s", describe(n))
		return nil
	}
	axisHint := "grid axes are alpha (gradient_descent) or step_amount (hot_cold), input, goal and weight, and the limits iterations, tolerance and divergence"
	values := map[string][]float64{}
	for key, val := range p.fields(n, "grid: ", slices.Concat(axisNames, limitNames), axisHint) {
		name := key.Value
		if isLimit(name) {
			continue // see limitAxes
		}
		if (name == AxisAlpha || name == AxisStepAmount) && method != "" && name != method.RateAxis() {
			p.fail(key, fmt.Sprintf("%s sweeps %s; remove %s or change method", method, method.RateAxis(), name),
				"grid: %s does not apply to method %s", name, method)
			continue
		}
		if vs, ok := p.axis(name, val); ok {
			values[name] = vs
		}
	}
	if method == "" {
		return nil // the missing method is already reported
	}
	names := []string{method.RateAxis(), AxisInput, AxisGoal, AxisWeight}
	axes := make([]Axis, 0, len(names))
	total := int64(1)
	for _, name := range names {
		vs, ok := values[name]
		if !ok {
			if !p.hasKey(n, name) && !p.misspelled[name] {
				p.fail(key, fmt.Sprintf("add %s: with one value, a list or a range, e.g. %s", name, axisExample[name]),
					"grid: missing axis %s", name)
			}
			continue
		}
		axes = append(axes, Axis{Name: name, Values: vs})
		if total > MaxConfigs/int64(len(vs)) {
			p.fail(key, "split the sweep into several files or use coarser axes",
				"grid: more than %d configs", MaxConfigs)
			return nil
		}
		total *= int64(len(vs))
	}
	return axes
}

// limitAxes reads the limits given under grid: (lists or ranges, like the
// axes) into spec: one value is the same as that limit at the top level,
// and more make an axis after the others, in the order of limitNames, so
// that a file without limit axes keeps its configs and fingerprint.
func (p *parser) limitAxes(spec *Spec, n *yaml.Node, topLevel map[string]*yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for _, name := range limitNames {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], resolve(n.Content[i+1])
			if key.Value != name {
				continue
			}
			if top := topLevel[name]; top != nil {
				p.fail(key, fmt.Sprintf("keep one: %s at the top level for one value, or under grid: for several", name),
					"grid: %s is also given at the top level (line %d)", name, top.Line)
				continue
			}
			vs, ok := p.axis(name, val)
			if !ok || !p.limitValues(name, val, vs) {
				continue
			}
			switch {
			case len(vs) > 1:
				spec.Axes = append(spec.Axes, Axis{Name: name, Values: vs})
				if spec.Len() > MaxConfigs || spec.Len() < 0 {
					p.fail(key, "split the sweep into several files or use coarser axes", "grid: more than %d configs", MaxConfigs)
					spec.Axes = spec.Axes[:len(spec.Axes)-1]
					return
				}
			case name == LimitIterations:
				spec.Limits.Iterations = int(vs[0])
			case name == LimitTolerance:
				spec.Limits.Tolerance = vs[0]
			case name == LimitDivergence:
				spec.Limits.Divergence = vs[0]
			}
		}
	}
}

// limitValues checks the values of a limit given under grid: as the top
// level checks one.
func (p *parser) limitValues(name string, n *yaml.Node, vs []float64) bool {
	for _, v := range vs {
		switch {
		case name == LimitIterations && (v != math.Trunc(v) || v < 1 || v > MaxIterations):
			p.fail(n, fmt.Sprintf("iterations is a whole number from 1 to %d", MaxIterations),
				"grid: iterations: %s is out of range", formatFloat(v))
			return false
		case name == LimitTolerance && v <= 0:
			p.fail(n, "a run converges when error < tolerance, so it must be > 0, e.g. 1e-10",
				"grid: tolerance: %s is not positive", formatFloat(v))
			return false
		}
	}
	return true
}

// checkBounds refuses a divergence bound that is not above the tolerance,
// for every pair of them the grid makes.
func (p *parser) checkBounds(spec *Spec, gridNode *yaml.Node, topLevel map[string]*yaml.Node) {
	tol, div := spec.LimitValues(LimitTolerance), spec.LimitValues(LimitDivergence)
	maxTol, minDiv := slices.Max(tol), slices.Min(div)
	if minDiv > maxTol {
		return
	}
	where := topLevel[LimitDivergence]
	if where == nil && gridNode != nil && gridNode.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(gridNode.Content); i += 2 {
			if k := gridNode.Content[i].Value; k == LimitDivergence || k == LimitTolerance && where == nil {
				where = gridNode.Content[i+1]
			}
		}
	}
	if where == nil {
		where = topLevel[LimitTolerance]
	}
	if len(tol) == 1 && len(div) == 1 {
		p.fail(where, "a run diverges when error > divergence; make it far above tolerance, e.g. 1e12",
			"divergence %s must be greater than tolerance %s", formatFloat(minDiv), formatFloat(maxTol))
		return
	}
	p.fail(where, "a run diverges when error > divergence; make every divergence far above every tolerance",
		"divergence %s must be greater than tolerance %s (every divergence must exceed every tolerance)", formatFloat(minDiv), formatFloat(maxTol))
}

// commandFields checks the fields of method: command (command, rate,
// timeout): all but timeout required with it, none allowed without. It
// returns the rate axis' name.
func (p *parser) commandFields(spec *Spec, root *yaml.Node, given map[string]*yaml.Node, rateNode *yaml.Node) string {
	if spec.Method != Command {
		for _, name := range commandFields {
			if key := given[name]; key != nil && spec.Method != "" {
				p.fail(key, fmt.Sprintf("%s is for method: command, a program of your own; %s runs its built-in rule", name, spec.Method),
					"%s: applies to method: command only", name)
			}
		}
		return ""
	}
	if given["command"] == nil && !p.misspelled["command"] {
		p.fail(root, `add command: with the program to run as a list, e.g. command: [python3, train.py, --alpha, "{alpha}"]`,
			"missing field command (method: command runs it for each config)")
	}
	if rateNode == nil {
		if !p.misspelled["rate"] {
			p.fail(root, "add rate: NAME, the grid axis that is the learning rate (maps, frontier and refine use it), e.g. rate: alpha",
				"missing field rate (method: command)")
		}
		return ""
	}
	if rateNode.Kind != yaml.ScalarNode || !axisName.MatchString(rateNode.Value) || isLimit(rateNode.Value) {
		p.fail(rateNode, "rate names the grid axis that is the learning rate, e.g. rate: alpha",
			"rate: want the name of a grid axis, got %s", describe(rateNode))
		return ""
	}
	p.rate = rateNode.Value
	return rateNode.Value
}

// argv reads command: a non-empty list of texts (numbers are taken as
// written), run without a shell.
func (p *parser) argv(n *yaml.Node) []string {
	hint := `command is the program and its arguments as a list, run without a shell, e.g. [python3, train.py, --alpha, "{alpha}"]`
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.fail(n, hint, "command: want a non-empty list, got %s", describe(n))
		return nil
	}
	var argv []string
	for i, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || item.ShortTag() == "!!null" {
			p.fail(item, hint, "command[%d]: want a text, got %s", i+1, describe(item))
			return nil
		}
		argv = append(argv, item.Value)
		p.argNodes = append(p.argNodes, item)
	}
	return argv
}

// timeout reads timeout: a positive duration such as 30s or 5m.
func (p *parser) timeout(n *yaml.Node) time.Duration {
	hint := "timeout bounds each run of the program, e.g. timeout: 30s, 5m or 1h30m"
	if n.Kind != yaml.ScalarNode {
		p.fail(n, hint, "timeout: want a duration, got %s", describe(n))
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		p.fail(n, hint, "timeout: want a positive duration such as 30s, got %s", quoted(n))
		return 0
	}
	return d
}

// programGrid reads the grid of method: command: axes of any name a
// program takes (see axisName), the rate axis first, then the others in
// the order of the file. The limits are read by limitAxes.
func (p *parser) programGrid(key, n *yaml.Node, rate string) []Axis {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "write one axis per line, e.g. alpha: [1, 0.1] or momentum: [0, 0.9]",
			"grid: want a mapping of axes, got %s", describe(n))
		return nil
	}
	var axes []Axis
	total := int64(1)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), resolve(n.Content[i+1])
		name := k.Value
		switch {
		case k.Kind != yaml.ScalarNode:
			p.fail(k, "an axis name is plain text", "grid: an axis name must be plain text, not %s", describe(k))
			continue
		case isLimit(name):
			continue // see limitAxes
		case !axisName.MatchString(name):
			p.fail(k, "an axis name is lower-case letters, digits and _, starting with a letter or _ (it names a column in SQL and SWEEP_NAME in the program's environment)",
				"grid: axis name %q is not a plain lower-case name", name)
			continue
		case slices.ContainsFunc(axes, func(a Axis) bool { return a.Name == name }):
			p.fail(k, "give each axis once", "grid: axis %q given twice", name)
			continue
		}
		vs, ok := p.axis(name, val)
		if !ok {
			continue
		}
		if total > MaxConfigs/int64(len(vs)) {
			p.fail(key, "split the sweep into several files or use coarser axes", "grid: more than %d configs", MaxConfigs)
			return nil
		}
		total *= int64(len(vs))
		axes = append(axes, Axis{Name: name, Values: vs})
	}
	if rate == "" {
		return axes // the missing or wrong rate: is already reported
	}
	at := slices.IndexFunc(axes, func(a Axis) bool { return a.Name == rate })
	if at < 0 {
		if !p.hasKey(n, rate) {
			p.fail(key, fmt.Sprintf("add %s: with the learning rates to try, e.g. %s: {from: 10, to: 0.0001, per_decade: 4}", rate, rate),
				"grid: missing axis %s, which rate: names", rate)
		}
		return nil
	}
	// The rate axis is the outermost: the summary, maps and refine take a
	// sweep rate by rate.
	return slices.Concat(axes[at:at+1], axes[:at], axes[at+1:])
}

// placeholders checks the command as package argv will fill it in: every
// {name} names an axis or a limit of the sweep, {{ and }} are literal
// braces, no element holds a NUL byte, and the program is not empty.
func (p *parser) placeholders(spec *Spec) {
	if spec.Method != Command || spec.Axes == nil || len(spec.Program.Argv) == 0 {
		return
	}
	_, err := argv.Parse(spec.Program.Argv, spec.ParamNames())
	var e *argv.Error
	if !errors.As(err, &e) {
		return
	}
	hint := e.Hint
	if name, ok := strings.CutSuffix(strings.TrimPrefix(e.Msg, "{"), "} names no parameter"); ok {
		hint = p.suggestName(name, spec.ParamNames(), "the names are the grid's axes and the limits: "+strings.Join(spec.ParamNames(), ", "))
	}
	p.fail(p.argNodes[e.Arg], hint, "command[%d]: %s", e.Arg+1, e.Msg)
}

// suggestName is suggest for a name that is not a node of its own.
func (p *parser) suggestName(name string, candidates []string, hint string) string {
	if best := didYouMean(name, candidates); best != "" {
		return fmt.Sprintf("did you mean {%s}? %s", best, hint)
	}
	return hint
}

var axisExample = map[string]string{
	AxisAlpha:       "alpha: {from: 10, to: 0.0001, per_decade: 4}",
	AxisStepAmount:  "step_amount: [0.1, 0.01, 0.001]",
	AxisInput:       "input: {from: -2, to: 2, step: 0.5}",
	AxisGoal:        "goal: [0.8, -1]",
	AxisWeight:      "weight: 0.5",
	LimitIterations: "iterations: [100, 1000, 10000]",
	LimitTolerance:  "tolerance: [1e-6, 1e-12]",
	LimitDivergence: "divergence: [1e6, 1e12]",
}

func (p *parser) hasKey(m *yaml.Node, name string) bool {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return true
		}
	}
	return false
}

// axis reads one axis: a number, a list of numbers, or a range.
func (p *parser) axis(name string, n *yaml.Node) ([]float64, bool) {
	var (
		values []float64
		nodes  []*yaml.Node // where each value was written, for error messages
	)
	switch n.Kind {
	case yaml.ScalarNode:
		f, ok := p.number(n, name)
		if !ok {
			return nil, false
		}
		values, nodes = []float64{f}, []*yaml.Node{n}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.fail(n, "list at least one value, e.g. "+axisExample[name], "%s: empty list", name)
			return nil, false
		}
		ok := true
		for _, item := range n.Content {
			item = resolve(item)
			f, good := p.number(item, name)
			ok = ok && good
			values, nodes = append(values, f), append(nodes, item)
		}
		if !ok {
			return nil, false
		}
		if len(values) > MaxAxisValues {
			p.fail(n, "split the sweep into several files", "%s: more than %d values", name, MaxAxisValues)
			return nil, false
		}
	case yaml.MappingNode:
		vs, ok := p.rangeAxis(name, n)
		if !ok {
			return nil, false
		}
		values = vs
		for range vs {
			nodes = append(nodes, n)
		}
	default:
		p.fail(n, "write a number, a list such as [0.1, 0.01] or a range such as {from: 1, to: 2, step: 0.5}",
			"%s: want a number, a list or a range, got %s", name, describe(n))
		return nil, false
	}

	for i, v := range values {
		if v == 0 {
			// -0 is 0: SQLite stores it so, and a program given "-0.0"
			// would see a config that a stored run of 0 stands for.
			values[i] = 0
		}
	}
	seen := make(map[float64]int, len(values))
	for i, v := range values {
		if (p.rate == "" && (name == AxisAlpha || name == AxisStepAmount) || name == p.rate) && v <= 0 {
			p.fail(nodes[i], fmt.Sprintf("%s is the size of a learning step; it must be > 0 (0 learns nothing)", name),
				"%s: %s is not positive", name, formatFloat(v))
			return nil, false
		}
		if j, dup := seen[v]; dup {
			p.fail(nodes[i], "list each value once",
				"%s: %s appears twice (values %d and %d)", name, formatFloat(v), j+1, i+1)
			return nil, false
		}
		seen[v] = i
	}
	return values, true
}

// rangeAxis reads {from, to, step} (linear), {from, to, per_decade} (log)
// or {from, to, num} (num values, log-spaced, or evenly spaced with scale:
// linear).
func (p *parser) rangeAxis(name string, n *yaml.Node) ([]float64, bool) {
	hint := "a range is {from: A, to: B, step: S} (linear), {from: A, to: B, per_decade: K} (log) or {from: A, to: B, num: N} (N values, log-spaced; add scale: linear for evenly spaced)"
	var from, to, step *float64
	perDecade, num := 0, 0
	scale := ""
	var stepNode, perDecadeNode, numNode, scaleNode *yaml.Node
	before := len(p.errs)
	for key, val := range p.fields(n, name+": ", rangeFields, hint) {
		switch key.Value {
		case "from", "to", "step":
			f, ok := p.number(val, name+"."+key.Value)
			if !ok {
				continue
			}
			switch key.Value {
			case "from":
				from = &f
			case "to":
				to = &f
			case "step":
				step, stepNode = &f, val
			}
		case "per_decade":
			k, ok := p.integer(val, name+".per_decade", 1, MaxAxisValues)
			if !ok {
				continue
			}
			perDecade, perDecadeNode = k, val
		case "num":
			k, ok := p.integer(val, name+".num", 1, MaxAxisValues)
			if !ok {
				continue
			}
			num, numNode = k, val
		case "scale":
			if val.Kind != yaml.ScalarNode || val.Value != "log" && val.Value != "linear" {
				p.fail(val, hint, "%s.scale: want log or linear, got %s", name, describe(val))
				continue
			}
			scale, scaleNode = val.Value, val
		}
	}
	if len(p.errs) > before {
		return nil, false // a field of the range is wrong, and already reported
	}
	kinds := 0
	for _, given := range []bool{step != nil, perDecadeNode != nil, numNode != nil} {
		if given {
			kinds++
		}
	}
	switch {
	case from == nil || to == nil:
		p.fail(n, hint, "%s: a range needs both from and to", name)
		return nil, false
	case step != nil && perDecadeNode != nil && numNode == nil:
		p.fail(perDecadeNode, hint, "%s: give step (linear) or per_decade (log), not both", name)
		return nil, false
	case kinds > 1:
		p.fail(numNode, hint, "%s: give one of step (linear), per_decade (log) and num, not several", name)
		return nil, false
	case kinds == 0 && scaleNode != nil:
		return p.continuousRange(name, n, *from, *to, scale == "log")
	case kinds == 0:
		p.fail(n, hint+"; or, with sample:, {from: A, to: B, scale: log} to draw points", "%s: a range needs step (linear), per_decade (log) or num", name)
		return nil, false
	case scaleNode != nil && numNode == nil:
		p.fail(scaleNode, hint, "%s: scale goes with num (step is linear, per_decade log already)", name)
		return nil, false
	case numNode != nil:
		var (
			vs  []float64
			err *rangeError
		)
		if scale == "linear" {
			vs, err = linearCount(*from, *to, num)
		} else {
			vs, err = logCount(*from, *to, num)
		}
		if err != nil {
			p.fail(n, err.hint, "%s: %s", name, err.msg)
			return nil, false
		}
		return vs, true
	case step != nil:
		if *step <= 0 {
			p.fail(stepNode, "step is the distance between values; the range runs from from to to whichever way they lie",
				"%s: step %s is not positive", name, formatFloat(*step))
			return nil, false
		}
		vs, err := linearRange(*from, *to, *step)
		if err != nil {
			p.fail(n, err.hint, "%s: %s", name, err.msg)
			return nil, false
		}
		return vs, true
	default:
		vs, err := logRange(*from, *to, perDecade)
		if err != nil {
			p.fail(n, err.hint, "%s: %s", name, err.msg)
			return nil, false
		}
		return vs, true
	}
}

// continuousRange records {from: A, to: B, scale: ...}, an axis to sample
// (see applySample), and returns its from as a stand-in for its values
// until the sample is drawn.
func (p *parser) continuousRange(name string, n *yaml.Node, from, to float64, log bool) ([]float64, bool) {
	switch {
	case isLimit(name):
		p.fail(n, "a limit is stepped (a list or a range with step, per_decade or num), not sampled", "%s: a limit cannot be sampled", name)
		return nil, false
	case from == to:
		p.fail(n, "give a range of some width, or the one value", "%s: from and to are both %s", name, formatFloat(from))
		return nil, false
	case log && (from <= 0 || to <= 0):
		p.fail(n, "a log range lies above 0; use scale: linear for a range through 0", "%s: a log range needs from and to > 0", name)
		return nil, false
	}
	p.continuous = append(p.continuous, continuous{name: name, from: from, to: to, log: log, node: n})
	return []float64{from}, true
}

// number reads a finite float64 from a YAML int or float.
func (p *parser) number(n *yaml.Node, what string) (float64, bool) {
	if n.Kind == yaml.ScalarNode && n.Style == 0 && n.ShortTag() == "!!str" {
		// yaml.v3 resolves a plain 1e400 to text because it overflows.
		if _, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); errors.Is(err, strconv.ErrRange) {
			p.fail(n, "values must be finite numbers within ±1.8e308",
				"%s: %s overflows (too large for a float64; the largest is about 1.8e308)", what, n.Value)
			return 0, false
		}
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		p.fail(n, "write a plain number such as 0.5, 1e-3 or -2 (without quotes)",
			"%s: want a number, got %s", what, describe(n))
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		p.fail(n, "values must be finite numbers within ±1.8e308; .inf and .nan are not allowed",
			"%s: %s is not a finite number", what, n.Value)
		return 0, false
	}
	if f == 0 && underflows(n.Value) {
		// Parsing rounds 1e-400 to 0 without an error; said as it is, the
		// value would be refused as "0 is not positive", or kept as 0.
		p.fail(n, "a float64 holds nothing between 0 and ±5e-324; write a larger value, or 0 where 0 is meant",
			"%s: %s underflows to 0 (too small for a float64; the smallest positive is about 5e-324)", what, n.Value)
		return 0, false
	}
	return f, true
}

// underflows reports whether the decimal text of a number that reads as 0
// has a digit other than 0 before its exponent: 1e-400, not 0.0e-400.
func underflows(text string) bool {
	mantissa, _, _ := strings.Cut(strings.ToLower(text), "e")
	return strings.ContainsAny(mantissa, "123456789")
}

// unprintable returns the first character of s that must not reach a
// terminal as it is, escaped as Go would write it (\n, \x1b, \u202e): a
// control character (C0, DEL, C1), a bidirectional formatting character,
// which reorders what follows it, or a byte of invalid UTF-8.
func unprintable(s string) (string, bool) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Sprintf(`\x%02x`, s[i]), true
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			q := strconv.QuoteRune(r)
			return q[1 : len(q)-1], true
		}
	}
	return "", false
}

// integer reads a whole number in [lo, hi]; 1e3 counts as one.
func (p *parser) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	f, ok := p.number(n, what)
	if !ok {
		return 0, false
	}
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		p.fail(n, fmt.Sprintf("%s is a whole number from %d to %d", what, lo, hi),
			"%s: %s is out of range", what, n.Value)
		return 0, false
	}
	return int(f), true
}

// describe says what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			text := n.Value
			if r := []rune(text); len(r) > 40 {
				text = string(r[:40]) + "..."
			}
			return fmt.Sprintf("the text %q", text)
		case "!!bool":
			return "the boolean " + n.Value
		}
		return n.Value
	}
	return "an empty value"
}

// quoted returns a scalar's text in quotes, or what the node is.
func quoted(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		return strconv.Quote(n.Value)
	}
	return describe(n)
}

// resolve follows YAML aliases (*name) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// formatFloat prints a float the shortest way that reads back the same.
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
