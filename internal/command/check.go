package command

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sweep/internal/command/argv"
)

// Error is a problem with a command's program, found before it runs.
type Error struct {
	Msg  string // what is wrong, naming the program
	Hint string // how to fix it, in a sentence
	Err  error  // the cause, when there is one
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Check reports whether p can run once per config of a grid whose
// parameters are named names, before anything runs. It returns an
// *argv.Error when a placeholder names no parameter or the argv is
// malformed (the sweep file parser can also call argv.Parse itself, to
// report the place), and an *Error when the program is not found: argv[0]
// containing a slash must name an executable regular file, relative to
// p.Dir unless absolute; any other argv[0] is looked up in PATH. An argv[0]
// holding a placeholder names a program per config, and is checked by Run,
// as a start failure.
func Check(p Program, names []string) error {
	t, err := argv.Parse(p.Argv, names)
	if err != nil {
		return err
	}
	name, ok := t.Literal(0)
	if !ok {
		return nil
	}
	_, err = lookProgram(p.Dir, name)
	return err
}

// lookProgram returns the absolute path of the program that argv[0] name
// runs in dir, or an *Error.
func lookProgram(dir, name string) (string, error) {
	if !strings.ContainsRune(name, '/') && !strings.ContainsRune(name, filepath.Separator) {
		path, err := exec.LookPath(name)
		switch {
		case errors.Is(err, exec.ErrDot):
			return "", &Error{Msg: fmt.Sprintf("program %q is found only through a relative directory in PATH", name), Err: err,
				Hint: fmt.Sprintf("write ./%s for a program in the sweep file's directory, or give its absolute path", name)}
		case err != nil:
			return "", &Error{Msg: fmt.Sprintf("program %q is not found in PATH", name), Err: err,
				Hint: fmt.Sprintf("install it, or give its path: ./%s for a program in the sweep file's directory", name)}
		}
		return filepath.Abs(path)
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return "", &Error{Msg: fmt.Sprintf("program %s: %v", name, err), Err: err}
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", &Error{Msg: fmt.Sprintf("program %s does not exist (%s)", name, path), Err: err,
			Hint: "a relative path in command is relative to the sweep file's directory"}
	case err != nil:
		return "", &Error{Msg: fmt.Sprintf("program %s: %v", name, err), Err: err}
	case fi.IsDir():
		return "", &Error{Msg: fmt.Sprintf("program %s is a directory", name),
			Hint: "the first element of command is the program to run, such as python3 or ./train.py"}
	case !fi.Mode().IsRegular():
		return "", &Error{Msg: fmt.Sprintf("program %s is not a regular file", name),
			Hint: "the first element of command is the program to run, such as python3 or ./train.py"}
	case fi.Mode().Perm()&0o111 == 0:
		return "", &Error{Msg: fmt.Sprintf("program %s is not executable", name),
			Hint: fmt.Sprintf("make it executable (chmod +x %s), or run it with its interpreter: [python3, %s, ...]", name, name)}
	}
	return path, nil
}
