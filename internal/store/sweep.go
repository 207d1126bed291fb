package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
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

// RateSummary is what the summary of a sweep's run shows of its rates: the
// verdict counts of the first and the last rates that have stored runs,
// in the order of the sweep file, and how many have any.
type RateSummary struct {
	Head, Tail []RateCounts // Tail is empty when Head holds every rate
	Rates      int64        // rates with a stored run
	Stored     int64        // runs of the sweep stored
}

// SummarizeRates returns the counts of the first head and last tail rates
// of sw that have stored runs (all of them when there are at most
// head+tail+1), rates being its rates in sweep order. It reads a few rows
// per rate shown, however many rates and runs the sweep has: the rate is
// a grid's outermost axis, so rate k's runs are configs [k*n, (k+1)*n) of
// the sweep's n per rate, found by a look at the runs' key and counted
// from those blocks' rows of run_counts.
func (s *Store) SummarizeRates(ctx context.Context, sw *Sweep, rates []float64, head, tail int) (RateSummary, error) {
	var sum RateSummary
	if len(rates) == 0 || sw.Configs == 0 {
		return sum, nil
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM runs WHERE id BETWEEN ?1 AND ?1 + ?2 - 1", sw.FirstRunID, sw.Configs).Scan(&sum.Stored); err != nil {
		return RateSummary{}, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
	}
	per := sw.Configs / int64(len(rates))
	// stored finds the first (or, backward, the last) rate from k on (or
	// back) with a stored run.
	stored := func(k int64, backward bool) (int64, bool, error) {
		q := "SELECT config_index FROM runs WHERE id BETWEEN ?1 + ?2 * ?3 AND ?1 + ?4 - 1 ORDER BY id LIMIT 1"
		if backward {
			q = "SELECT config_index FROM runs WHERE id BETWEEN ?1 AND ?1 + (?2 + 1) * ?3 - 1 ORDER BY id DESC LIMIT 1"
		}
		var c int64
		switch err := s.db.QueryRowContext(ctx, q, sw.FirstRunID, k, per, sw.Configs).Scan(&c); {
		case errors.Is(err, sql.ErrNoRows):
			return 0, false, nil
		case err != nil:
			return 0, false, err
		}
		return c / per, true, nil
	}
	count := func(k int64) (RateCounts, error) {
		rc := RateCounts{Rate: rates[k]}
		c := &rc.Counts
		err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(converged), 0), coalesce(sum(diverged), 0), coalesce(sum(oscillating), 0),
				coalesce(sum(stalled), 0), coalesce(sum(unfinished), 0), coalesce(sum(failed), 0)
			FROM run_counts WHERE sweep_id = ?1 AND block BETWEEN ?2 AND ?3 AND coalesce(alpha, step_amount) = ?4`,
			sw.ID, k*per/countBlock, ((k+1)*per-1)/countBlock, rates[k]).Scan(
			&c[runner.Converged], &c[runner.Diverged], &c[runner.Oscillating], &c[runner.Stalled], &c[runner.Unfinished], &c[runner.Failed])
		return rc, err
	}
	fail := func(err error) (RateSummary, error) {
		return RateSummary{}, fmt.Errorf("summarize sweep in %s: %w", s.path, err)
	}
	// collect appends up to n rates with runs, from rate k on (or back).
	collect := func(to []RateCounts, k int64, n int, backward bool) ([]RateCounts, error) {
		step := int64(1)
		if backward {
			step = -1
		}
		for len(to) < n && k >= 0 {
			r, ok, err := stored(k, backward)
			if err != nil || !ok {
				return to, err
			}
			rc, err := count(r)
			if err != nil {
				return to, err
			}
			to, k = append(to, rc), r+step
		}
		return to, nil
	}
	// One more than head+tail+1 tells whether all of them are shown.
	var err error
	if sum.Head, err = collect(nil, 0, head+tail+2, false); err != nil {
		return fail(err)
	}
	sum.Rates = int64(len(sum.Head))
	if len(sum.Head) <= head+tail+1 {
		return sum, nil
	}
	sum.Head = sum.Head[:head]
	if sum.Tail, err = collect(nil, int64(len(rates))-1, tail, true); err != nil {
		return fail(err)
	}
	slices.Reverse(sum.Tail)
	// How many rates have runs: all of them when every config is stored;
	// otherwise each rate of run_counts is one (a sort of its rates).
	sum.Rates = int64(len(rates))
	if sum.Stored != sw.Configs {
		if err := s.db.QueryRowContext(ctx, "SELECT count(DISTINCT coalesce(alpha, step_amount)) FROM run_counts WHERE sweep_id = ? AND configs > 0",
			sw.ID).Scan(&sum.Rates); err != nil {
			return fail(err)
		}
	}
	return sum, nil
}

// EachRate calls yield with the counts of every rate of sw that has stored
// runs, in sweep order (rates are its rates in that order), reading
// run_counts block by block: it holds the counts of one block's rates at a
// time, however many rates the sweep has.
func (s *Store) EachRate(ctx context.Context, sw *Sweep, rates []float64, yield func(RateCounts) error) error {
	if len(rates) == 0 || sw.Configs == 0 {
		return nil
	}
	per := sw.Configs / int64(len(rates))
	rows, err := s.db.QueryContext(ctx, `SELECT block, coalesce(alpha, step_amount), converged, diverged, oscillating, stalled, unfinished, failed
		FROM run_counts WHERE sweep_id = ? ORDER BY block`, sw.ID)
	if err != nil {
		return fmt.Errorf("summarize sweep in %s: %w", s.path, err)
	}
	defer rows.Close()
	pending := map[float64]*RateCounts{}
	next := int64(0) // the next rate to hand to yield
	// flush yields the rates whose last block is before block.
	flush := func(block int64) error {
		for ; next < int64(len(rates)) && ((next+1)*per-1)/countBlock < block; next++ {
			if rc := pending[rates[next]]; rc != nil {
				delete(pending, rates[next])
				if err := yield(*rc); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for rows.Next() {
		var (
			block int64
			rate  float64
			n     [runner.NumVerdicts]int64
		)
		if err := rows.Scan(&block, &rate, &n[runner.Converged], &n[runner.Diverged], &n[runner.Oscillating], &n[runner.Stalled],
			&n[runner.Unfinished], &n[runner.Failed]); err != nil {
			return fmt.Errorf("summarize sweep in %s: %w", s.path, err)
		}
		if err := flush(block); err != nil {
			return err
		}
		rc := pending[rate]
		if rc == nil {
			rc = &RateCounts{Rate: rate}
			pending[rate] = rc
		}
		for v := range n {
			rc.Counts[v] += n[v]
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("summarize sweep in %s: %w", s.path, err)
	}
	return flush(math.MaxInt64)
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
