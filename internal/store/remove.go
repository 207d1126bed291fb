package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Removed is what Remove took out of the database.
type Removed struct {
	ID     int64
	Name   string
	Sweeps int64 // the sweep and its refinements
	Runs   int64 // the sweep's runs
	Probes int64 // its refinements' runs
	Traces int64
	// Kept is how many of the traces removed runs held are kept, moved to
	// a run of another sweep that shares them (see runs.trace_run).
	Kept        int64
	Boundaries  int64
	Refinements int64
}

// RunningError is a sweep that a process is running: it cannot be removed
// under it.
type RunningError struct {
	Path string
	ID   int64
	Name string
}

func (e *RunningError) Error() string {
	return fmt.Sprintf("%s: sweep %s (%d) is being run by another process", e.Path, e.Name, e.ID)
}

// Remove deletes the sweep id, its refinements, their runs and traces and
// the edges found for it, in one transaction: afterwards no row of any
// table refers to them, and every other sweep reads as before. It refuses,
// with a *RunningError and nothing changed, while a process runs the sweep
// or one of its refinements (see the liveness locks in lock_linux.go);
// the check is made under the write lock, which every process takes to
// start a sweep, so none can start it meanwhile.
func (s *Store) Remove(ctx context.Context, id int64) (rm Removed, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return rm, fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return rm, fileError(s.path, "lock", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	rm.ID = id
	if err := conn.QueryRowContext(ctx, "SELECT name FROM sweeps WHERE id = ?", id).Scan(&rm.Name); err != nil {
		return rm, fileError(s.path, "read the sweeps of", err)
	}
	// The sweep and its refinements (a refinement is never refined).
	rows, err := conn.QueryContext(ctx, "SELECT id, name FROM sweeps WHERE id = ?1 OR refines = ?1", id)
	if err != nil {
		return rm, fileError(s.path, "read the sweeps of", err)
	}
	var members []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.id, &m.name); err != nil {
			rows.Close()
			return rm, err
		}
		members = append(members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rm, err
	}
	for _, m := range members {
		held, herr := s.lock.held(lockBase+m.id, 1)
		if herr == nil && held[lockBase+m.id] && !s.holds(lockBase+m.id) {
			return rm, &RunningError{Path: s.path, ID: m.id, Name: m.name}
		}
	}
	if rm.Kept, err = keepSharedTraces(ctx, conn, members); err != nil {
		return rm, fileError(s.path, "keep the traces other sweeps share in", err)
	}
	for _, m := range members {
		var configs, first int64
		if err := conn.QueryRowContext(ctx, "SELECT configs, first_run_id FROM sweeps WHERE id = ?", m.id).Scan(&configs, &first); err != nil {
			return rm, err
		}
		res, err := conn.ExecContext(ctx, "DELETE FROM trace_weights WHERE run_id BETWEEN ? AND ?", first, first+configs-1)
		if err != nil {
			return rm, fileError(s.path, "remove the traces of "+m.name+" from", err)
		}
		n, _ := res.RowsAffected()
		rm.Traces += n
		if res, err = conn.ExecContext(ctx, "DELETE FROM trace_values WHERE run_id BETWEEN ? AND ?", first, first+configs-1); err != nil {
			return rm, fileError(s.path, "remove the traces of "+m.name+" from", err)
		}
		n, _ = res.RowsAffected()
		rm.Traces += n
		if _, err = conn.ExecContext(ctx, "DELETE FROM run_failures WHERE run_id BETWEEN ? AND ?", first, first+configs-1); err != nil {
			return rm, fileError(s.path, "remove the failures of "+m.name+" from", err)
		}
		if res, err = conn.ExecContext(ctx, "DELETE FROM runs WHERE id BETWEEN ? AND ?", first, first+configs-1); err != nil {
			return rm, fileError(s.path, "remove the runs of "+m.name+" from", err)
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM run_counts WHERE sweep_id = ?", m.id); err != nil {
			return rm, fileError(s.path, "remove the counts of "+m.name+" from", err)
		}
		n, _ = res.RowsAffected()
		if m.id == id {
			rm.Runs += n
		} else {
			rm.Probes += n
		}
		if res, err = conn.ExecContext(ctx, "DELETE FROM boundaries WHERE sweep_id = ?", m.id); err != nil {
			return rm, fileError(s.path, "remove the edges of "+m.name+" from", err)
		}
		n, _ = res.RowsAffected()
		rm.Boundaries += n
	}
	// Refinements first: they refer to the sweep.
	res, err := conn.ExecContext(ctx, "DELETE FROM sweeps WHERE refines = ?", id)
	if err != nil {
		return rm, fileError(s.path, "remove the refinements of "+rm.Name+" from", err)
	}
	rm.Refinements, _ = res.RowsAffected()
	if _, err := conn.ExecContext(ctx, "DELETE FROM sweeps WHERE id = ?", id); err != nil {
		return rm, fileError(s.path, "remove sweep "+rm.Name+" from", err)
	}
	rm.Sweeps = rm.Refinements + 1
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return rm, fileError(s.path, "commit", err)
	}
	return rm, nil
}

