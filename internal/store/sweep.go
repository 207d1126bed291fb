package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// Sweep is a sweep recorded in the database and what of it is stored.
type Sweep struct {
	ID      int64
	Configs int64 // configs in the grid
	// FirstRunID is the id of the run of config 0; config i's run has id
	// FirstRunID + i.
	FirstRunID int64
	// Done reports whether the config with the given index is stored.
	Done func(index int64) bool
	// Stored is how many configs were stored before this run began.
	Stored int64
}

// Sweep statuses as stored in sweeps.status.
const (
	StatusRunning     = "running"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
	StatusDone        = "done"
)

// nextRunID is the SQL for the first run id after every sweep's range: a
// new sweep's first_run_id. Evaluated inside the INSERT, under SQLite's
// write lock, so two processes never reserve the same range.
const nextRunID = "(SELECT coalesce(max(first_run_id + configs), 1) FROM sweeps)"

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// StartSweep records spec as a running sweep, or, when the database already
// holds a sweep with the same fingerprint, marks that one running again and
// reports which of its configs are stored, so that only the missing ones are
// run. shard is "I/N" when only a shard of the sweep is to run here, else "".
func (s *Store) StartSweep(ctx context.Context, spec *grid.Spec, file, shard string) (*Sweep, error) {
	sw := &Sweep{Configs: spec.Len()}
	// A new sweep takes the run ids after the last sweep's; the statement
	// runs under SQLite's write lock, so two processes never take the same.
	err := s.db.QueryRowContext(ctx, `
		INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, shard, started_at, status)
		VALUES (?, ?, ?, ?, ?, ?, `+nextRunID+`, ?, nullif(?, ''), ?, ?)
		ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, finished_at = NULL, shard = excluded.shard
		RETURNING id, first_run_id`,
		spec.Name, spec.Fingerprint(), string(spec.Method), file, string(spec.Source), sw.Configs,
		spec.Trace.Every, shard, now(), StatusRunning,
	).Scan(&sw.ID, &sw.FirstRunID)
	if err != nil {
		return nil, fileError(s.path, "record the sweep in", err)
	}
	if err := s.loadDone(ctx, sw); err != nil {
		return nil, err
	}
	return sw, nil
}

// loadDone sets sw.Done and sw.Stored from the runs stored in sw's id range.
func (s *Store) loadDone(ctx context.Context, sw *Sweep) error {
	done := make([]uint64, (sw.Configs+63)/64)
	rows, err := s.db.QueryContext(ctx, "SELECT id - ? FROM runs WHERE id BETWEEN ? AND ?",
		sw.FirstRunID, sw.FirstRunID, sw.FirstRunID+sw.Configs-1)
	if err != nil {
		return fmt.Errorf("read stored runs of %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return fmt.Errorf("read stored runs of %s: %w", s.path, err)
		}
		if i >= 0 && i < sw.Configs {
			done[i/64] |= 1 << (i % 64)
			sw.Stored++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read stored runs of %s: %w", s.path, err)
	}
	sw.Done = func(i int64) bool { return done[i/64]&(1<<(i%64)) != 0 }
	return nil
}

// FinishSweep records how a run of the sweep ended: done when every config
// with an index in [from, to) (the whole sweep, or the shard that ran) is
// stored, whoever stored it; otherwise status.
func (s *Store) FinishSweep(ctx context.Context, id int64, status string, from, to int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE sweeps SET
			status = CASE WHEN (SELECT count(*) FROM runs WHERE id BETWEEN first_run_id + ?1 AND first_run_id + ?2 - 1) = ?2 - ?1
				THEN 'done' ELSE ?3 END,
			finished_at = CASE WHEN (SELECT count(*) FROM runs WHERE id BETWEEN first_run_id + ?1 AND first_run_id + ?2 - 1) = ?2 - ?1
				THEN ?4 END
		WHERE id = ?5`, from, to, status, now(), id)
	if err != nil {
		return fileError(s.path, "record the end of the sweep in", err)
	}
	return nil
}

// RateCounts is how many runs of a sweep at one learning rate (alpha or
// step_amount) ended in each verdict.
type RateCounts struct {
	Rate   float64
	Counts [runner.NumVerdicts]int64 // indexed by runner.Verdict
}

// Summary returns the verdict counts of a sweep per learning rate, in sweep
// order, and the number of runs stored.
func (s *Store) Summary(ctx context.Context, id int64) ([]RateCounts, int64, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT coalesce(alpha, step_amount), verdict, count(*), min(config_index)
		FROM runs WHERE id BETWEEN (SELECT first_run_id FROM sweeps WHERE id = ?1)
			AND (SELECT first_run_id + configs - 1 FROM sweeps WHERE id = ?1)
		GROUP BY 1, 2 ORDER BY 4`, id)
	if err != nil {
		return nil, 0, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
	}
	defer rows.Close()
	var (
		out   []RateCounts
		index = map[float64]int{}
		total int64
	)
	for rows.Next() {
		var (
			rate, first sql.NullFloat64
			name        string
			n           int64
		)
		if err := rows.Scan(&rate, &name, &n, &first); err != nil {
			return nil, 0, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
		}
		v, err := runner.ParseVerdict(name)
		if err != nil {
			return nil, 0, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
		}
		i, ok := index[rate.Float64]
		if !ok {
			i = len(out)
			index[rate.Float64] = i
			out = append(out, RateCounts{Rate: rate.Float64})
		}
		out[i].Counts[v] += n
		total += n
	}
	return out, total, rows.Err()
}
