import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

/// An open step run as the site shows it (a row of `queries/site_open_runs.sql`).
public struct SiteOpenRun: Sendable {
    public var ticketID: String, service: String, serviceVersion: Int64, step: String, team: String, state: String
    public var attempt: Int64, readyAt: Int64, ageHours: Double, activeAgeHours: Double
    public var workingAgeHours: Double?, targetHours: Double?, calendar: String, title: String
}

/// A team's flow over a window: the arrivals and completions of `queries/team_load.sql` over [start, end).
public struct SiteFlowWeek: Sendable {
    public var start: Int64, end: Int64, arrivals: Int, completions: Int
}

/// Everything the site's pages share, read once per build in one read transaction: names, the open work (one pass
/// of `site_open_runs.sql`), the alerts (the alert engine, so stalled and at-risk mean what they mean in the alert
/// file) and each team's recent flow (`team_load.sql`, one run per window). Ticket pages stream separately
/// (`forEachTicket`).
public struct SiteData {
    public var asOf: Int64
    public var teamNames: [String: String] = [:]
    public var serviceNames: [String: String] = [:]
    /// Step names by service, version and step key.
    public var stepNames: [String: String] = [:]
    public var openRuns: [SiteOpenRun] = []
    public var alerts: AlertReport
    /// Per team, the flow over the last 7 and the last 28 days (`flowDays`), in that order.
    public var flow: [String: [SiteFlowWeek]] = [:]
    public static let flowDays = [7, 28]
    /// Per team with open runs, the forecast of its queue (the `forecast` query's team row for those runs).
    public var forecasts: [String: TeamQueueForecast] = [:]

    static func stepKey(_ service: String, _ version: Int64, _ step: String) -> String { "\(service)\u{1F}\(version)\u{1F}\(step)" }

    public func stepName(_ service: String, _ version: Int64, _ step: String) -> String {
        stepNames[Self.stepKey(service, version, step)] ?? step
    }

    public func teamName(_ key: String) -> String { key.isEmpty ? "no team" : teamNames[key] ?? key }

    /// Reads the shared data as of `asOf` with the SQL of `queryFolder`.
    /// `alerts`: the alert engine's report as of `asOf`. `openRuns`: the text that answers `_open_runs.sql` from a
    /// table of the open runs at `asOf` filled in the same snapshot (the alert engine's); nil: the site fills its own.
    /// `offloaded`: the second thread that reads `offloadedJobs` at the same snapshot, whose team flows are taken
    /// from it (and the ticket rows left in it for the ticket pages); nil: read here.
    public static func load(db: Database, queryFolder: String, asOf: Int64, alerts: AlertReport, openRuns: String? = nil,
                            offloaded: Offloaded? = nil) throws -> SiteData {
        var data = SiteData(asOf: asOf, alerts: alerts)
        for r in try db.rows("SELECT key, name FROM teams") { data.teamNames[r.string("key") ?? ""] = r.string("name") }
        for r in try db.rows("SELECT key, name FROM services s WHERE version = (SELECT max(version) FROM services x WHERE x.key = s.key)") {
            data.serviceNames[r.string("key") ?? ""] = r.string("name")
        }
        for r in try db.rows("SELECT service, version, key, name FROM service_steps") {
            data.stepNames[stepKey(r.string("service") ?? "", r.int("version") ?? 0, r.string("key") ?? "")] = r.string("name")
        }
        let parameters: [String: SQLValue] = ["as_of": .integer(asOf)]
        defer { if openRuns == nil { try? db.execute("DROP TABLE IF EXISTS temp.site_open_runs") } }
        if openRuns == nil {
            try db.execute("DROP TABLE IF EXISTS temp.site_open_runs")
            let fragmentPath = queryFolder + "/_open_runs.sql"
            let fragment: String
            do { fragment = try String(contentsOfFile: fragmentPath, encoding: .utf8) } catch {
                throw SiteError("cannot read the query \(fragmentPath) (pass --queries DIR or set BATON_QUERIES)")
            }
            // The open runs once, for the queue pages and every week of flow (the alert engine does the same).
            _ = try QueryRunner.run(QueryFile(name: "_open_runs", path: fragmentPath,
                                              sql: "CREATE TEMP TABLE site_open_runs AS WITH\n" + fragment + "\nSELECT * FROM open_runs"),
                                    on: db, parameters: parameters)
        }
        let shared = ["_open_runs.sql": openRuns ?? "open_runs AS (SELECT * FROM temp.site_open_runs)"]
        let open = try query(queryFolder, "site_open_runs.sql", replacing: shared)
        try QueryRunner.forEachRow(open, on: db, parameters: parameters) { v in
            data.openRuns.append(SiteOpenRun(
                ticketID: v[0].string ?? "", service: v[1].string ?? "", serviceVersion: v[2].int ?? 0, step: v[3].string ?? "",
                team: v[4].string ?? "", state: v[5].string ?? "", attempt: v[6].int ?? 1, readyAt: v[7].int ?? asOf,
                ageHours: v[8].double ?? 0, activeAgeHours: v[9].double ?? 0, workingAgeHours: v[10].double,
                targetHours: v[11].double, calendar: v[12].string ?? "", title: v[13].string ?? ""))
        }
        var openByTeam: [String: Int] = [:]
        for r in data.openRuns { openByTeam[r.team, default: 0] += 1 }
        for name in ["forecast.sql", "forecast_completions.sql"] { _ = try query(queryFolder, name) }  // the error of any missing query
        data.forecasts = try TeamQueueForecast.teams(db: db, queryFolder: queryFolder, asOf: asOf, open: openByTeam)
        let load = try query(queryFolder, "team_load.sql", replacing: shared)
        let flows = try offloaded?.flows(on: db)
        for (i, days) in flowDays.enumerated() {
            let end = asOf, start = asOf - Int64(days) * 86_400
            let out = try flows?[i] ?? QueryRunner.run(load, on: db, parameters: flowParameters(asOf: asOf, days: days))
            let team = out.columns.firstIndex(of: "team"), arrivals = out.columns.firstIndex(of: "arrivals"),
                completions = out.columns.firstIndex(of: "completions")
            guard let team, let arrivals, let completions else { throw SiteError("\(load.path): needs the columns team, arrivals and completions") }
            for row in out.rows {
                let key = row[team].string ?? ""
                if key == "(between steps)" { continue }
                data.flow[key, default: []].append(SiteFlowWeek(start: start, end: end, arrivals: Int(row[arrivals].int ?? 0),
                                                                completions: Int(row[completions].int ?? 0)))
            }
        }
        return data
    }

