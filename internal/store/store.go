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
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ApplicationID is stored in PRAGMA application_id of every sweep database:
// "SWEP" in ASCII.
const ApplicationID = 0x53574550

//go:embed schema/*.sql read/*.sql
var schemaFS embed.FS

// Store is an open sweep database.
type Store struct {
	db   *sql.DB
	path string
	lock *lockFile // liveness locks (see lock_linux.go); nil where there are none
	// opened is set once the database is known to be ours and whole: only
	// then may Close change it.
	opened bool
}

var errNoLocks = errors.New("no liveness locks on this platform")

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
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return &FileError{Path: path, Msg: "is damaged (" + err.Error() + ", while trying to " + doing + ")", Err: err,
				Hint: "restore it from a copy, or save what it holds with: sqlite3 " + path + " .recover | sqlite3 recovered.db"}
		}
	}
	return fmt.Errorf("%s %s: %w", doing, path, err)
}

// damaged is the error for a database found damaged before anything was
// written to it.
func damaged(path, what string, err error) error {
	return &FileError{Path: path, Msg: "is damaged (" + what + ")", Err: err,
		Hint: "nothing was written to it; restore it from a copy, or save what it holds with: sqlite3 " + path + " .recover | sqlite3 recovered.db"}
}

// CheckName refuses a database name that is not a file: the empty name,
// and SQLite's :memory:, which would store nothing. Every other name is a
// file name, taken as it is (see uri).
func CheckName(path string) error {
	switch path {
	case "":
		return &FileError{Path: `""`, Msg: "is not a file name", Hint: "give --db a file name, e.g. --db results/sweep.db"}
	case ":memory:":
		return &FileError{Path: path, Msg: "is an in-memory database, which would keep nothing", Hint: "give --db a file name, e.g. --db results/sweep.db (write ./:memory: for a file of that name)"}
	}
	return nil
}

// uri is the name by which SQLite opens the file at path: a file: URI of
// its absolute path, escaped, so that no character of a file name ('?',
// '#', '%', a leading "file:" or ':memory:') is read as SQLite syntax.
func uri(path string, params string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", &FileError{Path: path, Msg: "has no absolute path: " + err.Error(), Err: err, Hint: "give --db a file name"}
	}
	return "file:" + escapeURIPath(abs) + "?" + params, nil
}

// absPath is the cleaned absolute path of path, which is what SQLite opens
// (see uri); path itself when it has none.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// escapeURIPath escapes the characters that end or alter the path part of
// an SQLite file: URI.
func escapeURIPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// statDB checks what is at path before SQLite opens it: nothing (exists is
// false), or a regular file. A directory, device, FIFO or socket is refused:
// SQLite would block on a FIFO, and beside a device it would create a
// journal (/dev/null-journal).
func statDB(path string) (exists bool, err error) {
	if err := CheckName(path); err != nil {
		return false, err
	}
	fi, err := os.Stat(absPath(path))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, &FileError{Path: path, Msg: "cannot be read: " + err.Error(), Err: err, Hint: "give --db a file you can read"}
	case fi.IsDir():
		return true, &FileError{Path: path, Msg: "is a directory", Hint: "give --db a file name, e.g. --db " + filepath.Join(path, "sweep.db")}
	case !fi.Mode().IsRegular():
		return true, &FileError{Path: path, Msg: "is not a regular file (" + fileKind(fi.Mode()) + ")", Hint: "give --db a file name, e.g. --db results/sweep.db"}
	}
	return true, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// Open opens the sweep database at path, creating it (and its directory) when
