import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// Ownership health and the thin-ownership alert on `OwnershipLog` (every number worked out by hand), imported
/// grouped by ticket, time-ordered and shuffled; on BPI 2013, the figures are checked against a second computation
/// straight from the events.
@Suite(.serialized) struct OwnershipHealthTests {
    static func health(_ db: Database, asOf: Int64) throws -> [String: Row] {
        let out = try QueryRunner.run(try QueryFile.named("ownership_health"), on: db, parameters: ["as_of": .integer(asOf)])
        return Dictionary(uniqueKeysWithValues: out.rows.map { values in
            let row = Row(columns: out.columns, values: values)
            return (row.string("team")!, row)
        })
    }

    @Test(arguments: ["grouped", "time-ordered", "shuffled"])
    func everyNumberIsTheHandWorkedOne(order: String) throws {
        let store = try OwnershipLog.store(order: order)
        let rows = try Self.health(store.store.db, asOf: OwnershipLog.asOf)
        #expect(rows.keys.sorted() == ["anon", "five", "ghost", "mostly", "quiet", "solo"])
        func r(_ team: String) throws -> Row { try #require(rows[team]) }
        let solo = try r("solo"), five = try r("five"), mostly = try r("mostly"), ghost = try r("ghost"), quiet = try r("quiet")
        #expect(solo.string("verdict") == "single-person" && solo.int("completed") == 4 && solo.int("actors") == 1)
        #expect(solo.string("top_actor") == "sam" && solo.int("top_actor_runs") == 4 && solo.double("top_actor_share") == 1)
        #expect(solo.int("last_started_at") == OwnershipLog.at(days: 7) && solo.double("hours_since_last_start") == 168)
        #expect(solo.int("open_ready") == 1 && solo.double("oldest_ready_hours") == 30)
        #expect(solo.int("owned_steps") == 1 && solo.int("idle_steps") == 0 && solo.string("idle_step_list") == nil)
        #expect(five.string("verdict") == "ok" && five.int("completed") == 7 && five.int("actors") == 5)
        #expect(five.string("top_actor") == "a" && five.int("top_actor_runs") == 3 && five.double("top_actor_share") == 3.0 / 7)
        #expect(five.double("hours_since_last_start") == 12 && five.int("open_ready") == 1)
        #expect(mostly.string("verdict") == "concentrated" && mostly.int("completed") == 10 && mostly.int("actors") == 2)
        #expect(mostly.string("top_actor") == "x" && mostly.double("top_actor_share") == 0.9 && mostly.int("open_ready") == 0)
        #expect(mostly.double("oldest_ready_hours") == nil && mostly.double("hours_since_last_start") == 31 * 24)
        #expect(ghost.string("verdict") == "unmonitored" && ghost.int("completed") == 0 && ghost.int("actors") == 0)
        #expect(ghost.string("top_actor") == nil && ghost.double("top_actor_share") == nil)
        #expect(ghost.double("hours_since_last_start") == 2400 && ghost.int("open_ready") == 1)
        #expect(ghost.int("idle_steps") == 1 && ghost.string("idle_step_list") == "ghost-svc/work")
        #expect(quiet.string("verdict") == "no-work" && quiet.int("owned_steps") == 0 && quiet.int("last_started_at") == nil)
        let anon = try r("anon")
        #expect(anon.string("verdict") == "actors-unknown" && anon.int("completed") == 2 && anon.int("actors") == 0)
        #expect(anon.string("top_actor") == nil && anon.double("hours_since_last_start") == 48)
        // Flagged teams first: unmonitored, single-person, concentrated, then ok, then no-work.
        let out = try QueryRunner.run(try QueryFile.named("ownership_health"), on: store.store.db, parameters: ["as_of": .integer(OwnershipLog.asOf)])
        #expect(out.rows.map { $0[0].string } == ["ghost", "solo", "mostly", "anon", "five", "quiet"])
    }

    static func alerts(_ db: Database, asOf: Int64) throws -> [Alert] {
        try AlertEngine(db: db, queryFolder: TestPaths.queries).compute(AlertSettings(asOf: asOf), generatedAt: asOf).alerts
    }

    /// A queue worked by one person, or by nobody, is flagged once its oldest ready run has waited 8 hours, before the
    /// three-day unwatched rule holds; then unwatched takes over. A team with five people is not flagged, nor one whose
    /// runs name no one (anon: who works it cannot be told).
    @Test(arguments: ["grouped", "time-ordered", "shuffled"])
    func thinOwnershipFiresBeforeUnwatched(order: String) throws {
        let store = try OwnershipLog.store(order: order)
        func kinds(_ asOf: Int64) throws -> [String: [String]] {
            var out: [String: [String]] = [:]
            for a in try Self.alerts(store.store.db, asOf: asOf) where a.kind == .thinOwnership || a.kind == .unwatched {
                out[a.team ?? "", default: []].append("\(a.kind.rawValue):\(a.source)")
            }
            return out
        }
        #expect(try kinds(OwnershipLog.asOf - 23 * 3600) == [:], "the oldest ready run has waited 7 h: not yet")
        #expect(try kinds(OwnershipLog.asOf) == ["ghost": ["thin_ownership:no-one"], "solo": ["thin_ownership:one-person"]])
        #expect(try kinds(OwnershipLog.asOf + 48 * 3600) == ["anon": ["unwatched:unwatched-days"], "ghost": ["unwatched:unwatched-days"],
                                                             "solo": ["unwatched:unwatched-days"]])
        let thin = try Self.alerts(store.store.db, asOf: OwnershipLog.asOf).first { $0.kind == .thinOwnership && $0.team == "solo" }
        #expect(thin?.ageHours == 30 && thin?.thresholdHours == 8 && thin?.lastStartedAt == OwnershipLog.at(days: 7))
        #expect(thin?.service == "solo-svc" && thin?.step == "work")
        // The text line's sentence says who is missing, how long the oldest work waited and the limit.
        let sentence = try AlertFormat.sentence(#require(thin))
        #expect(sentence.hasPrefix("team solo: one person started all its recent work; its oldest ready work, "), "\(sentence)")
        #expect(sentence.hasSuffix(" has waited 30 h, over the 8 h thin-ownership limit (last started \(Instant.iso(OwnershipLog.at(days: 7))))"), "\(sentence)")
    }

