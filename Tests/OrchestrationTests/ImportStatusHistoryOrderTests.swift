import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration

/// A status-change history gives the same tickets and runs whatever the order of its rows: grouped by ticket, sorted
/// by time (as system exports are) or shuffled. Rows of one ticket at one instant keep their file order in every
/// variant, since the rules collapse them into the last (README "Importing status-change histories").
@Suite struct ImportStatusHistoryOrderTests {
    /// The file's data lines reordered: by time (stable), or by a seeded random key per (ticket, instant).
    enum Order: String, CaseIterable { case timeOrdered, shuffled }

    static func reorder(_ lines: [String], _ order: Order, ticket: Int, at: (String) -> Int64) -> [String] {
        let fields = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var rng = SplitMix64(seed: 7)
        var keys: [String: UInt64] = [:]
        let indexed = fields.enumerated().map { i, f -> (Int, Int64, UInt64) in
            let instant = at(f.joined(separator: ","))
            let key = order == .shuffled ? keys["\(f[ticket])|\(instant)", default: rng.next()] : 0
            if order == .shuffled { keys["\(f[ticket])|\(instant)"] = key }
            return (i, instant, key)
        }
        let sorted = indexed.sorted { a, b in
            switch order {
            case .timeOrdered: return a.1 != b.1 ? a.1 < b.1 : a.0 < b.0
            case .shuffled: return a.2 != b.2 ? a.2 < b.2 : a.0 < b.0
            }
        }
        return sorted.map { lines[$0.0] }
    }

    /// Events, tickets, runs and pauses, without the inferred definitions (whose step order follows first appearance).
    static func state(_ f: ImportFixture) throws -> String {
        let full = try f.fingerprint()
        return String(full[..<(full.range(of: "[services]")?.lowerBound ?? full.endIndex)])
    }

    @Test(arguments: Order.allCases)
    func aSmallHistoryInAnyOrder(_ order: Order) throws {
        let grouped = try ImportFixture()
        let profile = try ImportProfile.load(path: try grouped.write("desk.json", ImportProfileTests.profileJSON))
        let file = try grouped.copy(fixture: "desk-history.csv")
        try grouped.importFile(file, profile: profile)
        let text = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let lines = Self.reorder(Array(text.dropFirst()), order, ticket: 0) { ImportFixture.t(String($0.split(separator: ",")[2])) }
        #expect(lines != Array(text.dropFirst()), "the reordered file differs from the grouped one")

        let other = try ImportFixture()
        let s = try other.importFile(try other.write("desk-\(order).csv", ([text[0]] + lines).joined(separator: "\n") + "\n"), profile: profile)
        #expect(s.rejected == 0 && s.ticketsNew == 2)
        #expect(try Self.state(other) == Self.state(grouped))
        // By hand (ImportProfileTests): A's l3 run resolved at 08:00 reopened at 09:00, and A closed at 10:00.
        #expect(try other.store.loadTicket("A")?.closedAt == ImportProfileTests.h(10))
        #expect(try other.count("SELECT count(*) FROM step_runs WHERE ticket_id = 'A' AND step = 'l3'") == 2)
    }

    /// The first 30,000 rows of the UCI ServiceNow log (grouped by incident in the source), sorted by time and shuffled.
    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data is absent (the real logs run in CI)"),
          arguments: Order.allCases)
    func theServiceNowLogInAnyOrder(_ order: Order) throws {
        let data = try #require(TestPaths.sharedData)
        let grouped = try ImportFixture()
        let prefix = grouped.path("uci-prefix.csv")
        _ = try ImportRealLogTests.shell("gzip -dc '\(data.appendingPathComponent("uci_incident_event_log.csv.gz").path)' | head -n \(ImportRealLogTests.uciRows + 1) > '\(prefix)'")
        let profile = try ImportRealLogTests.profile("servicenow-incidents.json")
        let first = try grouped.importFile(prefix, profile: profile)
        #expect(first.rejected == 0)

        let text = try String(contentsOfFile: prefix, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = text[0].split(separator: ",").map(String.init)
        let number = try #require(header.firstIndex(of: "number")), updated = try #require(header.firstIndex(of: "sys_updated_at"))
        // d/M/yyyy HH:mm (the file has no quoted fields)
        let lines = Self.reorder(Array(text.dropFirst()), order, ticket: number) { line in
            let p = line.split(separator: ",", omittingEmptySubsequences: false)
            let dt = p[updated].split(separator: " "), d = dt[0].split(separator: "/").map { Int($0)! }, hm = dt[1].split(separator: ":").map { Int($0)! }
            return Instant.daysFromCivil(d[2], d[1], d[0]) * 86_400 + Int64(hm[0] * 3600 + hm[1] * 60)
        }
        let other = try ImportFixture()
        let s = try other.importFile(try other.write("uci-\(order).csv", ([text[0]] + lines).joined(separator: "\n") + "\n"), profile: profile)
        #expect(s.rejected == 0 && s.ticketsNew == first.ticketsNew && s.rowsRead == first.rowsRead)
        #expect(try Self.state(other) == Self.state(grouped))
    }
}
