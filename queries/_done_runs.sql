-- Fragment (included with `-- include _done_runs.sql` after a common table done_window(lo, hi)): done_runs, the step
-- runs completed in [lo, hi) with a ready instant. Its columns are those of done_run_facts (_done_run_facts.sql):
-- the run's own, its calendar, target_seconds, week_start, wall_seconds and working_seconds.
done_runs AS (
    SELECT * FROM done_run_facts
    WHERE done_at >= (SELECT lo FROM done_window) AND done_at < (SELECT hi FROM done_window)
)
