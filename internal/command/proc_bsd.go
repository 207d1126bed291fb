//go:build unix && !linux

package command

import "syscall"

// sysProcAttr puts the program in a process group of its own. There is no
// Pdeathsig outside Linux: when sweep is killed by kill -9, only the guard
// (guard_unix.go) kills the program.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// waitNoReap reports false: there is no portable waitid with WNOWAIT.
func waitNoReap(pid int) bool { return false }
