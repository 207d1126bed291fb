package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"sweep/internal/store"
)

// TestHelpListsEveryFlag runs every command's -h and checks that the flags
// it prints are the flags its synopsis names, each with the synopsis's
// placeholder: a flag added to a command without its synopsis (run's
// --shard once), or a synopsis naming a flag that is gone, fails here.
func TestHelpListsEveryFlag(t *testing.T) {
	printed := regexp.MustCompile(`(?m)^  -(-?)([a-z][a-z0-9-]*)(?: (.+))?$`)
	for _, c := range commands {
		if c.name == "help" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{c.name, "-h"}, nil, &stdout, &stderr); code != exitOK {
				t.Fatalf("sweep %s -h exited %d: %s", c.name, code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), c.usage) {
				t.Errorf("sweep %s -h does not start with its usage:\n%s", c.name, stdout.String())
			}
			got := make(map[string]string)
			for _, m := range printed.FindAllStringSubmatch(stdout.String(), -1) {
				if m[1] != "-" {
					t.Errorf("sweep %s -h prints the flag -%s with one dash", c.name, m[2])
				}
				got[m[2]] = m[3]
			}
			want := synopsisFlags(synopsis(c.usage))
			for name, arg := range got {
				if warg, ok := want[name]; !ok {
					t.Errorf("sweep %s takes --%s, which its synopsis %q leaves out", c.name, name, synopsis(c.usage))
				} else if warg != arg {
					t.Errorf("sweep %s -h prints --%s %s, its synopsis --%s %s", c.name, name, arg, name, warg)
				}
			}
			for name := range want {
				if _, ok := got[name]; !ok {
					t.Errorf("the synopsis of sweep %s names --%s, which it does not take", c.name, name)
				}
			}
		})
	}
}

// TestHelpOfEveryCommand checks that sweep help COMMAND prints what sweep
// COMMAND -h prints, to stdout, with exit status 0.
func TestHelpOfEveryCommand(t *testing.T) {
	for _, c := range commands {
		var help, dashH, stderr bytes.Buffer
		if code := run(context.Background(), []string{"help", c.name}, nil, &help, &stderr); code != exitOK {
			t.Errorf("sweep help %s exited %d: %s", c.name, code, stderr.String())
		}
		if !strings.HasPrefix(help.String(), "Usage: sweep "+c.name) {
			t.Errorf("sweep help %s prints\n%s", c.name, help.String())
		}
		if c.name == "help" {
			continue
		}
		if code := run(context.Background(), []string{c.name, "-h"}, nil, &dashH, &stderr); code != exitOK {
			t.Errorf("sweep %s -h exited %d: %s", c.name, code, stderr.String())
		}
		if help.String() != dashH.String() {
			t.Errorf("sweep help %s prints\n%s\nsweep %s -h prints\n%s", c.name, help.String(), c.name, dashH.String())
		}
	}
}

// TestQueryUsageNamesSchema checks that query -h names every table and
// every view of the schema, as what it is, and nothing else.
func TestQueryUsageNamesSchema(t *testing.T) {
	ctx := context.Background()
	r, err := store.SchemaReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := r.Query(ctx, `
		SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		UNION ALL
		SELECT type, name FROM sqlite_temp_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables, views []string
	for rows.Next() {
		var kind, name string
		if err := rows.Scan(&kind, &name); err != nil {
			t.Fatal(err)
		}
		if kind == "table" {
			tables = append(tables, name)
		} else {
			views = append(views, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)Tables: (.*?)\. Views: (.*?) \(see`).FindStringSubmatch(queryUsage)
	if m == nil {
		t.Fatalf("queryUsage has no \"Tables: ... Views: ... (see\":\n%s", queryUsage)
	}
	names := func(list string) []string {
		out := strings.Split(strings.Join(strings.Fields(list), " "), ", ")
		slices.Sort(out)
		return out
	}
	slices.Sort(tables)
	slices.Sort(views)
	if got := names(m[1]); !slices.Equal(got, tables) {
		t.Errorf("query -h lists the tables %v, the schema has %v", got, tables)
	}
	if got := names(m[2]); !slices.Equal(got, views) {
		t.Errorf("query -h lists the views %v, the schema has %v", got, views)
	}
}

// TestPackageDocCommands checks that the manual in main.go's package
// comment lists every command, in the order of the usage, and leaves the
// flags to sweep help (so that they are spelled in one place).
func TestPackageDocCommands(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range regexp.MustCompile(`(?m)^//\t(sweep .*)$`).FindAllStringSubmatch(string(src), -1) {
		f := strings.Fields(m[1])
		got = append(got, f[1])
		if strings.Contains(m[1], "[-") {
			t.Errorf("the package comment spells out a flag that only a command's help should: %s", m[1])
		}
	}
	for _, c := range commands {
		want = append(want, c.name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the package comment lists the commands %v, the usage %v", got, want)
	}
}

func TestVersionLine(t *testing.T) {
	const rev = "6e24ca26b85526812b3fdf71ab5d4ea15433607f"
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "sweep (devel) (revision unknown, " + runtime.Version() + ")"},
		{"test binary", &debug.BuildInfo{GoVersion: "go1.26.0"}, "sweep (devel) (revision unknown, go1.26.0)"},
		{"clean", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "sweep", Version: "v1.2.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}},
			"sweep v1.2.0 (revision " + rev + ", go1.26.0)"},
		{"dirty", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "sweep", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}},
			"sweep (devel) (revision " + rev + "+dirty, go1.26.0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionLine(tc.info); got != tc.want {
				t.Errorf("versionLine = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestShellWord(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"results/sweep.db", "results/sweep.db"},
		{"my results.db", "'my results.db'"},
		{"it's.db", `'it'\''s.db'`},
		{"$HOME.db", "'$HOME.db'"},
		{"", "''"},
	} {
		if got := shellWord(tc.in); got != tc.want {
			t.Errorf("shellWord(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
