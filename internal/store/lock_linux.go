//go:build linux

package store

import (
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Liveness locks say which process is using a database, so that a sweep
// whose process died (kill -9, a lost machine) is not taken for a running
// one. A process that writes holds a shared open-file-description (OFD)
// lock on the byte lockBase of the database file while it has it open, and
// on the byte lockBase + id while it runs sweep id: bytes far beyond those
// SQLite locks. The kernel drops them when the process dies, however it
// dies.
//
// OFD locks belong to an open file, not to the process, so SQLite closing
// its descriptors never drops them. The reverse is not true: closing any
// descriptor of a file drops the POSIX locks SQLite holds on it in this
// process. So a process opens one lock file per database file and never
// closes it (see lockFor).
const (
	lockBase  = 1 << 62 // the byte of the database; a sweep's is lockBase + its id
	lockSpan  = 1 << 40 // the bytes that liveness locks may use
	lockKnown = true    // this platform has liveness locks
)

// lockFile is the open file of a database through which this process holds
// its liveness locks.
type lockFile struct {
	f    *os.File
	mu   sync.Mutex
	mine map[int64]int // offsets this process holds, with how many holders
}

var (
	lockFilesMu sync.Mutex
	lockFiles   = map[[2]uint64]*lockFile{} // by device and inode
)

// lockFor returns the lock file of the database file at path, opening it
// the first time.
func lockFor(path string) (*lockFile, error) {
	lockFilesMu.Lock()
	defer lockFilesMu.Unlock()
	// A file this process has a lock file for already is found by its
	// device and inode, without opening a second descriptor.
	if key, err := fileKey(os.Stat(path)); err == nil {
		if l, ok := lockFiles[key]; ok {
			return l, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	key, err := fileKey(f.Stat())
	if err != nil {
		leaked = append(leaked, f)
		return nil, err
	}
	if l, ok := lockFiles[key]; ok { // the file was replaced meanwhile by one we know
		// Closing f would drop SQLite's locks on the file if this
		// process has it open; keep it open with the rest.
		leaked = append(leaked, f)
		return l, nil
	}
	l := &lockFile{f: f, mine: map[int64]int{}}
	lockFiles[key] = l
	return l, nil
}

// fileKey is the device and inode of a stat result.
func fileKey(fi os.FileInfo, err error) ([2]uint64, error) {
	if err != nil {
		return [2]uint64{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, errNoLocks
	}
	return [2]uint64{uint64(st.Dev), st.Ino}, nil
}

// leaked are descriptors that cannot be closed safely (see lockFor): only
// when a database file is replaced while this process opens it.
var leaked []*os.File

func (l *lockFile) fcntl(cmd int, typ int16, start, n int64) (unix.Flock_t, error) {
	lk := unix.Flock_t{Type: typ, Whence: io.SeekStart, Start: start, Len: n}
	err := unix.FcntlFlock(l.f.Fd(), cmd, &lk)
	return lk, err
}

// hold takes a shared lock on the byte at offset. Shared locks never wait
// for each other.
func (l *lockFile) hold(offset int64) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mine[offset] == 0 {
		if _, err := l.fcntl(unix.F_OFD_SETLK, unix.F_RDLCK, offset, 1); err != nil {
			return err
		}
	}
	l.mine[offset]++
	return nil
}

// release drops one hold of the byte at offset.
func (l *lockFile) release(offset int64) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mine[offset] == 0 {
		return nil
	}
	l.mine[offset]--
	if l.mine[offset] > 0 {
		return nil
	}
	delete(l.mine, offset)
	_, err := l.fcntl(unix.F_OFD_SETLK, unix.F_UNLCK, offset, 1)
	return err
}

// held returns the offsets in [from, from+n) that some process (this one
// included) holds a lock on.
func (l *lockFile) held(from, n int64) (map[int64]bool, error) {
	if l == nil {
		return nil, errNoLocks
	}
	out := map[int64]bool{}
	l.mu.Lock()
	for o := range l.mine {
		if o >= from && o < from+n {
			out[o] = true
		}
	}
	l.mu.Unlock()
	for start := from; start < from+n; {
		lk, err := l.fcntl(unix.F_OFD_GETLK, unix.F_WRLCK, start, from+n-start)
		if err != nil {
			return nil, err
		}
		if lk.Type == unix.F_UNLCK {
			break
		}
		if lk.Len <= 0 { // to the end of the file: not one of ours
			out[lk.Start] = true
			break
		}
		for o := max(lk.Start, start); o < lk.Start+lk.Len && o < from+n; o++ {
			out[o] = true
		}
		start = max(lk.Start+lk.Len, start+1)
	}
	return out, nil
}

// header reads the first 100 bytes of the file, through the lock file's
// descriptor (see lockFor for why not through a new one).
func (l *lockFile) header() ([]byte, error) {
	head := make([]byte, 100)
	_, err := l.f.ReadAt(head, 0)
	return head, err
}

// holdsHere reports whether this process holds the lock at offset.
func (l *lockFile) holdsHere(offset int64) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mine[offset] > 0
}
