package store

import (
	"context"
	"fmt"
	"slices"
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

// Merge copies every sweep of the database at path into s: the sweep row
// (found by fingerprint, or added with its own range of run ids), its runs
// with their ids rebased into that range, and their traces, all in one
// transaction. Runs s holds already are skipped, so merging a database
// twice adds nothing. The database at path is only read.
func (s *Store) Merge(ctx context.Context, path string) (merged []Merged, err error) {
	if _, err := Fingerprints(ctx, path); err != nil { // refuse what is not a sweep database
		return nil, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS src", path); err != nil {
		return nil, fileError(path, "attach", err)
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
		name, fingerprint                   string
		configs, firstRunID                 int64
		method, file, yaml, started, status string
		traceEvery                          int64
	}
	rows, err := conn.QueryContext(ctx, `
		SELECT name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, started_at
		FROM src.sweeps ORDER BY id`)
	if err != nil {
		return nil, fileError(path, "read the sweeps of", err)
	}
	var sources []source
	for rows.Next() {
		var src source
		if err := rows.Scan(&src.name, &src.fingerprint, &src.method, &src.file, &src.yaml, &src.configs,
			&src.firstRunID, &src.traceEvery, &src.started); err != nil {
			rows.Close()
			return nil, err
		}
		sources = append(sources, src)
	}
	rows.Close()

	for _, src := range sources {
		var outID, outFirst int64
		err := conn.QueryRowContext(ctx, `
			INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, started_at, status)
			VALUES (?, ?, ?, ?, ?, ?, `+nextRunID+`, ?, ?, 'running')
			ON CONFLICT (fingerprint) DO UPDATE SET shard = NULL
			RETURNING id, first_run_id`,
			src.name, src.fingerprint, src.method, src.file, src.yaml, src.configs, src.traceEvery, src.started,
		).Scan(&outID, &outFirst)
		if err != nil {
			return nil, fileError(s.path, "record sweep "+src.name+" in", err)
		}
		res, err := conn.ExecContext(ctx, `
			INSERT INTO runs (id, sweep_id, config_index, method, alpha, step_amount, input, goal, weight,
				iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
				predicted_verdict, predicted_steps)
			SELECT ?1 + config_index, ?2, config_index, method, alpha, step_amount, input, goal, weight,
				iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
				predicted_verdict, predicted_steps
			FROM src.runs WHERE id BETWEEN ?3 AND ?3 + ?4 - 1
			ORDER BY id
			ON CONFLICT (id) DO NOTHING`, outFirst, outID, src.firstRunID, src.configs)
		if err != nil {
			return nil, fileError(s.path, "copy the runs of "+src.name+" into", err)
		}
		added, _ := res.RowsAffected()
		_, err = conn.ExecContext(ctx, `
			INSERT INTO trace_weights (run_id, weights)
			SELECT ?1 + (run_id - ?2), weights FROM src.trace_weights
			WHERE run_id BETWEEN ?2 AND ?2 + ?3 - 1
			ORDER BY run_id
			ON CONFLICT (run_id) DO NOTHING`, outFirst, src.firstRunID, src.configs)
		if err != nil {
			return nil, fileError(s.path, "copy the traces of "+src.name+" into", err)
		}
		var stored int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM runs WHERE id BETWEEN ?1 AND ?1 + ?2 - 1", outFirst, src.configs).Scan(&stored); err != nil {
			return nil, err
		}
		status, finished := StatusRunning, any(nil)
		if stored == src.configs {
			status, finished = StatusDone, now()
		}
		if _, err := conn.ExecContext(ctx, "UPDATE sweeps SET status = ?, finished_at = ? WHERE id = ?", status, finished, outID); err != nil {
			return nil, err
		}
		merged = append(merged, Merged{Name: src.name, Fingerprint: src.fingerprint, Added: added, Stored: stored, Configs: src.configs})
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fileError(s.path, "commit", err)
	}
	return merged, nil
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
