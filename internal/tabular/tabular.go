// Package tabular writes the rows of an SQL query as an aligned table, CSV,
// JSON or JSON Lines.
//
// Every format prints a value the same way: floats in the shortest form that
// reads back bit for bit, as Python's repr prints them (0.25, 1.0,
// 5.408208020258491e-06); the infinities as Infinity and -Infinity (strings
// in JSON, which has no such numbers); NULL as NULL in a table, an empty
// field in CSV and null in JSON. SQLite stores NaN as NULL, so NaN never
// reaches this package from a sweep database.
//
// A table is for a terminal, and a value may hold anything (a sweep name
// from a database made elsewhere, a BLOB): there, and only there, text goes
// through Escape, so that no value can move the cursor, recolour the screen
// or reorder the line. CSV and JSON are for programs and carry text as it
// is, quoted as their formats require.
package tabular

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"sweep/internal/pyfloat"
)

// Format names an output format.
type Format string

// The output formats.
const (
	Table Format = "table" // aligned columns with a header, for a terminal
	CSV   Format = "csv"   // RFC 4180 with a header row
	JSON  Format = "json"  // one array of objects
	JSONL Format = "jsonl" // one object per line
)

// Formats lists every format.
var Formats = []Format{Table, CSV, JSON, JSONL}

// Float formats a float the way every format prints it.
func Float(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	return pyfloat.Repr(f)
}

