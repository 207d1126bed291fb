package tabular

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// numbered is a result of rows 1..? with n = i, v = 'x' and d = i % 10,
// except that row ? has v = ? and d = ?: one late value to place.
const numbered = `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
	SELECT i AS n, CASE WHEN i = ? THEN ? ELSE 'x' END AS v, CASE WHEN i = ? THEN ? ELSE i % 10 END AS d FROM c`

// lines returns rows from to to of numbered as a table prints them with n
// 4 wide and v w wide, d 1 wide: what fmt says, not what the package does.
func lines(from, to, w int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%4d  %-*s  %d\n", i, w, "x", i%10)
	}
	return b.String()
}

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestTableBlocks checks the rule of a long table: aligned to its first
// alignRows rows, a later row that fits printed as it comes, a later wider
// value printed whole in a new block under the header again.
func TestTableBlocks(t *testing.T) {
	const n = alignRows
	head := "   n  v  d\n----  -  -\n"
	tests := []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"zero rows", numbered + " WHERE 0", []any{1, 0, "", 0, 0},
			"n  v  d\n-  -  -\n"},
		{"exactly alignRows rows, the last widest: one block aligned to it", numbered, []any{n, n, "wide value", 0, 0},
			"   n  v           d\n----  ----------  -\n" + lines(1, n-1, 10) + "1000  wide value  0\n"},
		{"alignRows + 1 rows, the last fits: one block", numbered, []any{n + 1, n + 1, "y", n + 1, 1},
			head + lines(1, n, 1) + "1001  y  1\n"},
		{"alignRows + 1 rows, the last wider: a new block under the header", numbered, []any{n + 1, n + 1, "wide value", n + 1, 1},
			head + lines(1, n, 1) + "\n   n  v           d\n----  ----------  -\n1001  wide value  1\n"},
		{"the new block is as wide as its widest row, not the first", numbered + " UNION ALL SELECT 1002, 'wider value', 2", []any{n + 1, n + 1, "wide", n + 1, 1},
			head + lines(1, n, 1) + "\n   n  v            d\n----  -----------  -\n1001  wide         1\n1002  wider value  2\n"},
		{"rows after the new block stream at its widths", numbered, []any{2*n + 1, n + 1, "wide value", n + 1, 1},
			head + lines(1, n, 1) + "\n   n  v           d\n----  ----------  -\n1001  wide value  1\n" + lines(n+2, 2*n+1, 10)},
		{"a late NULL is as wide as NULL", numbered, []any{n + 1, n + 1, "x", n + 1, nil},
			head + lines(1, n, 1) + "\n   n  v     d\n----  -  ----\n1001  x  NULL\n"},
		{"a NULL in the first block counts", numbered, []any{3, 2, "x", 2, nil},
			"n  v     d\n-  -  ----\n1  x     1\n2  x  NULL\n3  x     3\n"},
		{"a late value counts its characters, not its bytes", numbered, []any{n + 1, n + 1, "学習ünï", n + 1, 1},
			head + lines(1, n, 1) + "\n   n  v      d\n----  -----  -\n1001  学習ünï  1\n"},
		{"a late value is escaped and aligned as escaped", numbered, []any{n + 1, n + 1, "a\nb\x1b", n + 1, 1},
			head + lines(1, n, 1) + "\n   n  v         d\n----  --------  -\n1001  a\\nb\\x1b  1\n"},
		{"late text in a column of numbers stays right-aligned", numbered, []any{n + 1, n + 1, "x", n + 1, "abc"},
			head + lines(1, n, 1) + "\n   n  v    d\n----  -  ---\n1001  x  abc\n"},
	}
	db := openDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := table(t, db, tt.query, tt.args...)
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", tail(got), tail(tt.want))
			}
		})
	}
}

