//go:build !unix

package command

import (
	"context"
	"os"
	"syscall"
)

// stoppedWithSweep is false: without signals a program's death is data.
func stoppedWithSweep(ctx context.Context, st *os.ProcessState) bool { return false }

// sysProcAttr is nil: without process groups only the program itself is
// stopped, not what it started.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func waitNoReap(pid int) bool { return false }

// killGroup kills p; there is no gentle signal to send first.
func killGroup(p *os.Process, hard bool) { _ = p.Kill() }