// Write writes every row of rows to w in format f and returns how many rows
// it wrote. CSV, JSON and JSON Lines stream: memory stays flat however many
// rows there are, and so does a table, which is aligned to its first rows
// (see tableWriter).
func Write(w io.Writer, rows *sql.Rows, f Format) (int64, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var out writer
	switch f {
	case Table:
		out = &tableWriter{w: bw, cols: cols}
	case CSV:
		out = &csvWriter{w: csv.NewWriter(bw), cols: cols}
	case JSON, JSONL:
		out = &jsonWriter{w: bw, cols: cols, lines: f == JSONL}
	default:
		return 0, fmt.Errorf("unknown format %q", f)
	}
	if err := out.begin(); err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if err := out.row(vals); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if err := out.end(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

type writer interface {
	begin() error
	row(vals []any) error
	end() error
}

// text returns a value as text and whether it is a number; ok is false for
// NULL.
func text(v any) (s string, number, ok bool) {
	switch v := v.(type) {
	case nil:
		return "", false, false
	case float64:
		return Float(v), true, true
	case int64:
		return strconv.FormatInt(v, 10), true, true
	case []byte:
		return string(v), false, true
	case string:
		return v, false, true
	case bool:
		if v {
			return "1", true, true
		}
		return "0", true, true
	}
	return fmt.Sprint(v), false, true
}

type csvWriter struct {
	w      *csv.Writer
	cols   []string
	record []string
}

func (c *csvWriter) begin() error { return c.w.Write(c.cols) }

func (c *csvWriter) row(vals []any) error {
	c.record = c.record[:0]
	for _, v := range vals {
		s, _, _ := text(v)
		c.record = append(c.record, s)
	}
	return c.w.Write(c.record)
}

func (c *csvWriter) end() error {
	c.w.Flush()
	return c.w.Error()
}

type jsonWriter struct {
	w     *bufio.Writer
	cols  []string
	keys  [][]byte // each column name, JSON-quoted, with its colon
	lines bool
	rows  int64
	buf   bytes.Buffer
}

func (j *jsonWriter) begin() error {
	for _, c := range j.cols {
		j.keys = append(j.keys, append(quote(c), ':'))
	}
	if !j.lines {
		_, err := j.w.WriteString("[")
		return err
	}
	return nil
}

func (j *jsonWriter) row(vals []any) error {
	b := &j.buf
	b.Reset()
	if !j.lines {
		if j.rows > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(j.keys[i])
		s, number, ok := text(v)
		switch {
		case !ok:
			b.WriteString("null")
		case number && !strings.HasSuffix(s, "Infinity") && s != "NaN":
			b.WriteString(s)
		default:
			b.Write(quote(s))
		}
	}
	b.WriteByte('}')
	if j.lines {
		b.WriteByte('\n')
	}
	j.rows++
	_, err := j.w.Write(b.Bytes())
	return err
}

func (j *jsonWriter) end() error {
	if j.lines {
		return nil
	}
	if j.rows > 0 {
		_, err := j.w.WriteString("\n]\n")
		return err
	}
	_, err := j.w.WriteString("]\n")
	return err
}

// quote returns s as a JSON string, leaving <, > and & as they are.
func quote(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Escape returns s with each character that must not reach a terminal as
// it is written as Go writes it in a string: the control characters (C0,
// DEL and C1) as \n, \t, \x1b, \u009b; the bidirectional formatting
// characters, which reorder what follows them, as \u202e; a byte of
// invalid UTF-8 as \xff. Everything else, backslashes included, is left as
// it is, so text that needs no escape comes back unchanged.
func Escape(s string) string {
	i := strings.IndexFunc(s, unsafeRune)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r) // '\n', '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r must be escaped before it reaches a
// terminal; strings.IndexFunc passes utf8.RuneError for invalid bytes.
func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// A table is aligned in blocks of rows, not as a whole, so that its memory
// does not grow with the result. alignRows rows are twenty screens: enough
// to show a column's usual width, so that a long result rarely needs a
// second block, and every result a person reads whole (each example in the
// README) is one block, aligned as it always was; they hold a few hundred
// KB for the trace's seven numbers a row. alignBytes bounds the same buffer
// when rows are wide (trace_weights holds a run's whole trace in one value:
// a thousand of those could take gigabytes).
const (
	alignRows  = 1000
	alignBytes = 1 << 20
)

// tableWriter prints a table in blocks. It holds the first rows until
// alignRows or alignBytes, sets the widths from them, prints the header and
// them, and then prints each further row as it comes while the row fits.
// A row with a value wider than its column starts a new block: rows are
// held again, the widths grow to fit them (never shrink), and the block is
// printed after an empty line under the header again, so that every row is
// aligned with the header above it and no value is cut. Holding a block,
// rather than widening at the first wider value, keeps the header from
// coming back at each further digit: floats grow one digit at a time. The
// last column, when it is text, is never padded, so a longer value there
// just runs on. A column's alignment (right for numbers) is decided by the
// first block alone, so that it does not change down the table.
type tableWriter struct {
	w       *bufio.Writer
	cols    []string
	numeric []bool     // the column holds only numbers (and NULLs)
	widths  []int      // nil until the first block is printed
	held    [][]string // the rows of the block being held, or nil
	size    int        // bytes of text in held
}

func (t *tableWriter) begin() error {
	for i, c := range t.cols {
		t.cols[i] = Escape(c)
	}
	t.numeric = make([]bool, len(t.cols))
	for i := range t.numeric {
		t.numeric[i] = true
	}
	return nil
}

func (t *tableWriter) row(vals []any) error {
	r := make([]string, len(vals))
	for i, v := range vals {
		s, number, ok := text(v)
		if !ok {
			s = "NULL"
		} else if !number {
			if t.widths == nil {
				t.numeric[i] = false
			}
			s = Escape(s)
		}
		r[i] = s
	}
	if t.widths != nil && t.held == nil && t.fits(r) {
		return t.print(r)
	}
	t.held = append(t.held, r)
	for _, s := range r {
		t.size += len(s)
	}
	if len(t.held) >= alignRows || t.size >= alignBytes {
		return t.block()
	}
	return nil
}

func (t *tableWriter) end() error {
	if t.widths == nil || t.held != nil {
		return t.block()
	}
	return nil
}

// fits reports whether every value of r fits its column.
func (t *tableWriter) fits(r []string) bool {
	for i, s := range r {
		if t.padded(i) && utf8.RuneCountInString(s) > t.widths[i] {
			return false
		}
	}
	return true
}

// block widens the columns to fit the rows held, prints the header (after
// an empty line, unless it is the first) and the rows, and lets them go.
func (t *tableWriter) block() error {
	first := t.widths == nil
	if first {
		t.widths = make([]int, len(t.cols))
		for i, c := range t.cols {
			t.widths[i] = utf8.RuneCountInString(c)
		}
	}
	for _, r := range t.held {
		for i, s := range r {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(s))
		}
	}
	if !first {
		t.w.WriteByte('\n')
	}
	err := t.header()
	for _, r := range t.held {
		if err != nil {
			break
		}
		err = t.print(r)
	}
	t.held, t.size = nil, 0
	return err
}

// padded reports whether column i is padded to its width: every column but
// the last, when it is text. A block measures that one all the same, for
// the rule under its name.
func (t *tableWriter) padded(i int) bool {
	return t.numeric[i] || i < len(t.cols)-1
}

// header prints the column names and a rule under them.
func (t *tableWriter) header() error {
	rule := make([]string, len(t.cols))
	for i := range rule {
		rule[i] = strings.Repeat("-", t.widths[i])
	}
	t.print(t.cols)
	return t.print(rule)
}

// print prints one line of cells: numbers right-aligned, text left-aligned,
// two spaces between columns and no blanks at the end. The error is the
// writer's first, which it keeps, so that a failed write (a full disk, a
// closed pipe) ends a long query at once rather than after its last row.
func (t *tableWriter) print(cells []string) error {
	for i, s := range cells {
		pad := max(0, t.widths[i]-utf8.RuneCountInString(s))
		if i > 0 {
			t.w.WriteString("  ")
		}
		if t.numeric[i] {
			spaces(t.w, pad)
			t.w.WriteString(s)
		} else if i < len(cells)-1 {
			t.w.WriteString(s)
			spaces(t.w, pad)
		} else {
			t.w.WriteString(s) // no trailing blanks
		}
	}
	return t.w.WriteByte('\n')
}

const blanks = "                                                                "

// spaces writes n spaces to w.
func spaces(w *bufio.Writer, n int) {
	for n > 0 {
		k := min(n, len(blanks))
		w.WriteString(blanks[:k])
		n -= k
	}
}
