package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Merged is what merging one database added to one sweep.
type Merged struct {
	Name        string
	Fingerprint string
	Added       int64 // runs added by this merge
	Stored      int64 // runs of the sweep in the database afterwards
	Configs     int64
}

// Fingerprints returns the fingerprints of the sweeps in the database at
// path, sorted, with their names; it returns a *FileError when path is not
// a sweep database.
func Fingerprints(ctx context.Context, path string) (map[string]string, error) {
	r, err := OpenReader(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rows, err := r.Query(ctx, "SELECT fingerprint, name FROM sweeps")
	if err != nil {
		return nil, fmt.Errorf("read the sweeps of %s: %w", path, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var fp, name string
		if err := rows.Scan(&fp, &name); err != nil {
			return nil, err
		}
		out[fp] = name
	}
	return out, rows.Err()
}

// Merge copies everything the database at path holds into s, in one
// transaction: every sweep row (found by fingerprint, or added with its own
// range of run ids), its runs with their ids rebased into that range, their
// traces, a refinement's link to the sweep it refines, and the edges in
// boundaries. What s holds already is kept and not copied again, so merging
// a database twice adds nothing. The database at path is opened read-only
// and never written, whatever its schema version.
func (s *Store) Merge(ctx context.Context, path string) (merged []Merged, err error) {
	if _, err := Fingerprints(ctx, path); err != nil { // refuse what is not a sweep database
		return nil, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	if err := attachReadOnly(ctx, conn, path); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE src")
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, fileError(s.path, "lock", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	type source struct {
		id, configs, firstRunID int64
		name, fingerprint       string
		refines                 sql.NullInt64
	}
	// An input made by an older sweep lacks the newer columns: one older
	// than schema 3 holds one edge of each kind, without n; one older than
	// 6 has no provenance, shares no traces and has one set of limits per
	// sweep.
	has := func(table, column string) (bool, error) {
		var ok bool
		err := conn.QueryRowContext(ctx, "SELECT count(*) > 0 FROM pragma_table_info(?, 'src') WHERE name = ?", table, column).Scan(&ok)
		if err != nil {
			return false, fileError(path, "read the tables of", err)
		}
		return ok, nil
	}
	edgeN, provenance, traceRun, program, params, edgeParams := "0", "NULL, NULL, NULL, NULL", "NULL", "NULL, NULL", "NULL", "''"
	edgeLimits := `(SELECT r.iterations FROM src.runs r WHERE r.id BETWEEN ?3 AND ?3 + ?4 - 1),
		(SELECT r.tolerance FROM src.runs r WHERE r.id BETWEEN ?3 AND ?3 + ?4 - 1),
		(SELECT r.divergence FROM src.runs r WHERE r.id BETWEEN ?3 AND ?3 + ?4 - 1)`
	if ok, err := has("boundaries", "n"); err != nil {
		return nil, err
	} else if ok {
		edgeN = "n"
	}
	if ok, err := has("boundaries", "iterations"); err != nil {
		return nil, err
	} else if ok {
		edgeLimits = "iterations, tolerance, divergence"
	}
	if ok, err := has("sweeps", "host"); err != nil {
		return nil, err
	} else if ok {
		provenance = "sweep_version, host, git_commit, command"
	}
	if ok, err := has("runs", "trace_run"); err != nil {
		return nil, err
	} else if ok {
		traceRun = "r.trace_run"
	}
	// One older than 7 holds no program's sweep.
	programs, err := has("runs", "params")
	if err != nil {
		return nil, err
	} else if programs {
		program, params, edgeParams = "rate_axis, program_hash", "params", "params"
	}
	// One older than 8 holds no facts: they are computed once copied.
	facts := strings.TrimSuffix(strings.Repeat("NULL, ", 7), ", ")
	hasFacts, err := has("runs", "sign_changes")
	if err != nil {
		return nil, err
	} else if hasFacts {
		facts = factColumns
	}
	rows, err := conn.QueryContext(ctx, "SELECT id, name, fingerprint, configs, first_run_id, refines FROM src.sweeps ORDER BY id")
	if err != nil {
		return nil, fileError(path, "read the sweeps of", err)
	}
	var sources []source
	for rows.Next() {
		var src source
		if err := rows.Scan(&src.id, &src.name, &src.fingerprint, &src.configs, &src.firstRunID, &src.refines); err != nil {
			rows.Close()
			return nil, err
		}
		sources = append(sources, src)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fileError(path, "read the sweeps of", err)
	}

	// Every sweep is recorded first, so that the id of any run of path in
	// s is known (merge_map) when a run that shares its trace is copied.
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS merge_map (
		src_first INTEGER PRIMARY KEY, src_last INTEGER NOT NULL, out_first INTEGER NOT NULL)`); err != nil {
		return nil, fileError(s.path, "merge into", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.merge_map")
	if _, err := conn.ExecContext(ctx, "DELETE FROM temp.merge_map"); err != nil {
		return nil, fileError(s.path, "merge into", err)
	}
	outIDs := map[int64]int64{}   // sweep ids of path -> of s
	outFirst := map[int64]int64{} // first run ids in s, by sweep id of path
	for _, src := range sources {
		// A refinement comes after the sweep it refines (ids grow), so
		// its parent's id in s is known by now.
		var refines any
		if src.refines.Valid {
			id, ok := outIDs[src.refines.Int64]
			if !ok {
				return nil, &FileError{Path: path, Msg: fmt.Sprintf("sweep %s refines sweep %d, which it does not hold", src.name, src.refines.Int64),
					Hint: "the database is inconsistent; merge the databases it was made from instead"}
			}
			refines = id
		}
		var outID, first int64
		err := conn.QueryRowContext(ctx, `
			INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, shard, refines,
				started_at, finished_at, status, sweep_version, host, git_commit, command, rate_axis, program_hash)
			SELECT name, fingerprint, method, file, yaml, configs, `+nextRunID+`, trace_every, NULL, ?2,
				started_at, finished_at, 'running', `+provenance+`, `+program+`
			FROM src.sweeps WHERE id = ?1
			ON CONFLICT (fingerprint) DO UPDATE SET shard = NULL, started_at = min(started_at, excluded.started_at)
			RETURNING id, first_run_id`, src.id, refines).Scan(&outID, &first)
		if err != nil {
			return nil, fileError(s.path, "record sweep "+src.name+" in", err)
		}
		outIDs[src.id], outFirst[src.id] = outID, first
		if _, err := conn.ExecContext(ctx, "INSERT INTO temp.merge_map VALUES (?, ?, ?)",
			src.firstRunID, src.firstRunID+max(src.configs, 1)-1, first); err != nil {
			return nil, fileError(s.path, "merge into", err)
		}
	}
	for _, src := range sources {
		outID, first := outIDs[src.id], outFirst[src.id]
		// A run that shares another's trace shares, in s, the trace of
		// that run's copy (or what that copy shares, if s held it
		// already); a run s holds already is kept as it is.
		res, err := conn.ExecContext(ctx, `
			INSERT INTO runs (id, sweep_id, config_index, method, alpha, step_amount, input, goal, weight,
				iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
				predicted_verdict, predicted_steps, trace_run, params, `+factColumns+`)
			SELECT ?1 + config_index, ?2, config_index, method, alpha, step_amount, input, goal, weight,
				iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
				predicted_verdict, predicted_steps, CASE WHEN shared IS NOT NULL THEN
					coalesce((SELECT coalesce(o.trace_run, o.id) FROM main.runs o WHERE o.id = shared), shared) END, `+params+`, `+facts+`
			FROM (SELECT *, (SELECT m.out_first + (`+traceRun+` - m.src_first) FROM temp.merge_map m
					WHERE m.src_first <= `+traceRun+` ORDER BY m.src_first DESC LIMIT 1) AS shared
				FROM src.runs r WHERE r.id BETWEEN ?3 AND ?3 + ?4 - 1)
			ORDER BY id
			ON CONFLICT (id) DO NOTHING`, first, outID, src.firstRunID, src.configs)
		if err != nil {
			return nil, fileError(s.path, "copy the runs of "+src.name+" into", err)
		}
		added, _ := res.RowsAffected()
		_, err = conn.ExecContext(ctx, `
			INSERT INTO trace_weights (run_id, weights)
			SELECT ?1 + (t.run_id - ?2), t.weights FROM src.trace_weights t
			WHERE t.run_id BETWEEN ?2 AND ?2 + ?3 - 1
				AND (SELECT o.trace_run FROM main.runs o WHERE o.id = ?1 + (t.run_id - ?2)) IS NULL
			ORDER BY t.run_id
			ON CONFLICT (run_id) DO NOTHING`, first, src.firstRunID, src.configs)
		if err != nil {
			return nil, fileError(s.path, "copy the traces of "+src.name+" into", err)
		}
		if programs {
			// A program's traces and failures, as the built-ins' traces.
			_, err = conn.ExecContext(ctx, `
				INSERT INTO trace_values (run_id, chunk, rows)
				SELECT ?1 + (t.run_id - ?2), t.chunk, t.rows FROM src.trace_values t
				WHERE t.run_id BETWEEN ?2 AND ?2 + ?3 - 1
					AND EXISTS (SELECT 1 FROM src.runs r WHERE r.id = t.run_id) -- not what a killed run left
					AND (SELECT o.trace_run FROM main.runs o WHERE o.id = ?1 + (t.run_id - ?2)) IS NULL
				ORDER BY t.run_id, t.chunk
				ON CONFLICT (run_id, chunk) DO NOTHING`, first, src.firstRunID, src.configs)
			if err != nil {
				return nil, fileError(s.path, "copy the traces of "+src.name+" into", err)
			}
			_, err = conn.ExecContext(ctx, `
				INSERT INTO run_failures (run_id, reason, stderr)
				SELECT ?1 + (f.run_id - ?2), f.reason, f.stderr FROM src.run_failures f
				WHERE f.run_id BETWEEN ?2 AND ?2 + ?3 - 1
				ORDER BY f.run_id
				ON CONFLICT (run_id) DO NOTHING`, first, src.firstRunID, src.configs)
			if err != nil {
				return nil, fileError(s.path, "copy the failures of "+src.name+" into", err)
			}
		}
		_, err = conn.ExecContext(ctx, `
			INSERT INTO boundaries (sweep_id, input, goal, weight, iterations, tolerance, divergence,
				edge, n, value, lower, upper, probes, precision, params)
			SELECT ?1, input, goal, weight, `+edgeLimits+`, edge, `+edgeN+`, value, lower, upper, probes, precision, `+edgeParams+`
			FROM src.boundaries WHERE sweep_id = ?2
				-- the edges s holds of the sweep already are these (found by
				-- the same refinement of the same runs)
				AND NOT EXISTS (SELECT 1 FROM main.boundaries WHERE sweep_id = ?1)
			ON CONFLICT DO NOTHING`, outID, src.id, src.firstRunID, src.configs)
		if err != nil {
			return nil, fileError(s.path, "copy the edges of "+src.name+" into", err)
		}
		if added > 0 {
			// The facts an older source lacks, and the counts of the
			// blocks its runs fell in.
			if !hasFacts {
				if err := fillFacts(ctx, conn, first, first+src.configs-1); err != nil {
					return nil, fileError(s.path, "compute the facts of the runs of "+src.name+" in", err)
				}
			}
			var lo, hi sql.NullInt64
			if err := conn.QueryRowContext(ctx, "SELECT min(config_index), max(config_index) FROM src.runs WHERE id BETWEEN ?1 AND ?1 + ?2 - 1",
				src.firstRunID, src.configs).Scan(&lo, &hi); err != nil {
				return nil, fileError(path, "read the runs of", err)
			}
			if err := recount(ctx, connExec{conn}, outID, first, lo.Int64, hi.Int64+1); err != nil {
				return nil, fileError(s.path, "count the runs of "+src.name+" in", err)
			}
		}
		var stored int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM runs WHERE id BETWEEN ?1 AND ?1 + ?2 - 1", first, src.configs).Scan(&stored); err != nil {
			return nil, err
		}
		// Complete, the sweep is done when it first was (in s, or in
		// path); otherwise it waits for its missing configs, and no
		// process is running it.
		_, err = conn.ExecContext(ctx, `
			UPDATE sweeps SET
				status = CASE WHEN ?2 THEN 'done' ELSE 'interrupted' END,
				finished_at = CASE WHEN ?2 THEN coalesce(finished_at, (SELECT finished_at FROM src.sweeps WHERE id = ?3), ?4) END
			WHERE id = ?1`, outID, stored == src.configs, src.id, now())
		if err != nil {
			return nil, err
		}
		merged = append(merged, Merged{Name: src.name, Fingerprint: src.fingerprint, Added: added, Stored: stored, Configs: src.configs})
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fileError(s.path, "commit", err)
	}
	return merged, nil
}

// attachReadOnly attaches the database at path to conn as src, read-only:
// as OpenReader reads it, without writing to it or beside it.
func attachReadOnly(ctx context.Context, conn *sql.Conn, path string) error {
	err := attachAs(ctx, conn, path, "src")
	if err != nil && readOnlyWAL(path, err) {
		name, _ := uri(path, "mode=ro&immutable=1")
		_, err = conn.ExecContext(ctx, "ATTACH DATABASE ? AS src", name)
	}
	if err != nil {
		return fileError(path, "attach", err)
	}
	return nil
}

// attachAs attaches the database at path to conn, read-only, as alias.
func attachAs(ctx context.Context, conn *sql.Conn, path, alias string) error {
	name, err := uri(path, "mode=ro")
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ATTACH DATABASE ? AS "+alias, name)
	return err
}

// SameSweeps checks that databases hold the same sweeps (by fingerprint),
// as the shards of the same sweep files do. It returns a *FileError naming
// the first sweep that one holds and another lacks.
func SameSweeps(paths []string, fingerprints []map[string]string) error {
	missing := func(x, y int) error {
		keys := make([]string, 0, len(fingerprints[x]))
		for fp := range fingerprints[x] {
			keys = append(keys, fp)
		}
		slices.Sort(keys)
		for _, fp := range keys {
			if _, ok := fingerprints[y][fp]; !ok {
				return &FileError{Path: paths[x],
					Msg: fmt.Sprintf("holds sweep %s (fingerprint %s) that %s does not: these are not shards of the same sweep files",
						fingerprints[x][fp], fp[:12], paths[y]),
					Hint: "merge the databases that the shards of one sweep file wrote (sweep ls shows what each holds)"}
			}
		}
		return nil
	}
	for i := 1; i < len(paths); i++ {
		if err := missing(0, i); err != nil {
			return err
		}
		if err := missing(i, 0); err != nil {
			return err
		}
	}
	return nil
}