// member is a sweep that Remove removes.
type member struct {
	id   int64
	name string
}

// keepSharedTraces hands each trace that a run of the removed sweeps holds
// and a run of another sweep shares (trace_run) to the first such run, so
// that removing a sweep never takes a trace from one that stays. It
// returns how many traces it handed over.
func keepSharedTraces(ctx context.Context, conn *sql.Conn, members []member) (int64, error) {
	var ranges []string
	for _, m := range members {
		ranges = append(ranges, fmt.Sprintf("(SELECT first_run_id FROM sweeps WHERE id = %d) AND (SELECT first_run_id + configs - 1 FROM sweeps WHERE id = %d)", m.id, m.id))
	}
	in := func(col string) string {
		var or []string
		for _, r := range ranges {
			or = append(or, col+" BETWEEN "+r)
		}
		return "(" + strings.Join(or, " OR ") + ")"
	}
	stmts := []string{
		"CREATE TEMP TABLE IF NOT EXISTS rm_moved (old INTEGER PRIMARY KEY, new INTEGER NOT NULL UNIQUE)",
		"DELETE FROM temp.rm_moved",
		"INSERT INTO temp.rm_moved (old, new) SELECT trace_run, min(id) FROM runs WHERE trace_run IS NOT NULL AND " +
			in("trace_run") + " AND NOT " + in("id") + " GROUP BY trace_run",
		"UPDATE trace_weights SET run_id = (SELECT new FROM temp.rm_moved WHERE old = trace_weights.run_id) WHERE run_id IN (SELECT old FROM temp.rm_moved)",
		"UPDATE trace_values SET run_id = (SELECT new FROM temp.rm_moved WHERE old = trace_values.run_id) WHERE run_id IN (SELECT old FROM temp.rm_moved)",
		"UPDATE runs SET trace_run = NULL WHERE id IN (SELECT new FROM temp.rm_moved)",
		"UPDATE runs SET trace_run = (SELECT new FROM temp.rm_moved WHERE old = runs.trace_run) WHERE trace_run IN (SELECT old FROM temp.rm_moved)",
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	var n int64
	err := conn.QueryRowContext(ctx, "SELECT count(*) FROM temp.rm_moved").Scan(&n)
	conn.ExecContext(ctx, "DROP TABLE temp.rm_moved")
	return n, err
}

// holds reports whether this process holds the lock at offset itself.
func (s *Store) holds(offset int64) bool {
	return s.lock.holdsHere(offset)
}

// Vacuum rebuilds the database file without the pages that removed rows
// left free, giving the space back to the file system.
func (s *Store) Vacuum(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "VACUUM"); err != nil {
		return fileError(s.path, "vacuum", err)
	}
	return nil
}
