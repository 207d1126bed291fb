-- Sweeps over time (issue 13): runs shared between the sweeps of a
-- database, provenance, and limits as axes.
--
-- A reader of an older database gets these tables as temporary views of
-- the same names with the new columns (read/0006_sweeps_over_time.sql, see
-- Reader.tempViews), so the views below read it unchanged.

-- Provenance: what made a sweep's results. NULL for sweeps stored before
-- sweep recorded them.
ALTER TABLE sweeps ADD COLUMN sweep_version TEXT; -- the binary's module version and VCS revision
ALTER TABLE sweeps ADD COLUMN host          TEXT; -- the machine's host name
ALTER TABLE sweeps ADD COLUMN git_commit    TEXT; -- HEAD of the sweep file's git repository, +dirty with uncommitted changes; NULL outside git
ALTER TABLE sweeps ADD COLUMN command       TEXT; -- the command line, quoted as a shell would need

-- A run is computed once per database: a sweep whose config another sweep
-- stored already (same method, rate, input, goal, weight, limits and trace
-- storage) gets a copy of that run's row in its own range of run ids, and
-- shares its trace: trace_run is the id of the run whose trace_weights row
-- holds the trace, NULL when the run holds its own. Copying the row keeps
-- every sweep's runs in its own range (every view and command reads a
-- sweep's runs so); sharing the trace keeps a reused sweep from writing its
-- traces again (W1: 75 MB of them).
ALTER TABLE runs ADD COLUMN trace_run INTEGER;

-- Limits are axes too: the edges refine finds are per limits as well as
-- per input, goal and starting weight. Edges stored before get the limits
-- of the sweep they were found for, which had one set of limits.
DROP VIEW boundary;

CREATE TABLE boundaries_v6 (
    sweep_id   INTEGER NOT NULL REFERENCES sweeps (id),
    input      REAL    NOT NULL,
    goal       REAL    NOT NULL,
    weight     REAL    NOT NULL,
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
    PRIMARY KEY (sweep_id, input, goal, weight, iterations, tolerance, divergence, edge, n)
) STRICT;

INSERT INTO boundaries_v6 (sweep_id, input, goal, weight, iterations, tolerance, divergence, edge, n,
                           value, lower, upper, probes, precision)
SELECT b.sweep_id, b.input, b.goal, b.weight, l.iterations, l.tolerance, l.divergence, b.edge, b.n,
       b.value, b.lower, b.upper, b.probes, b.precision
FROM boundaries b
JOIN (SELECT s.id,
             (SELECT r.iterations FROM runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS iterations,
             (SELECT r.tolerance FROM runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS tolerance,
             (SELECT r.divergence FROM runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS divergence
      FROM sweeps s) l ON l.id = b.sweep_id
WHERE l.iterations IS NOT NULL;

DROP TABLE boundaries;

ALTER TABLE boundaries_v6 RENAME TO boundaries;

-- The trace of a run is in the trace_weights row of trace_run, or of the
-- run itself.
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
            JOIN json_each(t.weights) j));

-- Counts and safe rates are per limits: a rate that converges within 1000
-- steps may not within 10.
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
       runs.divergence
FROM runs
JOIN sweeps ON sweeps.id = runs.sweep_id
GROUP BY runs.sweep_id, runs.method, runs.alpha, runs.step_amount, runs.iterations, runs.tolerance, runs.divergence;

DROP VIEW safe_alpha;

CREATE VIEW safe_alpha AS
WITH per_alpha AS (
    SELECT sweep_id, input, iterations, tolerance, divergence, alpha,
           sum(verdict != 'converged') = 0 AS all_converged
    FROM runs
    WHERE method = 'gradient_descent'
    GROUP BY sweep_id, input, iterations, tolerance, divergence, alpha
),
safe AS (
    SELECT sweep_id, input, iterations, tolerance, divergence,
           max(alpha) FILTER (WHERE all_converged) AS largest_safe_alpha
    FROM per_alpha
    GROUP BY sweep_id, input, iterations, tolerance, divergence
)
SELECT safe.sweep_id,
       (SELECT CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END FROM sweeps s WHERE s.id = safe.sweep_id) AS sweep,
       safe.input,
       safe.largest_safe_alpha,
       (SELECT min(p.alpha) FROM per_alpha p
        WHERE p.sweep_id = safe.sweep_id AND p.input = safe.input
          AND p.iterations = safe.iterations AND p.tolerance = safe.tolerance AND p.divergence = safe.divergence
          AND NOT p.all_converged AND p.alpha > coalesce(safe.largest_safe_alpha, 0)) AS smallest_unsafe_alpha,
       CASE WHEN safe.input != 0 THEN 2 / (safe.input * safe.input) END AS theory_largest_alpha,
       CASE WHEN safe.input != 0 THEN 1 / (safe.input * safe.input) END AS theory_no_overshoot_alpha,
       safe.iterations,
       safe.tolerance,
       safe.divergence
FROM safe;

CREATE VIEW boundary AS
SELECT sweep_id, sweep, input, goal, weight, edge, n, edges, change,
       value, lower, upper, theory,
       value / theory - 1 AS vs_theory,
       probes, iterations, tolerance, divergence
FROM (SELECT sweep_id, sweep, input, goal, weight, iterations, tolerance, divergence, edge, n, edges, change,
             value, lower, upper, probes,
             CASE WHEN method = 'gradient_descent' AND input != 0 THEN
                 CASE WHEN edge = 'converge' AND change = 'stops' OR edge = 'diverge' AND change = 'starts'
                          THEN 2 / (input * input)
                      WHEN edge = 'overshoot' AND change = 'starts'
                          THEN 1 / (input * input)
                 END
             END AS theory
      FROM (SELECT b.sweep_id, CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END AS sweep, s.method,
                   b.input, b.goal, b.weight, b.iterations, b.tolerance, b.divergence, b.edge,
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
            WINDOW w2 AS (PARTITION BY b.sweep_id, b.input, b.goal, b.weight, b.iterations, b.tolerance, b.divergence, b.edge),
                   w AS (w2 ORDER BY b.lower)));
