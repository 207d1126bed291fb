-- Answers at the speed of storage (issue 15): what the views ask of a
-- sweep is stored when its runs are, so that they answer from a row per
-- run, or a row per group of runs, instead of reading every trace row or
-- sorting every run.
--
-- The facts of a run's trace, computed by the writer from every row as the
-- run was trained (stored or not, so --trace none sweeps have them too):
-- runner.Facts defines each, and TestFactsMatchTheirDefinitions checks
-- each against its definition in SQL over the full trace. NULL for a run
-- with no trace rows (a program that failed before printing one), and for
-- a run whose facts could not be known: a program's run stored by an
-- older sweep without every row of its trace.
ALTER TABLE runs ADD COLUMN overshoot_step     INTEGER; -- first step at which delta changed sign; NULL: never
ALTER TABLE runs ADD COLUMN sign_changes       INTEGER; -- steps at which delta changed sign
ALTER TABLE runs ADD COLUMN min_error          REAL;    -- the least error of any row
ALTER TABLE runs ADD COLUMN min_error_step     INTEGER; -- the first step that had it
ALTER TABLE runs ADD COLUMN step_below_1e9_tol INTEGER; -- first step with error < tolerance * 1e9; NULL: none
ALTER TABLE runs ADD COLUMN step_below_1e6_tol INTEGER; -- first step with error < tolerance * 1e6; NULL: none
ALTER TABLE runs ADD COLUMN step_below_1e3_tol INTEGER; -- first step with error < tolerance * 1e3; NULL: none

-- How many runs of a sweep ended in each verdict, per block of 4096
-- configs (config_index / 4096) and per rate, input, other axes (params)
-- and limits: what verdict_counts, safe_alpha and sweep_overview sum. A
-- key may have several rows, which add up: the writer adds a row per key
-- for the runs of each transaction, and whatever stores or removes runs
-- otherwise (another process storing the same run first, reuse, merge,
-- --retry-failed) counts the blocks it touched again from runs, leaving
-- one row per key. A sweep of 1.5 million configs over 21 rates and 601
-- inputs has about 15,000 rows, so those views read 15,000 rows instead of
-- sorting 1.5 million runs. A sweep whose stored runs are not those its
-- rows count (another program deleted some) is counted again when sweep
-- next runs it.
CREATE TABLE run_counts (
    sweep_id    INTEGER NOT NULL REFERENCES sweeps (id),
    block       INTEGER NOT NULL, -- config_index / 4096
    alpha       REAL,
    step_amount REAL,
    input       REAL,
    params      TEXT,
    iterations  INTEGER NOT NULL,
    tolerance   REAL    NOT NULL,
    divergence  REAL    NOT NULL,
    configs     INTEGER NOT NULL, -- runs stored
    converged   INTEGER NOT NULL,
    diverged    INTEGER NOT NULL,
    oscillating INTEGER NOT NULL,
    stalled     INTEGER NOT NULL,
    unfinished  INTEGER NOT NULL,
    failed      INTEGER NOT NULL
) STRICT;

CREATE INDEX run_counts_by_block ON run_counts (sweep_id, block);

-- The first overshoot of every run, from its facts: exact for a thinned or
-- unstored trace too.
DROP VIEW first_overshoot;

CREATE VIEW first_overshoot AS
SELECT id AS run_id, overshoot_step AS step
FROM runs
WHERE overshoot_step IS NOT NULL;

DROP VIEW verdict_counts;

CREATE VIEW verdict_counts AS
SELECT c.sweep_id,
       CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END AS sweep,
       s.method,
       c.alpha,
       c.step_amount,
       sum(c.configs)     AS configs,
       sum(c.converged)   AS converged,
       sum(c.diverged)    AS diverged,
       sum(c.oscillating) AS oscillating,
       sum(c.stalled)     AS stalled,
       sum(c.unfinished)  AS unfinished,
       c.iterations,
       c.tolerance,
       c.divergence,
       sum(c.failed)      AS failed
FROM run_counts c
JOIN sweeps s ON s.id = c.sweep_id
GROUP BY c.sweep_id, s.method, c.alpha, c.step_amount, c.iterations, c.tolerance, c.divergence;

DROP VIEW safe_alpha;

