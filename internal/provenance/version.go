package provenance

import (
	"runtime/debug"
	"strings"
)

// Version returns the module version and VCS revision that info records,
// e.g. "v0.3.1 (rev 1a2b3c4d5e6f, 2026-11-30T10:00:00Z)" or
// "(devel) (rev 1a2b3c4d5e6f+dirty)": the revision cut to 12 hex digits
// (as in a pseudo-version), "+dirty" when the build's tree was modified,
// then the commit time. It returns "(devel)" when info records nothing (a
// nil info, go run, a build with -buildvcs=false or outside a repository).
func Version(info *debug.BuildInfo) string {
	version := "(devel)"
	if info == nil {
		return version
	}
	if info.Main.Version != "" {
		version = info.Main.Version
	}
	var revision, modified, when string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			when = s.Value
		}
	}
	var parts []string
	if revision != "" {
		rev := "rev " + revision[:min(len(revision), 12)]
		if modified == "true" {
			rev += "+dirty"
		}
		parts = append(parts, rev)
	}
	if when != "" {
		parts = append(parts, when)
	}
	if len(parts) == 0 {
		return version
	}
	return version + " (" + strings.Join(parts, ", ") + ")"
}