// TestTableLastColumnRunsOn checks that a late longer value in the last
// column, which is text and never padded, starts no new block.
func TestTableLastColumnRunsOn(t *testing.T) {
	q := `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
		SELECT i AS n, CASE WHEN i = ? THEN 'a longer label' ELSE 'x' END AS v FROM c`
	var want strings.Builder
	want.WriteString("   n  v\n----  -\n")
	for i := 1; i <= alignRows; i++ {
		fmt.Fprintf(&want, "%4d  x\n", i)
	}
	want.WriteString("1001  a longer label\n")
	if got := table(t, openDB(t), q, alignRows+1, alignRows+1); got != want.String() {
		t.Errorf("got\n%s\nwant\n%s", tail(got), tail(want.String()))
	}
}

// TestTableBlockBytes checks that rows holding more than alignBytes of
// text are a block of their own, however few: 4 rows of 300,000
// characters, then a wider one.
func TestTableBlockBytes(t *testing.T) {
	q := `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5)
		SELECT i AS n, hex(zeroblob(150000)) || CASE WHEN i = 5 THEN 'z' ELSE '' END AS v, 0 AS d FROM c`
	got := strings.Split(table(t, openDB(t), q), "\n")
	v := strings.Repeat("0", 300000)
	want := []string{
		"n  v" + strings.Repeat(" ", 299999) + "  d",
		"-  " + strings.Repeat("-", 300000) + "  -",
		"1  " + v + "  0",
		"2  " + v + "  0",
		"3  " + v + "  0",
		"4  " + v + "  0",
		"",
		"n  v" + strings.Repeat(" ", 300000) + "  d",
		"-  " + strings.Repeat("-", 300001) + "  -",
		"5  " + v + "z  0",
		"",
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d is %d characters (%.20q...), want %d (%.20q...)", i+1, len(got[i]), got[i], len(want[i]), want[i])
		}
	}
}

// table returns the result of query as a table.
func table(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b bytes.Buffer
	if _, err := Write(&b, rows, Table); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// tail returns the first three and the last eight lines of s, for a
// message.
func tail(s string) string {
	l := strings.SplitAfter(s, "\n")
	if len(l) <= 12 {
		return s
	}
	return strings.Join(l[:3], "") + "...\n" + strings.Join(l[len(l)-9:], "")
}

// heapWatcher is an io.Writer that discards what it is given and, at each
// write (every 64 KiB, from Write's buffer), collects the garbage and
// records the live heap, so that peak is the most the writer held at once
// while it wrote.
type heapWatcher struct{ peak uint64 }

func (h *heapWatcher) Write(p []byte) (int, error) {
	h.sample()
	return len(p), nil
}

func (h *heapWatcher) sample() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.peak = max(h.peak, m.HeapAlloc)
}

// TestMemoryFlat writes 20,000 and then 200,000 rows in every format and
// checks that the live heap at its largest grows by less than 1 MiB: under
// 6 bytes a further row, where a writer holding the rows takes more than
// 100 bytes for each (a table that held them all until the last grew by
// 21 MB).
func TestMemoryFlat(t *testing.T) {
	db := openDB(t)
	peak := func(f Format, n int) uint64 {
		rows, err := db.Query(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
			SELECT i AS run_id, i * 0.1 AS weight, 'label ' || i AS label FROM c`, n)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		h := &heapWatcher{}
		h.sample()
		base := h.peak
		got, err := Write(h, rows, f)
		if err != nil {
			t.Fatal(err)
		}
		if got != int64(n) {
			t.Fatalf("%s: wrote %d rows, want %d", f, got, n)
		}
		return h.peak - min(base, h.peak)
	}
	const small, large = 20_000, 200_000
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			s, l := peak(f, small), peak(f, large)
			t.Logf("%s: live heap at most %d KiB above the start for %d rows, %d KiB for %d", f, s>>10, small, l>>10, large)
			if grew := int64(l) - int64(s); grew >= 1<<20 {
				t.Errorf("%s: the live heap grew by %d KiB from %d to %d rows, want under 1024 KiB", f, grew>>10, small, large)
			}
		})
	}
}