CREATE VIEW safe_alpha AS
WITH per_alpha AS (
    SELECT c.sweep_id, s.method, c.input, c.params, c.iterations, c.tolerance, c.divergence, c.alpha,
           sum(c.configs - c.converged) = 0 AS all_converged
    FROM run_counts c
    JOIN sweeps s ON s.id = c.sweep_id
    WHERE s.method IN ('gradient_descent', 'command')
    GROUP BY c.sweep_id, s.method, c.input, c.params, c.iterations, c.tolerance, c.divergence, c.alpha
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
       coalesce(sum(c.configs), 0)     AS stored,
       sweeps.trace_every,
       coalesce(sum(c.converged), 0)   AS converged,
       coalesce(sum(c.diverged), 0)    AS diverged,
       coalesce(sum(c.oscillating), 0) AS oscillating,
       coalesce(sum(c.stalled), 0)     AS stalled,
       coalesce(sum(c.unfinished), 0)  AS unfinished,
       coalesce(sum(c.failed), 0)      AS failed
FROM sweeps
LEFT JOIN run_counts c ON c.sweep_id = sweeps.id
GROUP BY sweeps.id;

-- The trace view as one SELECT, not a UNION ALL of the built-ins' rows and
-- a program's: SQLite then computes only the columns a query reads, so
-- that counting W1's 3.5 million rows reads the stored weights and nothing
-- else (0.3 s instead of 0.5). Each row's columns are those of 0007's
-- view, computed by the same operations in the same order; own says the
-- row is a built-in rule's, whose weights are stored, not its columns.
DROP VIEW trace;

CREATE VIEW trace AS
SELECT run_id,
       step,
       weight,
       pred,
       CASE WHEN own THEN delta * delta ELSE error END AS error,
       delta,
       CASE
           WHEN NOT own THEN weight_delta
           WHEN step_amount IS NULL THEN input * delta
           WHEN (goal - input * (weight - step_amount)) * (goal - input * (weight - step_amount))
              < (goal - input * (weight + step_amount)) * (goal - input * (weight + step_amount)) THEN step_amount
           WHEN (goal - input * (weight - step_amount)) * (goal - input * (weight - step_amount))
              > (goal - input * (weight + step_amount)) * (goal - input * (weight + step_amount)) THEN -step_amount
           ELSE 0.0
       END AS weight_delta
FROM (SELECT r.id                                                                         AS run_id,
             w.run_id IS NOT NULL                                                         AS own,
             CASE WHEN w.run_id IS NOT NULL THEN CAST(j.key AS INTEGER) ELSE CAST(j.value ->> 0 AS INTEGER) END AS step,
             CASE WHEN w.run_id IS NOT NULL THEN j.value ELSE j.value ->> 1 END           AS weight,
             CASE WHEN w.run_id IS NOT NULL THEN r.input * j.value ELSE j.value ->> 2 END AS pred,
             j.value ->> 3                                                                AS error,
             CASE WHEN w.run_id IS NOT NULL THEN r.input * j.value - r.goal ELSE j.value ->> 4 END AS delta,
             j.value ->> 5                                                                AS weight_delta,
             r.input,
             r.goal,
             r.step_amount
      FROM runs r
      LEFT JOIN trace_weights w ON w.run_id = coalesce(r.trace_run, r.id)
      LEFT JOIN trace_values v ON w.run_id IS NULL AND v.run_id = coalesce(r.trace_run, r.id)
      JOIN json_each(coalesce(w.weights, v.rows)) j);

-- The views of one row per run read a sweep's runs as its range of ids,
-- named once per sweep rather than looked up for every run: WHERE sweep =
-- 'w2' reads W2's 1.5 million runs in 0.2 s instead of 1.6. The + before
-- a filter on a column of runs keeps SQLite from building an index of
-- every run for it instead of reading the range.
DROP VIEW theory;

CREATE VIEW theory AS
SELECT runs.id AS run_id,
       runs.sweep_id,
       s.label AS sweep,
       runs.alpha,
       runs.input,
       runs.goal,
       runs.weight,
       runs.verdict,
       runs.steps,
       runs.predicted_verdict,
       runs.predicted_steps,
       runs.alpha * runs.input * runs.input     AS alpha_input2,
       1 - runs.alpha * runs.input * runs.input AS r,
       CASE
           WHEN runs.input = 0                               THEN 'no learning'
           WHEN runs.alpha * runs.input * runs.input < 1     THEN 'monotone'
           WHEN runs.alpha * runs.input * runs.input = 1     THEN 'one step'
           WHEN runs.alpha * runs.input * runs.input < 2     THEN 'overshooting'
           WHEN runs.alpha * runs.input * runs.input = 2     THEN 'oscillating'
           ELSE 'diverging'
       END AS regime
FROM (SELECT id, first_run_id, configs,
             CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = sweeps.name AND newer.id > sweeps.id) THEN name || ' (' || id || ')' ELSE name END AS label
      FROM sweeps) s
CROSS JOIN runs ON runs.id >= s.first_run_id AND runs.id < s.first_run_id + s.configs
WHERE +runs.method = 'gradient_descent';

DROP VIEW divergence_onset;

CREATE VIEW divergence_onset AS
SELECT runs.id         AS run_id,
       runs.sweep_id,
       s.label         AS sweep,
       runs.method,
       runs.alpha,
       runs.step_amount,
       runs.input,
       runs.goal,
       runs.weight,
       runs.steps - 1  AS step,
       runs.final_error AS error,
       runs.divergence AS bound,
       runs.predicted_steps - 1 AS predicted_step
FROM (SELECT id, first_run_id, configs,
             CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = sweeps.name AND newer.id > sweeps.id) THEN name || ' (' || id || ')' ELSE name END AS label
      FROM sweeps) s
CROSS JOIN runs ON runs.id >= s.first_run_id AND runs.id < s.first_run_id + s.configs
WHERE +runs.verdict = 'diverged';
