-- Fragment (included after open_runs, see alerts_unwatched.sql and alerts_ownership.sql): each team's ready runs
-- open at :as_of, ranked oldest first (rank 1 is the run a queue alert names).
oldest_ready AS (
    SELECT o.*, row_number() OVER (PARTITION BY o.team ORDER BY o.ready_at, o.ticket_id, o.step, o.attempt) AS rank
    FROM open_runs o
    WHERE o.state = 'ready' AND o.team IS NOT NULL
)
