package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/bits"
	"slices"
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
	if from >= to || len(spec.Axes) == 0 {
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
	var sources []source
	// A program's runs are reused only by sweeps of the same program:
	// the same argv, and the same bytes of every file it names.
	rows, err := conn.QueryContext(ctx, `SELECT id, first_run_id, configs, file, yaml, fingerprint, refines IS NOT NULL, coalesce(program_hash, '')
		FROM sweeps WHERE method = ? AND trace_every = ? AND id != ? AND program_hash IS nullif(?, '') ORDER BY id DESC`,
		string(spec.Method), spec.Trace.Every, sw.ID, spec.Program.Hash)
	if err != nil {
		return 0, fileError(s.path, "read the sweeps of", err)
	}
	for rows.Next() {
		var src source
		if err := rows.Scan(&src.id, &src.firstRunID, &src.configs, &src.file, &src.yaml, &src.fingerprint, &src.refinement, &src.programHash); err != nil {
			rows.Close()
			return 0, fileError(s.path, "read the sweeps of", err)
		}
		sources = append(sources, src)
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
	// Newest sweep first (the newest version of a file holds most of what
	// an edit keeps): a config stored by several sweeps is copied from the
	// first that has it, the others' copies being skipped, or refused by
	// the key. The rows are read in id order and appended to sw's range.
	index := spec.Indexer()
	taken := make([]uint64, (spec.Len()+63)/64) // configs copied by this call
	var lookup *lookupCopy
	exact := true           // every copy is known: sw's bitmap can be updated here
	var uncounted []segment // copied runs to count from runs (dst, n)
	for _, src := range sources {
		segs, planned, ok := segments(spec, index, src, sw, taken, from, to)
		var k int64
		switch {
		case ok && planned == 0:
			continue
		case ok:
			if k, err = copySegments(ctx, conn, sw, spec, segs); err != nil {
				return 0, fileError(s.path, "reuse runs in", err)
			}
			if k == planned {
				// Every config planned was copied (none missing from an
				// unfinished source): later sweeps need not offer them.
				for _, g := range segs {
					for i := g.dst; i < g.dst+g.n; i++ {
						taken[i/64] |= 1 << (i % 64)
					}
					if copied, err := copyCounts(ctx, conn, sw, src, g); err != nil {
						return 0, fileError(s.path, "reuse runs in", err)
					} else if !copied {
						uncounted = append(uncounted, g)
					}
				}
			} else {
				exact = false
				uncounted = append(uncounted, segs...)
			}
		case spec.Method == grid.Command, len(spec.Joint) > 0:
			// A program's runs, and points drawn together, are found only
			// through the source's sweep file: their axes are not all
			// columns of runs to look them up by, one by one.
			exact = false
		default:
			// A refinement's probes, or a sweep file this binary reads
			// otherwise than the one that ran it: found by value.
			if lookup == nil {
				if lookup, err = newLookupCopy(ctx, conn, sw, spec, from, to); err != nil {
					return 0, fileError(s.path, "reuse runs in", err)
				}
				defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.reuse_axis")
			}
			exact = false
			if k, err = lookup.copy(ctx, conn, src.id); err != nil {
				return 0, fileError(s.path, "reuse runs in", err)
			}
			uncounted = append(uncounted, segment{dst: from, n: to - from})
		}
		n += k
	}
	// The copies whose counts were not copied are counted from the runs,
	// each block once however many segments fell in it (an edited grid
	// is copied in thousands of segments), consecutive blocks together.
	blocks := map[int64]bool{}
	for _, g := range uncounted {
		for b := g.dst / countBlock; b <= (g.dst+g.n-1)/countBlock; b++ {
			blocks[b] = true
		}
	}
	sorted := slices.Sorted(maps.Keys(blocks))
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j] == sorted[j-1]+1 {
			j++
		}
		if err := recount(ctx, connExec{conn}, sw.ID, sw.FirstRunID, sorted[i]*countBlock, (sorted[j-1]+1)*countBlock); err != nil {
			return 0, fileError(s.path, "count the reused runs in", err)
		}
		i = j
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fileError(s.path, "commit", err)
	}
	switch {
	case n > 0 && exact:
		for i := range taken {
			for b := taken[i]; b != 0; b &= b - 1 {
				sw.markDone(int64(i)*64 + int64(bits.TrailingZeros64(b)))
			}
		}
	case n > 0:
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

// source is a sweep whose runs Reuse may copy.
type source struct {
	id, firstRunID, configs int64
	file, yaml, fingerprint string
	refinement              bool
	programHash             string // of a program's sweep
}

// segment says that the source runs with ids src .. src+n-1 are the
// configs dst .. dst+n-1 of the sweep being given them.
type segment struct{ src, dst, n int64 }

// segments maps the configs of a source sweep to those of spec, from the
// source's own sweep file: every config with an index in [from, to) that
// sw lacks and no earlier source gave (taken), as runs of consecutive ids
// and indexes. ok is false when the source cannot be mapped so: a
// refinement (its probes are no grid), or a file that this binary reads
// otherwise than the one that ran it (the fingerprint differs).
func segments(spec *grid.Spec, index func(grid.Config) (int64, bool), src source, sw *Sweep,
	taken []uint64, from, to int64) (segs []segment, planned int64, ok bool) {
	if src.refinement {
		return nil, 0, false
	}
	other, err := grid.Parse(src.file, []byte(src.yaml))
	if err != nil {
		return nil, 0, false
	}
	other.Trace = spec.Trace             // the same storage: Reuse chose the sources so
	other.Program.Hash = src.programHash // of the files as they were then
	if other.Fingerprint() != src.fingerprint {
		return nil, 0, false
	}
	if spec.Method == grid.Command && !sameAxisNames(other, spec) {
		// Config.Params is positional: a program's configs map from one
		// sweep to another only when their axes are the same, in order.
		return nil, 0, false
	}
	// Only the source configs whose every value is one of spec's are
	// visited: per source axis, the positions of those values, walked as
	// an odometer in source order, so the cost is what the two sweeps
	// share, not the size of the source.
	keep := make([][]int64, len(other.Axes))
	inSpec := func(name string, v float64) bool {
		for _, a := range spec.Axes {
			if a.Name == name {
				return slices.Contains(a.Values, v)
			}
		}
		return slices.Contains(spec.LimitValues(name), v) // a limit spec does not vary
	}
	for k, a := range other.Axes {
		for p, v := range a.Values {
			if inSpec(a.Name, v) {
				keep[k] = append(keep[k], int64(p))
			}
		}
		if len(keep[k]) == 0 {
			return nil, 0, true // nothing in common
		}
	}
	at := make([]int, len(keep)) // the odometer: an index into each keep list
	for {
		var j int64
		for k, a := range other.Axes {
			j = j*int64(len(a.Values)) + keep[k][at[k]]
		}
		if i, in := index(other.Config(j)); in && i >= from && i < to && !sw.Done(i) && taken[i/64]&(1<<(i%64)) == 0 {
			id := src.firstRunID + j
			if last := len(segs) - 1; last >= 0 && segs[last].src+segs[last].n == id && segs[last].dst+segs[last].n == i {
				segs[last].n++
			} else {
				segs = append(segs, segment{src: id, dst: i, n: 1})
			}
			planned++
		}
		k := len(at) - 1
		for ; k >= 0; k-- {
			if at[k]++; at[k] < len(keep[k]) {
				break
			}
			at[k] = 0
		}
		if k < 0 {
			break
		}
	}
	return segs, planned, true
}

// sameAxisNames reports whether a and b have the same axes, in order.
func sameAxisNames(a, b *grid.Spec) bool {
	return slices.EqualFunc(a.Axes, b.Axes, func(x, y grid.Axis) bool { return x.Name == y.Name })
}

// segmentsPerStatement bounds the JSON text of one copy statement.
const segmentsPerStatement = 10_000

// copySegments copies the source runs segs name into sw, and returns how
// many it copied (a source run that is not stored is not copied).
func copySegments(ctx context.Context, conn *sql.Conn, sw *Sweep, spec *grid.Spec, segs []segment) (int64, error) {
	var n int64
	var text []byte
	for len(segs) > 0 {
		batch := segs[:min(len(segs), segmentsPerStatement)]
		segs = segs[len(batch):]
		text = append(text[:0], '[')
		for i, g := range batch {
			if i > 0 {
				text = append(text, ',')
			}
			text = fmt.Appendf(text, "[%d,%d,%d]", g.src, g.dst, g.n)
		}
		text = append(text, ']')
		res, err := conn.ExecContext(ctx, `
			WITH seg (src, dst, n) AS MATERIALIZED (
				SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?4))
			INSERT INTO main.runs (id, sweep_id, config_index, method, alpha, step_amount, input, goal, weight,
				iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
				predicted_verdict, predicted_steps, trace_run, params, `+factColumns+`)
			SELECT ?1 + seg.dst + (r.id - seg.src), ?2, seg.dst + (r.id - seg.src), r.method, r.alpha, r.step_amount,
				r.input, r.goal, r.weight, r.iterations, r.tolerance, r.divergence, r.verdict, r.steps,
				r.final_weight, r.final_error, r.predicted_verdict, r.predicted_steps,
				CASE WHEN ?3 > 0 THEN coalesce(r.trace_run, r.id) END, r.params, `+qualifiedFacts("r")+`
			FROM seg CROSS JOIN reuse_src.runs r ON r.id BETWEEN seg.src AND seg.src + seg.n - 1
			WHERE r.verdict != 'failed' -- a failure may be the machine's (a timeout): run it again
			ON CONFLICT (id) DO NOTHING`, sw.FirstRunID, sw.ID, spec.Trace.Every, string(text))
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// copyCounts adds to run_counts the counts of the runs segment g copied
// from src, taken from src's own counts, when g maps whole blocks of src's
// configs onto whole blocks of sw's (as a sweep run again under another
// name, or one whose rates were added at the end, is copied), and reports
// whether it did. The source's failed runs are not copied, and so not
// counted. Otherwise the copy must be counted from the runs, about 3 µs a
// run, more than the copy itself costs.
func copyCounts(ctx context.Context, conn *sql.Conn, sw *Sweep, src source, g segment) (bool, error) {
	first := g.src - src.firstRunID // the config index in src
	whole := g.n%countBlock == 0 || first+g.n == src.configs && g.dst+g.n == sw.Configs
	if first%countBlock != 0 || g.dst%countBlock != 0 || !whole {
		return false, nil
	}
	_, err := conn.ExecContext(ctx, `
		INSERT INTO main.run_counts (sweep_id, block, alpha, step_amount, input, params, iterations, tolerance, divergence,
			configs, converged, diverged, oscillating, stalled, unfinished, failed)
		SELECT ?1, block - ?3 + ?4, alpha, step_amount, input, params, iterations, tolerance, divergence,
			configs - failed, converged, diverged, oscillating, stalled, unfinished, 0
		FROM main.run_counts
		WHERE sweep_id = ?2 AND block BETWEEN ?3 AND ?5 AND configs > failed`,
		sw.ID, src.id, first/countBlock, g.dst/countBlock, (first+g.n-1)/countBlock)
	return err == nil, err
}

// lookupCopy copies the runs of a source sweep found by value: each stored
// run whose values are all values of spec's axes is the config their
// positions give.
type lookupCopy struct {
	insert string
	args   []any
}

func newLookupCopy(ctx context.Context, conn *sql.Conn, sw *Sweep, spec *grid.Spec, from, to int64) (*lookupCopy, error) {
	// The grid's axis values with their positions, in a temporary table:
	// a stored run is a config of the grid when each of its values is one
	// of its axis' values, and its index is then the positions' mixed-radix
	// sum. The values travel as JSON, which SQLite reads exactly.
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS reuse_axis (
		axis INTEGER NOT NULL, value REAL NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (axis, value)) WITHOUT ROWID`); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM temp.reuse_axis"); err != nil {
		return nil, err
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
			return nil, err
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
	return &lookupCopy{args: args, insert: `
		INSERT INTO main.runs (id, sweep_id, config_index, method, alpha, step_amount, input, goal, weight,
			iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps, trace_run, ` + factColumns + `)
		SELECT ?1 + idx, ?2, idx, method, alpha, step_amount, input, goal, weight,
			iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps, CASE WHEN ?3 > 0 THEN coalesce(trace_run, id) END, ` + factColumns + `
		FROM (SELECT r.*, ` + index.String() + ` AS idx
			FROM main.sweeps s
			CROSS JOIN reuse_src.runs r ON r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1` + joins.String() + `
			WHERE s.id = ?4` + limits.String() + `)
		WHERE idx >= ?5 AND idx < ?6
		ON CONFLICT (id) DO NOTHING`}, nil
}

// copy copies the runs of the source sweep with the given id.
func (l *lookupCopy) copy(ctx context.Context, conn *sql.Conn, sourceID int64) (int64, error) {
	l.args[3] = sourceID
	res, err := conn.ExecContext(ctx, l.insert, l.args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}
