import Foundation
import Testing
@testable import Orchestration

/// The external sort behind a file not grouped by ticket: whatever the run size (all in memory, or spilled in
/// runs of one row), rows come back by ticket in byte order, then time, then arrival, with every field intact.
@Suite struct StagedRowSorterTests {
    /// Rows with tickets that tie on their first 16 bytes, non-ASCII tickets (byte order is not Unicode order),
    /// equal instants (arrival breaks the tie) and every text field set, in a fixed scrambled order.
    static func rows(_ count: Int) -> [StagedRow] {
        let tickets = ["T-2", "T-10", "T-1", "ticket-with-a-long-id-0001", "ticket-with-a-long-id-0002", "ticket-with-a-long-id",
                       "É-1", "Z-1", "e-1", "T-1\u{301}", "T-\u{e1}"]
        return (0..<count).map { k in
            let n = (k * 7919) % count
            return StagedRow(ticket: tickets[n % tickets.count], at: Int64(n % 5), kind: "k\(n)", service: "s\(n % 3)",
                             step: n % 4 == 0 ? "" : "step \(n)", team: "team-\(n % 6)", actor: "actor \u{2014} \(n)", task: "t\(k)",
                             status: "st\(n)", title: n % 9 == 0 ? String(repeating: "long title ", count: 20) : "", requester: "r\(n)", line: k + 2)
        }
    }

    /// The order the sort must give, computed the plain way.
    static func expected(_ rows: [StagedRow]) -> [StagedRow] {
        rows.enumerated().sorted { a, b in
            let x = Array(a.element.ticket.utf8), y = Array(b.element.ticket.utf8)
            if x != y { return x.lexicographicallyPrecedes(y) }
            return a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
        }.map(\.element)
    }

    static func sorted(_ rows: [StagedRow], runRows: Int) throws -> (rows: [StagedRow], runs: Int) {
        let sorter = StagedRowSorter(runRows: runRows)
        for row in rows { try sorter.append(row) }
        let merge = try sorter.finish()
        var out: [StagedRow] = []
        while let row = try merge.next() { out.append(row) }
        return (out, sorter.runs)
    }

    @Test(arguments: [1, 2, 3, 64, 1000, 5000])
    func rowsComeBackInTicketTimeAndArrivalOrder(runRows: Int) throws {
        let rows = Self.rows(1000)
        let (out, runs) = try Self.sorted(rows, runRows: runRows)
        #expect(out == Self.expected(rows))
        // Every full run is spilled to a file as it fills; what is left stays in memory.
        #expect(runs == rows.count / runRows)
    }

    @Test func ticketsAreOrderedAndTellApartByTheirBytes() throws {
        // "e\u{301}" (65 CC 81) and "\u{e9}" (C3 A9) are equal to Swift but distinct tickets to SQLite, whose BINARY
        // order puts "f" (66) between them; the long ones tie on their first 16 bytes ("x" is 78).
        let long = String(repeating: "x", count: 16)
        let tickets = ["\u{e9}", "f", "e\u{301}", long + "\u{e9}", long + "e\u{301}", "e\u{301}"]
        let rows = tickets.enumerated().map { StagedRow(ticket: $0.element, at: 0, line: $0.offset) }
        let sorter = StagedRowSorter(runRows: 2)
        for row in rows { try sorter.append(row) }
        let merge = try sorter.finish()
        var out: [(line: Int, same: Bool)] = []
        while let row = try merge.next() { out.append((row.line, merge.sameTicket)) }
        #expect(out.map(\.line) == [2, 5, 1, 4, 3, 0])
        #expect(out.map(\.same) == [false, true, false, false, false, false])
    }

    @Test func anEmptySortGivesNothing() throws {
        #expect(try Self.sorted([], runRows: 4).rows.isEmpty)
    }

    @Test func aDirectoryThatCannotHoldTheRunsIsAnErrorNamingIt() throws {
        let sorter = StagedRowSorter(runRows: 1, directory: "/nonexistent-baton-dir")
        let error = #expect(throws: ActionRefused.self) {
            for row in Self.rows(10) { try sorter.append(row) }
            _ = try sorter.finish()
        }
        #expect(error?.message.contains("/nonexistent-baton-dir") == true)
    }
}