// it does not exist and bringing its schema up to date. It returns a
// *FileError when the file is not a sweep database, is too new for this
// binary, or is damaged; such a file is left untouched.
//
// Any number of processes may open (and create) the same database at once.
// While open, the database is in WAL mode, so that readers never block the
// writer; the last process to close it puts it back in rollback mode, so
// that a database at rest is one file that anyone can read without
// creating -wal and -shm files beside it (in a read-only directory, say).
func Open(ctx context.Context, path string) (*Store, error) {
	if _, err := statDB(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(absPath(path)), 0o755); err != nil {
		return nil, &FileError{Path: path, Msg: "cannot create its directory: " + err.Error(), Err: err,
			Hint: "give --db a file in a directory you can write"}
	}
	// busy_timeout: a second process waits for the lock instead of failing
	// with "database is locked". synchronous=NORMAL is durable in WAL mode
	// against a crash of the process, which is what we guard against.
	name, err := uri(path, "_pragma=busy_timeout(30000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	// The file exists now (SQLite created it if it was missing).
	if lock, err := lockFor(absPath(s.path)); err == nil {
		s.lock = lock
	}
	if err := s.checkIntact(ctx); err != nil {
		return err
	}
	if err := s.lock.hold(lockBase); err != nil {
		return fmt.Errorf("lock %s: %w", s.path, err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.opened = true
	return s.markStopped(ctx)
}

// checkIntact runs SQLite's quick_check on a database that was not closed
// cleanly: one left in WAL mode that no other process has open (its writer
// was killed, or the machine went down). A clean close leaves it in
// rollback mode, and checking every page of every open would make opening
// a large database slow.
func (s *Store) checkIntact(ctx context.Context) error {
	if s.lock == nil || !s.lock.walAtRest() {
		return nil
	}
	held, err := s.lock.held(lockBase, 1)
	if err != nil || held[lockBase] {
		return nil // someone has it open: it is not at rest
	}
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return s.checkError(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return s.checkError(err)
		}
		if p != "ok" {
			problems = append(problems, p)
		}
	}
	if err := rows.Err(); err != nil {
		return s.checkError(err)
	}
	if len(problems) > 0 {
		return damaged(s.path, "quick_check: "+strings.Join(problems, "; "), nil)
	}
	return nil
}

// checkError is the error of a quick_check that failed: a damaged
// database, found before anything was written to it.
func (s *Store) checkError(err error) error {
	var serr *sqlite.Error
	if errors.As(err, &serr) && (serr.Code()&0xff == sqlite3.SQLITE_CORRUPT || serr.Code()&0xff == sqlite3.SQLITE_NOTADB) {
		return damaged(s.path, err.Error(), err)
	}
	return fileError(s.path, "check", err)
}

// walAtRest reports whether the file's header says WAL mode (bytes 18 and
// 19 of an SQLite file are 2 in WAL mode, 1 in rollback mode).
func (l *lockFile) walAtRest() bool {
	head, err := l.header()
	return err == nil && head[18] == 2 && head[19] == 2
}

// Close closes the database. The last process to close it leaves it in
// rollback mode (see Open): every commit moved from the -wal file into the
// database file, waiting a moment for readers to let go of older snapshots.
// Should a reader hold on, the database file still has every commit, and
// only its header says WAL.
func (s *Store) Close() error {
	if s.lock != nil {
		s.lock.release(lockBase)
		if held, err := s.lock.held(lockBase, 1); err == nil && !held[lockBase] && s.opened {
			// Should another writer open it meanwhile, SQLite refuses
			// the change (busy) or the writer sets WAL again: either
			// way the file stays consistent.
			s.db.SetMaxIdleConns(0)
			ctx := context.Background()
			if conn, err := s.db.Conn(ctx); err == nil {
				// The checkpoint copies every commit into the database
				// file; it waits (busy_timeout) for readers of older
				// snapshots, and is never cut short: a checkpoint stopped
				// halfway leaves a database file that is whole only with
				// its -wal.
				conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", closeWait.Milliseconds()))
				conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
				conn.ExecContext(ctx, "PRAGMA busy_timeout = 0")
				switchCtx, cancel := context.WithTimeout(ctx, closeWait)
				retryBusy(switchCtx, func() error {
					_, err := conn.ExecContext(ctx, "PRAGMA journal_mode = DELETE")
					return err
				})
				cancel()
				conn.Close()
			}
		}
	}
	return s.db.Close()
}

// closeWait is how long Close waits for readers to let go, for the
// checkpoint and again for the change of journal mode.
const closeWait = 5 * time.Second

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
	// read is what a Reader of a database older than this schema runs
	// instead of the schema's table changes (read/NNNN_*.sql): temporary
	// views in place of the tables it changes. "" when it changes none
	// that its views read.
	read string
}

// schemaEdits are the changes of a schema version that its SQL file cannot
// make: they run in its transaction, before the file.
var schemaEdits = map[int]func(context.Context, *sql.Conn) error{7: admitPrograms}

// schemaFills store what a schema version keeps for the rows stored
// before it: they run in its transaction, after the file.
var schemaFills = map[int]func(context.Context, *sql.Conn) error{8: fillAnswers}

// constraintEdits are the constraints 0007_programs.sql relaxes, as text
// of the tables' definitions: sweeps.method admits command, and a
// program's run may lack input, goal and weight.
var constraintEdits = []struct{ table, old, new string }{
	{"sweeps", "CHECK (method IN ('gradient_descent', 'hot_cold'))", "CHECK (method IN ('gradient_descent', 'hot_cold', 'command'))"},
	{"runs", "input             REAL    NOT NULL,", "input             REAL,            "},
	{"runs", "goal              REAL    NOT NULL,", "goal              REAL,            "},
	{"runs", "weight            REAL    NOT NULL,", "weight            REAL,            "},
}

// admitPrograms relaxes constraintEdits by rewriting the tables'
// definitions in sqlite_schema, SQLite's documented procedure for dropping
// a NOT NULL or changing a CHECK (lang_altertable.html, "Making Other
// Kinds Of Table Schema Changes"): no row is copied, which on a database
// of millions of runs would take a while, and the stored rows satisfy the
// looser constraints already. Every edit must apply, or the migration
// fails and is rolled back.
func admitPrograms(ctx context.Context, conn *sql.Conn) error {
	var version int64
	if err := conn.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	return editSchema(ctx, conn, version, func(text map[string]string) error {
		for _, e := range constraintEdits {
			if !strings.Contains(text[e.table], e.old) {
				return fmt.Errorf("the definition of table %s lacks %q", e.table, e.old)
			}
			text[e.table] = strings.Replace(text[e.table], e.old, e.new, 1)
		}
		return nil
	})
}

// editSchema rewrites the definitions of tables in sqlite_schema with
// edit, which gets them by table name, and moves schema_version past
// version so that every connection reads them anew.
func editSchema(ctx context.Context, conn *sql.Conn, version int64, edit func(map[string]string) error) (err error) {
	text := map[string]string{}
	rows, err := conn.QueryContext(ctx, "SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		return err
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		text[name] = def
	}
	rows.Close()
	before := maps.Clone(text)
	if err := edit(text); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA writable_schema = ON"); err != nil {
		return err
	}
	defer func() {
		if _, offErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA writable_schema = OFF"); err == nil {
			err = offErr
		}
	}()
	for name, def := range text {
		if def == before[name] {
			continue
		}
		if _, err := conn.ExecContext(ctx, "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", def, name); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf("PRAGMA schema_version = %d", version+1))
	return err
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
		read, _ := fs.ReadFile(schemaFS, "read/"+e.Name())
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(text), read: string(read)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	ms := migrations()
	return ms[len(ms)-1].version
}

