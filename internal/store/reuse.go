package store

import (
	"context"
	"fmt"
	"strings"

	"sweep/internal/grid"
)

// Reuse gives the sweep sw the runs that other sweeps of the database
// already hold, so that a run is computed once per database: for each
// config of spec with an index in [from, to) that sw does not hold yet,
// a run of the same config (method, rate, input, goal, starting weight,
// limits) stored by another sweep with the same trace storage is copied
// into sw's range of run ids, with trace_run naming the run that holds its
// trace, which is shared, not copied. Runs are a pure function of their
// config, so the copy is the run sw would have computed, bit for bit.
//
// It returns how many runs it copied, and updates sw.Done and sw.Stored.
// The copies are made in one transaction, under the sweep's liveness lock
// (taken by StartSweep), so a kill leaves all of them or none.
func (s *Store) Reuse(ctx context.Context, sw *Sweep, spec *grid.Spec, from, to int64) (n int64, err error) {
	if from >= to || len(spec.Axes) < 4 {
		return 0, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	// Is there anything to reuse? One look at the sweeps table, so that the
	// common case (a new database, or nothing of the same kind) costs
	// nothing more.
	var sources []int64
	rows, err := conn.QueryContext(ctx, "SELECT id FROM sweeps WHERE method = ? AND trace_every = ? AND id != ? ORDER BY id",
		string(spec.Method), spec.Trace.Every, sw.ID)
	if err != nil {
		return 0, fileError(s.path, "read the sweeps of", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fileError(s.path, "read the sweeps of", err)
		}
		sources = append(sources, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fileError(s.path, "read the sweeps of", err)
	}
	if len(sources) == 0 {
		return 0, nil
	}
	// The stored runs are read through a second, read-only attachment of
	// the same file: SQLite copies rows from a table into itself by way
	// of a temporary table, and reading them under another name halves the
	// cost. Under the write lock taken below, that attachment sees what
	// the database held when the transaction began, which is all there is.
	if err := attachAs(ctx, conn, s.path, "reuse_src"); err != nil {
		return 0, fileError(s.path, "attach", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE reuse_src")
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, fileError(s.path, "lock", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	// The grid's axis values with their positions, in a temporary table:
	// a stored run is a config of the grid when each of its values is one
	// of its axis' values, and its index is then the positions' mixed-radix
	// sum. The values travel as JSON, which SQLite reads exactly.
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS reuse_axis (
		axis INTEGER NOT NULL, value REAL NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (axis, value)) WITHOUT ROWID`); err != nil {
		return 0, fileError(s.path, "reuse runs in", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.reuse_axis")
	if _, err := conn.ExecContext(ctx, "DELETE FROM temp.reuse_axis"); err != nil {
		return 0, fileError(s.path, "reuse runs in", err)
	}
	columns := map[string]string{
		grid.AxisAlpha: "alpha", grid.AxisStepAmount: "step_amount", grid.AxisInput: "input", grid.AxisGoal: "goal",
		grid.AxisWeight: "weight", grid.LimitIterations: "iterations", grid.LimitTolerance: "tolerance", grid.LimitDivergence: "divergence",
	}
	var (
		joins, index strings.Builder
		stride       = int64(1)
	)
	for k := len(spec.Axes) - 1; k >= 0; k-- {
		a := spec.Axes[k]
		text := make([]byte, 0, 16*len(a.Values))
		text = append(text, '[')
		for i, v := range a.Values {
			if i > 0 {
				text = append(text, ',')
			}
			text = appendJSONFloat(text, v)
		}
		text = append(text, ']')
		if _, err := conn.ExecContext(ctx, "INSERT INTO temp.reuse_axis (axis, value, pos) SELECT ?, value, key FROM json_each(?)", k, string(text)); err != nil {
			return 0, fileError(s.path, "reuse runs in", err)
		}
		// CROSS JOIN keeps SQLite's order: each stored run, then a lookup
		// of its value in each axis.
		fmt.Fprintf(&joins, "\n\t\tCROSS JOIN temp.reuse_axis a%d ON a%d.axis = %d AND a%d.value = r.%s", k, k, k, k, columns[a.Name])
		if index.Len() > 0 {
			index.WriteString(" + ")
		}
		fmt.Fprintf(&index, "a%d.pos * %d", k, stride)
		stride *= int64(len(a.Values))
	}
	// The limits that are not axes are the same for every config.
	var limits strings.Builder
	args := []any{sw.FirstRunID, sw.ID, spec.Trace.Every, string(spec.Method), from, to}
	for _, name := range []string{grid.LimitIterations, grid.LimitTolerance, grid.LimitDivergence} {
		if vs := spec.LimitValues(name); !isAxis(spec, name) {
			args = append(args, vs[0])
			// +: compared row by row; as a term SQLite could index, it
			// would build an index of every run first.
			fmt.Fprintf(&limits, " AND +r.%s = ?%d", columns[name], len(args))
		}
	}
	// Sweep by sweep, oldest first: a config stored by several sweeps is
	// copied from the oldest, the later ones' copies being refused by the
	// key. The rows are read in id order and appended to sw's range.
	insert := `
		INSERT INTO main.runs (id, sweep_id, config_index, method, alpha, step_amount, input, goal, weight,
			iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps, trace_run)
		SELECT ?1 + idx, ?2, idx, method, alpha, step_amount, input, goal, weight,
			iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps, CASE WHEN ?3 > 0 THEN coalesce(trace_run, id) END
		FROM (SELECT r.*, ` + index.String() + ` AS idx
			FROM main.sweeps s
			CROSS JOIN reuse_src.runs r ON r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1` + joins.String() + `
			WHERE s.id = ?4` + limits.String() + `)
		WHERE idx >= ?5 AND idx < ?6
		ON CONFLICT (id) DO NOTHING`
	for _, src := range sources {
		args[3] = src
		res, err := conn.ExecContext(ctx, insert, args...)
		if err != nil {
			return 0, fileError(s.path, "reuse runs in", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fileError(s.path, "commit", err)
	}
	if n > 0 {
		sw.Stored = 0
		if err := s.loadDone(ctx, sw); err != nil {
			return n, err
		}
	}
	return n, nil
}

// isAxis reports whether the limit named name is an axis of spec.
func isAxis(spec *grid.Spec, name string) bool {
	for _, a := range spec.LimitAxes() {
		if a.Name == name {
			return true
		}
	}
	return false
}
