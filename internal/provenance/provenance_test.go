package provenance

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestCollect(t *testing.T) {
	args := []string{"sweep", "run", "my sweep.yaml"}
	info, _ := debug.ReadBuildInfo()
	host, _ := os.Hostname()
	for _, tc := range []struct {
		name string
		// build makes the files under base and returns the sweep file
		// to give Collect and the commit wanted.
		build func(t *testing.T, base string) (sweepFile, want string)
	}{
		{"in a repository", func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			return filepath.Join(base, "sweep.yaml"), head
		}},
		{"in a subdirectory", func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			return filepath.Join(base, "scripts", "a b.yaml"), head
		}},
		{"relative path", func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			t.Chdir(filepath.Join(base, "src"))
			return filepath.Join("..", "scripts", "a b.yaml"), head
		}},
		{"relative path in the current directory", func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			t.Chdir(base)
			return "sweep.yaml", head
		}},
		{"not in a repository", func(t *testing.T, base string) (string, string) {
			name := filepath.Join(base, "sweep.yaml")
			if err := os.WriteFile(name, []byte("name: a\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return name, ""
		}},
		{"dirty", func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.write("sweep.yaml", "name: edited, not committed\n")
			return filepath.Join(base, "sweep.yaml"), head + "+dirty"
		}},
		{"symbolic link from outside into a repository", func(t *testing.T, base string) (string, string) {
			r, head := committed(t, filepath.Join(base, "repo"))
			link := filepath.Join(base, "elsewhere", "alpha.yaml")
			r.mkdir(filepath.Dir(link))
			symlink(t, filepath.Join(r.work, "sweep.yaml"), link)
			return link, head
		}},
		{"symbolic link in a repository to a file outside", func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, filepath.Join(base, "repo"))
			target := filepath.Join(base, "outside", "alpha.yaml")
			r.writeAt(target, "name: outside\n")
			symlink(t, target, filepath.Join(r.work, "linked.yaml"))
			return filepath.Join(r.work, "linked.yaml"), ""
		}},
		{"symbolic link between two repositories", func(t *testing.T, base string) (string, string) {
			_, head := committed(t, filepath.Join(base, "configs"))
			r, _ := committed(t, filepath.Join(base, "project"))
			symlink(t, filepath.Join("..", "configs", "sweep.yaml"), filepath.Join(r.work, "alpha.yaml"))
			return filepath.Join(r.work, "alpha.yaml"), head
		}},
		{"missing file in a repository", func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			return filepath.Join(base, "src", "gone.yaml"), head
		}},
		{"standard input", func(t *testing.T, base string) (string, string) {
			committed(t, base)
			t.Chdir(base)
			return "-", ""
		}},
		{"no file", func(t *testing.T, base string) (string, string) {
			committed(t, base)
			t.Chdir(base)
			return "", ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sweepFile, want := tc.build(t, t.TempDir())
			got := Collect(sweepFile, args)
			if got.GitCommit != want {
				t.Errorf("GitCommit = %q, want %q", got.GitCommit, want)
			}
			if want := Version(info); got.SweepVersion != want {
				t.Errorf("SweepVersion = %q, want %q", got.SweepVersion, want)
			}
			if got.Host != host {
				t.Errorf("Host = %q, want %q", got.Host, host)
			}
			if want := "sweep run 'my sweep.yaml'"; got.Command != want {
				t.Errorf("Command = %q, want %q", got.Command, want)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}
