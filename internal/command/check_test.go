//go:build unix

package command

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/internal/command/argv"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "train.py"), []byte("print(1)\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	names := []string{"alpha", "input"}
	for _, tt := range []struct {
		argv      []string
		msg, hint string // "" for no error
	}{
		{[]string{"python3", "train.py", "{alpha}"}, "", ""},
		{[]string{"./run.sh", "--input={input}"}, "", ""},
		{[]string{filepath.Join(dir, "run.sh")}, "", ""},
		{[]string{"sub/../run.sh"}, "", ""},
		{[]string{"{alpha}"}, "", ""}, // the program depends on the config: Run checks it
		{[]string{"python-for-sweep-xyz", "train.py"}, `program "python-for-sweep-xyz" is not found in PATH`,
			"install it, or give its path: ./python-for-sweep-xyz for a program in the sweep file's directory"},
		{[]string{"./missing.py"}, "program ./missing.py does not exist (" + filepath.Join(dir, "missing.py") + ")",
			"a relative path in command is relative to the sweep file's directory"},
		{[]string{"./train.py"}, "program ./train.py is not executable",
			"make it executable (chmod +x ./train.py), or run it with its interpreter: [python3, ./train.py, ...]"},
		{[]string{"./sub"}, "program ./sub is a directory",
			"the first element of command is the program to run, such as python3 or ./train.py"},
		{[]string{"/dev/null/x"}, "program /dev/null/x: stat /dev/null/x: not a directory", ""},
	} {
		err := Check(Program{Argv: tt.argv, Dir: dir}, names)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v", tt.argv, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Check(%q) = %v, want an *Error", tt.argv, err)
			continue
		}
		if e.Msg != tt.msg || e.Hint != tt.hint {
			t.Errorf("Check(%q) = %q, hint %q\nwant %q, hint %q", tt.argv, e.Msg, e.Hint, tt.msg, tt.hint)
		}
	}

	err := Check(Program{Argv: []string{"python3", "train.py", "--alpha={aplha}"}, Dir: dir}, names)
	var ae *argv.Error
	if !errors.As(err, &ae) || ae.Arg != 2 || ae.Offset != 8 || ae.Msg != "{aplha} names no parameter" {
		t.Errorf("Check with an unknown placeholder = %#v", err)
	}
}

func TestIdentity(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("train.py", "print('v1')\n")
	write("data.csv", "x,y\n")
	write("other.py", "unrelated\n")
	write("run.sh", "#!/bin/sh\n")
	os.Mkdir(filepath.Join(dir, "out"), 0o755)
	p := Program{Argv: []string{"python3", "train.py", "--data", "data.csv", "--out", "out", "--alpha={alpha}", "{{x}}", "train.py", "--missing", "nope.csv", "train.py/x"}, Dir: dir}

	files, sum, err := Identity(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"python3", "train.py", "data.csv"}; !slices.Equal(files, want) {
		t.Errorf("files %q, want %q", files, want)
	}
	again := func() [32]byte {
		t.Helper()
		_, s, err := Identity(p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if again() != sum {
		t.Errorf("the identity changed with nothing changed")
	}
	write("other.py", "unrelated, edited\n")
	if again() != sum {
		t.Errorf("the identity changed when an unrelated file changed")
	}
	write("train.py", "print('v2')\n")
	edited := again()
	if edited == sum {
		t.Errorf("the identity did not change when train.py changed")
	}
	write("data.csv", "x,y\n1,2\n")
	if again() == edited {
		t.Errorf("the identity did not change when data.csv changed")
	}
	write("train.py", "print('v1')\n")
	write("data.csv", "x,y\n")
	if again() != sum {
		t.Errorf("the identity is not back with the bytes back")
	}
	p.Argv[6] = "--alpha={alpha}x"
	if again() == sum {
		t.Errorf("the identity did not change when the argv changed")
	}
	p.Argv[6] = "--alpha={alpha}"

	// A literal {{x}} names the file {x}.
	write("{x}", "braces\n")
	if files, _, _ := Identity(p); !slices.Equal(files, []string{"python3", "train.py", "data.csv", "{x}"}) {
		t.Errorf("files %q, want {x} too", files)
	}

	// The same sweep elsewhere has the same identity.
	dir2 := t.TempDir()
	for _, f := range []string{"train.py", "data.csv"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		os.WriteFile(filepath.Join(dir2, f), b, 0o644)
	}
	os.Remove(filepath.Join(dir, "{x}"))
	if _, s, _ := Identity(Program{Argv: p.Argv, Dir: dir2}); s != sum {
		t.Errorf("the identity depends on the directory")
	}

	// argv[0] with a slash is a file of the program, and must exist.
	if files, _, err := Identity(Program{Argv: []string{"./run.sh", "train.py"}, Dir: dir}); err != nil || !slices.Equal(files, []string{"./run.sh", "train.py"}) {
		t.Errorf("files %q, %v", files, err)
	}
	if _, _, err := Identity(Program{Argv: []string{"./gone.sh"}, Dir: dir}); err == nil {
		t.Errorf("a missing program: no error")
	}
	// Too large a file is an error (sparse: no 64 MiB written).
	f, _ := os.Create(filepath.Join(dir, "big.bin"))
	f.Truncate(64<<20 + 1)
	f.Close()
	if _, _, err := Identity(Program{Argv: []string{"python3", "big.bin"}, Dir: dir}); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("a file of 64 MiB + 1: %v", err)
	}
}

// A program found through PATH is identified by the file that runs, not
// by a file of its name in the sweep file's directory.
func TestIdentityOfProgramInPath(t *testing.T) {
	bin, dir := t.TempDir(), t.TempDir()
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bin, "train"), "#!/bin/sh\necho v1\n")
	write(filepath.Join(dir, "train"), "a file of the same name, which does not run\n")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	p := Program{Argv: []string{"train", "{alpha}"}, Dir: dir}
	id := func() [32]byte {
		t.Helper()
		files, sum, err := Identity(p)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(files, []string{"train"}) {
			t.Errorf("files %q, want [train]", files)
		}
		return sum
	}
	first := id()
	write(filepath.Join(dir, "train"), "edited, still not what runs\n")
	if id() != first {
		t.Error("a file in the directory that does not run changed the identity")
	}
	write(filepath.Join(bin, "train"), "#!/bin/sh\necho v2\n")
	if id() == first {
		t.Error("editing the program found through PATH kept the identity")
	}
	p.Argv[0] = "no-such-program-anywhere"
	if _, _, err := Identity(p); err == nil || !strings.Contains(err.Error(), "not found in PATH") {
		t.Errorf("Identity of a missing program: %v", err)
	}
}
