-- What a reader of a database older than schema 0008 sees in place of what
-- that schema stores: the counts per block counted from the runs (as a
-- writing command's upgrade counts them, but on every query),
-- first_overshoot read from the stored trace rows, and the views of counts
-- read from the runs, as before 0008 (the facts of runs stored before are
-- known once the database is upgraded).
-- This file runs after the schema's views are made temporary views.
CREATE TEMP VIEW run_counts AS
SELECT sweep_id, config_index / 4096 AS block, alpha, step_amount, input, params, iterations, tolerance, divergence,
       count(*)                  AS configs,
       sum(verdict = 'converged')   AS converged,
       sum(verdict = 'diverged')    AS diverged,
       sum(verdict = 'oscillating') AS oscillating,
       sum(verdict = 'stalled')     AS stalled,
       sum(verdict = 'unfinished')  AS unfinished,
       sum(verdict = 'failed')      AS failed
FROM runs
GROUP BY sweep_id, config_index / 4096, alpha, step_amount, input, params, iterations, tolerance, divergence;

DROP VIEW temp.first_overshoot;

CREATE TEMP VIEW first_overshoot AS
SELECT run_id, min(step) AS step
FROM (SELECT run_id, step, delta, lag(delta) OVER (PARTITION BY run_id ORDER BY step) AS previous_delta
      FROM trace)
WHERE delta * previous_delta < 0
GROUP BY run_id;

-- The views that sum run_counts read the runs themselves, as 0007 made
-- them: counting every run by block first would take four times as long.
DROP VIEW temp.verdict_counts;

CREATE TEMP VIEW verdict_counts AS
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

DROP VIEW temp.safe_alpha;

CREATE TEMP VIEW safe_alpha AS
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

DROP VIEW temp.sweep_overview;

CREATE TEMP VIEW sweep_overview AS
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
