-- The first schema of a sweep database. Columns are snake_case and typed
-- (STRICT) so that any SQLite client reads them as numbers and text.
--
-- SQLite cannot hold a NaN: it stores NULL instead, so a NULL in a REAL
-- column of runs or trace means the value was NaN. It also stores -0.0 as
-- 0.0. Every other float64, infinities included, reads back bit for bit.

CREATE TABLE sweeps (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    -- A hash of everything that decides the results (name, method, limits,
    -- the exact axis values); running an equal sweep again resumes this one.
    fingerprint   TEXT    NOT NULL UNIQUE,
    method        TEXT    NOT NULL CHECK (method IN ('gradient_descent', 'hot_cold')),
    file          TEXT    NOT NULL, -- the sweep file's path as given
    yaml          TEXT    NOT NULL, -- the sweep file's text as given
    configs       INTEGER NOT NULL, -- how many configs the grid has
    started_at    TEXT    NOT NULL, -- UTC, ISO 8601
    finished_at   TEXT,             -- NULL until it is done
    status        TEXT    NOT NULL CHECK (status IN ('running', 'interrupted', 'failed', 'done'))
) STRICT;

CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    sweep_id          INTEGER NOT NULL REFERENCES sweeps (id),
    config_index      INTEGER NOT NULL, -- position in the sweep order, 0-based
    method            TEXT    NOT NULL CHECK (method IN ('gradient_descent', 'hot_cold')),
    alpha             REAL,             -- gradient_descent only
    step_amount       REAL,             -- hot_cold only
    input             REAL    NOT NULL,
    goal              REAL    NOT NULL,
    weight            REAL    NOT NULL, -- the starting weight
    iterations        INTEGER NOT NULL,
    tolerance         REAL    NOT NULL,
    divergence        REAL    NOT NULL,
    verdict           TEXT    NOT NULL CHECK (verdict IN ('converged', 'diverged', 'oscillating', 'stalled', 'unfinished')),
    steps             INTEGER NOT NULL, -- trace rows; the last one decided the verdict
    final_weight      REAL,             -- weight of the last trace row
    final_error       REAL,             -- error of the last trace row
    predicted_verdict TEXT CHECK (predicted_verdict IN ('converged', 'diverged', 'oscillating', 'stalled', 'unfinished')),
    predicted_steps   INTEGER,          -- NULL for hot_cold, which has no theory
    UNIQUE (sweep_id, config_index)
) STRICT;

CREATE INDEX runs_by_config ON runs (method, alpha, step_amount, input, goal, weight);

CREATE TABLE trace (
    run_id       INTEGER NOT NULL REFERENCES runs (id),
    step         INTEGER NOT NULL, -- 0-based; recorded before the update
    weight       REAL,
    pred         REAL,
    error        REAL,
    delta        REAL,
    weight_delta REAL,
    PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;
