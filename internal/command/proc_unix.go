//go:build unix

package command

import (
	"os"
	"syscall"
)

// killGroup sends SIGTERM, or SIGKILL when hard, to the process group that
// p leads. Errors are ignored: the group may be gone already.
func killGroup(p *os.Process, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig)
}
