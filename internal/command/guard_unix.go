//go:build unix

package command

// This file keeps a kill -9 of sweep from leaving anything of its programs
// running. Pdeathsig (Linux) kills a program when sweep dies, but not what
// the program started: a shell script's python, a training script's data
// loaders. They are in the program's process group, which sweep kills
// whenever it stops a program, but which nothing kills when sweep itself
// is killed. So before its first program, sweep starts a guard: a shell in
// a process group of its own, ignoring the signals a terminal or a
// supervisor sends, that reads from a pipe whose only writer is sweep the
// groups of the programs running ("+PGID" once a program has started,
// "-PGID" once it is reaped and its group killed). However sweep ends, the
// kernel closes its end of the pipe; the guard then SIGKILLs every group
// still listed, and exits. When sweep exits normally, none is listed.
//
// Without the guard (no /bin/sh, say) sweep runs as before, and a kill -9
// leaves the programs' children running; outside Linux, the programs too.

import (
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// guardScript is the guard, for /bin/sh, on one line for ps. A group is
// listed between spaces, so that "- 12" does not remove 123.
const guardScript = `trap '' HUP INT QUIT TERM PIPE; groups=' '; ` +
	`while read -r op id; do case $op in ` +
	`+) groups="$groups$id " ;; ` +
	`-) case $groups in *" $id "*) groups="${groups%% $id *} ${groups#* $id }" ;; esac ;; ` +
	`esac; done; ` +
	`for id in $groups; do kill -s KILL -- "-$id" 2>/dev/null; done`

// guardName is the guard's argv[0], which ps shows.
const guardName = "sweep-guard"

// guardWait is how long sweep waits to tell the guard of a group before it
// takes the guard for stuck, kills it, and goes on without one.
const guardWait = time.Second

// guard is this process's guard, started by the first program.
var guard struct {
	once sync.Once
	mu   sync.Mutex
	w    *os.File // the guard's stdin; nil without a guard
	proc *os.Process
}

// startGuard starts the guard, or leaves guard.w nil.
func startGuard() {
	r, w, err := os.Pipe() // close-on-exec: no program holds the pipe open
	if err != nil {
		return
	}
	cmd := &exec.Cmd{
		Path:        "/bin/sh",
		Args:        []string{guardName, "-c", guardScript},
		Stdin:       r,
		Dir:         "/",
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return
	}
	go cmd.Wait() // reaps it should it die before this process
	guard.w, guard.proc = w, cmd.Process
}

// guardGroup tells the guard that the program's group pgid runs (started),
// or is gone (!started).
func guardGroup(pgid int, started bool) {
	guard.once.Do(startGuard)
	guard.mu.Lock()
	defer guard.mu.Unlock()
	if guard.w == nil {
		return
	}
	msg := []byte("+ ")
	if !started {
		msg[0] = '-'
	}
	msg = append(strconv.AppendInt(msg, int64(pgid), 10), '\n')
	_ = guard.w.SetWriteDeadline(time.Now().Add(guardWait))
	if _, err := guard.w.Write(msg); err != nil {
		// The guard is gone, or stopped: killed first, so that it cannot
		// act later on a list that is no longer kept.
		_ = guard.proc.Kill()
		guard.w.Close()
		guard.w = nil
	}
}
