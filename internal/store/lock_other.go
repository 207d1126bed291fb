//go:build !linux

package store

// Liveness locks (see lock_linux.go) need open file description locks,
// which only Linux has; elsewhere a sweep's status is taken as stored.
const (
	lockBase  = 1 << 62
	lockSpan  = 1 << 40
	lockKnown = false
)

type lockFile struct{}

func lockFor(string) (*lockFile, error)                     { return nil, errNoLocks }
func (*lockFile) hold(int64) error                          { return nil }
func (*lockFile) release(int64) error                       { return nil }
func (*lockFile) held(int64, int64) (map[int64]bool, error) { return nil, errNoLocks }

func (*lockFile) header() ([]byte, error) { return nil, errNoLocks }

func (*lockFile) holdsHere(int64) bool { return false }
