package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// GridSweep is a stored sweep as it was written: enough to parse its file
// again and refine it.
type GridSweep struct {
	ID          int64
	Name        string
	File, YAML  string
	Fingerprint string
	TraceEvery  int    // the trace storage it ran with (which --trace may have set)
	ProgramHash string // a program's identity when it ran (sweeps.program_hash); "" for the built-in rules
}

// LoadSweep returns the sweep with the given id, or with id 0 the newest
// sweep that is not itself a refinement.
func (s *Store) LoadSweep(ctx context.Context, id int64) (*GridSweep, error) {
	q := "SELECT id, name, file, yaml, fingerprint, trace_every, coalesce(program_hash, '') FROM sweeps WHERE refines IS NULL"
	args := []any{}
	if id > 0 {
		q += " AND id = ?"
		args = append(args, id)
	} else {
		q += " ORDER BY id DESC LIMIT 1"
	}
	var g GridSweep
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&g.ID, &g.Name, &g.File, &g.YAML, &g.Fingerprint, &g.TraceEvery, &g.ProgramHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fileError(s.path, "read the sweeps of", err)
	}
	if err != nil {
		if id > 0 {
			return nil, &FileError{Path: s.path, Msg: fmt.Sprintf("holds no sweep %d (refinements cannot be refined)", id), Err: err,
				Hint: "sweep ls lists the sweeps and their ids"}
		}
		return nil, &FileError{Path: s.path, Msg: "holds no sweep to refine", Err: err, Hint: "run a sweep into it first"}
	}
	return &g, nil
}

// StartRefinement records the probes of a refinement of the sweep parent at
// the given precision as a sweep of their own (its runs are the probes,
// numbered in the order refine made them), or finds the one recorded
// before, and reports which probes are stored.
func (s *Store) StartRefinement(ctx context.Context, parent *GridSweep, method string, traceEvery int, precision float64, probes int64) (*Sweep, error) {
	// "v2": refinements no longer probe a rate twice, so their probes are
	// numbered otherwise than those of refinements stored before; a new
	// sweep keeps the two apart. "v3": every edge is bisected, not one of
	// each kind, so where verdicts are not monotone in the rate the probes
	// are others again.
	id := parent.Fingerprint + " refine v3 " + strconv.FormatFloat(precision, 'g', -1, 64)
	if traceEvery != parent.TraceEvery { // probes stored otherwise than the grid's runs are other probes
		id += " trace " + strconv.Itoa(traceEvery)
	}
	h := sha256.Sum256([]byte(id))
	fp := hex.EncodeToString(h[:])
	sw := &Sweep{Configs: probes}
	err := s.startSweep(ctx, sw, `
		INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, refines, started_at, status)
		VALUES (?, ?, ?, ?, ?, ?, `+nextRunID+`, ?, ?, ?, ?)
		ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, finished_at = NULL
		RETURNING id, first_run_id`,
		parent.Name+" refine", fp, method, parent.File, parent.YAML, probes, traceEvery, parent.ID, now(), StatusRunning,
	)
	if err != nil {
		return nil, fileError(s.path, "record the refinement in", err)
	}
	if err := s.loadDone(ctx, sw); err != nil {
		return nil, err
	}
	return sw, nil
}

// BoundaryRow is one edge of one (input, goal, weight), as boundaries holds
// it: N numbers the edges of a kind by rate, from 0; a kind with no edge
// found is one row, N 0, not Found.
type BoundaryRow struct {
	Input, Goal, Weight float64 // NaN (stored NULL) for a program without the axis
	Params              string  // a program's other axes, as runs.params; "" for none
	Limits              grid.Limits
	Edge                string
	N                   int
	Found               bool
	Value, Lower, Upper float64
	Probes              int
}

// SaveBoundaries replaces the edges recorded for a sweep with rows, in one
// transaction.
func (s *Store) SaveBoundaries(ctx context.Context, sweepID int64, precision float64, rows []BoundaryRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fileError(s.path, "record the edges in", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM boundaries WHERE sweep_id = ?", sweepID); err != nil {
		return fileError(s.path, "record the edges in", err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO boundaries (sweep_id, input, goal, weight, iterations, tolerance, divergence,
			edge, n, value, lower, upper, probes, precision, params)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fileError(s.path, "record the edges in", err)
	}
	defer st.Close()
	for _, r := range rows {
		var value, lower, upper any
		if r.Found {
			value, lower, upper = r.Value, r.Lower, r.Upper
		}
		if _, err := st.ExecContext(ctx, sweepID, r.Input, r.Goal, r.Weight,
			r.Limits.Iterations, r.Limits.Tolerance, r.Limits.Divergence, r.Edge, r.N, value, lower, upper, r.Probes, precision, r.Params); err != nil {
			return fileError(s.path, "record the edges in", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fileError(s.path, "record the edges in", err)
	}
	return nil
}

// Verdicts returns the verdicts of the stored runs of sweep id, by config
// index: what refine needs of a program's runs, which it does not run
// again.
func (s *Store) Verdicts(ctx context.Context, id int64) (map[int64]runner.Verdict, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.config_index, r.verdict FROM sweeps s
		JOIN runs r ON r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1 WHERE s.id = ?`, id)
	if err != nil {
		return nil, fileError(s.path, "read the runs of", err)
	}
	defer rows.Close()
	out := map[int64]runner.Verdict{}
	for rows.Next() {
		var (
			i    int64
			name string
		)
		if err := rows.Scan(&i, &name); err != nil {
			return nil, fileError(s.path, "read the runs of", err)
		}
		v, err := runner.ParseVerdict(name)
		if err != nil {
			return nil, fileError(s.path, "read the runs of", err)
		}
		out[i] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fileError(s.path, "read the runs of", err)
	}
	return out, nil
}

// ShrinkRefinement gives a finished refinement of a program the number of
// probes it made, of the range reserved for it (see StartRefinement): a
// program's probes are not counted by a first pass, which would run them.
// No range overlaps another either way: the runs are all in the shrunk
// range, and a sweep started meanwhile took ids after the reserved one.
func (s *Store) ShrinkRefinement(ctx context.Context, id, probes int64) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE sweeps SET configs = ? WHERE id = ? AND refines IS NOT NULL AND configs >= ?", probes, id, probes); err != nil {
		return fileError(s.path, "record the refinement in", err)
	}
	return nil
}
