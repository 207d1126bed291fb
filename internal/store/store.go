// Package store keeps sweeps, runs and traces in one SQLite file that any
// SQLite client can read.
//
// The schema lives in schema/*.sql, one file per version, applied in order
// and recorded in PRAGMA user_version; PRAGMA application_id marks the file
// as ours. A file that is not SQLite, belongs to another application or was
// made by a newer sweep is refused before anything is written to it.
//
// One writer goroutine owns all writes (see Writer): it batches many runs
// into each transaction, which is what makes storing millions of trace rows
// fast, and a run's row and its trace rows always commit together. The
// database is in WAL mode so that readers never block the writer.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ApplicationID is stored in PRAGMA application_id of every sweep database:
// "SWEP" in ASCII.
const ApplicationID = 0x53574550

//go:embed schema/*.sql
var schemaFS embed.FS

// Store is an open sweep database.
type Store struct {
	db   *sql.DB
	path string
}

// FileError is a database file that cannot be used, with a hint for the
// person who named it.
type FileError struct {
	Path string
	Msg  string
	Hint string
	Err  error // the underlying error, if any
}

func (e *FileError) Error() string { return e.Path + ": " + e.Msg }

// Unwrap returns the error from SQLite or the system, if any.
func (e *FileError) Unwrap() error { return e.Err }

// fileError turns the SQLite errors a person can act on (a full disk, a
// place that cannot be written) into a *FileError that says what to do;
// other errors are wrapped with what was being done.
func fileError(path, doing string, err error) error {
	var serr *sqlite.Error
	if errors.As(err, &serr) {
		switch serr.Code() & 0xff { // the primary code, without the extended part
		case sqlite3.SQLITE_FULL:
			return &FileError{Path: path, Msg: "the disk is full (" + doing + ")", Err: err,
				Hint: "free some space, or give --db a place with room, and run the same command again; every committed run is kept"}
		case sqlite3.SQLITE_CANTOPEN:
			return &FileError{Path: path, Msg: "cannot be opened or created", Err: err,
				Hint: "give --db a file in a directory you can write"}
		case sqlite3.SQLITE_READONLY:
			return &FileError{Path: path, Msg: "cannot be written (read-only file or file system)", Err: err,
				Hint: "give --db a file you can write, or copy the database somewhere writable"}
		case sqlite3.SQLITE_IOERR:
			return &FileError{Path: path, Msg: "the system failed to read or write it (" + doing + ")", Err: err,
				Hint: "check the disk and its free space, then run the same command again; every committed run is kept"}
		}
	}
	return fmt.Errorf("%s %s: %w", doing, path, err)
}

// Open opens the sweep database at path, creating it (and its directory) when
// it does not exist and bringing its schema up to date. It returns a
// *FileError when the file is not a sweep database or is too new for this
// binary; such a file is left untouched.
func Open(ctx context.Context, path string) (*Store, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, &FileError{Path: path, Msg: "is a directory", Hint: "give --db a file name, e.g. --db " + filepath.Join(path, "sweep.db")}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &FileError{Path: path, Msg: "cannot create its directory: " + err.Error(), Err: err,
			Hint: "give --db a file in a directory you can write"}
	}
	// busy_timeout: a second process waits for the lock instead of failing
	// with "database is locked". synchronous=NORMAL is durable in WAL mode
	// against a crash of the process, which is what we guard against.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(30000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() []migration {
	entries, err := fs.ReadDir(schemaFS, "schema")
	if err != nil {
		panic(err) // embedded at build time
	}
	var ms []migration
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			panic("store: schema file without a version number: " + e.Name())
		}
		text, _ := fs.ReadFile(schemaFS, "schema/"+e.Name())
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(text)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	ms := migrations()
	return ms[len(ms)-1].version
}

// check refuses a file that is not ours, reading only.
func (s *Store) check(ctx context.Context) error {
	var appID, version, tables int
	err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID)
	if err == nil {
		err = s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	}
	if err == nil {
		err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables)
	}
	var serr *sqlite.Error
	switch {
	case errors.As(err, &serr) && (serr.Code() == sqlite3.SQLITE_NOTADB || serr.Code() == sqlite3.SQLITE_CORRUPT):
		return &FileError{Path: s.path, Msg: "is not an SQLite database", Hint: "give --db a new file name or an existing sweep database"}
	case err != nil:
		return fileError(s.path, "read", err)
	case appID == 0 && version == 0 && tables == 0:
		return nil // a new, empty database
	case appID != ApplicationID:
		return &FileError{Path: s.path, Msg: "is an SQLite database of another application, not a sweep database",
			Hint: "give --db a new file name or an existing sweep database"}
	case version > SchemaVersion():
		return &FileError{Path: s.path,
			Msg:  fmt.Sprintf("was written by a newer sweep (schema version %d; this binary knows up to %d)", version, SchemaVersion()),
			Hint: "use a newer sweep binary with this database, or give --db a new file"}
	}
	return nil
}

// migrate applies the schema files the database has not seen, each in its
// own transaction together with its user_version, so that a crash leaves
// the database at one version or the next and never in between.
func (s *Store) migrate(ctx context.Context) error {
	// WAL is a property of the file; set it only now that the file is known
	// to be ours.
	// Large pages: a sweep appends megabytes of runs and traces, and
	// every page is one write call. page_size only takes on a new file.
	if _, err := s.db.ExecContext(ctx, "PRAGMA page_size=16384"); err != nil {
		return fileError(s.path, "set the page size of", err)
	}
	if _, err := s.db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return fileError(s.path, "set WAL mode on", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	for _, m := range migrations() {
		if err := s.apply(ctx, conn, m); err != nil {
			return fileError(s.path, "create the tables of schema "+m.name+" in", err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	// BEGIN IMMEDIATE takes the write lock before reading the version, so
	// two processes creating the same database do not both migrate it.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var version int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version >= m.version {
		_, err := conn.ExecContext(ctx, "COMMIT")
		return err
	}
	if _, err := conn.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	pragmas := fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", m.version, ApplicationID)
	if _, err := conn.ExecContext(ctx, pragmas); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}
