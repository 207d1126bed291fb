package command

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts the program in a process group of its own, so that it
// and its children can be signalled together and a Ctrl-C at the terminal
// (which signals the terminal's foreground group) reaches sweep alone, and
// has the kernel SIGKILL it if sweep dies, even by kill -9.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// waitNoReap waits for the process pid to exit but leaves it a zombie, and
// reports whether it could.
func waitNoReap(pid int) bool {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err == nil
		}
	}
}
