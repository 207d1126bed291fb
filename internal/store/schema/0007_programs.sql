-- Your own experiment (issue 14): sweeps of method command, which run a
-- program the user brings once per config and read its trace from its
-- standard output.
--
-- Before this file runs, the store has edited two constraints in place
-- (see schemaEdits in store.go; SQLite's documented way to drop NOT NULL
-- and change a CHECK without copying the table): sweeps.method admits
-- 'command', and runs.input, runs.goal and runs.weight admit NULL, for a
-- program without such an axis.

-- The rate axis of a program's sweep (rate: in its file; NULL for the
-- built-in rules: alpha for gradient_descent, step_amount for hot_cold),
-- and a hash of its argv and the bytes of every file the argv names: runs
-- are reused only between sweeps of the same program.
ALTER TABLE sweeps ADD COLUMN rate_axis    TEXT;
ALTER TABLE sweeps ADD COLUMN program_hash TEXT;

-- The values of a program's axes that have no column of their own (the
-- rate is in alpha; input, goal and weight in theirs; the limits in
-- theirs), as a JSON object with REAL values: json_extract(params,
-- '$.momentum') reads one as a number. NULL for the built-in rules.
ALTER TABLE runs ADD COLUMN params TEXT;

-- The traces of a program's runs, as they printed them, in chunks of
-- about a megabyte (so that a run of a million rows is never held whole),
-- numbered from 0: each a JSON array with one element per stored row,
-- [step, weight, pred, error, delta, weight_delta] with null where the
-- program gave no value (or NaN), and a seventh element, an object of the
-- row's other numbers (its metrics), when it printed any. Numbers are
-- written as trace_weights writes them (always REAL; infinities as 9e999
-- and -9e999). A chunk whose run_id is no run's was left by a run killed
-- before it was stored: no view shows it, and the run's next attempt
-- replaces it.
CREATE TABLE trace_values (
    run_id INTEGER NOT NULL,
    chunk  INTEGER NOT NULL,
    rows   TEXT    NOT NULL,
    PRIMARY KEY (run_id, chunk)
) STRICT;

-- Why a program's run failed (verdict 'failed'): "exit status 3", "signal:
-- killed", "timeout after 30s", "protocol: line 4: ..." or "no trace rows",
-- and the last lines it wrote to stderr.
CREATE TABLE run_failures (
    run_id INTEGER PRIMARY KEY REFERENCES runs (id),
    reason TEXT    NOT NULL,
    stderr TEXT    NOT NULL
) STRICT;

-- The trace view reads a program's rows as the built-ins' (whose rows it
-- computes from the weights), so that every view over it, and every query,
-- reads both alike.
DROP VIEW trace;

CREATE VIEW trace AS
SELECT run_id,
       step,
       weight,
       pred,
       delta * delta AS error,
       delta,
       CASE
           WHEN step_amount IS NULL THEN input * delta
           WHEN down_error < up_error THEN step_amount
           WHEN down_error > up_error THEN -step_amount
           ELSE 0.0
       END AS weight_delta
FROM (SELECT run_id, step, weight, pred, pred - goal AS delta, input, step_amount,
             (goal - input * (weight + step_amount)) * (goal - input * (weight + step_amount)) AS up_error,
             (goal - input * (weight - step_amount)) * (goal - input * (weight - step_amount)) AS down_error
      FROM (SELECT r.id                   AS run_id,
                   CAST(j.key AS INTEGER) AS step,
                   j.value                AS weight,
                   r.input * j.value      AS pred,
                   r.input,
                   r.goal,
                   r.step_amount
            FROM runs r
            JOIN trace_weights t ON t.run_id = coalesce(r.trace_run, r.id)
            JOIN json_each(t.weights) j))
UNION ALL
SELECT r.id                             AS run_id,
       CAST(j.value ->> 0 AS INTEGER)   AS step,
       j.value ->> 1                    AS weight,
       j.value ->> 2                    AS pred,
       j.value ->> 3                    AS error,
       j.value ->> 4                    AS delta,
       j.value ->> 5                    AS weight_delta
FROM runs r
JOIN trace_values t ON t.run_id = coalesce(r.trace_run, r.id)
JOIN json_each(t.rows) j;

