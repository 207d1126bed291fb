package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Downgrade rewrites the sweep database at path, made by this binary, as
// an older sweep of schema version would have left it: the tables and
// views of that schema, the rows they hold, and its user_version. It is
// for tests of what this binary does with older databases (read them
// without writing, merge them, upgrade them), which need such databases
// without the older binaries that made them.
func Downgrade(ctx context.Context, path string, version int) (err error) {
	if version < 1 || version >= SchemaVersion() {
		return fmt.Errorf("downgrade to schema %d: want 1 to %d", version, SchemaVersion()-1)
	}
	name, err := uri(path, "mode=rw")
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(stmt string) {
		if err == nil {
			if _, e := conn.ExecContext(ctx, stmt); e != nil {
				err = fmt.Errorf("downgrade %s: %s: %w", path, strings.Fields(stmt)[0], e)
			}
		}
	}
	exec("BEGIN IMMEDIATE")
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var views []string
	rows, qerr := conn.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'view'")
	if qerr != nil {
		return qerr
	}
	for rows.Next() {
		var v string
		rows.Scan(&v)
		views = append(views, v)
	}
	rows.Close()
	for _, v := range views {
		exec("DROP VIEW " + v)
	}
	if version < 8 {
		exec("DROP TABLE run_counts")
		for _, c := range strings.Split(factColumns, ", ") {
			exec("ALTER TABLE runs DROP COLUMN " + c)
		}
	}
	if version < 7 {
		var programs int
		if err == nil {
			err = conn.QueryRowContext(ctx, "SELECT count(*) FROM sweeps WHERE method = 'command'").Scan(&programs)
		}
		if err == nil && programs > 0 {
			err = fmt.Errorf("downgrade %s: it holds sweeps of programs, which schema %d cannot", path, version)
		}
		// Boundaries as 0006 made them: without params.
		exec("DROP INDEX boundaries_key")
		exec(`CREATE TABLE b (sweep_id INTEGER NOT NULL REFERENCES sweeps (id), input REAL NOT NULL, goal REAL NOT NULL,
			weight REAL NOT NULL, iterations INTEGER NOT NULL, tolerance REAL NOT NULL, divergence REAL NOT NULL,
			edge TEXT NOT NULL, n INTEGER NOT NULL, value REAL, lower REAL, upper REAL, probes INTEGER NOT NULL,
			precision REAL NOT NULL, PRIMARY KEY (sweep_id, input, goal, weight, iterations, tolerance, divergence, edge, n)) STRICT`)
		exec(`INSERT INTO b SELECT sweep_id, input, goal, weight, iterations, tolerance, divergence, edge, n, value, lower, upper,
			probes, precision FROM boundaries`)
		exec("DROP TABLE boundaries")
		exec("ALTER TABLE b RENAME TO boundaries")
		exec("DROP TABLE trace_values")
		exec("DROP TABLE run_failures")
		exec("ALTER TABLE runs DROP COLUMN params")
		exec("ALTER TABLE sweeps DROP COLUMN rate_axis")
		exec("ALTER TABLE sweeps DROP COLUMN program_hash")
		var schemaVersion int64
		if err == nil {
			err = conn.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&schemaVersion)
		}
		if err == nil {
			err = editSchema(ctx, conn, schemaVersion, func(text map[string]string) error {
				for _, e := range constraintEdits {
					text[e.table] = strings.Replace(text[e.table], e.new, e.old, 1)
				}
				return nil
			})
		}
	}
	if version < 6 {
		exec("ALTER TABLE runs DROP COLUMN trace_run")
		for _, c := range []string{"sweep_version", "host", "git_commit", "command"} {
			exec("ALTER TABLE sweeps DROP COLUMN " + c)
		}
		// Boundaries as 0003 made them: one set of limits per sweep.
		exec(`CREATE TABLE b (sweep_id INTEGER NOT NULL REFERENCES sweeps (id), input REAL NOT NULL, goal REAL NOT NULL,
			weight REAL NOT NULL, edge TEXT NOT NULL, n INTEGER NOT NULL, value REAL, lower REAL, upper REAL,
			probes INTEGER NOT NULL, precision REAL NOT NULL, PRIMARY KEY (sweep_id, input, goal, weight, edge, n)) STRICT`)
		exec(`INSERT OR IGNORE INTO b SELECT sweep_id, input, goal, weight, edge, n, value, lower, upper, probes, precision FROM boundaries`)
		exec("DROP TABLE boundaries")
		exec("ALTER TABLE b RENAME TO boundaries")
	}
	if version < 5 {
		exec("DROP INDEX sweeps_by_name")
	}
	if version < 3 {
		// Boundaries as 0001 made them: one edge of each kind.
		exec(`CREATE TABLE b (sweep_id INTEGER NOT NULL REFERENCES sweeps (id), input REAL NOT NULL, goal REAL NOT NULL,
			weight REAL NOT NULL, edge TEXT NOT NULL, value REAL, lower REAL, upper REAL, probes INTEGER NOT NULL,
			precision REAL NOT NULL, PRIMARY KEY (sweep_id, input, goal, weight, edge)) STRICT`)
		exec(`INSERT OR IGNORE INTO b SELECT sweep_id, input, goal, weight, edge, value, lower, upper, probes, precision FROM boundaries ORDER BY n`)
		exec("DROP TABLE boundaries")
		exec("ALTER TABLE b RENAME TO boundaries")
	}
	// The views as the older schema's files left them: the last definition
	// of each, in the order the files made them.
	latest := map[string]string{}
	var order []string
	for _, m := range migrations() {
		if m.version > version {
			break
		}
		for _, stmt := range splitStatements(m.sql) {
			w := strings.Fields(leadingWords(stmt, 3))
			switch {
			case len(w) == 3 && w[0]+" "+w[1] == "CREATE VIEW":
				if _, ok := latest[w[2]]; !ok {
					order = append(order, w[2])
				}
				latest[w[2]] = stmt
			case len(w) == 3 && w[0]+" "+w[1] == "DROP VIEW":
				latest[w[2]] = ""
			}
		}
	}
	for _, v := range order {
		if latest[v] != "" {
			exec(latest[v])
		}
	}
	exec(fmt.Sprintf("PRAGMA user_version = %d", version))
	exec("COMMIT")
	return err
}
