package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	_ "modernc.org/sqlite"
	"sweep/internal/pyfloat"
	"sweep/internal/store"
)

var update = flag.Bool("update", false, "rewrite the expected output in the test scripts")

// TestMain lets the test binary stand in for the sweep binary: in the
// scripts as the command "sweep", and for the signal tests when
// SWEEP_AS_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("SWEEP_AS_MAIN") == "1" {
		main()
		return
	}
	testscript.Main(m, map[string]func(){"sweep": main})
}

// TestScripts runs the end-to-end specs in testdata/script: what a user
// types and what they see.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", "") // the plain progress lines are tested elsewhere
			// Whatever a script did, every database it leaves holds the
			// counts and facts of its runs (0008_answers.sql).
			env.Defer(func() { checkAnswers(env.T(), env.WorkDir) })
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":    cmdStatus,
			"sql":       cmdSQL,
			"downgrade": cmdDowngrade,
			"pngcheck":  cmdPNGCheck,
		},
	})
}

// cmdStatus runs a command and checks its exit status:
//
//	status 2 sweep run bad.yaml
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: bad exit code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdSQL runs one statement on a database and prints the rows to stdout,
// columns separated by |, floats as Python prints them, NULL as NULL:
//
//	sql results/sweep.db 'SELECT count(*) FROM runs'
func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sql DB QUERY")
	}
	db, err := sql.Open("sqlite", ts.MkAbs(args[0]))
	ts.Check(err)
	defer db.Close()
	rows, err := db.Query(args[1])
	if err != nil {
		if neg {
			fmt.Fprintf(ts.Stderr(), "%v\n", err)
			return
		}
		ts.Fatalf("sql: %v", err)
	}
	out, err := printRows(rows, pyfloat.Repr, "NULL")
	ts.Check(err)
	if neg {
		ts.Fatalf("sql: unexpected success")
	}
	fmt.Fprint(ts.Stdout(), out)
}

// cmdDowngrade rewrites a database as an older sweep would have left it:
//
//	downgrade DB VERSION
func cmdDowngrade(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: downgrade DB VERSION")
	}
	v, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(store.Downgrade(context.Background(), ts.MkAbs(args[0]), v))
}

// printRows prints rows one per line, columns separated by |, REALs
// formatted by real and NULL as null.
func printRows(rows *sql.Rows, real func(float64) string, null string) (string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for i, v := range vals {
			if i > 0 {
				out.WriteByte('|')
			}
			switch v := v.(type) {
			case nil:
				out.WriteString(null)
			case float64:
				out.WriteString(real(v))
			case []byte:
				out.Write(v)
			default:
				fmt.Fprint(&out, v)
			}
		}
		out.WriteByte('\n')
	}
	return out.String(), rows.Err()
}

// cmdPNGCheck checks that a file is a PNG of the given size holding each of
// the given colours (#rrggbb) somewhere:
//
//	pngcheck map.png 768 480 '#009E73' '#D55E00'
func cmdPNGCheck(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: pngcheck FILE WIDTH HEIGHT [#rrggbb...]")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		ts.Fatalf("%s is not a PNG: %v", args[0], err)
	}
	b := img.Bounds()
	if got := fmt.Sprintf("%d %d", b.Dx(), b.Dy()); got != args[1]+" "+args[2] {
		ts.Fatalf("%s is %s pixels, want %s %s", args[0], got, args[1], args[2])
	}
	seen := map[string]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, bl>>8)] = true
		}
	}
	for _, c := range args[3:] {
		if !seen[strings.ToUpper(c)] {
			ts.Fatalf("%s has no pixel of colour %s", args[0], c)
		}
	}
}

// checkAnswers fails t when a sweep database under dir breaks what
// store.CheckAnswers checks. Files that are not sweep databases of this
// schema (a script's broken or foreign files, older schemas kept on
// purpose) are left alone.
func checkAnswers(t testscript.T, dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !strings.HasSuffix(path, ".db") {
			return nil
		}
		if version, ok := schemaOf(path); !ok || version != store.SchemaVersion() {
			return nil
		}
		if err := store.CheckAnswers(context.Background(), path); err != nil {
			t.Fatal(err)
		}
		return nil
	})
}

// schemaOf returns the schema version of the sweep database at path, and
// whether it is one.
func schemaOf(path string) (int, bool) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, false
	}
	defer db.Close()
	var appID, version int
	if err := db.QueryRow("SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version)").Scan(&appID, &version); err != nil {
		return 0, false
	}
	return version, appID == store.ApplicationID
}
