package provenance

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	const rev = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
	const when = "2026-11-30T10:00:00Z"
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "(devel)"},
		{"nothing recorded", &debug.BuildInfo{}, "(devel)"},
		{"go run, -buildvcs=false", &debug.BuildInfo{Main: debug.Module{Path: "sweep", Version: "(devel)"},
			Settings: settings("-buildvcs", "false", "GOOS", "linux")}, "(devel)"},
		{"release, clean", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"},
			Settings: settings("vcs", "git", "vcs.revision", rev, "vcs.time", when, "vcs.modified", "false")},
			"v0.3.1 (rev 1a2b3c4d5e6f, " + when + ")"},
		{"devel, dirty, no time", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs.revision", rev, "vcs.modified", "true")},
			"(devel) (rev 1a2b3c4d5e6f+dirty)"},
		{"dirty with time", &debug.BuildInfo{Settings: settings("vcs.revision", rev, "vcs.modified", "true", "vcs.time", when)},
			"(devel) (rev 1a2b3c4d5e6f+dirty, " + when + ")"},
		{"revision without vcs.modified", &debug.BuildInfo{Main: debug.Module{Version: "v1.0.0"}, Settings: settings("vcs.revision", rev)},
			"v1.0.0 (rev 1a2b3c4d5e6f)"},
		{"vcs.modified without a revision", &debug.BuildInfo{Settings: settings("vcs.modified", "true")}, "(devel)"},
		{"short revision", &debug.BuildInfo{Settings: settings("vcs.revision", "abc123")}, "(devel) (rev abc123)"},
		{"pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261130100000-1a2b3c4d5e6f+dirty"},
			Settings: settings("vcs.revision", rev, "vcs.modified", "true", "vcs.time", when)},
			"v0.0.0-20261130100000-1a2b3c4d5e6f+dirty (rev 1a2b3c4d5e6f+dirty, " + when + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Version(tc.info); got != tc.want {
				t.Errorf("Version = %q, want %q", got, tc.want)
			}
		})
	}
}
