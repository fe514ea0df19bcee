import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// The two shipped profiles against the real logs in `../shared/data` (skipped when the folder is absent).
/// Data: Steeman (2013), BPI Challenge 2013 incidents, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee;
/// Amaral, Fantinato, Peres (2018), UCI incident management event log, doi:10.24432/C57S4H.
@Suite(.serialized) struct ImportRealLogTests {
    static func shell(_ script: String) throws -> String { try Subprocess.run("/bin/sh", ["-c", script]).out }

    static func profile(_ name: String) throws -> ImportProfile {
        try ImportProfile.load(path: TestPaths.packageRoot.appendingPathComponent("samples/profiles/\(name)").path)
    }

    // MARK: an independent model of the profile rules, written from the README, over raw rows

    struct RawRow { let at: Int64; let team: String; let cls: ImportProfile.StatusClass }
    struct ExpectedRun: Equatable, CustomStringConvertible {
        var team: String, attempt: Int, state: String, ready: Int64, started: Int64?, done: Int64?, paused: Int64
        var description: String { "\(team)#\(attempt) \(state) ready \(Instant.iso(ready)) started \(started.map(Instant.iso) ?? "-") done \(done.map(Instant.iso) ?? "-") paused \(paused)" }
    }

    /// Segments of consecutive rows with one team, cut by team changes and closing statuses.
    static func expected(_ input: [RawRow]) -> (runs: [ExpectedRun], leadSeconds: Int64?) {
        var rows: [RawRow] = []
        for r in input { if rows.last?.at == r.at { rows[rows.count - 1] = r } else { rows.append(r) } }
        func closing(_ c: ImportProfile.StatusClass) -> Bool { c == .closed || c == .cancelled }
        var finalStart = rows.count
        while finalStart > 0, closing(rows[finalStart - 1].cls) { finalStart -= 1 }
        var runs: [ExpectedRun] = []
        var open: (team: String, rows: [RawRow])?
        func finish(at end: Int64?, resolved: Bool) {
            guard let seg = open else { return }
            let startedAt = seg.rows.first { $0.cls == .active }?.at
            var paused: Int64 = 0, since: Int64? = nil, worked = false
            for r in seg.rows {
                switch r.cls {
                case .paused: if since == nil { since = r.at }
                case .waiting: if worked && since == nil { since = r.at }
                case .active: if let s = since { paused += r.at - s; since = nil }; worked = true
                default: break
                }
            }
            if let s = since, let end { paused += end - s }
            let state: String
            if end == nil { state = since != nil ? "paused" : (startedAt != nil ? "active" : "ready") }
            else { state = resolved || startedAt != nil ? "done" : "skipped" }
            let attempt = runs.filter { $0.team == seg.team }.count + 1
            runs.append(ExpectedRun(team: seg.team, attempt: attempt, state: state, ready: seg.rows[0].at, started: startedAt, done: end, paused: paused))
            open = nil
        }
        for r in rows[..<finalStart] {
            if closing(r.cls) { finish(at: r.at, resolved: true); continue }
            if open == nil || open!.team != r.team { finish(at: r.at, resolved: false); open = (r.team, []) }
            open!.rows.append(r)
        }
        if finalStart < rows.count { finish(at: rows[finalStart].at, resolved: true) } else { finish(at: nil, resolved: false) }
        return (runs, finalStart < rows.count ? rows[finalStart].at - rows[0].at : nil)
    }

    static func storedRuns(_ f: ImportFixture, _ ticket: String) throws -> [ExpectedRun] {
        try f.store.db.rows("SELECT * FROM step_runs WHERE ticket_id = ? ORDER BY ready_at, id", [ticket]).map {
            ExpectedRun(team: $0.string("team") ?? "", attempt: Int($0.int("attempt") ?? 0), state: $0.string("state") ?? "",
                        ready: $0.int("ready_at") ?? 0, started: $0.int("started_at"), done: $0.int("done_at"), paused: $0.int("paused_seconds") ?? 0)
        }
    }

    static func slug(_ s: String) -> String { s.lowercased().replacingOccurrences(of: " ", with: "-") }

    // MARK: BPI Challenge 2013

