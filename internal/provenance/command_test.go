package provenance

import (
	"os/exec"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"none", nil, ""},
		{"plain words stay bare", []string{"sweep", "run", "--db=results/x.db", "-j", "8", "experiments/alpha.yaml"},
			"sweep run --db=results/x.db -j 8 experiments/alpha.yaml"},
		{"punctuation no shell treats specially", []string{"sweep", "a,b", "user@host:path", "50%", "+x", "a_b-c.d"},
			"sweep a,b user@host:path 50% +x a_b-c.d"},
		{"space", []string{"sweep", "run", "my sweep.yaml"}, "sweep run 'my sweep.yaml'"},
		{"tab", []string{"sweep", "a\tb"}, "sweep 'a\tb'"},
		{"single quote", []string{"sweep", "it's"}, `sweep 'it'\''s'`},
		{"only quotes", []string{"sweep", "''"}, `sweep ''\'''\'''`},
		{"double quotes", []string{"sweep", `say "hi"`}, `sweep 'say "hi"'`},
		{"empty argument", []string{"sweep", "", "x"}, "sweep '' x"},
		{"question mark", []string{"sweep", "a?"}, "sweep 'a?'"},
		{"star", []string{"sweep", "*.yaml"}, "sweep '*.yaml'"},
		{"dollar", []string{"sweep", "$HOME", "${x}"}, "sweep '$HOME' '${x}'"},
		{"newline", []string{"sweep", "query", "SELECT 1\nFROM runs"}, "sweep query 'SELECT 1\nFROM runs'"},
		{"backslash and backquote", []string{"sweep", `a\b`, "`id`"}, "sweep 'a\\b' '`id`'"},
		{"tilde and hash", []string{"sweep", "~/x", "#1", "a#b"}, "sweep '~/x' '#1' 'a#b'"},
		{"operators", []string{"sweep", ";", "&", "|", "<", ">", "(", ")", "!"}, "sweep ';' '&' '|' '<' '>' '(' ')' '!'"},
		{"brackets and braces", []string{"sweep", "[ab]", "{a,b}"}, "sweep '[ab]' '{a,b}'"},
		{"non-ASCII", []string{"sweep", "café"}, "sweep 'café'"},
		{"an assignment as first word", []string{"FOO=bar", "FOO=bar"}, "'FOO=bar' FOO=bar"},
		{"= in a first word that is no assignment", []string{"./a=b", "1x=y"}, "./a=b 1x=y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CommandLine(tc.args); got != tc.want {
				t.Errorf("CommandLine(%q) = %q, want %q", tc.args, got, tc.want)
			}
		})
	}
}

// TestCommandLineShell has a POSIX shell read the arguments back.
func TestCommandLineShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	args := []string{"plain", "my sweep.yaml", "it's", `"`, "", "a?", "*", "$HOME", "`id`", "a\nb", "~", "#", "!x", `\`,
		"{a,b}", "[x]", "a;b", "a&b", "a|b", "<", ">", "(", ")", "café", "x=y", "\t", "%", "^"}
	out, err := exec.Command(sh, "-c", CommandLine(append([]string{"printf", `%s\0`}, args...))).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(args, "|") || len(got) != len(args) {
		t.Errorf("the shell read back\n%q\nwant\n%q", got, args)
	}
}
