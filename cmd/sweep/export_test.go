package main

import (
	"bufio"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// exportSweep has 1,500 configs that run their whole budget of 1,000 steps:
// 1.5 million trace rows.
const exportSweep = `name: export
method: gradient_descent
iterations: 1000
tolerance: 1e-300
divergence: 1e300
grid:
  alpha: {from: 0.001, to: 0.0001, per_decade: 14}
  input: {from: 0.1, to: 1, step: 0.1}
  goal: [0.8, -1, 2, 0.5, -0.3]
  weight: [0.5, -0.5]
`

// TestExportMemoryIsFlat exports 1.5 million trace rows and a tenth of them
// and checks that the peak memory of the process hardly differs: rows are
// streamed, never gathered.
func TestExportMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a database of 1.5 million trace rows")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "slow.yaml"), []byte(exportSweep), 0o644)
	if out, err := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	export := func(where string) (rows int, peakKB int64) {
		args := []string{"export", "--db", "slow.db", "--trace"}
		if where != "" {
			args = append(args, "--where", where)
		}
		cmd := sweepCommand(dir, args...)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			rows++
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("sweep export: %v", err)
		}
		return rows - 1, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	}
	smallRows, smallKB := export("id <= 150")
	bigRows, bigKB := export("")
	t.Logf("export of %d trace rows: peak RSS %d KB; of %d rows: %d KB", smallRows, smallKB, bigRows, bigKB)
	if bigRows < 1_000_000 || bigRows < 9*smallRows {
		t.Fatalf("exported %d and %d rows; want a million and a tenth of them", bigRows, smallRows)
	}
	if float64(bigKB) > 1.25*float64(smallKB) {
		t.Errorf("peak RSS grew from %d KB to %d KB for %d times the rows: export is not streaming",
			smallKB, bigKB, bigRows/smallRows)
	}
}