    static func flowParameters(asOf: Int64, days: Int) -> [String: SQLValue] {
        ["as_of": .integer(asOf), "from": .integer(asOf - Int64(days) * 86_400), "to": .integer(asOf)]
    }

    /// What a second connection can read while this one computes the alerts and the open runs: each team's flow
    /// (`team_load.sql` per window, with its own open runs) and the open tickets' rows (`site_tickets.sql`).
    public static func offloadedJobs(queryFolder: String, asOf: Int64) throws -> [(query: QueryFile, values: [String: SQLValue])] {
        let load = try query(queryFolder, "team_load.sql")
        return flowDays.map { (load, flowParameters(asOf: asOf, days: $0)) }
            + [(try query(queryFolder, "site_tickets.sql"), ["as_of": .integer(asOf)])]
    }

    /// The outputs of `offloadedJobs`, read on a second thread (`SectionWorker`); this connection takes over the
    /// jobs it has not started.
    public final class Offloaded {
        let worker: SectionWorker
        private var outputs: [QueryOutput]?
        public init(_ worker: SectionWorker) { self.worker = worker }

        private func all(on db: Database) throws -> [QueryOutput] {
            if let outputs { return outputs }
            worker.help(on: db)
            let got = try worker.wait()
            outputs = got
            return got
        }

        func flows(on db: Database) throws -> [QueryOutput] { Array(try all(on: db).prefix(flowDays.count)) }
        func ticketRows(on db: Database) throws -> [[SQLValue]] { try all(on: db)[flowDays.count].rows }
    }

    static func query(_ folder: String, _ name: String, replacing: [String: String] = [:]) throws -> QueryFile {
        let path = folder + "/" + name
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw SiteError("cannot read the query \(path) (pass --queries DIR or set BATON_QUERIES)")
        }
        return try QueryFile.load(URL(fileURLWithPath: path), replacing: replacing)
    }
}

/// One open ticket with every step run, for its page (rows of `queries/site_tickets.sql`).
public struct SiteTicket: Sendable {
    public struct Step: Sendable {
        public var step: String, attempt: Int64, team: String, state: String
        public var readyAt: Int64?, startedAt: Int64?, doneAt: Int64?, pausedAt: Int64?
    }
    public var id: String, service: String, serviceVersion: Int64, title: String, requester: String
    /// The intake as stored (JSON): parsed only for a page that is rendered, not for every ticket's digest.
    public var intakeJSON: String, openedAt: Int64
    public var steps: [Step] = []
    /// The intake values, sorted by key (`intakeFields`).
    public var intake: [(key: String, value: String)] { Self.intakeFields(intakeJSON) }

    /// Streams the open tickets at `asOf`, one call per ticket, in ticket id order: from `rows` when a second
    /// thread has read them (`SiteData.Offloaded`), else from `site_tickets.sql` here.
    public static func forEach(db: Database, queryFolder: String, asOf: Int64, rows: [[SQLValue]]? = nil,
                               _ body: (SiteTicket) throws -> Void) throws {
        var current: SiteTicket?
        func add(_ v: [SQLValue]) throws {
            let id = v[0].string ?? ""
            if current?.id != id {
                if let done = current { try body(done) }
                current = SiteTicket(id: id, service: v[1].string ?? "", serviceVersion: v[2].int ?? 0, title: v[3].string ?? "",
                                     requester: v[4].string ?? "", intakeJSON: v[5].string ?? "{}", openedAt: v[6].int ?? 0)
            }
            guard let step = v[7].string else { return }
            current?.steps.append(Step(step: step, attempt: v[9].int ?? 1, team: v[10].string ?? "", state: v[14].string ?? "waiting",
                                       readyAt: v[11].int, startedAt: v[12].int, doneAt: v[13].int, pausedAt: v[15].int))
        }
        if let rows {
            for v in rows { try add(v) }
        } else {
            try QueryRunner.forEachRow(try SiteData.query(queryFolder, "site_tickets.sql"), on: db, parameters: ["as_of": .integer(asOf)], add)
        }
        if let done = current { try body(done) }
    }

    /// The intake values, sorted by key, each as text (a non-string value as its JSON).
    static func intakeFields(_ json: String) -> [(key: String, value: String)] {
        if json == "{}" { return [] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        return object.keys.sorted().map { key in
            let v = object[key]!
            switch v {
            case let s as String: return (key, s)
            case is NSNull: return (key, "")
            default:
                let data = (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys])) ?? Data()
                return (key, String(decoding: data, as: UTF8.self))
            }
        }
    }
}