    static let bpiNamed = ["1-364285768", "1-541468268", "1-567358917", "1-642411971", "1-652468131", "1-739197171"]

    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data is absent (the real logs run in CI)"))
    func bpic2013IncidentsThroughTheProfile() throws {
        let file = try #require(TestPaths.sharedFile("bpic2013_incidents.xes.gz"))
        let (f, s) = try ImportFixture.copyOfBPIC2013()
        #expect(s.rowsRead == 65_533 && s.rejected == 0)
        let ticketCount = try f.count("SELECT count(*) FROM tickets")
        #expect(s.ticketsNew == 7_554 && ticketCount == 7_554)

        // The raw XES, read line by line with awk (not the importer's XML parser), for the named incidents.
        let names = Self.bpiNamed.joined(separator: "|")
        let raw = try Self.shell("""
            gzip -dc '\(file)' | awk '
              /<trace>/ { t = 1; name = ""; next }
              /<\\/trace>/ { t = 0; next }
              t && /<event>/ { e = 1; g = ""; c = ""; l = ""; ts = ""; next }
              t && /<\\/event>/ { e = 0; if (name ~ /^(\(names))$/) print name "\\t" ts "\\t" g "\\t" c "/" l; next }
              t && !e && /key="concept:name"/ { split($0, a, "value=\\""); split(a[2], b, "\\""); name = b[1] }
              e { split($0, a, "value=\\""); split(a[2], b, "\\""); v = b[1]
                  if ($0 ~ /key="org:group"/) g = v; if ($0 ~ /key="concept:name"/) c = v
                  if ($0 ~ /key="lifecycle:transition"/) l = v; if ($0 ~ /key="time:timestamp"/) ts = v }'
            """)
        var byTicket: [String: [RawRow]] = [:]
        for line in raw.split(separator: "\n") {
            let p = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let status = p[3]
            let cls: ImportProfile.StatusClass = status.hasPrefix("Completed/") ? .closed
                : status.hasPrefix("Queued/") || status == "Accepted/Assigned" ? .waiting
                : status.hasPrefix("Accepted/Wait") ? .paused : .active
            byTicket[p[0], default: []].append(RawRow(at: try #require(Instant.parse(p[1])), team: Self.slug(p[2]), cls: cls))
        }
        #expect(byTicket.count == Self.bpiNamed.count)
        for name in Self.bpiNamed {
            let rows = try #require(byTicket[name]).enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }.map(\.element)
            let (runs, lead) = Self.expected(rows)
            #expect(try Self.storedRuns(f, name) == runs, "\(name)")
            let ticket = try #require(try f.store.loadTicket(name))
            #expect(ticket.openedAt == rows[0].at)
            #expect(ticket.closedAt.map { $0 - ticket.openedAt! } == lead, "\(name) lead time")
        }
        // Tickets whose last row is a Completed status are closed; the others stay open.
        let closed = try Self.shell("""
            gzip -dc '\(file)' | awk '/<event>/ { e = 1 } /<\\/event>/ { e = 0 } e && /key="concept:name"/ { last = $0 }
              /<\\/trace>/ { if (last ~ /value="Completed"/) n++ } END { print n }'
            """)
        #expect(try f.count("SELECT count(*) FROM tickets WHERE state = 'closed'") == Int64(closed.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try f.count("SELECT count(*) FROM tickets WHERE state = 'cancelled'") == 0)
    }

    // MARK: Receipt (CoSeLoG), plain XES with the standard mapping

    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data is absent (the real logs run in CI)"))
    func receiptLogWithTheStandardMapping() throws {
        let data = try #require(TestPaths.sharedData)
        let file = data.appendingPathComponent("receipt.xes.gz").path
        let f = try ImportFixture()
        let s = try f.importFile(file, format: .xes)
        #expect(s.rowsRead == 8_577 && s.rejected == 0 && s.ticketsNew == 1_434)
        // Every event is `complete`: one run per event, and an activity seen k times in a case has attempts 1…k.
        let repeats = try Self.shell("""
            gzip -dc '\(file)' | awk '
              /<trace>/ { t = 1; delete seen; next }
              t && /<event>/ { e = 1; next }
              t && /<\\/event>/ { e = 0; if (seen[name]++) n++; next }
              e && /key="concept:name"/ { name = $0 }
              END { print n + 0 }'
            """)
        #expect(try f.count("SELECT count(*) FROM step_runs") == 8_577)
        #expect(try f.count("SELECT count(*) FROM step_runs WHERE attempt > 1") == Int64(repeats.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    // MARK: ServiceNow (UCI)

    /// A prefix of the file keeps the debug-build test to a few seconds (the full file imports in CI via the CLI test and by hand).
    static let uciRows = 30_000

    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data is absent (the real logs run in CI)"))
    func servicenowIncidentsThroughTheProfile() throws {
        let data = try #require(TestPaths.sharedData)
        let f = try ImportFixture()
        let prefix = f.path("uci-prefix.csv")
        _ = try Self.shell("gzip -dc '\(data.appendingPathComponent("uci_incident_event_log.csv.gz").path)' | head -n \(Self.uciRows + 1) > '\(prefix)'")
        let profile = try Self.profile("servicenow-incidents.json")
        let s = try f.importFile(prefix, profile: profile)
        #expect(s.rowsRead == Self.uciRows && s.rejected == 0)

        // Independently: split the raw lines (the file has no quoted fields), group by incident.
        let lines = try String(contentsOfFile: prefix, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let number = header.firstIndex(of: "number")!, state = header.firstIndex(of: "incident_state")!
        let updated = header.firstIndex(of: "sys_updated_at")!, group = header.firstIndex(of: "assignment_group")!
        var byTicket: [String: [RawRow]] = [:]
        var order: [String] = []
        for p in lines.dropFirst() {
            // d/m/yyyy HH:mm, UTC
            let dt = p[updated].split(separator: " "), d = dt[0].split(separator: "/").map { Int($0)! }, hm = dt[1].split(separator: ":").map { Int($0)! }
            let at = Instant.daysFromCivil(d[2], d[1], d[0]) * 86_400 + Int64(hm[0] * 3600 + hm[1] * 60)
            let cls: ImportProfile.StatusClass = ["Resolved", "Closed"].contains(p[state]) ? .closed
                : p[state] == "Active" ? .active : p[state].hasPrefix("Awaiting") ? .paused : .waiting
            if byTicket[p[number]] == nil { order.append(p[number]) }
            byTicket[p[number], default: []].append(RawRow(at: at, team: p[group] == "?" ? "" : Self.slug(p[group]), cls: cls))
        }
        #expect(s.ticketsNew == byTicket.count)
        var checked = 0
        for name in order where !(byTicket[name]!.contains { $0.team.isEmpty }) {
            let rows = byTicket[name]!.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }.map(\.element)
            let (runs, lead) = Self.expected(rows)
            #expect(try Self.storedRuns(f, name) == runs, "\(name)")
            let ticket = try #require(try f.store.loadTicket(name))
            #expect(ticket.closedAt.map { $0 - ticket.openedAt! } == lead, "\(name) lead time")
            checked += 1
            if checked == 200 { break }
        }
        #expect(checked == 200)
        // INC0000045 by hand: first update 29/2/2016 01:23, resolved 08:53 (then closed 5/3): lead time 7.5 h.
        let inc45 = try #require(try f.store.loadTicket("INC0000045"))
        #expect(inc45.openedAt == ImportFixture.t("2016-02-29T01:23:00Z") && inc45.closedAt == ImportFixture.t("2016-02-29T08:53:00Z"))
    }

    @Test func theTimeZoneOnTheCommandLineWinsOverTheProfile() throws {
        let f = try ImportFixture()
        let file = try f.write("sn.csv", """
        number,incident_state,sys_updated_at,assignment_group,sys_updated_by
        INC1,New,29/2/2016 01:23,Group 1,u1
        INC1,Active,29/2/2016 02:00,Group 1,u1
        INC1,Resolved,1/7/2016 08:53,Group 1,u1

        """)
        try f.importFile(file, profile: try Self.profile("servicenow-incidents.json"), timezone: "Europe/Lisbon")
        let t = try #require(try f.store.loadTicket("INC1"))
        #expect(t.openedAt == ImportFixture.t("2016-02-29T01:23:00Z"))        // Lisbon is UTC+0 in winter
        #expect(t.closedAt == ImportFixture.t("2016-07-01T07:53:00Z"))        // and UTC+1 in summer
        let bad = try f.write("sn-bad.csv", "number,incident_state,sys_updated_at,assignment_group,sys_updated_by\nINC2,New,31/2/2016 01:23,Group 1,u1\n")
        #expect(throws: InputError(file: bad, line: 2, field: "sys_updated_at", "'31/2/2016 01:23' is not a time in the format d/M/yyyy HH:mm")) {
            try f.importFile(bad, profile: try Self.profile("servicenow-incidents.json"))
        }
    }
}
