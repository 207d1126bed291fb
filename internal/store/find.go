package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Every command that takes --sweep names a sweep the same way, here: by
// what people know, a name (the sweep file's name:, as sweep ls lists it)
// or an id. A name means its newest sweep, the highest id of that name,
// preferring a grid to a refinement's probes ("NAME refine" sweeps are
// refinements; a grid is never one). A number is an id first, and a name
// only when no sweep has that id.

// queryer is what Store and Reader both query through.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sweepRef is a sweep found by FindSweep.
type sweepRef struct {
	id      int64
	name    string
	refines sql.NullInt64 // the refined sweep, for a refinement's probes
}

// listed is how many names the error of an unknown sweep lists.
const listed = 12

// FindSweep returns the id of the sweep that nameOrID names: the sweep with
// that id, or else the newest sweep of that name (the highest id, a grid
// before a refinement). An empty nameOrID means the newest grid. When no
// sweep matches it returns a *FileError that lists the sweeps the database
// holds.
func (r *Reader) FindSweep(ctx context.Context, nameOrID string) (int64, error) {
	ref, err := findSweep(ctx, r.conn, r.path, nameOrID)
	return ref.id, err
}

// FindSweep returns the id of the sweep that nameOrID names, as
// Reader.FindSweep does, or a *FileError listing the sweeps when none does.
func (s *Store) FindSweep(ctx context.Context, nameOrID string) (int64, error) {
	ref, err := findSweep(ctx, s.db, s.path, nameOrID)
	return ref.id, err
}

// LoadGridSweep returns the grid sweep that nameOrID names (see FindSweep;
// empty for the newest), to be refined. It returns a *FileError when there
// is none or when nameOrID names a refinement's probes.
func (s *Store) LoadGridSweep(ctx context.Context, nameOrID string) (*GridSweep, error) {
	if nameOrID == "" {
		return s.LoadSweep(ctx, 0)
	}
	ref, err := findSweep(ctx, s.db, s.path, nameOrID)
	if err != nil {
		return nil, err
	}
	if ref.refines.Valid {
		return nil, &FileError{Path: s.path,
			Msg:  fmt.Sprintf("sweep %d (%s) holds the probes of refining sweep %d; probes are not refined themselves", ref.id, ref.name, ref.refines.Int64),
			Hint: fmt.Sprintf("refine sweep %d again (sweep refine --sweep %d), with a smaller --precision for finer edges", ref.refines.Int64, ref.refines.Int64)}
	}
	return s.LoadSweep(ctx, ref.id)
}

func findSweep(ctx context.Context, q queryer, path, nameOrID string) (sweepRef, error) {
	var ref sweepRef
	scan := func(query string, args ...any) (bool, error) {
		err := q.QueryRowContext(ctx, query, args...).Scan(&ref.id, &ref.name, &ref.refines)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return false, nil
		case err != nil:
			return false, fileError(path, "read the sweeps of", err)
		}
		return true, nil
	}
	const cols = "SELECT id, name, refines FROM sweeps "
	if nameOrID == "" {
		found, err := scan(cols + "WHERE refines IS NULL ORDER BY id DESC LIMIT 1")
		if err == nil && !found {
			err = &FileError{Path: path, Msg: "holds no sweeps", Hint: "run a sweep into it first: sweep run --db " + path + " FILE"}
		}
		return ref, err
	}
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		if found, err := scan(cols+"WHERE id = ?", id); found || err != nil {
			return ref, err
		}
	}
	found, err := scan(cols+"WHERE name = ? ORDER BY refines IS NULL DESC, id DESC LIMIT 1", nameOrID)
	if found || err != nil {
		return ref, err
	}
	return ref, noSweep(ctx, q, path, nameOrID)
}

// noSweep is the error for nameOrID naming no sweep: it lists those there
// are, each name with its ids.
func noSweep(ctx context.Context, q queryer, path, nameOrID string) error {
	rows, err := q.QueryContext(ctx, "SELECT id, name FROM sweeps ORDER BY id")
	if err != nil {
		return fileError(path, "read the sweeps of", err)
	}
	defer rows.Close()
	var names []string
	ids := map[string][]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fileError(path, "read the sweeps of", err)
		}
		if _, ok := ids[name]; !ok {
			names = append(names, name)
		}
		ids[name] = append(ids[name], strconv.FormatInt(id, 10))
	}
	if err := rows.Err(); err != nil {
		return fileError(path, "read the sweeps of", err)
	}
	what := "named " + nameOrID
	if _, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		what = nameOrID
	}
	if len(names) == 0 {
		return &FileError{Path: path, Msg: "holds no sweep " + what + ": it holds no sweeps",
			Hint: "run a sweep into it first: sweep run --db " + path + " FILE"}
	}
	var held []string
	for _, n := range names[:min(len(names), listed)] {
		held = append(held, fmt.Sprintf("%s (%s)", n, strings.Join(ids[n], ", ")))
	}
	list := strings.Join(held, ", ")
	if len(names) > listed {
		list += fmt.Sprintf(" and %d more", len(names)-listed)
	}
	return &FileError{Path: path, Msg: fmt.Sprintf("holds no sweep %s; it holds: %s", what, list),
		Hint: "--sweep takes a name or an id, as sweep ls lists them; a name means its newest sweep"}
}

// SweepOfRuns returns the id of the sweep that the runs ids belong to. It
// returns a *FileError when one of them is not in the database, or when
// they belong to more than one sweep.
func (r *Reader) SweepOfRuns(ctx context.Context, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, errors.New("no runs given")
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := r.conn.QueryContext(ctx, `SELECT runs.id, runs.sweep_id, sweeps.name
		FROM runs JOIN sweeps ON sweeps.id = runs.sweep_id WHERE runs.id IN (`+marks+`) ORDER BY runs.id`, args...)
	if err != nil {
		return 0, fileError(r.path, "read the runs of", err)
	}
	defer rows.Close()
	type owner struct {
		run, sweep int64
		name       string
	}
	var owners []owner
	found := map[int64]bool{}
	for rows.Next() {
		var o owner
		if err := rows.Scan(&o.run, &o.sweep, &o.name); err != nil {
			return 0, fileError(r.path, "read the runs of", err)
		}
		owners = append(owners, o)
		found[o.run] = true
	}
	if err := rows.Err(); err != nil {
		return 0, fileError(r.path, "read the runs of", err)
	}
	for _, id := range ids {
		if !found[id] {
			return 0, &FileError{Path: r.path, Msg: fmt.Sprintf("holds no run %d", id),
				Hint: "sweep ls lists the sweeps; sweep query 'SELECT id, sweep_id, verdict FROM runs' their runs"}
		}
	}
	first := owners[0]
	for _, o := range owners[1:] {
		if o.sweep != first.sweep {
			return 0, &FileError{Path: r.path,
				Msg: fmt.Sprintf("runs %d and %d are of two sweeps, %s (%d) and %s (%d): one sweep at a time",
					first.run, o.run, first.name, first.sweep, o.name, o.sweep),
				Hint: fmt.Sprintf("give runs of one sweep; sweep query 'SELECT id FROM runs WHERE sweep_id = %d' lists those of sweep %d", first.sweep, first.sweep)}
		}
	}
	return first.sweep, nil
}
