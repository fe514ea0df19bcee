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
/// file), each team's recent flow (`site_flow.sql`: team_load.sql's arrivals and completions, one run per window)
/// and its forecast. The open tickets are read separately (`SiteTickets`).
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
    /// `offloaded`: the second thread that reads at the same snapshot (`offload`), whose team flows and forecast inputs are taken
    /// from it (and the ticket rows left in it for the ticket pages); nil: read here.
    static func load(db: Database, queryFolder: String, asOf: Int64, alerts: AlertReport, openRuns: String? = nil,
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
        if let inputs = try offloaded?.forecast(on: db) {
            data.forecasts = TeamQueueForecast.teams(inputs, asOf: asOf, open: openByTeam)
        } else {
            data.forecasts = try TeamQueueForecast.teams(db: db, queryFolder: queryFolder, asOf: asOf, open: openByTeam)
        }
        // Each team's flow per window (site_flow.sql: team_load.sql's arrivals and completions); a team with open runs
        // and no flow has a row of zeros, as in team_load.
        let flows = try offloaded?.flows(on: db)
        for (i, days) in flowDays.enumerated() {
            let end = asOf, start = asOf - Int64(days) * 86_400
            let out = try flows?[i] ?? QueryRunner.run(try query(queryFolder, "site_flow.sql"), on: db, parameters: flowParameters(asOf: asOf, days: days))
            let team = out.columns.firstIndex(of: "team"), arrivals = out.columns.firstIndex(of: "arrivals"),
                completions = out.columns.firstIndex(of: "completions")
            guard let team, let arrivals, let completions else {
                throw SiteError("\(queryFolder)/site_flow.sql: needs the columns team, arrivals and completions")
            }
            var seen: Set<String> = []
            for row in out.rows {
                let key = row[team].string ?? ""
                seen.insert(key)
                data.flow[key, default: []].append(SiteFlowWeek(start: start, end: end, arrivals: Int(row[arrivals].int ?? 0),
                                                                completions: Int(row[completions].int ?? 0)))
            }
            for key in openByTeam.keys where !seen.contains(key) {
                data.flow[key, default: []].append(SiteFlowWeek(start: start, end: end, arrivals: 0, completions: 0))
            }
        }
        return data
    }

    static func flowParameters(asOf: Int64, days: Int) -> [String: SQLValue] {
        ["as_of": .integer(asOf), "from": .integer(asOf - Int64(days) * 86_400), "to": .integer(asOf)]
    }

    /// Starts a second thread that reads, at the snapshot `hold` fixes, what does not depend on the alerts: each
    /// team's flow (`site_flow.sql` per window), the forecast inputs, the open tickets (`site_tickets.sql`) with
    /// their page names and digests (`SiteTickets`), and the manifest of the live build (`live`: its folder, nil
    /// when there is none), while this connection computes the alerts and the open runs. Nil when the second
    /// connection cannot be opened.
    static func offload(queryFolder: String, asOf: Int64, key: SiteKey, listedServices: Set<String>, live: String?,
                        under hold: SectionWorker.Hold) throws -> Offloaded? {
        let load = try query(queryFolder, "site_flow.sql")
        let tickets = try query(queryFolder, "site_tickets.sql")
        let results = Offloaded.Results()
        // Longest first, so that this thread, once done with the alerts, takes over the short ones left.
        let reads: [SectionWorker.Read] = [
            { db in results.tickets = try SiteTickets.read(db: db, query: tickets, asOf: asOf, key: key, listedServices: listedServices) },
            { db in results.forecast = try TeamQueueForecast.inputs(db: db, queryFolder: queryFolder, asOf: asOf) },
        ] + flowDays.enumerated().reversed().map { i, days in
            { db in results.set(flow: i, try QueryRunner.run(load, on: db, parameters: flowParameters(asOf: asOf, days: days))) }
        } + [{ _ in results.manifest = SiteWriter.LiveManifest.read(build: live, name: key.manifestName) }]
        guard let worker = SectionWorker.start([], tasks: reads, under: hold) else { return nil }
        return Offloaded(worker, results)
    }

    /// What `offload`'s second thread read; this connection takes over what it has not started.
    final class Offloaded {
        /// Written by the reads (on whichever thread runs them) before the worker's `wait` returns, read after it.
        final class Results: @unchecked Sendable {
            var forecast: TeamQueueForecast.Inputs?
            var tickets: SiteTickets?
            var manifest: SiteWriter.LiveManifest?
            private let lock = NSLock()
            private(set) var flows: [QueryOutput?] = Array(repeating: nil, count: SiteData.flowDays.count)
            /// The windows may be read on both threads at once.
            func set(flow i: Int, _ output: QueryOutput) { lock.lock(); flows[i] = output; lock.unlock() }
        }
        let worker: SectionWorker
        private let results: Results
        private var finished = false
        init(_ worker: SectionWorker, _ results: Results) { self.worker = worker; self.results = results }

        /// Takes over the reads not started, then waits for the rest.
        private func all(on db: Database) throws {
            if finished { return }
            worker.help(on: db)
            _ = try worker.wait()
            finished = true
        }

        func flows(on db: Database) throws -> [QueryOutput] { try all(on: db); return results.flows.map { $0! } }
        func forecast(on db: Database) throws -> TeamQueueForecast.Inputs? { try all(on: db); return results.forecast }
        func tickets(on db: Database) throws -> SiteTickets? { try all(on: db); return results.tickets }
        func manifest(on db: Database) throws -> SiteWriter.LiveManifest? { try all(on: db); return results.manifest }
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

    /// Streams the open tickets at `asOf` (`query`: `site_tickets.sql`), one call per ticket, in ticket id order.
    public static func forEach(db: Database, query: QueryFile, asOf: Int64, _ body: (SiteTicket) throws -> Void) throws {
        var current: SiteTicket?
        // Read in place: a ticket's fields once, on its first row (its next rows repeat them).
        _ = try QueryRunner.forEachStatement(query, on: db, parameters: ["as_of": .integer(asOf)]) { v in
            if current == nil || !v.textEquals(at: 0, current!.id) {
                if let done = current { try body(done) }
                current = SiteTicket(id: v.string(at: 0) ?? "", service: v.string(at: 1) ?? "", serviceVersion: v.int(at: 2) ?? 0,
                                     title: v.string(at: 3) ?? "", requester: v.string(at: 4) ?? "", intakeJSON: v.string(at: 5) ?? "{}",
                                     openedAt: v.int(at: 6) ?? 0)
            }
            guard let step = v.string(at: 7) else { return }
            current!.steps.append(Step(step: step, attempt: v.int(at: 9) ?? 1, team: v.string(at: 10) ?? "", state: v.string(at: 14) ?? "waiting",
                                       readyAt: v.int(at: 11), startedAt: v.int(at: 12), doneAt: v.int(at: 13), pausedAt: v.int(at: 15)))
        }
        if let done = current { try body(done) }
    }

    /// An open ticket with what its page needs besides the alerts: its page name (`SiteKey.pageName`) and the digest
    /// of its own inputs at as_of (`TicketPage.ticketDigest`). Made on either thread.
    public struct Prepared: Sendable {
        public var ticket: SiteTicket
        public var name: String
        public var digest: [UInt8]

        init(_ t: SiteTicket, asOf: Int64, key: SiteKey) {
            ticket = t
            name = key.pageName(ticket: t.id)
            digest = TicketPage.ticketDigest(t, asOf: asOf)
        }
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
