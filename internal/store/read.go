package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
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
// *FileError when there is no such file or it is not a sweep database. A
// database made by an older sweep is brought up to date first, which is the
// only write it makes.
func OpenReader(ctx context.Context, path string) (*Reader, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, &FileError{Path: path, Msg: "no such database",
			Hint: "run a sweep first (sweep run experiments/alpha.yaml), or name the database with --db"}
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	case fi.IsDir():
		return nil, &FileError{Path: path, Msg: "is a directory", Hint: "give --db the database file, e.g. --db results/sweep.db"}
	}
	r, version, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	if version < SchemaVersion() {
		r.Close()
		st, err := Open(ctx, path)
		if err != nil {
			return nil, err
		}
		st.Close()
		if r, _, err = openReadOnly(ctx, path); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func openReadOnly(ctx context.Context, path string) (*Reader, int, error) {
	db, err := sql.Open("sqlite", "file:"+escapeURIPath(path)+"?mode=ro&_pragma=busy_timeout(30000)&_pragma=query_only(1)")
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, 0, err
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	if version == 0 {
		db.Close()
		return nil, 0, &FileError{Path: path, Msg: "is an empty database, not a sweep database",
			Hint: "run a sweep into it first: sweep run --db " + path + " FILE"}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	r := &Reader{db: db, conn: conn, path: path}
	err = conn.Raw(func(driverConn any) error {
		reg, ok := driverConn.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the SQLite driver has no authorizer")
		}
		return reg.RegisterAuthorizer(r.authorize)
	})
	if err != nil {
		r.Close()
		return nil, 0, fmt.Errorf("open %s read-only: %w", path, err)
	}
	return r, version, nil
}

// escapeURIPath escapes the characters that end or alter the path part of
// an SQLite file: URI.
func escapeURIPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// readPragmas are pragmas that take an argument and still only read.
var readPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true, "index_info": true,
	"index_xinfo": true, "foreign_key_list": true, "foreign_key_check": true, "integrity_check": true,
	"quick_check": true, "function_list": true, "pragma_list": true, "collation_list": true,
}

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
		if arg2 == "" || readPragmas[strings.ToLower(arg1)] {
			return sqlite.AuthorizerOK
		}
	}
	what := actionNames[action]
	if what == "" {
		what = fmt.Sprintf("operation %d", action)
	}
	switch action {
	case sqlite.AuthPragma:
		what = fmt.Sprintf("PRAGMA %s = %s", arg1, arg2)
	case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete, sqlite.AuthDropTable, sqlite.AuthDropView,
		sqlite.AuthCreateTable, sqlite.AuthCreateView, sqlite.AuthAlterTable:
		what += " on " + arg1
	case sqlite.AuthAttach:
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
		var serr *sqlite.Error
		if errors.As(err, &serr) && serr.Code() == sqlite3.SQLITE_AUTH {
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
			return nil, &WriteError{Action: action}
		}
		return nil, err
	}
	return rows, nil
}

// Path returns the file the reader was opened from.
func (r *Reader) Path() string { return r.path }

// Close closes the connection.
func (r *Reader) Close() error {
	r.conn.Close()
	return r.db.Close()
}
