//go:build unix

package command

import (
	"context"
	"os"
	"syscall"
	"time"
)

// stoppedWithSweep reports whether a program that died by SIGTERM, SIGINT
// or SIGHUP was stopped together with sweep, so that its run is not
// decided. A batch system signals every process of a job at once (Slurm's
// scancel and time limit, with any ProctrackType), and the program may die
// before sweep's own signal cancels ctx: it waits up to a second for ctx.
// Any other signal, or a ctx that stays alive, makes the death data.
func stoppedWithSweep(ctx context.Context, st *os.ProcessState) bool {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return false
	}
	switch ws.Signal() {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP:
	default:
		return false
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true
	case <-t.C:
		return false
	}
}

// killGroup sends SIGTERM, or SIGKILL when hard, to the process group that
// p leads. Errors are ignored: the group may be gone already.
func killGroup(p *os.Process, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig)
}
