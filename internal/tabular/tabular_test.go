package tabular

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

const query = `SELECT 1 AS n, 0.25 AS x, 2.0 AS whole, 5.408208020258491e-06 AS small,
	9e999 AS inf, -9e999 AS ninf, NULL AS nul, 'a, "b"' AS label
	UNION ALL SELECT 22, -232452292.5999999, 1e16, 0.1, 1, 2, 3, 'ünï <&>'`

func write(t *testing.T, f Format) string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b bytes.Buffer
	n, err := Write(&b, rows, f)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%s: wrote %d rows, want 2", f, n)
	}
	return b.String()
}

func TestFormats(t *testing.T) {
	tests := []struct {
		format Format
		want   string
	}{
		{Table, "" +
			" n                   x  whole                  small       inf       ninf   nul  label\n" +
			"--  ------------------  -----  ---------------------  --------  ---------  ----  -------\n" +
			" 1                0.25    2.0  5.408208020258491e-06  Infinity  -Infinity  NULL  a, \"b\"\n" +
			"22  -232452292.5999999  1e+16                    0.1         1          2     3  ünï <&>\n"},
		{CSV, "" +
			"n,x,whole,small,inf,ninf,nul,label\n" +
			"1,0.25,2.0,5.408208020258491e-06,Infinity,-Infinity,,\"a, \"\"b\"\"\"\n" +
			"22,-232452292.5999999,1e+16,0.1,1,2,3,ünï <&>\n"},
		{JSON, "[\n" +
			`{"n":1,"x":0.25,"whole":2.0,"small":5.408208020258491e-06,"inf":"Infinity","ninf":"-Infinity","nul":null,"label":"a, \"b\""},` + "\n" +
			`{"n":22,"x":-232452292.5999999,"whole":1e+16,"small":0.1,"inf":1,"ninf":2,"nul":3,"label":"ünï <&>"}` + "\n]\n"},
		{JSONL, "" +
			`{"n":1,"x":0.25,"whole":2.0,"small":5.408208020258491e-06,"inf":"Infinity","ninf":"-Infinity","nul":null,"label":"a, \"b\""}` + "\n" +
			`{"n":22,"x":-232452292.5999999,"whole":1e+16,"small":0.1,"inf":1,"ninf":2,"nul":3,"label":"ünï <&>"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			got := write(t, tt.format)
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestOutputParses reads the CSV and JSON back with standard parsers and
// checks that the numbers come back bit for bit.
func TestOutputParses(t *testing.T) {
	var arr []map[string]any
	if err := json.Unmarshal([]byte(write(t, JSON)), &arr); err != nil {
		t.Fatalf("JSON output does not parse: %v", err)
	}
	if got := arr[1]["x"].(float64); got != -232452292.5999999 {
		t.Errorf("x = %v after a JSON round trip", got)
	}
	if got := arr[0]["small"].(float64); got != 5.408208020258491e-06 {
		t.Errorf("small = %v after a JSON round trip", got)
	}
	recs, err := csv.NewReader(bytes.NewBufferString(write(t, CSV))).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][7] != `a, "b"` {
		t.Errorf("CSV output reads back as %q, %v", recs, err)
	}
}

func TestEmptyResult(t *testing.T) {
	db, _ := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	defer db.Close()
	for f, want := range map[Format]string{JSON: "[]\n", JSONL: "", CSV: "a\n", Table: "a\n-\n"} {
		rows, err := db.Query("SELECT 1 AS a WHERE 0")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := Write(&b, rows, f); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if b.String() != want {
			t.Errorf("%s of no rows = %q, want %q", f, b.String(), want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text", "converged", "converged"},
		{"text in any script, a backslash and a replacement character", "ünï ∂ 学習 a\\nb \uFFFD", "ünï ∂ 学習 a\\nb \uFFFD"},
		{"colour escape", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"clear screen and cursor home", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"newline, carriage return, tab", "a\nb\rc\td", `a\nb\rc\td`},
		{"bell, backspace, NUL", "\a\b\x00", `\a\b\x00`},
		{"DEL", "x\x7fy", `x\x7fy`},
		{"C1 control (CSI)", "\u009b2J", `\u009b2J`},
		{"bidirectional override", "abc\u202edef", `abc\u202edef`},
		{"invalid UTF-8", "\xffa\xc3", `\xffa\xc3`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestTableEscapes checks that a table escapes what a terminal would obey,
// in values and column names, aligns the escaped text, and that CSV and
// JSON carry the text as it is.
func TestTableEscapes(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		name   string
		query  string
		args   []any
		format Format
		want   string
	}{
		{"colour in a value", "SELECT ? AS name, 1 AS n", []any{"\x1b[31mred"}, Table,
			"name         n\n-----------  -\n\\x1b[31mred  1\n"},
		{"newline in a value, aligned", "SELECT ? AS v, 1 AS n UNION ALL SELECT 'abcdefgh', 22", []any{"a\nb"}, Table,
			"v          n\n--------  --\na\\nb       1\nabcdefgh  22\n"},
		{"invalid UTF-8 in a BLOB", "SELECT ? AS b", []any{[]byte{0xff, 'a', 0x1b}}, Table,
			"b\n---------\n\\xffa\\x1b\n"},
		{"control character in a column name", "SELECT 1 AS \"x\ny\x1b\"", nil, Table,
			"x\\ny\\x1b\n--------\n       1\n"},
		{"C1 and bidirectional characters", "SELECT ? AS v", []any{"\u009b\u202e"}, Table,
			"v\n------------\n\\u009b\\u202e\n"},
		{"CSV keeps the text", "SELECT ? AS v", []any{"\x1b[31m"}, CSV, "v\n\x1b[31m\n"},
		{"JSON escapes as JSON does", "SELECT ? AS v", []any{"\x1b\n"}, JSONL, `{"v":"\u001b\n"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.Query(tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var b bytes.Buffer
			if _, err := Write(&b, rows, tt.format); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
