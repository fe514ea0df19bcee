-- Fragment (included with `-- include _span.sql` right after WITH RECURSIVE): span, the window [:from, :to) clamped
-- to the span of the data (DataSpan in the code says the same): from the first ticket opening to the last opening,
-- closing or cancellation at or before :as_of. Days or weeks outside it have nothing to show, so a series' rows stop
-- growing with the window there (an empty store gives no rows).
span AS (
    SELECT max(:from, coalesce((SELECT min(opened_at) FROM tickets), :to)) AS from_at,
           min(:to, 1 + max(coalesce((SELECT max(opened_at) FROM tickets WHERE opened_at <= :as_of), -9e18),
                            coalesce((SELECT max(closed_at) FROM tickets WHERE closed_at <= :as_of), -9e18),
                            coalesce((SELECT max(cancelled_at) FROM tickets WHERE cancelled_at <= :as_of), -9e18))) AS to_at
)
