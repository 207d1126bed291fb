package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Reader is a read-only connection to a sweep database, for statements that
// people type. The file is opened read-only with query_only set, and SQLite's
// authorizer vets every statement as it is compiled: reading tables and
// views, calling functions and reading pragmas pass; anything that would
// write (INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, ATTACH, a pragma with
// a value, a transaction) is refused before it runs.
type Reader struct {
	db   *sql.DB
	conn *sql.Conn
	path string
	// live holds the ids of the sweeps that a process holds (is running),
	// when liveKnown; see lock_linux.go.
	live      map[int64]bool
	liveKnown bool

	mu     sync.Mutex
	denied string // what the authorizer refused in the current statement
}

// WriteError is a statement refused by a Reader because it would write.
type WriteError struct {
	Action string // what the statement tried, e.g. "DELETE on runs"
}

func (e *WriteError) Error() string {
	return "the statement would write to the database (" + e.Action + "), and queries are read-only"
}

// OpenReader opens an existing sweep database for reading. It returns a
// *FileError when there is no such file or it is not a sweep database.
//
// It never writes, and leaves no file beside the database: a database at
// rest is in rollback mode (see Open), which a read-only connection reads
// as it is. So it reads a database it may not write (a read-only file, a
// read-only directory or mount, another user's results). A database made by
// an older sweep gets the newer views as temporary views of the connection.
func OpenReader(ctx context.Context, path string) (*Reader, error) {
	exists, err := statDB(path)
	switch {
	case err != nil:
		return nil, err
	case !exists:
		return nil, &FileError{Path: path, Msg: "no such database",
			Hint: "run a sweep first (sweep run experiments/alpha.yaml), or name the database with --db"}
	}
	// Read the liveness locks before SQLite opens the file: see lockFor.
	var live map[int64]bool
	lock, err := lockFor(absPath(path))
	if err == nil {
		live, err = lock.held(lockBase+1, lockSpan)
	}
	mode := "mode=ro"
	if lock != nil && lock.walAtRest() && !walFile(path) {
		if held, herr := lock.held(lockBase, 1); herr == nil && !held[lockBase] {
			// In WAL mode with no -wal file and no writer: everything is
			// in the database file. Read it as immutable, or SQLite
			// would create -wal and -shm files beside it.
			mode = "mode=ro&immutable=1"
		}
	}
	r, err2 := openReadOnly(ctx, path, mode)
	if err2 != nil && walFile(path) && cannotOpen(err2) {
		// A -wal file with the last commits of a writer that was
		// killed, in a place where SQLite cannot create the -shm file
		// it needs to read them.
		return nil, &FileError{Path: path, Msg: "was left in the middle of writing (its newest commits are in " + path + "-wal), and reading them needs a file beside it that cannot be created here", Err: err2,
			Hint: "copy " + path + " and " + path + "-wal together to a directory you can write and read the copy, or have its owner run any sweep command that writes it"}
	}
	if err2 != nil && readOnlyWAL(path, err2) {
		// A database left in WAL mode (by an older sweep, or a writer
		// that was killed) in a directory we cannot write: SQLite cannot
		// create the -shm file it needs. With no -wal file beside it,
		// everything is in the database file itself, and SQLite may read
		// it as immutable.
		r, err2 = openReadOnly(ctx, path, "mode=ro&immutable=1")
	}
	if err2 != nil {
		return nil, err2
	}
	r.live, r.liveKnown = live, err == nil
	return r, nil
}

// readOnlyWAL reports whether err is SQLite failing to open a WAL database
// whose -shm it cannot create, with no -wal file whose commits reading the
// database file alone would miss.
func readOnlyWAL(path string, err error) bool {
	return cannotOpen(err) && !walFile(path)
}

// cannotOpen reports whether err is SQLite unable to open or write a file.
func cannotOpen(err error) bool {
	var serr *sqlite.Error
	if !errors.As(err, &serr) {
		return false
	}
	code := serr.Code() & 0xff
	return code == sqlite3.SQLITE_CANTOPEN || code == sqlite3.SQLITE_READONLY
}

// walFile reports whether a non-empty -wal file lies beside the database.
func walFile(path string) bool {
	fi, err := os.Stat(absPath(path) + "-wal")
	return err == nil && fi.Size() > 0
}

