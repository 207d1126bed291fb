-- The tables of a sweep database. Columns are snake_case and typed (STRICT)
-- so that any SQLite client reads them as numbers and text.
--
-- SQLite cannot hold a NaN: it stores NULL instead, so a NULL in a REAL
-- column means the value was NaN. It also stores -0.0 as 0.0. Every other
-- float64, infinities included, reads back bit for bit.

CREATE TABLE sweeps (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    -- A hash of everything that decides the results (name, method, limits,
    -- trace storage, the exact axis values); running an equal sweep again
    -- resumes this one.
    fingerprint  TEXT    NOT NULL UNIQUE,
    method       TEXT    NOT NULL CHECK (method IN ('gradient_descent', 'hot_cold')),
    file         TEXT    NOT NULL, -- the sweep file's path as given
    yaml         TEXT    NOT NULL, -- the sweep file's text as given
    configs      INTEGER NOT NULL, -- how many configs the grid has
    -- The run of config i has id first_run_id + i: each sweep owns a range
    -- of run ids, so a run's id says which config it is and storing a run
    -- twice is caught by the primary key alone.
    first_run_id INTEGER NOT NULL UNIQUE,
    trace_every  INTEGER NOT NULL, -- trace rows kept: 1 every row, 0 none, N every Nth and the deciding row
    shard        TEXT,             -- "I/N" when the last run here ran one shard of the sweep; NULL for all of it
    refines      INTEGER REFERENCES sweeps (id), -- for the probes of a refinement, the sweep refined; NULL for a grid
    started_at   TEXT    NOT NULL, -- UTC, ISO 8601
    finished_at  TEXT,             -- NULL until every config (of the shard) is stored
    status       TEXT    NOT NULL CHECK (status IN ('running', 'interrupted', 'failed', 'done'))
) STRICT;

-- One row per config. No secondary index and no CHECK constraints (the one
-- writer only ever writes the names above): each would cost more than the
-- row itself, and rows are appended in id order, which keeps storing a
-- million of them fast; a scan of a million runs takes a fraction of a
-- second.
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY, -- first_run_id of its sweep + config_index
    sweep_id          INTEGER NOT NULL REFERENCES sweeps (id),
    config_index      INTEGER NOT NULL, -- position in the sweep order, 0-based
    method            TEXT    NOT NULL, -- gradient_descent or hot_cold
    alpha             REAL,             -- gradient_descent only
    step_amount       REAL,             -- hot_cold only
    input             REAL    NOT NULL,
    goal              REAL    NOT NULL,
    weight            REAL    NOT NULL, -- the starting weight
    iterations        INTEGER NOT NULL,
    tolerance         REAL    NOT NULL,
    divergence        REAL    NOT NULL,
    verdict           TEXT    NOT NULL, -- converged, diverged, oscillating, stalled or unfinished
    steps             INTEGER NOT NULL, -- trace rows the run had; the last one decided the verdict
    final_weight      REAL,             -- weight of the last trace row
    final_error       REAL,             -- error of the last trace row
    predicted_verdict TEXT,             -- as verdict
    predicted_steps   INTEGER           -- NULL for hot_cold, which has no theory
) STRICT;

-- Traces, stored as their weights only. Every other column of a trace row
-- is a pure function of the run's config and the row's weight, which the
-- trace view (0002_views.sql) computes with the same IEEE operations, in
-- the same order, as the learning rule: the rows read back bit for bit,
-- while the database holds about 19 bytes per row instead of 7 columns and
-- a whole trace is one value to write.
--
-- weights is a JSON array of the weights at steps 0, 1, ... or, for a
-- thinned trace, an object from step to weight. Numbers are written in the
-- shortest form that reads back as the same float64 (SQLite's JSON parser
-- reads them exactly), always with a point or an exponent so that they are
-- REALs; an infinite weight is written 9e999 or -9e999, which read back as
-- infinity, and NaN as null.
CREATE TABLE trace_weights (
    run_id  INTEGER PRIMARY KEY REFERENCES runs (id),
    weights TEXT    NOT NULL
) STRICT;

-- The edges that sweep refine found between a sweep's grid rates, per
-- input, goal and starting weight: converge (the largest rate converging
-- within the budget), diverge (the smallest diverging), overshoot (the
-- largest whose delta never changes sign). value is NULL when the grid did
-- not bracket the edge. The probes are the runs of the sweep whose refines
-- is sweep_id.
CREATE TABLE boundaries (
    sweep_id  INTEGER NOT NULL REFERENCES sweeps (id),
    input     REAL    NOT NULL,
    goal      REAL    NOT NULL,
    weight    REAL    NOT NULL,
    edge      TEXT    NOT NULL, -- converge, diverge or overshoot
    value     REAL,             -- the edge: the last rate found on its near side
    lower     REAL,             -- the final bracket; upper/lower - 1 <= precision
    upper     REAL,
    probes    INTEGER NOT NULL, -- runs made to find it
    precision REAL    NOT NULL,
    PRIMARY KEY (sweep_id, input, goal, weight, edge)
) STRICT;