-- The other numbers a program printed on its trace rows (loss, accuracy,
-- momentum's velocity, ...), one row per number.
CREATE VIEW trace_metrics AS
SELECT r.id                           AS run_id,
       CAST(j.value ->> 0 AS INTEGER) AS step,
       m.key                          AS name,
       m.value                        AS value
FROM runs r
JOIN trace_values t ON t.run_id = coalesce(r.trace_run, r.id)
JOIN json_each(t.rows) j
JOIN json_each(j.value, '$[6]') m;

-- Why each failed run failed.
CREATE VIEW failures AS
SELECT r.id AS run_id,
       r.sweep_id,
       CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END AS sweep,
       r.alpha,
       r.input,
       r.goal,
       r.weight,
       r.params,
       r.steps,
       f.reason,
       f.stderr
FROM runs r
JOIN sweeps s ON s.id = r.sweep_id
JOIN run_failures f ON f.run_id = r.id;

-- Counts gain failed, last.
DROP VIEW verdict_counts;

CREATE VIEW verdict_counts AS
SELECT runs.sweep_id,
       CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = sweeps.name AND newer.id > sweeps.id) THEN sweeps.name || ' (' || sweeps.id || ')' ELSE sweeps.name END AS sweep,
       runs.method,
       runs.alpha,
       runs.step_amount,
       count(*)                          AS configs,
       sum(runs.verdict = 'converged')   AS converged,
       sum(runs.verdict = 'diverged')    AS diverged,
       sum(runs.verdict = 'oscillating') AS oscillating,
       sum(runs.verdict = 'stalled')     AS stalled,
       sum(runs.verdict = 'unfinished')  AS unfinished,
       runs.iterations,
       runs.tolerance,
       runs.divergence,
       sum(runs.verdict = 'failed')      AS failed
FROM runs
JOIN sweeps ON sweeps.id = runs.sweep_id
GROUP BY runs.sweep_id, runs.method, runs.alpha, runs.step_amount, runs.iterations, runs.tolerance, runs.divergence;

-- A program's safe rates are per input and per its other axes (params):
-- the largest rate at which every run converged. Its theory is unknown.
DROP VIEW safe_alpha;

CREATE VIEW safe_alpha AS
WITH per_alpha AS (
    SELECT sweep_id, method, input, params, iterations, tolerance, divergence, alpha,
           sum(verdict != 'converged') = 0 AS all_converged
    FROM runs
    WHERE method IN ('gradient_descent', 'command')
    GROUP BY sweep_id, method, input, params, iterations, tolerance, divergence, alpha
),
safe AS (
    SELECT sweep_id, method, input, params, iterations, tolerance, divergence,
           max(alpha) FILTER (WHERE all_converged) AS largest_safe_alpha
    FROM per_alpha
    GROUP BY sweep_id, method, input, params, iterations, tolerance, divergence
)
SELECT safe.sweep_id,
       (SELECT CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END FROM sweeps s WHERE s.id = safe.sweep_id) AS sweep,
       safe.input,
       safe.largest_safe_alpha,
       (SELECT min(p.alpha) FROM per_alpha p
        WHERE p.sweep_id = safe.sweep_id AND p.input IS safe.input AND p.params IS safe.params
          AND p.iterations = safe.iterations AND p.tolerance = safe.tolerance AND p.divergence = safe.divergence
          AND NOT p.all_converged AND p.alpha > coalesce(safe.largest_safe_alpha, 0)) AS smallest_unsafe_alpha,
       CASE WHEN safe.method = 'gradient_descent' AND safe.input != 0 THEN 2 / (safe.input * safe.input) END AS theory_largest_alpha,
       CASE WHEN safe.method = 'gradient_descent' AND safe.input != 0 THEN 1 / (safe.input * safe.input) END AS theory_no_overshoot_alpha,
       safe.iterations,
       safe.tolerance,
       safe.divergence,
       safe.params
FROM safe;

DROP VIEW sweep_overview;

CREATE VIEW sweep_overview AS
SELECT sweeps.id,
       sweeps.name,
       sweeps.method,
       sweeps.status,
       sweeps.started_at,
       sweeps.finished_at,
       sweeps.configs,
       count(runs.id)                    AS stored,
       sweeps.trace_every,
       coalesce(sum(runs.verdict = 'converged'), 0)   AS converged,
       coalesce(sum(runs.verdict = 'diverged'), 0)    AS diverged,
       coalesce(sum(runs.verdict = 'oscillating'), 0) AS oscillating,
       coalesce(sum(runs.verdict = 'stalled'), 0)     AS stalled,
       coalesce(sum(runs.verdict = 'unfinished'), 0)  AS unfinished,
       coalesce(sum(runs.verdict = 'failed'), 0)      AS failed