// check refuses a file that is not ours, reading only. The three facts
// are read by one statement, from one snapshot: read one at a time, they
// could straddle another process's creation of the database and make it
// look like another application's (tables, but no application id yet).
func (s *Store) check(ctx context.Context) error {
	var appID, version, tables int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)`).Scan(&appID, &version, &tables)
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
	if err := s.setWAL(ctx); err != nil {
		return fileError(s.path, "set WAL mode on", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	defer conn.Close()
	for _, m := range migrations() {
		if err := s.apply(ctx, conn, m); errors.Is(err, errUpgradeWait) {
			return &FileError{Path: s.path, Msg: fmt.Sprintf("another process held the database for %v (upgrading it, or writing a transaction that long)", upgradeWait),
				Hint: "run the command again once it is done", Err: err}
		} else if err != nil {
			return fileError(s.path, "create the tables of schema "+m.name+" in", err)
		}
	}
	return nil
}

// setWAL puts the database in WAL mode. Changing the journal mode needs the
// database to itself for a moment, and SQLite answers "database is locked"
// at once, without waiting, when another process is in the middle of
// creating or changing it; so wait here, as busy_timeout would.
func (s *Store) setWAL(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, busyTimeout)
	defer cancel()
	return retryBusy(ctx, func() error {
		_, err := s.db.ExecContext(ctx, "PRAGMA journal_mode=WAL")
		return err
	})
}

// retryBusy runs f until it does not fail with "database is locked" or
// ctx ends, pausing a little longer each time.
func retryBusy(ctx context.Context, f func() error) error {
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		err := f()
		var serr *sqlite.Error
		if err == nil || !errors.As(err, &serr) || serr.Code()&0xff != sqlite3.SQLITE_BUSY && serr.Code()&0xff != sqlite3.SQLITE_LOCKED {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// busyTimeout is how long a process waits for another's lock.
const busyTimeout = 30 * time.Second

// upgradeWait is how long a process waits for the write lock to check (and
// make) the database's schema: longer than busyTimeout, since another
// process may be upgrading a large database, which takes one transaction
// of half a minute for W2's 1.5 million runs (schema 0008 trains every run
// again to know its facts). Ctrl-C still stops the wait at once.
const upgradeWait = 10 * time.Minute

// errUpgradeWait is apply's error when the lock did not come in upgradeWait.
var errUpgradeWait = errors.New("the write lock did not come")

func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	// BEGIN IMMEDIATE takes the write lock before reading the version, so
	// two processes creating the same database do not both migrate it.
	wait, cancel := context.WithTimeout(ctx, upgradeWait)
	defer cancel()
	if err := retryBusy(wait, func() error {
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		return err
	}); err != nil {
		if wait.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("%w: %w", errUpgradeWait, err)
		}
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
	if edit := schemaEdits[m.version]; edit != nil {
		if err := edit(ctx, conn); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if fill := schemaFills[m.version]; fill != nil {
		if err := fill(ctx, conn); err != nil {
			return err
		}
	}
	pragmas := fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", m.version, ApplicationID)
	if _, err := conn.ExecContext(ctx, pragmas); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}
