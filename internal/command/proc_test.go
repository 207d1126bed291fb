//go:build linux

package command

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The process checks read /proc, so the tests that use them run on Linux
// only; the package runs elsewhere, untested there.

// procStat is what /proc/PID/stat says of a process.
type procStat struct {
	pid, ppid, pgrp int
	state           byte
}

func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, false
	}
	// "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgrp, _ := strconv.Atoi(f[2])
	return procStat{pid: pid, ppid: ppid, pgrp: pgrp, state: f[0][0]}, true
}

func allProcs() []procStat {
	ents, _ := os.ReadDir("/proc")
	var ps []procStat
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if st, ok := readStat(pid); ok {
				ps = append(ps, st)
			}
		}
	}
	return ps
}

// running reports whether pid is a process that is not dead or a zombie.
func running(pid int) bool {
	st, ok := readStat(pid)
	return ok && st.state != 'Z' && st.state != 'X'
}

// groupRunning returns the processes of group pgid that still run.
func groupRunning(pgid int) []int {
	var pids []int
	for _, p := range allProcs() {
		if p.pgrp == pgid && p.state != 'Z' && p.state != 'X' {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// zombieChildren returns this process's children that are zombies.
func zombieChildren() []int {
	var pids []int
	me := os.Getpid()
	for _, p := range allProcs() {
		if p.ppid == me && p.state == 'Z' {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// eventually polls cond for up to 10s: a process orphaned by a kill is
// reaped by init when init gets to it.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// readPids reads the "pid pgid" a helper wrote to file.
func readPids(t *testing.T, file string) (pid, pgid int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the program wrote no pid: %v", err)
	}
	if _, err := fmt.Sscan(string(b), &pid, &pgid); err != nil {
		t.Fatalf("pid file %q: %v", b, err)
	}
	return pid, pgid
}

// checkGroupGone checks that Run left nothing of group pgid: kill(-pgid,
// 0) fails with ESRCH at once when the group was only the program, which
// Run has reaped; with children orphaned to init, they must be dead (init
// reaps their zombies in its own time).
func checkGroupGone(t *testing.T, pgid int, onlyLeader bool) {
	t.Helper()
	if onlyLeader {
		if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("kill(-%d, 0) = %v after Run, want ESRCH: the group is still there", pgid, err)
		}
		return
	}
	if !eventually(func() bool { return len(groupRunning(pgid)) == 0 }) {
		t.Errorf("processes %v of group %d still run after Run", groupRunning(pgid), pgid)
	}
}

func pidFile(t *testing.T) string { return filepath.Join(t.TempDir(), "pid") }
