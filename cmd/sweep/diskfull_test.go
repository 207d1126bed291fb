package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiskFull runs a sweep into a 2 MiB tmpfs: it must stop with a clear
// error and exit status 2, and leave a database that opens, passes its
// integrity check and holds only whole runs. It needs root to mount.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a file system")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	os.Mkdir(mnt, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	os.WriteFile(filepath.Join(dir, "slow.yaml"), []byte(slowSweep), 0o644)

	out, err := sweepCommand(dir, "run", "--db", filepath.Join(mnt, "full.db"), "slow.yaml").CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Fatalf("sweep run on a full disk: %v, want exit status 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "full.db: the disk is full") ||
		!strings.Contains(string(out), "sweep: hint: free some space, or give --db a place with room, and run the same command again; every committed run is kept") {
		t.Errorf("unclear message on a full disk:\n%s", out)
	}
	db := openIntact(t, filepath.Join(mnt, "full.db"), "integrity_check")
	defer db.Close()
	var runs, whole int
	if err := db.QueryRow("SELECT count(*), count(t.run_id) FROM runs LEFT JOIN trace_weights t ON t.run_id = runs.id").Scan(&runs, &whole); err != nil {
		t.Fatal(err)
	}
	if runs != whole {
		t.Errorf("%d runs stored, %d of them with their trace", runs, whole)
	}
	if out, err := sweepCommand(dir, "ls", "--db", filepath.Join(mnt, "full.db")).CombinedOutput(); err != nil {
		t.Errorf("sweep ls after a full disk: %v\n%s", err, out)
	}
}
