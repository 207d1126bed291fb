package command

// This file reads the trace protocol: one line of a program's stdout at a
// time, into a Row or nothing (a log line) or a protocol error that says
// where the line broke the protocol. It allocates nothing per line but the
// names of metrics it has not seen before.

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Field is a bitmask of the optional columns a Row has.
type Field uint8

// The optional columns of a Row. Error is not among them: every row has it.
const (
	HasWeight      Field = 1 << iota // weight: the weight at the start of the step
	HasPred                          // pred or prediction (Prediction: in a printout)
	HasDelta                         // delta: pred - goal
	HasWeightDelta                   // weight_delta (Weight Delta: in a printout)
)

// Metric is a number a program reported for a step under a name of its own
// (a JSON row's key that is none of the known columns).
type Metric struct {
	Name  string
	Value float64
}

// Row is one step of a program's trace.
type Row struct {
	Step int // 0-based index of the row in the trace
	// The columns; each is NaN when the row does not give it (Has tells a
	// column not given from a NaN given). Error is always given.
	Weight, Pred, Error, Delta, WeightDelta float64
	Has                                     Field
	// Metrics are the row's other numbers in the order the line gave them.
	// In rows passed to Run's emit the slice is valid only until emit
	// returns; Outcome.Last owns its own.
	Metrics []Metric
}

// maxLine is the longest line of stdout, without its newline, that Run
// reads; a longer line is a protocol error, so that a program printing one
// endless line cannot make sweep hold it.
const maxLine = 64 << 10

// protocolError is where and how a line broke the trace protocol.
type protocolError struct {
	line int // 1-based line of stdout
	col  int // 1-based byte column; 0 when the problem is the whole line
	msg  string
}

func (e *protocolError) Error() string {
	if e.col > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.line, e.col, e.msg)
	}
	return fmt.Sprintf("line %d: %s", e.line, e.msg)
}

// lineParser parses the lines of one run's stdout.
type lineParser struct {
	names      map[string]string   // interned metric names
	seen       map[string]struct{} // the metric names of a row with many
	key        []byte              // a JSON key with its escapes undone
	lineNo     int                 // the line being parsed, 1-based
	row        *Row
	metrics    []Metric // the metrics of the row being parsed are metrics[first:]
	first      int
	sawStep    bool
	sawError   bool
	stepWanted int
}

// Metric names are interned, up to a bound, so that a million rows naming
// the same metrics do not allocate a million names each; names beyond the
// bound (a program inventing a new name per row) are allocated and freed
// with their chunk of rows.
const (
	maxInterned    = 1024
	maxInternedLen = 128
)

func (p *lineParser) intern(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(b) <= maxInternedLen && len(p.names) < maxInterned {
		if p.names == nil {
			p.names = make(map[string]string)
		}
		p.names[s] = s
	}
	return s
}

// parse parses line (stdout's line lineNo without its newline) as row
// index of the trace. It reports step false for a log line; for a step it
// fills r and appends the row's metrics to ms, and r.Metrics is the tail of
// the returned slice. The error, if any, is a *protocolError.
func (p *lineParser) parse(line []byte, lineNo, index int, r *Row, ms []Metric) (step bool, out []Metric, err error) {
	p.lineNo = lineNo
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return false, ms, p.errAt(i, "NUL byte: stdout must be text, one trace row or log line per line")
	}
	if !utf8.Valid(line) {
		return false, ms, p.errAt(invalidUTF8(line), "invalid UTF-8: stdout must be text, one trace row or log line per line")
	}
	i := skipSpace(line, 0)
	rest := line[i:]
	switch {
	case len(rest) > 0 && rest[0] == '{':
		err = p.start(index, r, ms).parseJSON(line, i)
	case bytes.HasPrefix(rest, []byte("Error:")):
		err = p.start(index, r, ms).parsePrintout(line, i)
	default:
		return false, ms, nil
	}
	if err != nil {
		return false, p.metrics[:p.first], err
	}
	r.Metrics = p.metrics[p.first:len(p.metrics):len(p.metrics)]
	if len(r.Metrics) == 0 {
		r.Metrics = nil
	}
	return true, p.metrics, nil
}

func (p *lineParser) start(index int, r *Row, ms []Metric) *lineParser {
	nan := math.NaN()
	*r = Row{Step: index, Weight: nan, Pred: nan, Error: nan, Delta: nan, WeightDelta: nan}
	p.row, p.metrics, p.first = r, ms, len(ms)
	p.sawStep, p.sawError, p.stepWanted = false, false, index
	return p
}

