-- A name means its newest sweep. Editing a sweep file and running it again
-- makes a new sweep of the same name; every view's sweep column names only
-- the newest sweep of each name by its bare name, and an older one as
-- "name (id)", so that WHERE sweep = 'alpha' answers once per config, for
-- the sweep file as it is now, and older versions stay reachable (by
-- sweep_id, or by that label). sweeps_by_name makes the check a lookup.
CREATE INDEX sweeps_by_name ON sweeps (name, id);

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
       sum(runs.verdict = 'unfinished')  AS unfinished
FROM runs
JOIN sweeps ON sweeps.id = runs.sweep_id
GROUP BY runs.sweep_id, runs.method, runs.alpha, runs.step_amount;

DROP VIEW safe_alpha;

CREATE VIEW safe_alpha AS
WITH per_alpha AS (
    SELECT sweep_id, input, alpha, sum(verdict != 'converged') = 0 AS all_converged
    FROM runs
    WHERE method = 'gradient_descent'
    GROUP BY sweep_id, input, alpha
),
safe AS (
    SELECT sweep_id, input, max(alpha) FILTER (WHERE all_converged) AS largest_safe_alpha
    FROM per_alpha
    GROUP BY sweep_id, input
)
SELECT safe.sweep_id,
       (SELECT CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END FROM sweeps s WHERE s.id = safe.sweep_id) AS sweep,
       safe.input,
       safe.largest_safe_alpha,
       (SELECT min(p.alpha) FROM per_alpha p
        WHERE p.sweep_id = safe.sweep_id AND p.input = safe.input
          AND NOT p.all_converged AND p.alpha > coalesce(safe.largest_safe_alpha, 0)) AS smallest_unsafe_alpha,
       CASE WHEN safe.input != 0 THEN 2 / (safe.input * safe.input) END AS theory_largest_alpha,
       CASE WHEN safe.input != 0 THEN 1 / (safe.input * safe.input) END AS theory_no_overshoot_alpha
FROM safe;

DROP VIEW theory;

CREATE VIEW theory AS
SELECT id AS run_id,
       sweep_id,
       (SELECT CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END FROM sweeps s WHERE s.id = sweep_id) AS sweep,
       alpha,
       input,
       goal,
       weight,
       verdict,
       steps,
       predicted_verdict,
       predicted_steps,
       alpha * input * input     AS alpha_input2,
       1 - alpha * input * input AS r,
       CASE
           WHEN input = 0                     THEN 'no learning'
           WHEN alpha * input * input < 1     THEN 'monotone'
           WHEN alpha * input * input = 1     THEN 'one step'
           WHEN alpha * input * input < 2     THEN 'overshooting'
           WHEN alpha * input * input = 2     THEN 'oscillating'
           ELSE 'diverging'
       END AS regime
FROM runs
WHERE method = 'gradient_descent';

DROP VIEW divergence_onset;

CREATE VIEW divergence_onset AS
SELECT runs.id         AS run_id,
       runs.sweep_id,
       CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = sweeps.name AND newer.id > sweeps.id) THEN sweeps.name || ' (' || sweeps.id || ')' ELSE sweeps.name END AS sweep,
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
FROM runs
JOIN sweeps ON sweeps.id = runs.sweep_id
WHERE runs.verdict = 'diverged';

DROP VIEW boundary;

CREATE VIEW boundary AS
SELECT sweep_id, sweep, input, goal, weight, edge, n, edges, change,
       value, lower, upper, theory,
       value / theory - 1 AS vs_theory,
       probes
FROM (SELECT sweep_id, sweep, input, goal, weight, edge, n, edges, change, value, lower, upper, probes,
             CASE WHEN method = 'gradient_descent' AND input != 0 THEN
                 CASE WHEN edge = 'converge' AND change = 'stops' OR edge = 'diverge' AND change = 'starts'
                          THEN 2 / (input * input)
                      WHEN edge = 'overshoot' AND change = 'starts'
                          THEN 1 / (input * input)
                 END
             END AS theory
      FROM (SELECT b.sweep_id, CASE WHEN EXISTS (SELECT 1 FROM sweeps newer WHERE newer.name = s.name AND newer.id > s.id) THEN s.name || ' (' || s.id || ')' ELSE s.name END AS sweep, s.method,
                   b.input, b.goal, b.weight, b.edge,
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
            WINDOW w2 AS (PARTITION BY b.sweep_id, b.input, b.goal, b.weight, b.edge),
                   w AS (w2 ORDER BY b.lower)));

