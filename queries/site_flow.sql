-- The static site's flow per team (baton site): arrivals and completions over [:from, :to) as of :as_of, as
-- team_load.sql counts them (the same fragment, _team_flow.sql) without team_load's open work, which the site reads
-- once for every page (site_open_runs.sql). A row per team with arrivals, completions or reassignments in the window.
WITH
-- include _team_flow.sql
SELECT team, arrivals, completions
FROM flow_by_team
WHERE arrivals > 0 OR completions > 0 OR reassignments > 0
ORDER BY team