func (p *lineParser) errAt(i int, format string, args ...any) error {
	return &protocolError{line: p.lineNo, col: i + 1, msg: fmt.Sprintf(format, args...)}
}

func (p *lineParser) errLine(format string, args ...any) error {
	return &protocolError{line: p.lineNo, msg: fmt.Sprintf(format, args...)}
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// set stores a known column's value or a metric, refusing a key given
// twice. name is the key as the line wrote it, for messages.
func (p *lineParser) set(col Field, v float64, name string, at int) error {
	r := p.row
	if r.Has&col != 0 {
		return p.errAt(at, "%s given twice", name)
	}
	r.Has |= col
	switch col {
	case HasWeight:
		r.Weight = v
	case HasPred:
		r.Pred = v
	case HasDelta:
		r.Delta = v
	case HasWeightDelta:
		r.WeightDelta = v
	}
	return nil
}

func (p *lineParser) setError(v float64, name string, at int) error {
	if p.sawError {
		return p.errAt(at, "%s given twice", name)
	}
	p.sawError = true
	p.row.Error = v
	return nil
}

// addMetric appends a metric, refusing a name the row already has. A row
// of many metrics checks them with a map, so that a hostile line of ten
// thousand keys costs ten thousand lookups, not fifty million compares.
func (p *lineParser) addMetric(key []byte, v float64, at int) error {
	ms := p.metrics[p.first:]
	const linear = 16
	switch {
	case len(ms) < linear:
		for _, m := range ms {
			if m.Name == string(key) {
				return p.errAt(at, "key %q given twice", key)
			}
		}
	case len(ms) == linear:
		if p.seen == nil {
			p.seen = make(map[string]struct{})
		}
		clear(p.seen)
		for _, m := range ms {
			p.seen[m.Name] = struct{}{}
		}
		fallthrough
	default:
		if _, dup := p.seen[string(key)]; dup {
			return p.errAt(at, "key %q given twice", key)
		}
	}
	name := p.intern(key)
	if len(ms) >= linear {
		p.seen[name] = struct{}{}
	}
	p.metrics = append(p.metrics, Metric{Name: name, Value: v})
	return nil
}

// parseJSON parses a JSON object of numbers starting at line[i] == '{'.
func (p *lineParser) parseJSON(line []byte, i int) error {
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		i++
	} else {
		for {
			if i >= len(line) || line[i] != '"' {
				return p.errAt(i, "expected a key in double quotes, found %s", found(line, i))
			}
			keyAt := i
			key, next, err := p.parseString(line, i)
			if err != nil {
				return err
			}
			i = skipSpace(line, next)
			if i >= len(line) || line[i] != ':' {
				return p.errAt(i, "expected ':' after key %q, found %s", key, found(line, i))
			}
			i = skipSpace(line, i+1)
			v, next, err := p.parseJSONNumber(line, i, key)
			if err != nil {
				return err
			}
			if err := p.setKey(key, v, keyAt); err != nil {
				return err
			}
			i = skipSpace(line, next)
			if i < len(line) && line[i] == ',' {
				i = skipSpace(line, i+1)
				continue
			}
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			return p.errAt(i, "expected ',' or '}' after the value of %q, found %s", key, found(line, i))
		}
	}
	if i = skipSpace(line, i); i < len(line) {
		return p.errAt(i, "text after the closing '}': a trace row is one JSON object on one line")
	}
	if !p.sawError {
		return p.errLine(`trace row has no "error"`)
	}
	return nil
}

// setKey files a JSON row's number under its key.
func (p *lineParser) setKey(key []byte, v float64, at int) error {
	switch string(key) {
	case "error":
		return p.setError(v, `key "error"`, at)
	case "weight":
		return p.set(HasWeight, v, `key "weight"`, at)
	case "pred", "prediction":
		return p.set(HasPred, v, `"pred" or "prediction"`, at)
	case "delta":
		return p.set(HasDelta, v, `key "delta"`, at)
	case "weight_delta":
		return p.set(HasWeightDelta, v, `key "weight_delta"`, at)
	case "step":
		if p.sawStep {
			return p.errAt(at, `key "step" given twice`)
		}
		p.sawStep = true
		if v != float64(p.stepWanted) {
			return p.errAt(at, `"step" is %s, but this is row %d of the trace (0-based)`, strconv.FormatFloat(v, 'g', -1, 64), p.stepWanted)
		}
		return nil
	}
	return p.addMetric(key, v, at)
}

// found describes what is at line[i], for a message.
func found(line []byte, i int) string {
	if i >= len(line) {
		return "the end of the line"
	}
	r, _ := utf8.DecodeRune(line[i:])
	return strconv.QuoteRune(r)
}

