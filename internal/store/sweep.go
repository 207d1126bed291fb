package store

import (
	"context"
	"encoding/json"
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
	done   []uint64 // the bits Done reads
	// fixedLimits says every config has the same limits (none is an axis),
	// which the writer then binds once per statement.
	fixedLimits bool
}

// markDone records config i as stored.
func (sw *Sweep) markDone(i int64) {
	if sw.done[i/64]&(1<<(i%64)) == 0 {
		sw.done[i/64] |= 1 << (i % 64)
		sw.Stored++
	}
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
//
// Every sweep's range counts at least one id, even when it has no configs
// (a refinement that found no edge): first_run_id is unique, so a range of
// none would hand its first id to the next sweep as well.
const nextRunID = "(SELECT coalesce(max(first_run_id + max(configs, 1)), 1) FROM sweeps)"

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// Provenance is what made a sweep's results, as the sweeps table records
// it; "" is stored as NULL.
type Provenance struct {
	SweepVersion string // the binary's module version and VCS revision
	Host         string
	GitCommit    string // HEAD of the sweep file's repository, +dirty with uncommitted changes
	Command      string // the command line
}

// StartSweep is StartSweepBy with no provenance recorded.
func (s *Store) StartSweep(ctx context.Context, spec *grid.Spec, file, shard string) (*Sweep, error) {
	return s.StartSweepBy(ctx, spec, file, shard, Provenance{})
}

// StartSweepBy records spec as a running sweep, made as prov says, or, when
// the database already holds a sweep with the same fingerprint, marks that
// one running again and reports which of its configs are stored, so that
// only the missing ones are run. A resumed sweep keeps the provenance it
// was first recorded with (filled in where it had none). shard is "I/N"
// when only a shard of the sweep is to run here, else "".
func (s *Store) StartSweepBy(ctx context.Context, spec *grid.Spec, file, shard string, prov Provenance) (*Sweep, error) {
	sw := &Sweep{Configs: spec.Len(), fixedLimits: len(spec.LimitAxes()) == 0}
	// A new sweep takes the run ids after the last sweep's; the statement
	// runs under SQLite's write lock, so two processes never take the same.
	err := s.startSweep(ctx, sw, `
		INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, shard, started_at, status,
			sweep_version, host, git_commit, command, rate_axis, program_hash)
		VALUES (?, ?, ?, ?, ?, ?, `+nextRunID+`, ?, nullif(?, ''), ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), nullif(?, ''),
			nullif(?, ''), nullif(?, ''))
		ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, finished_at = NULL, shard = excluded.shard,
			sweep_version = coalesce(sweep_version, excluded.sweep_version), host = coalesce(host, excluded.host),
			git_commit = coalesce(git_commit, excluded.git_commit), command = coalesce(command, excluded.command)
		RETURNING id, first_run_id`,
		spec.Name, spec.Fingerprint(), string(spec.Method), file, string(spec.Source), sw.Configs,
		spec.Trace.Every, shard, now(), StatusRunning,
		prov.SweepVersion, prov.Host, prov.GitCommit, prov.Command, programRate(spec), spec.Program.Hash,
	)
	if err != nil {
		return nil, fileError(s.path, "record the sweep in", err)
	}
	if err := s.loadDone(ctx, sw); err != nil {
		return nil, err
	}
	return sw, nil
}

// programRate is sweeps.rate_axis: the rate axis of a program's sweep, ""
// (NULL) for the built-in rules, whose method names it.
func programRate(spec *grid.Spec) string {
	if spec.Method == grid.Command {
		return spec.RateAxis()
	}
	return ""
}

// startSweep runs insert, which records a sweep as running and returns its
// id and first run id, and takes the sweep's liveness lock before the
// transaction commits: no other process ever sees the sweep running
// without a process that holds it (see markStopped).
func (s *Store) startSweep(ctx context.Context, sw *Sweep, insert string, args ...any) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := conn.QueryRowContext(ctx, insert, args...).Scan(&sw.ID, &sw.FirstRunID); err != nil {
		return err
	}
	if err := s.lock.hold(lockBase + sw.ID); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		s.lock.release(lockBase + sw.ID)
		return err
	}
	return nil
}