    static func promText() throws -> (AlertReport, String) {
        let store = try OwnershipLog.store(order: "grouped")
        let report = try AlertEngine(db: store.store.db, queryFolder: TestPaths.queries)
            .compute(AlertSettings(asOf: OwnershipLog.asOf), generatedAt: OwnershipLog.asOf)
        return (report, AlertFormat.prom.render(report))
    }

    @Test func thePromAndJSONFilesListTheKind() throws {
        let (report, prom) = try Self.promText()
        #expect(prom.contains("baton_alerts{kind=\"thin_ownership\"} 2\n"))
        #expect(prom.contains("baton_thin_ownership_queue{team=\"solo\",source=\"one-person\"} 1\n"))
        #expect(prom.contains("baton_thin_ownership_queue{team=\"ghost\",source=\"no-one\"} 1\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(AlertFormat.json.render(report).utf8)) as? [String: Any])
        #expect((json["counts"] as? [String: Any])?["thin_ownership"] as? Int == 2)
        let thin = (json["alerts"] as? [[String: Any]])?.first { $0["kind"] as? String == "thin_ownership" }
        #expect(thin?["last_started_at"] as? String == Instant.iso(OwnershipLog.at(days: 100)) && thin?["source"] as? String == "no-one", "ghost first: teams in order")
    }

    @Test(.enabled(if: ExternalTools.promtool != nil, "needs promtool (Debian package prometheus)"))
    func thePromFileWithTheKindPassesPromtool() throws {
        let (_, prom) = try Self.promText()
        let r = try Subprocess.run(ExternalTools.promtool!, ["check", "metrics"], input: Data(prom.utf8), timeout: 120)
        #expect(r.status == 0 && (r.out + r.err).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(r.out)\(r.err)")
    }

    /// BPI 2013: every team's completed runs, actors, top actor's runs and last start, as ownership_health gives them,
    /// against the same figures counted straight from the events (completed and started events by team), as of
    /// three instants.
    @Test(.enabled(if: SharedImports.bpic2013 != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"),
          arguments: ["2012-05-21T00:00:00Z", "2012-03-01T00:00:00Z", "2011-11-15T00:00:00Z"])
    func onBPIC2013TheFiguresAreThoseOfTheEvents(asOf text: String) throws {
        let imported = try #require(SharedImports.bpic2013).get()
        let store = try TemporaryStore("ownership-bpic", copyOf: imported.dbPath)
        let asOf = Instant.parse(text)!
        let rows = try Self.health(store.store.db, asOf: asOf)
        let events = try store.store.db.rows("""
            WITH c AS (SELECT team, actor, count(*) AS n FROM events
                       WHERE kind = 'completed' AND at > ?1 - 90 * 86400 AND at <= ?1 AND team IS NOT NULL GROUP BY team, actor)
            SELECT team, sum(n) AS completed, count(actor) AS actors, max(n) AS top,
                   (SELECT max(at) FROM events s WHERE s.kind = 'started' AND s.team = c.team AND s.at <= ?1) AS last_started
            FROM c GROUP BY team
            """, [asOf])
        #expect(events.count > 20, "teams with work in the 90 days")
        var flagged = 0
        for e in events {
            let team = e.string("team")!
            let row = try #require(rows[team], "\(team)")
            #expect(row.int("completed") == e.int("completed") && row.int("actors") == e.int("actors"), "\(team)")
            #expect(row.int("top_actor_runs") == e.int("top") && row.int("last_started_at") == e.int("last_started"), "\(team)")
            if row.string("verdict") == "single-person" { flagged += 1; #expect(e.int("actors") == 1) }
        }
        #expect(rows.values.filter { ($0.int("completed") ?? 0) > 0 }.count == events.count)
        #expect(flagged > 0, "real support groups worked by one person exist")
    }
}