// Stopped reports whether the sweep with the given id and stored status
// "running" has no process running it (it was killed): true only where
// liveness locks say so (see lock_linux.go).
func (r *Reader) Stopped(id int64) bool { return r.liveKnown && !r.live[id+lockBase] }

func openReadOnly(ctx context.Context, path, mode string) (*Reader, error) {
	name, err := uri(path, mode+"&_pragma=busy_timeout(30000)")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, fileError(path, "read", err)
	}
	if version == 0 {
		db.Close()
		return nil, &FileError{Path: path, Msg: "is an empty database, not a sweep database",
			Hint: "run a sweep into it first: sweep run --db " + path + " FILE"}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r := &Reader{db: db, conn: conn, path: path}
	if err := r.tempViews(ctx, version); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.guard(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// SchemaReader returns a Reader of an empty database in memory with this
// binary's schema: for checking statements (see Reader.Prepare) against the
// tables and views without touching any file.
func SchemaReader(ctx context.Context) (*Reader, error) {
	db, err := sql.Open("sqlite", "file:schema?mode=memory")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // every connection to :memory: is a database of its own
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	r := &Reader{db: db, conn: conn, path: "schema"}
	for _, m := range migrations() {
		if edit := schemaEdits[m.version]; edit != nil {
			if err := edit(ctx, conn); err != nil {
				r.Close()
				return nil, fmt.Errorf("schema %s: %w", m.name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, m.sql); err != nil {
			r.Close()
			return nil, fmt.Errorf("schema %s: %w", m.name, err)
		}
	}
	if err := r.guard(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// guard makes the connection refuse writes: query_only, and the authorizer.
func (r *Reader) guard(ctx context.Context) error {
	if _, err := r.conn.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		return fmt.Errorf("open %s read-only: %w", r.path, err)
	}
	err := r.conn.Raw(func(driverConn any) error {
		reg, ok := driverConn.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the SQLite driver has no authorizer")
		}
		return reg.RegisterAuthorizer(r.authorize)
	})
	if err != nil {
		return fmt.Errorf("open %s read-only: %w", r.path, err)
	}
	return nil
}

// tempViews gives the connection to a database made by an older sweep
// the views of the newer schemas, as temporary views, so that reading
// never writes. A newer schema that also changes tables gives its views all
// the same: a table it adds columns to is read through a temporary view of
// the same name with those columns NULL (what a writing command's upgrade
// gives the rows stored before), a table it creates is an empty temporary
// table, and its read file, if it has one, does the rest (0006 rebuilds
// boundaries); the table change itself waits for a writing command. One
// that cannot be read so needs the database upgraded.
func (r *Reader) tempViews(ctx context.Context, version int) error {
	added, created := newerTables(version)
	for _, t := range slices.Sorted(maps.Keys(added)) {
		stmt := fmt.Sprintf("CREATE TEMP VIEW %s AS SELECT *, NULL AS %s FROM main.%s", t, strings.Join(added[t], ", NULL AS "), t)
		if _, err := r.conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("read %s with the columns of table %s: %w", r.path, t, err)
		}
	}
	for _, stmt := range created {
		if _, err := r.conn.ExecContext(ctx, strings.Replace(stmt, "CREATE TABLE ", "CREATE TEMP TABLE ", 1)); err != nil {
			return fmt.Errorf("read %s with the tables of newer schemas: %w", r.path, err)
		}
	}
	for _, m := range migrations() {
		if m.version <= version {
			continue
		}
		upgrade := &FileError{Path: r.path, Msg: fmt.Sprintf("was written by an older sweep (schema version %d) and must be upgraded to be read", version),
			Hint: "run any sweep into it once (sweep run --db " + r.path + " FILE) to upgrade it, on a copy if it is not yours to write"}
		views := 0
		for _, stmt := range splitStatements(m.sql) {
			if w := strings.Fields(leadingWords(stmt, 3)); len(w) == 3 && w[0]+" "+w[1] == "DROP VIEW" && w[2] != "IF" {
				// A view the schema replaces: replace the temporary one
				// an older schema file gave this connection.
				if _, err := r.conn.ExecContext(ctx, "DROP VIEW IF EXISTS temp."+w[2]); err != nil {
					return fmt.Errorf("read %s with the views of schema %s: %w", r.path, m.name, err)
				}
				continue
			}
			if leadingWords(stmt, 2) != "CREATE VIEW" {
				continue
			}
			views++
			if _, err := r.conn.ExecContext(ctx, strings.Replace(stmt, "CREATE VIEW ", "CREATE TEMP VIEW ", 1)); err != nil {
				if viewsOnly(m.sql) || m.read != "" {
					return fmt.Errorf("read %s with the views of schema %s: %w", r.path, m.name, err)
				}
				upgrade.Err = err
				return upgrade
			}
		}
		// The read file comes after the views, so that it can replace one
		// that needs what only an upgrade stores (0008's first_overshoot).
		for _, stmt := range splitStatements(m.read) {
			if _, err := r.conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("read %s with the tables of schema %s: %w", r.path, m.name, err)
			}
		}
		if views == 0 && m.read == "" {
			return upgrade
		}
	}
	return nil
}

// newerTables returns what the schemas after version do to tables: the
// columns they add, by table, and the CREATE TABLE statements of the
// tables they create (those they create only to rename, and those a read
// file gives as views, are not among them: see the read files).
func newerTables(version int) (added map[string][]string, created []string) {
	added = map[string][]string{}
	renamed := map[string]bool{}
	var creates []string
	readViews := map[string]bool{} // tables a read file gives as views
	for _, m := range migrations() {
		if m.version <= version {
			continue
		}
		for _, stmt := range splitStatements(m.read) {
			if w := strings.Fields(stripComments(stmt)); len(w) >= 4 && strings.EqualFold(w[0]+" "+w[1]+" "+w[2], "CREATE TEMP VIEW") {
				readViews[w[3]] = true
			}
		}
		for _, stmt := range splitStatements(m.sql) {
			w := strings.Fields(stripComments(stmt))
			switch {
			case len(w) >= 6 && strings.EqualFold(w[0]+" "+w[1], "ALTER TABLE") && strings.EqualFold(w[3]+" "+w[4], "ADD COLUMN"):
				added[w[2]] = append(added[w[2]], w[5])
			case len(w) >= 5 && strings.EqualFold(w[0]+" "+w[1], "ALTER TABLE") && strings.EqualFold(w[3], "RENAME"):
				renamed[w[2]] = true
			case len(w) >= 3 && strings.EqualFold(w[0]+" "+w[1], "CREATE TABLE"):
				creates = append(creates, stmt)
			}
		}
	}
	for _, stmt := range creates {
		if name := strings.Fields(stripComments(stmt))[2]; !renamed[name] && !readViews[name] {
			created = append(created, stmt)
		}
	}
	return added, created
}

// viewsOnly reports whether a schema file only creates views.
func viewsOnly(text string) bool {
	n := 0
	for _, stmt := range splitStatements(text) {
		if leadingWords(stmt, 2) != "CREATE VIEW" {
			return false
		}
		n++
	}
	return n > 0
}

// readPragmas are pragmas that take an argument and still only read.
var readPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true, "index_info": true,
	"index_xinfo": true, "foreign_key_list": true, "foreign_key_check": true, "integrity_check": true,
	"quick_check": true, "function_list": true, "pragma_list": true, "collation_list": true,
}

// writingPragmas are pragmas that write even without an argument.
var writingPragmas = map[string]bool{"optimize": true, "incremental_vacuum": true, "wal_checkpoint": true}

var actionNames = map[sqlite.AuthorizerActionCode]string{
	sqlite.AuthInsert: "INSERT", sqlite.AuthUpdate: "UPDATE", sqlite.AuthDelete: "DELETE",
	sqlite.AuthCreateIndex: "CREATE INDEX", sqlite.AuthCreateTable: "CREATE TABLE", sqlite.AuthCreateView: "CREATE VIEW",
	sqlite.AuthCreateTrigger: "CREATE TRIGGER", sqlite.AuthCreateTempTable: "CREATE TEMP TABLE",
	sqlite.AuthCreateTempIndex: "CREATE TEMP INDEX", sqlite.AuthCreateTempView: "CREATE TEMP VIEW",
	sqlite.AuthCreateTempTrigger: "CREATE TEMP TRIGGER", sqlite.AuthCreateVTable: "CREATE VIRTUAL TABLE",
	sqlite.AuthDropIndex: "DROP INDEX", sqlite.AuthDropTable: "DROP TABLE", sqlite.AuthDropView: "DROP VIEW",
	sqlite.AuthDropTrigger: "DROP TRIGGER", sqlite.AuthDropTempTable: "DROP TEMP TABLE",
	sqlite.AuthDropTempIndex: "DROP TEMP INDEX", sqlite.AuthDropTempView: "DROP TEMP VIEW",
	sqlite.AuthDropTempTrigger: "DROP TEMP TRIGGER", sqlite.AuthDropVTable: "DROP VIRTUAL TABLE",
	sqlite.AuthAlterTable: "ALTER TABLE", sqlite.AuthAttach: "ATTACH", sqlite.AuthDetach: "DETACH",
	sqlite.AuthReindex: "REINDEX", sqlite.AuthAnalyze: "ANALYZE", sqlite.AuthPragma: "PRAGMA",
	sqlite.AuthTransaction: "a transaction", sqlite.AuthSavepoint: "SAVEPOINT",
}

func (r *Reader) authorize(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthPragma:
		if (arg2 == "" && !writingPragmas[strings.ToLower(arg1)]) || readPragmas[strings.ToLower(arg1)] {
			return sqlite.AuthorizerOK
		}
	}
	what := actionNames[action]
	if what == "" {
		what = fmt.Sprintf("operation %d", action)
	}
	switch {
	case action == sqlite.AuthPragma && arg2 == "":
		what = "PRAGMA " + arg1
	case action == sqlite.AuthPragma:
		what = fmt.Sprintf("PRAGMA %s = %s", arg1, arg2)
	case action == sqlite.AuthInsert, action == sqlite.AuthUpdate, action == sqlite.AuthDelete, action == sqlite.AuthDropTable,
		action == sqlite.AuthDropView, action == sqlite.AuthCreateTable, action == sqlite.AuthCreateView, action == sqlite.AuthAlterTable:
		what += " on " + arg1
	case action == sqlite.AuthAttach:
		what += " " + arg1
	}
	r.mu.Lock()
	if r.denied == "" { // SQLite stops compiling at the first refusal
		r.denied = what
	}
	r.mu.Unlock()
	return sqlite.AuthorizerDeny
}

