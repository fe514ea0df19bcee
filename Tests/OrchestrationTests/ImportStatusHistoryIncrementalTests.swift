import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration

/// Incremental feeds of a status-change history (README "Importing history"): a history split by time at an instant
/// and imported in two files, old then new, gives the store that importing it whole gives, but for one event the
/// split cannot take back: a ticket that the old part ends with a closing streak and the new part reopens keeps the
/// `closed` event of that resolution (the new rows reopen it; its projection is the one-shot's). The new file may
/// repeat old rows (a feed of the rows at or after the last export's instant): those are duplicates.
@Suite struct ImportStatusHistoryIncrementalTests {
    /// A CSV status history without quoted fields: its data lines, and how to read a line's ticket, status and instant.
    struct History {
        let header: String
        let lines: [String]
        let ticket: Int, status: Int
        /// The statuses the profile classes `closed`, written here by hand from the profile.
        let closing: Set<String>
        let instant: (String) -> Int64

        func fields(_ line: String) -> [Substring] { line.split(separator: ",", omittingEmptySubsequences: false) }
        var instants: [Int64] { Array(Set(lines.map(instant))).sorted() }

        /// The rows at or before `at` (the old export) and those after `at`, or at or after `from` when the new
        /// export repeats rows (`from` ≤ `at`).
        func split(at: Int64, repeatingFrom from: Int64? = nil) -> (old: [String], new: [String]) {
            let start = min(from ?? at + 1, at + 1)
            return (lines.filter { instant($0) <= at }, lines.filter { instant($0) >= start })
        }

        /// The `closed` events only the split store holds, worked out from the rows. A ticket whose old rows (in time
        /// order, rows at one instant collapsed into the last) end with a streak of closing statuses was closed at the
        /// streak's first row (`atLastRow`: its last): that closing is the split store's alone when new rows after
        /// the old ones reopen the ticket (a status that does not close), or, `atLastRow`, when any new row follows.
        func closingsThatDidNotHold(old: [String], new: [String], atLastRow: Bool) -> Set<String> {
            var last: [String: [(Int64, String)]] = [:]
            let timeOrdered = old.enumerated().map { ($0.offset, instant($0.element), $0.element) }
                .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            for (_, at, line) in timeOrdered {
                let f = fields(line)
                var rows = last[String(f[ticket]), default: []]
                if let l = rows.last, l.0 == at { rows.removeLast() }
                rows.append((at, String(f[status])))
                last[String(f[ticket])] = rows
            }
            let later = new.filter { line in
                let f = fields(line)
                return (atLastRow || !closing.contains(String(f[status]))) && instant(line) > (last[String(f[ticket])]?.last?.0 ?? .max)
            }
            let moved = Set(later.map { String(fields($0)[ticket]) })
            var out = Set<String>()
            for (id, rows) in last where moved.contains(id) && closing.contains(rows.last!.1) {
                var k = rows.count - 1
                while k > 0 && closing.contains(rows[k - 1].1) && !atLastRow { k -= 1 }
                out.insert("\(id)|closed|\(rows[k].0)")
            }
            return out
        }

        func file(_ f: ImportFixture, _ name: String, _ rows: [String]) throws -> String {
            try f.write(name, ([header] + rows).joined(separator: "\n") + "\n")
        }
    }

