package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sweep/internal/store"
)

// Paths name files; two spellings (./a.db and a.db, a symlink and its
// target, two hard links) may name one file. So paths are compared as
// files, never as strings.

// sameFile reports whether a and b name the same file: the same file on
// disk when both exist, or, when one does not exist yet, the same name in
// the same directory.
func sameFile(a, b string) bool {
	// SQLite opens the cleaned absolute path (see store.Open): sub/../x.db
	// is x.db even where sub does not exist.
	a, _ = filepath.Abs(a)
	b, _ = filepath.Abs(b)
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	switch {
	case errA == nil && errB == nil:
		return os.SameFile(fa, fb)
	case errA == nil || errB == nil:
		return false // one exists, the other does not
	}
	if filepath.Base(a) != filepath.Base(b) {
		return false
	}
	da, errA := os.Stat(filepath.Dir(a))
	db, errB := os.Stat(filepath.Dir(b))
	return errA == nil && errB == nil && os.SameFile(da, db)
}

// sidecars are the files SQLite keeps beside a database.
var sidecars = []string{"", "-wal", "-shm", "-journal"}

// checkOutput refuses to write the output file out (named by flag) where
// writing would destroy something: over the database db or the files SQLite
// keeps beside it, over one of the command's inputs, or over any SQLite
// database. Nothing is touched.
func checkOutput(flag, out, db string, inputs ...string) error {
	hint := "give " + flag + " another file name"
	// SQLite keeps the sidecars beside the file a symlink names, so
	// compare with those of the database's real path too.
	dbs := []string{db}
	if real, err := filepath.EvalSymlinks(db); err == nil && db != "" {
		dbs = append(dbs, real)
	}
	for _, d := range dbs {
		for _, suffix := range sidecars {
			if d != "" && sameFile(out, d+suffix) {
				return &store.FileError{Path: out, Msg: fmt.Sprintf("%s would overwrite the database %s", flag, d+suffix), Hint: hint}
			}
		}
	}
	// Nor the sidecar of any other database: a -wal holds its newest
	// commits.
	real := out
	if r, err := filepath.EvalSymlinks(out); err == nil {
		real = r
	}
	for _, suffix := range sidecars[1:] {
		if base, ok := strings.CutSuffix(real, suffix); ok && isSQLite(base) {
			return &store.FileError{Path: out, Msg: fmt.Sprintf("%s would overwrite %s, the %s file of the SQLite database %s", flag, real, suffix, base), Hint: hint}
		}
	}
	for _, in := range inputs {
		if in != "" && sameFile(out, in) {
			return &store.FileError{Path: out, Msg: fmt.Sprintf("%s would overwrite the input file %s", flag, in), Hint: hint}
		}
	}
	fi, err := os.Stat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &store.FileError{Path: out, Msg: "cannot be written: " + err.Error(), Err: err, Hint: hint}
	case fi.IsDir():
		return &store.FileError{Path: out, Msg: "is a directory", Hint: "give " + flag + " a file name, e.g. " + flag + " " + filepath.Join(out, "out")}
	case isSQLite(out):
		return &store.FileError{Path: out, Msg: flag + " would overwrite an SQLite database", Hint: hint}
	}
	return nil
}

// isSQLite reports whether the file at path starts as every SQLite
// database does.
func isSQLite(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == "SQLite format 3\x00"
}

// checkOutputs refuses outputs that would overwrite the database or an
// input (see checkOutput), and two outputs that name one file.
func checkOutputs(db string, inputs []string, outputs ...[2]string) error {
	for i, o := range outputs {
		if o[1] == "" {
			continue
		}
		if err := checkOutput(o[0], o[1], db, inputs...); err != nil {
			return err
		}
		for _, p := range outputs[:i] {
			if p[1] != "" && sameFile(o[1], p[1]) {
				return usageError{msg: fmt.Sprintf("%s and %s name the same file %s", p[0], o[0], o[1]), hint: "give each output its own file"}
			}
		}
	}
	return nil
}
