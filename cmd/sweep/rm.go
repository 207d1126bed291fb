package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"sweep/internal/store"
)

const rmUsage = `Usage: sweep rm [--db PATH] [--vacuum] SWEEP

Removes the sweep SWEEP (a name, meaning its newest sweep, or an id, as
sweep ls lists them) from the database: the sweep, its refinements, their
runs and traces, and the edges found for it, in one transaction, so that
no row is left that refers to them and every other sweep reads as before.
Refuses while a process is running the sweep or one of its refinements.
--vacuum then gives the space back to the file system.

Flags:
`

func runRm(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rm", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	vacuum := fs.Bool("vacuum", false, "rebuild the database file afterwards, giving the space the sweep took back to the file system")
	pos, code, done := parseCommand(fs, args, rmUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 1 {
		return report(stderr, usageError{msg: fmt.Sprintf("rm takes one sweep, got %d arguments", len(pos)),
			hint: "sweep rm alpha, or sweep rm 3; sweep ls lists the sweeps"})
	}
	if strings.TrimSpace(pos[0]) == "" {
		// Elsewhere no --sweep means the newest sweep; rm removes only
		// what it is told to.
		return report(stderr, usageError{msg: "rm needs the sweep's name or id, got an empty one",
			hint: "sweep rm alpha, or sweep rm 3; sweep ls lists the sweeps"})
	}
	r, err := store.OpenReader(ctx, *dbPath) // a missing database is an error here, not a new one
	if err != nil {
		return report(stderr, err)
	}
	r.Close()
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer st.Close()
	id, err := st.FindSweep(ctx, pos[0])
	if err != nil {
		return report(stderr, err)
	}
	rm, err := st.Remove(ctx, id)
	var running *store.RunningError
	if errors.As(err, &running) {
		return report(stderr, usageError{msg: running.Error(),
			hint: "wait for it to finish, or stop it (Ctrl-C) and run sweep rm again; nothing was removed"})
	}
	if err != nil {
		return report(stderr, err)
	}
	parts := []string{plural(rm.Runs, "run")}
	if rm.Refinements > 0 {
		parts = append(parts, plural(rm.Refinements, "refinement")+" with "+plural(rm.Probes, "probe"))
	}
	parts = append(parts, plural(rm.Traces, "trace"), plural(rm.Boundaries, "edge"))
	if rm.Kept > 0 {
		parts = append(parts, fmt.Sprintf("%s kept for the sweeps that share them", plural(rm.Kept, "trace")))
	}
	fmt.Fprintf(stdout, "removed sweep %s (id %d): %s\n", rm.Name, rm.ID, strings.Join(parts, ", "))
	if *vacuum {
		if err := st.Vacuum(ctx); err != nil {
			return report(stderr, err)
		}
		fmt.Fprintf(stdout, "vacuumed %s\n", st.Path())
	}
	return exitOK
}
