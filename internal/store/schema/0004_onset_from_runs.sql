-- divergence_onset answers from runs alone: a run stops at the row that
-- decides its verdict, so a diverged run's last row (step steps - 1) is
-- where the error left the bound, and that row's error is final_error (the
-- same IEEE value the trace view computes). So the view works for sweeps
-- that keep no trace (--trace none), and needs no scan of the traces.
DROP VIEW divergence_onset;

CREATE VIEW divergence_onset AS
SELECT runs.id         AS run_id,
       runs.sweep_id,
       sweeps.name     AS sweep,
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