FROM sweeps
LEFT JOIN runs ON runs.id BETWEEN sweeps.first_run_id AND sweeps.first_run_id + sweeps.configs - 1
GROUP BY sweeps.id;

-- A program's edges are per its other axes too (params; '' for the
-- built-in rules), and a program may lack input, goal or weight. A STRICT
-- table's key columns cannot be NULL, so the key is a unique index, which
-- tells a missing input from any number.
DROP VIEW boundary;

CREATE TABLE boundaries_v7 (
    sweep_id   INTEGER NOT NULL REFERENCES sweeps (id),
    input      REAL,             -- NULL for a program without an input axis
    goal       REAL,
    weight     REAL,
    iterations INTEGER NOT NULL,
    tolerance  REAL    NOT NULL,
    divergence REAL    NOT NULL,
    edge       TEXT    NOT NULL, -- converge, diverge or overshoot
    n          INTEGER NOT NULL, -- the edge's number among those of its kind, by rate, from 0
    value      REAL,             -- the edge: the end of its bracket that converges (converge),
                                 -- diverges (diverge) or never overshoots (overshoot); NULL: none found
    lower      REAL,             -- the final bracket; upper/lower - 1 <= precision
    upper      REAL,
    probes     INTEGER NOT NULL, -- runs made to find it
    precision  REAL    NOT NULL,
    params     TEXT    NOT NULL DEFAULT '' -- a program's other axes, as runs.params; '' for none
) STRICT;

INSERT INTO boundaries_v7 (sweep_id, input, goal, weight, iterations, tolerance, divergence, edge, n,
                           value, lower, upper, probes, precision)
SELECT sweep_id, input, goal, weight, iterations, tolerance, divergence, edge, n,
       value, lower, upper, probes, precision
FROM boundaries;

DROP TABLE boundaries;

ALTER TABLE boundaries_v7 RENAME TO boundaries;

CREATE UNIQUE INDEX boundaries_key ON boundaries (sweep_id, ifnull(input, 'none'), ifnull(goal, 'none'), ifnull(weight, 'none'),
                                                  iterations, tolerance, divergence, params, edge, n);

CREATE VIEW boundary AS
SELECT sweep_id, sweep, input, goal, weight, edge, n, edges, change,
       value, lower, upper, theory,
       value / theory - 1 AS vs_theory,
       probes, iterations, tolerance, divergence, params
FROM (SELECT sweep_id, sweep, input, goal, weight, iterations, tolerance, divergence, params, edge, n, edges, change,
             value, lower, upper, probes,
             CASE WHEN method = 'gradient_descent' AND input != 0 THEN
                 CASE WHEN edge = 'converge' AND change = 'stops' OR edge = 'diverge' AND change = 'starts'
                          THEN 2 / (input * input)
                      WHEN edge = 'overshoot' AND change = 'starts'
                          THEN 1 / (input * input)
                 END
             END AS theory
      FROM (SELECT b.sweep_id, CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END AS sweep, s.method,
                   b.input, b.goal, b.weight, b.iterations, b.tolerance, b.divergence, b.params, b.edge,
                   row_number() OVER w - 1 AS n,
                   count(b.value) OVER w2 AS edges,
                   -- value is the converging, diverging or never overshooting
                   -- end: convergence and divergence stop above a value at
                   -- the lower end, overshooting starts
                   CASE WHEN b.value IS NULL THEN NULL
                        WHEN (b.value = b.lower) = (b.edge != 'overshoot') THEN 'stops'
                        ELSE 'starts'
                   END AS change,
                   b.value, b.lower, b.upper, b.probes
            FROM boundaries b JOIN sweeps s ON s.id = b.sweep_id
            WINDOW w2 AS (PARTITION BY b.sweep_id, b.input, b.goal, b.weight, b.iterations, b.tolerance, b.divergence, b.params, b.edge),
                   w AS (w2 ORDER BY b.lower)));