// markStopped records as interrupted every sweep that is marked running
// but that no process holds: its process was killed before it could say so.
func (s *Store) markStopped(ctx context.Context) (err error) {
	if s.lock == nil {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var running int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sweeps WHERE status = 'running'").Scan(&running); err != nil || running == 0 {
		return err
	}
	// Under the write lock, so that no sweep starts between reading the
	// locks and writing the statuses.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fileError(s.path, "lock", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	live, err := s.lock.held(lockBase+1, lockSpan)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "UPDATE sweeps SET status = 'interrupted' WHERE status = 'running' AND id NOT IN (SELECT value FROM json_each(?))",
		jsonIDs(live)); err != nil {
		return fileError(s.path, "record stopped sweeps in", err)
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// jsonIDs turns the held lock offsets of sweeps into a JSON array of ids.
func jsonIDs(held map[int64]bool) string {
	ids := make([]int64, 0, len(held))
	for o := range held {
		ids = append(ids, o-lockBase)
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// loadDone sets sw.Done and sw.Stored from the runs stored in sw's id range.
// A sweep whose every config is stored needs no look at which: a count of
// its range (a few milliseconds for a million runs) tells. When the runs
// the sweep's counts count are not the runs stored (another program
// deleted some, say), they are counted again first.
func (s *Store) loadDone(ctx context.Context, sw *Sweep) error {
	done := make([]uint64, (sw.Configs+63)/64)
	sw.done, sw.Stored = done, 0
	sw.Done = func(i int64) bool { return done[i/64]&(1<<(i%64)) != 0 }
	var stored, counted int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM runs WHERE id BETWEEN ?1 AND ?2),
		(SELECT coalesce(sum(configs), 0) FROM run_counts WHERE sweep_id = ?3)`,
		sw.FirstRunID, sw.FirstRunID+sw.Configs-1, sw.ID).Scan(&stored, &counted); err != nil {
		return fmt.Errorf("read stored runs of %s: %w", s.path, err)
	}
	if stored != counted {
		if err := s.recountSweep(ctx, sw); err != nil {
			return err
		}
	}
	if stored == sw.Configs {
		for i := range done {
			done[i] = ^uint64(0)
		}
		sw.Stored = stored
		return nil
	}
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
	return rows.Err()
}

// recountSweep counts the runs of sw again, in a transaction of its own.
func (s *Store) recountSweep(ctx context.Context, sw *Sweep) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fileError(s.path, "lock", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := recount(ctx, connExec{conn}, sw.ID, sw.FirstRunID, 0, sw.Configs); err != nil {
		return fileError(s.path, "count the runs of the sweep in", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fileError(s.path, "commit", err)
	}
	return nil
}

// FinishSweep records how a run of the sweep ended: done when every config
// with an index in [from, to) (the whole sweep, or the shard that ran) is
// stored, whoever stored it; otherwise status.
func (s *Store) FinishSweep(ctx context.Context, id int64, status string, from, to int64) error {
	// One count (a scan of the sweep's id range), under the write lock.
	_, err := s.db.ExecContext(ctx, `
		UPDATE sweeps SET (status, finished_at) = (
			SELECT CASE WHEN n = ?2 - ?1 THEN 'done' ELSE ?3 END, CASE WHEN n = ?2 - ?1 THEN ?4 END
			FROM (SELECT count(*) AS n FROM runs WHERE id BETWEEN sweeps.first_run_id + ?1 AND sweeps.first_run_id + ?2 - 1))
		WHERE id = ?5`, from, to, status, now(), id)
	if err != nil {
		return fileError(s.path, "record the end of the sweep in", err)
	}
	s.lock.release(lockBase + id)
	return nil
}

// RateCounts is how many runs of a sweep at one learning rate (alpha or
// step_amount) ended in each verdict.
type RateCounts struct {
	Rate   float64
	Counts [runner.NumVerdicts]int64 // indexed by runner.Verdict
}

// Summary returns the verdict counts of a sweep per learning rate, in no
// particular order, and the number of runs stored: a sum of the sweep's
// run_counts, which holds a row per block, rate and group of the other
// axes, so that it reads a few rows per rate, not every run.
func (s *Store) Summary(ctx context.Context, id int64) ([]RateCounts, int64, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT coalesce(alpha, step_amount), sum(converged), sum(diverged), sum(oscillating), sum(stalled),
			sum(unfinished), sum(failed)
		FROM run_counts WHERE sweep_id = ? GROUP BY coalesce(alpha, step_amount)`, id)
	if err != nil {
		return nil, 0, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
	}
	defer rows.Close()
	var (
		out   []RateCounts
		total int64
	)
	for rows.Next() {
		var rc RateCounts
		c := &rc.Counts
		if err := rows.Scan(&rc.Rate, &c[runner.Converged], &c[runner.Diverged], &c[runner.Oscillating], &c[runner.Stalled],
			&c[runner.Unfinished], &c[runner.Failed]); err != nil {
			return nil, 0, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
		}
		for _, n := range c {
			total += n
		}
		out = append(out, rc)
	}
	return out, total, rows.Err()
}

// ForgetFailed removes the failed runs of the sweep sw with config indexes
// in [from, to) (a program's: a built-in rule never fails), with their
// traces and failures, in one transaction, so that they run again; it
// returns how many it removed and updates sw.Done and sw.Stored.
func (s *Store) ForgetFailed(ctx context.Context, sw *Sweep, from, to int64) (n int64, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, fileError(s.path, "lock", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	lo, hi := sw.FirstRunID+from, sw.FirstRunID+to-1
	failed := "SELECT id FROM runs WHERE id BETWEEN ?1 AND ?2 AND verdict = 'failed'"
	for _, q := range []string{
		"DELETE FROM trace_values WHERE run_id IN (" + failed + ")",
		"DELETE FROM run_failures WHERE run_id IN (" + failed + ")",
	} {
		if _, err := conn.ExecContext(ctx, q, lo, hi); err != nil {
			return 0, fileError(s.path, "remove the failed runs of the sweep from", err)
		}
	}
	res, err := conn.ExecContext(ctx, "DELETE FROM runs WHERE id BETWEEN ?1 AND ?2 AND verdict = 'failed'", lo, hi)
	if err != nil {
		return 0, fileError(s.path, "remove the failed runs of the sweep from", err)
	}
	if n, _ = res.RowsAffected(); n == 0 {
		_, err = conn.ExecContext(ctx, "COMMIT")
		return 0, err
	}
	if err := recount(ctx, connExec{conn}, sw.ID, sw.FirstRunID, from, to); err != nil {
		return 0, fileError(s.path, "count the runs of the sweep in", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fileError(s.path, "commit", err)
	}
	sw.Stored = 0
	return n, s.loadDone(ctx, sw)
}