// StatementCountError is text given as one statement that holds another
// number of statements.
type StatementCountError struct{ Count int }

func (e *StatementCountError) Error() string {
	if e.Count == 0 {
		return "no SQL statement given"
	}
	return fmt.Sprintf("one statement at a time, please: found %d", e.Count)
}

// Query runs one statement and returns its rows. A statement that would
// write is refused with a *WriteError and nothing is changed; text with
// more or fewer than one statement, with a *StatementCountError.
func (r *Reader) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if n := countStatements(query); n != 1 {
		return nil, &StatementCountError{Count: n}
	}
	r.mu.Lock()
	r.denied = ""
	r.mu.Unlock()
	rows, err := r.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, r.refused(query, err)
	}
	return rows, nil
}

// refused turns the authorizer's refusal of query into a *WriteError; it
// returns other errors as they are.
func (r *Reader) refused(query string, err error) error {
	var serr *sqlite.Error
	if !errors.As(err, &serr) || serr.Code() != sqlite3.SQLITE_AUTH {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	action := r.denied
	switch {
	case strings.HasSuffix(action, "sqlite_master") || strings.HasSuffix(action, "sqlite_temp_master"):
		// CREATE, DROP and ANALYZE are first presented as writes
		// to the schema table; the statement says it better.
		action = leadingWords(query, 2)
	case leadingWords(query, 1) == "VACUUM": // presented as an ATTACH
		action = "VACUUM"
	}
	return &WriteError{Action: action}
}

// Prepare checks that query is one statement that reads and that SQLite
// can compile against the database's schema (its tables, columns and
// functions exist), without running it. It returns the error Query would.
func (r *Reader) Prepare(ctx context.Context, query string) error {
	if n := countStatements(query); n != 1 {
		return &StatementCountError{Count: n}
	}
	r.mu.Lock()
	r.denied = ""
	r.mu.Unlock()
	st, err := r.conn.PrepareContext(ctx, query)
	if err != nil {
		return r.refused(query, err)
	}
	return st.Close()
}

// Path returns the file the reader was opened from.
func (r *Reader) Path() string { return r.path }

// Close closes the connection.
func (r *Reader) Close() error {
	r.conn.Close()
	return r.db.Close()
}