    /// Every row of the tables an import writes, as text, without row ids, events' `source` (which names the
    /// import) and the service version and the step's position in it (see `check`); pauses and reassignments name
    /// their run by ticket, step and attempt.
    static func contents(_ f: ImportFixture) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for table in ["tickets", "step_runs", "events"] {
            let columns = try f.store.db.rows("SELECT name FROM pragma_table_info('\(table)')").compactMap { $0.string("name") }
                .filter { !["id", "source", "service_version", "position"].contains($0) }
            out[table] = try f.store.db.rows("SELECT \(columns.joined(separator: ", ")) FROM \(table)")
                .map { $0.values.map { "\($0)" }.joined(separator: "|") }.sorted()
        }
        for table in ["step_pauses", "step_reassignments"] {
            out[table] = try f.store.db.rows("SELECT r.ticket_id, r.step, r.attempt, p.* FROM \(table) p JOIN step_runs r ON r.id = p.run_id")
                .map { $0.values.enumerated().filter { $0.offset != 3 }.map { "\($0.element)" }.joined(separator: "|") }.sorted()
        }
        return out
    }

    /// The one-shot import of `history` in `order`: its summary and contents.
    typealias Whole = (summary: ImportSummary, contents: [String: [String]])

    static func whole(_ history: History, profile: ImportProfile, order: ImportStatusHistoryOrderTests.Order) throws -> Whole {
        let whole = try ImportFixture()
        let rows = ImportStatusHistoryOrderTests.reorder(history.lines, order, ticket: history.ticket, at: history.instant)
        let w = try whole.importFile(try history.file(whole, "whole.csv", rows), profile: profile)
        #expect(w.rejected == 0)
        return (w, try contents(whole))
    }

    /// Imports `history` split at `at` (old, then new) into a store, in `order`, and compares it with the one-shot
    /// import `whole`; then imports the new part again, which adds nothing. Returns the tickets the new part
    /// continued and the closings it reopened.
    @discardableResult
    static func check(_ history: History, profile: ImportProfile, at: Int64, repeatingFrom: Int64? = nil,
                      order: ImportStatusHistoryOrderTests.Order, whole: Whole? = nil) throws -> (continued: Int, reopened: Int) {
        func ordered(_ rows: [String]) -> [String] {
            ImportStatusHistoryOrderTests.reorder(rows, order, ticket: history.ticket, at: history.instant)
        }
        let (w, expected) = try whole ?? Self.whole(history, profile: profile, order: order)

        let (old, new) = history.split(at: at, repeatingFrom: repeatingFrom)
        #expect(!old.isEmpty && !new.isEmpty, "the split at \(Instant.iso(at)) leaves rows on both sides")
        let split = try ImportFixture()
        let first = try split.importFile(try history.file(split, "old.csv", ordered(old)), profile: profile)
        let newFile = try history.file(split, "new.csv", ordered(new))
        let second = try split.importFile(newFile, profile: profile)
        #expect(first.rejected == 0 && second.rejected == 0)
        #expect(second.rowsRead == new.count && first.rowsRead + second.rowsRead == w.rowsRead + (new.count + old.count - history.lines.count))
        #expect(first.ticketsNew + second.ticketsNew == w.ticketsNew, "a ticket continued by the new file is not new again")

        let got = try contents(split)
        for table in ["tickets", "step_runs", "step_pauses", "step_reassignments"] {
            #expect(got[table] == expected[table], "\(table) at \(Instant.iso(at)): \(difference(got[table]!, expected[table]!))")
        }
        // Events: the split store holds the one-shot's, and the closings the new rows reopened.
        let extra = Set(got["events"]!).subtracting(expected["events"]!), missing = Set(expected["events"]!).subtracting(got["events"]!)
        #expect(missing.isEmpty, "events at \(Instant.iso(at)) the split store lacks: \(missing.sorted().prefix(5))")
        let extraKeys = Set(extra.map { e -> String in let p = e.split(separator: "|", omittingEmptySubsequences: false); return "\(p[0])|\(p[2])|\(p[3])" })
        #expect(extraKeys == history.closingsThatDidNotHold(old: old, new: new, atLastRow: profile.leadTimeEnds == .closed), "extra events at \(Instant.iso(at)): \(extra.sorted().prefix(5))")
        #expect(extra.count == extraKeys.count)

        // A log-made service that the new file shows new steps of gets a new version: the tickets it opens have that
        // one, those it continues keep theirs, and a run's position is its step's in its ticket's version (none when
        // that version lacks the step), as for any import.
        let misplaced = try split.count("""
            SELECT count(*) FROM step_runs r JOIN tickets t ON t.id = r.ticket_id
            LEFT JOIN service_steps s ON s.service = t.service AND s.version = t.service_version AND s.key = r.step
            WHERE r.service_version IS NOT t.service_version OR r.position IS NOT s.position
            """)
        #expect(misplaced == 0)

        // The same new file again adds nothing: every event it gives is a duplicate.
        let again = try split.importFile(newFile, profile: profile)
        #expect(again.eventsAdded == 0 && again.ticketsNew == 0 && again.rejected == 0)
        #expect(again.duplicates == second.eventsAdded + second.duplicates)
        // The projections are the events' (a reopened ticket is reopened by its events alone).
        try split.store.rebuild()
        #expect(try contents(split) == got)
        return (second.ticketsUpdated, extra.count)
        #expect(try contents(split) == got)
    }

    static func difference(_ a: [String], _ b: [String]) -> String {
        let only = Set(a).subtracting(b).sorted().prefix(4), lacks = Set(b).subtracting(a).sorted().prefix(4)
        return "split only: \(Array(only)); whole only: \(Array(lacks))"
    }

    // MARK: the desk history (ImportProfileTests, worked out by hand there)

    static func desk(_ f: ImportFixture, leadTimeEnds: ImportProfile.LeadTimeEnds = .resolved) throws -> (History, ImportProfile) {
        var profile = try ImportProfile.load(path: try f.write("desk.json", ImportProfileTests.profileJSON))
        profile.leadTimeEnds = leadTimeEnds
        let text = try String(contentsOfFile: ImportFixture.fixture("desk-history.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let history = History(header: text[0], lines: Array(text.dropFirst()), ticket: 0, status: 1, closing: ["Done"]) {
            ImportFixture.t(String($0.split(separator: ",")[2]))
        }
        return (history, profile)
    }

    /// Split instants (hours after the first row): 0, a tie (A and D both have a row there); 2, A on hold; 3, D
    /// cancelled; 5, A just handed to L2; 8, A resolved (the new rows reopen it); 10, A resolved again (the new
    /// file only repeats the resolution, which under `lead_time_ends: closed` moves the closing to 11).
    @Test(arguments: [0, 2, 3, 5, 8, 10], ImportStatusHistoryOrderTests.Order.allCases)
    func theDeskHistorySplitAtAnInstant(_ hour: Int, _ order: ImportStatusHistoryOrderTests.Order) throws {
        for ends in [ImportProfile.LeadTimeEnds.resolved, .closed] {
            let (history, profile) = try Self.desk(try ImportFixture(), leadTimeEnds: ends)
            try Self.check(history, profile: profile, at: ImportProfileTests.h(hour), order: order)
        }
    }

    /// The new file repeats the rows at the split instant, or from an hour before it.
    @Test(arguments: [(2, 2), (5, 4), (8, 8), (8, 7), (10, 9)], ImportStatusHistoryOrderTests.Order.allCases)
    func theDeskHistoryWithRepeatedRows(_ hours: (Int, Int), _ order: ImportStatusHistoryOrderTests.Order) throws {
        for ends in [ImportProfile.LeadTimeEnds.resolved, .closed] {
            let (history, profile) = try Self.desk(try ImportFixture(), leadTimeEnds: ends)
            try Self.check(history, profile: profile, at: ImportProfileTests.h(hours.0), repeatingFrom: ImportProfileTests.h(hours.1), order: order)
        }
    }

    /// By hand: A resolved at 08:00 in the old file and reopened at 09:00 by the new one is open again, with the
    /// L3 run's second attempt, and closes at 10:00; its 08:00 `closed` event stays in the log.
    @Test func aResolvedTicketThatTheNewRowsReopen() throws {
        let f = try ImportFixture()
        let (history, profile) = try Self.desk(f)
        let (old, new) = history.split(at: ImportProfileTests.h(8))
        try f.importFile(try history.file(f, "old.csv", old), profile: profile)
        #expect(try f.store.loadTicket("A")?.closedAt == ImportProfileTests.h(8))
        let s = try f.importFile(try history.file(f, "new.csv", new), profile: profile)
        #expect(s.ticketsNew == 0 && s.ticketsUpdated == 1 && s.rejected == 0)
        let a = try #require(try f.store.loadTicket("A"))
        #expect(a.state == .closed && a.closedAt == ImportProfileTests.h(10) && a.openedAt == ImportProfileTests.h(0))
        #expect(try f.count("SELECT count(*) FROM events WHERE ticket_id = 'A' AND kind = 'opened'") == 1)
        #expect(try f.count("SELECT count(*) FROM events WHERE ticket_id = 'A' AND kind = 'closed'") == 2)
        let l3 = try f.store.db.rows("SELECT attempt, state, ready_at, done_at FROM step_runs WHERE ticket_id = 'A' AND step = 'l3' ORDER BY attempt")
            .map { "\($0.int("attempt")!) \($0.string("state")!) \($0.int("ready_at")!) \($0.int("done_at")!)" }
        #expect(l3 == ["1 done \(ImportProfileTests.h(6)) \(ImportProfileTests.h(8))", "2 done \(ImportProfileTests.h(9)) \(ImportProfileTests.h(10))"])
    }

    /// A cancelled ticket is not taken up again: a later row that does not close it is refused (file, line, field),
    /// and with the rejects file the rest of the file is imported and the ticket stays as it was.
    @Test func aCancelledTicketIsNotTakenUpAgain() throws {
        let f = try ImportFixture()
        let (history, profile) = try Self.desk(f)
        let (old, _) = history.split(at: ImportProfileTests.h(3))
        try f.importFile(try history.file(f, "old.csv", old), profile: profile)
        let before = try Self.contents(f)
        let file = try history.file(f, "new.csv", ["D,Dropped,2026-03-02T04:00:00Z,?,u", "D,Work,2026-03-02T05:00:00Z,L1,u"])
        let error = #expect(throws: InputError.self) { try f.importFile(file, profile: profile) }
        #expect(error?.line == 3 && error?.field == "state" && error?.message.contains("cancelled at 2026-03-02T03:00:00Z") == true,
                "\(String(describing: error))")
        #expect(try Self.contents(f) == before)
        let s = try f.importFile(try history.file(f, "more.csv", ["D,Work,2026-03-02T05:00:00Z,L1,u", "E,New,2026-03-02T05:00:00Z,L1,u"]),
                                 profile: profile, skipBad: f.path("rejects.csv"))
        #expect(s.rejected == 1 && s.ticketsNew == 1 && s.ticketsUpdated == 0)
        #expect(try f.store.loadTicket("D")?.state == .cancelled)
        // Rows that only close it again add nothing.
        let closing = try f.importFile(try history.file(f, "late.csv", ["D,Dropped,2026-03-02T06:00:00Z,?,u"]), profile: profile)
        #expect(closing.rejected == 0 && closing.eventsAdded == 0)
    }

    // MARK: the UCI ServiceNow log (../shared/data)

    static func uci(_ f: ImportFixture) throws -> (History, ImportProfile) {
        let data = try #require(TestPaths.sharedData)
        let prefix = f.path("uci-prefix.csv")
        _ = try ImportRealLogTests.shell("gzip -dc '\(data.appendingPathComponent("uci_incident_event_log.csv.gz").path)' | head -n \(ImportRealLogTests.uciRows + 1) > '\(prefix)'")
        let text = try String(contentsOfFile: prefix, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = text[0].split(separator: ",").map(String.init)
        let number = try #require(header.firstIndex(of: "number")), state = try #require(header.firstIndex(of: "incident_state"))
        let updated = try #require(header.firstIndex(of: "sys_updated_at"))
        let history = History(header: text[0], lines: Array(text.dropFirst()), ticket: number, status: state, closing: ["Resolved", "Closed"]) { line in
            // d/M/yyyy HH:mm, UTC (the profile's)
            let p = line.split(separator: ",", omittingEmptySubsequences: false)
            let dt = p[updated].split(separator: " "), d = dt[0].split(separator: "/").map { Int($0)! }, hm = dt[1].split(separator: ":").map { Int($0)! }
            return Instant.daysFromCivil(d[2], d[1], d[0]) * 86_400 + Int64(hm[0] * 3600 + hm[1] * 60)
        }
        return (history, try ImportRealLogTests.profile("servicenow-incidents.json"))
    }

    /// The first 30,000 rows split at the instants a quarter, half and three quarters through their time span's rows,
    /// and at the busiest instant (most rows share it); the new file repeats the split instant's rows at the half.
    /// Under `lead_time_ends: closed` most incidents resolved in the old part close in the new one.
    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data is absent (the real logs run in CI)"),
          arguments: [(ImportStatusHistoryOrderTests.Order.timeOrdered, ImportProfile.LeadTimeEnds.resolved), (.shuffled, .resolved), (.timeOrdered, .closed)])
    func theServiceNowLogSplitAtInstants(_ order: ImportStatusHistoryOrderTests.Order, _ ends: ImportProfile.LeadTimeEnds) throws {
        var (history, profile) = try Self.uci(try ImportFixture())
        profile.leadTimeEnds = ends
        let times = history.lines.map(history.instant).sorted()
        var counts: [Int64: Int] = [:]
        for t in times { counts[t, default: 0] += 1 }
        let busiest = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        #expect(counts[busiest]! > 1, "a tie: several rows at the split instant")
        let whole = try Self.whole(history, profile: profile, order: order)
        var continued = 0, reopened = 0
        for at in [times[times.count / 4], times[times.count / 2], times[times.count * 3 / 4], busiest] {
            let (c, r) = try Self.check(history, profile: profile, at: at, repeatingFrom: at == times[times.count / 2] ? at : nil,
                                        order: order, whole: whole)
            continued += c
            reopened += r
        }
        // The splits cut incidents in the middle, and some that the old part resolved are reopened by the new one.
        #expect(continued > 100 && reopened > 0, "\(continued) continued, \(reopened) reopened")
    }
}
