-- What a reader of a database older than schema 0006 sees in place of the
-- tables that schema changes: temporary views of the same names, with the
-- new columns, which the schema's views (and people's queries) read as
-- they read the tables of a newer database. Reading never writes, so the
-- tables themselves change when a writing command next opens the file.

-- Sweeps stored before recorded no provenance.
CREATE TEMP VIEW sweeps AS
SELECT *, NULL AS sweep_version, NULL AS host, NULL AS git_commit, NULL AS command
FROM main.sweeps;

-- Runs stored before share no traces.
CREATE TEMP VIEW runs AS
SELECT *, NULL AS trace_run
FROM main.runs;

-- Edges found before are for the one set of limits of their sweep. Only
-- the columns every older schema has are read (n came with 0003; the
-- boundary view numbers the edges itself).
CREATE TEMP VIEW boundaries AS
SELECT b.sweep_id, b.input, b.goal, b.weight,
       (SELECT r.iterations FROM main.runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS iterations,
       (SELECT r.tolerance FROM main.runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS tolerance,
       (SELECT r.divergence FROM main.runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS divergence,
       b.edge, b.value, b.lower, b.upper, b.probes, b.precision
FROM main.boundaries b
JOIN main.sweeps s ON s.id = b.sweep_id;