// parseString parses the JSON string at line[i] == '"' and returns its
// text (in p.key when it has escapes, else a slice of line) and the index
// after its closing quote.
func (p *lineParser) parseString(line []byte, i int) (s []byte, next int, err error) {
	start := i + 1
	j := start
	for j < len(line) && line[j] != '"' && line[j] != '\\' && line[j] >= 0x20 {
		j++
	}
	if j < len(line) && line[j] == '"' {
		return line[start:j], j + 1, nil
	}
	p.key = append(p.key[:0], line[start:j]...)
	for j < len(line) {
		c := line[j]
		switch {
		case c == '"':
			return p.key, j + 1, nil
		case c < 0x20:
			return nil, 0, p.errAt(j, "control character %U in a string", c)
		case c != '\\':
			p.key = append(p.key, c)
			j++
			continue
		}
		if j+1 >= len(line) {
			break
		}
		e := line[j+1]
		switch e {
		case '"', '\\', '/':
			p.key = append(p.key, e)
		case 'b':
			p.key = append(p.key, '\b')
		case 'f':
			p.key = append(p.key, '\f')
		case 'n':
			p.key = append(p.key, '\n')
		case 'r':
			p.key = append(p.key, '\r')
		case 't':
			p.key = append(p.key, '\t')
		case 'u':
			r, n := hex4(line, j+2)
			if n < 0 {
				return nil, 0, p.errAt(j, `invalid \u escape in a string`)
			}
			j += 6
			if utf16IsSurrogate(r) {
				// A high surrogate followed by \u and a low one is one
				// character; anything else is U+FFFD, as encoding/json does.
				if r < 0xDC00 && j+1 < len(line) && line[j] == '\\' && line[j+1] == 'u' {
					if lo, n := hex4(line, j+2); n >= 0 && lo >= 0xDC00 && lo <= 0xDFFF {
						r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
						j += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			p.key = utf8.AppendRune(p.key, r)
			continue
		default:
			return nil, 0, p.errAt(j, `invalid escape \%c in a string`, e)
		}
		j += 2
	}
	return nil, 0, p.errAt(i, "string not closed before the end of the line")
}

func utf16IsSurrogate(r rune) bool { return r >= 0xD800 && r <= 0xDFFF }

// hex4 reads four hex digits at line[i:]; n is -1 when they are not there.
func hex4(line []byte, i int) (r rune, n int) {
	if i+4 > len(line) {
		return 0, -1
	}
	for _, c := range line[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, -1
		}
	}
	return r, 4
}

// parseJSONNumber parses the value of key at line[i]: a JSON number or one
// of Python's NaN, Infinity and -Infinity. Any other value is an error
// that names the key.
func (p *lineParser) parseJSONNumber(line []byte, i int, key []byte) (float64, int, error) {
	if i >= len(line) {
		return 0, 0, p.errAt(i, "key %q has no value", key)
	}
	for _, lit := range [...]struct {
		text string
		v    float64
	}{{"NaN", math.NaN()}, {"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}} {
		if bytes.HasPrefix(line[i:], []byte(lit.text)) && endsValue(line, i+len(lit.text)) {
			return lit.v, i + len(lit.text), nil
		}
	}
	what := ""
	switch c := line[i]; {
	case c == '"':
		what = "a string"
	case c == '{':
		what = "an object"
	case c == '[':
		what = "an array"
	case bytes.HasPrefix(line[i:], []byte("true")), bytes.HasPrefix(line[i:], []byte("false")):
		what = "a boolean"
	case bytes.HasPrefix(line[i:], []byte("null")):
		what = "null"
	}
	if what != "" {
		return 0, 0, p.errAt(i, "the value of %q is %s, not a number", key, what)
	}
	end := scanJSONNumber(line, i)
	if end < 0 {
		return 0, 0, p.errAt(i, "the value of %q is not a number: %s", key, token(line, i))
	}
	v, err := parseFloat(line[i:end])
	if err != nil {
		return 0, 0, p.errAt(i, "the value of %q is not a number: %s", key, token(line, i))
	}
	return v, end, nil
}

// token returns the text at line[i] up to the next delimiter, quoted and
// cut short, for a message.
func token(line []byte, i int) string {
	j := i
	for j < len(line) && j-i < 40 && bytes.IndexByte([]byte(" \t,}:"), line[j]) < 0 {
		j++
	}
	return strconv.Quote(string(line[i:j]))
}

// scanJSONNumber returns the end of the JSON number at line[i], or -1.
func scanJSONNumber(line []byte, i int) int {
	digits := func(j int) int {
		for j < len(line) && '0' <= line[j] && line[j] <= '9' {
			j++
		}
		return j
	}
	j := i
	if j < len(line) && line[j] == '-' {
		j++
	}
	switch {
	case j < len(line) && line[j] == '0':
		j++
	case j < len(line) && '1' <= line[j] && line[j] <= '9':
		j = digits(j)
	default:
		return -1
	}
	if j < len(line) && line[j] == '.' {
		k := digits(j + 1)
		if k == j+1 {
			return -1
		}
		j = k
	}
	if j < len(line) && (line[j] == 'e' || line[j] == 'E') {
		j++
		if j < len(line) && (line[j] == '+' || line[j] == '-') {
			j++
		}
		k := digits(j)
		if k == j {
			return -1
		}
		j = k
	}
	if !endsValue(line, j) {
		return -1 // 01, 0x10, 1.2.3: not a JSON number
	}
	return j
}

// endsValue reports whether a JSON value may end before line[j].
func endsValue(line []byte, j int) bool {
	return j == len(line) || line[j] == ' ' || line[j] == '\t' || line[j] == ',' || line[j] == '}'
}

// parseFloat reads a decimal number whose syntax has been checked, the way
// Python's float() does: correctly rounded, and ±Inf beyond the largest
// float64 (Go reports that as ErrRange, with the infinity).
func parseFloat(b []byte) (float64, error) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !math.IsInf(v, 0) {
		return 0, err
	}
	return v, nil
}

// printoutKeys are the keys of the lesson's printout, longest first where
// one is a prefix of another.
var printoutKeys = [...]struct {
	text string
	col  Field // 0 for Error
}{
	{"Error:", 0},
	{"Prediction:", HasPred},
	{"Weight Delta:", HasWeightDelta},
	{"Weight:", HasWeight},
	{"Delta:", HasDelta},
}

// parsePrintout parses the lesson's printout, "Error:0.3025 Prediction:0.25"
// with optional Weight:, Delta: and Weight Delta:, in any order, a value
// optionally after spaces, keys separated by spaces.
func (p *lineParser) parsePrintout(line []byte, i int) error {
	for i < len(line) {
		keyAt := i
		k := -1
		for j, key := range printoutKeys {
			if bytes.HasPrefix(line[i:], []byte(key.text)) {
				k = j
				break
			}
		}
		if k < 0 {
			return p.errAt(i, "unknown key %s in an Error: line (the keys are Error:, Prediction:, Weight:, Delta:, Weight Delta:)", printoutWord(line, i))
		}
		key := printoutKeys[k]
		name := key.text[:len(key.text)-1]
		i = skipSpace(line, i+len(key.text))
		end := i
		for end < len(line) && line[end] != ' ' && line[end] != '\t' {
			end++
		}
		if end == i {
			return p.errAt(i, "%s has no value", name)
		}
		v, ok := parsePythonFloat(line[i:end])
		if !ok {
			return p.errAt(i, "the value of %s is not a number: %q", name, line[i:end])
		}
		var err error
		if key.col == 0 {
			err = p.setError(v, name, keyAt)
		} else {
			err = p.set(key.col, v, name, keyAt)
		}
		if err != nil {
			return err
		}
		i = skipSpace(line, end)
	}
	return nil
}

// printoutWord returns the unknown key at line[i], up to its ':' when there
// is one before the next key-like text, quoted for a message.
func printoutWord(line []byte, i int) string {
	j := i
	for j < len(line) && j-i < 40 && line[j] != ':' {
		j++
	}
	if j >= len(line) || line[j] != ':' {
		j = i
		for j < len(line) && j-i < 40 && line[j] != ' ' && line[j] != '\t' {
			j++
		}
	}
	return strconv.Quote(string(line[i:j]))
}

// parsePythonFloat reads what Python's str() prints for a float (or an
// int): an optional sign, digits with an optional point, an optional
// exponent; or inf, -inf, nan. It refuses what only Go's ParseFloat reads
// (0x1p-2, 1_000, Infinity), so that the text means the same to both.
func parsePythonFloat(b []byte) (float64, bool) {
	switch string(b) {
	case "inf", "+inf":
		return math.Inf(1), true
	case "-inf":
		return math.Inf(-1), true
	case "nan", "-nan", "+nan":
		return math.NaN(), true
	}
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
		digits++
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == exp {
			return 0, false
		}
	}
	if i != len(b) {
		return 0, false
	}
	v, err := parseFloat(b)
	return v, err == nil
}
