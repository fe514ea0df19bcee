import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Canonical CSV / JSON Lines import: ordering, idempotence, late events, services made from the log, bad input.
@Suite struct ImportCanonicalTests {
    static let hiring = HiringLog.csv

    static func t(_ s: String) -> Int64 { ImportFixture.t(s) }

    @Test func rowsOutOfOrderAreAppliedInTimeOrderAndTheServiceIsCreated() throws {
        let f = try ImportFixture()
        let s = try f.importFile(try f.write("hiring.csv", Self.hiring))
        #expect(s.rowsRead == 9 && s.eventsAdded == 9 && s.ticketsNew == 2 && s.duplicates == 0 && s.rejected == 0)
        #expect(s.servicesCreated == ["hiring"])
        let service = try #require(try f.store.service("hiring"))
        #expect(service.origin == "log" && service.enforceOrder && service.version == 1)
        #expect(service.definition.steps.map(\.key) == ["screen", "interview"])   // order of first appearance
        #expect(service.definition.steps.map(\.team) == ["hr", "managers"])

        // T-1 by hand (DESIGN ready_at rule): screen ready at the opening; interview ready when screen was done.
        let screen = try #require(try f.run("T-1", "screen"))
        #expect(screen.int("ready_at") == Self.t("2026-03-02T09:00:00Z"))
        #expect(screen.int("started_at") == Self.t("2026-03-02T10:00:00Z"))
        #expect(screen.int("done_at") == Self.t("2026-03-02T15:00:00Z"))
        #expect(screen.string("state") == "done" && screen.string("team") == "hr")
        let interview = try #require(try f.run("T-1", "interview"))
        #expect(interview.int("ready_at") == Self.t("2026-03-02T15:00:00Z"))
        #expect(interview.int("done_at") == Self.t("2026-03-03T09:00:00Z"))
        let t1 = try #require(try f.store.loadTicket("T-1"))
        #expect(t1.state == .closed && t1.closedAt! - t1.openedAt! == 24 * 3600 + 1800)
        // T-2: `+01:00` read as UTC 10:00; still open, screen done, no interview run (a log service has only the runs it shows).
        let t2 = try #require(try f.store.loadTicket("T-2"))
        #expect(t2.state == .open && t2.runs.count == 1)
        #expect(t2.runs[0].startedAt == Self.t("2026-03-03T10:00:00Z") && t2.runs[0].readyAt == Self.t("2026-03-03T08:00:00Z"))
    }

    @Test func reimportingTheSameFileAddsNothing() throws {
        let f = try ImportFixture()
        let file = try f.write("hiring.csv", Self.hiring)
        try f.importFile(file)
        let before = try f.fingerprint()
        let again = try f.importFile(file)
        #expect(again.eventsAdded == 0 && again.duplicates == 9 && again.tickets == 0)
        #expect(again.line.contains("nothing new"))
        #expect(try f.fingerprint() == before)
    }

    @Test func olderEventsInANewerFileAreReplayedIntoPlace() throws {
        let f = try ImportFixture()
        try f.importFile(try f.write("hiring.csv", Self.hiring))
        // T-1 closed on 3 March; this file adds a pause on 2 March inside the screen step, and one duplicate row.
        let late = try f.write("late.csv", """
        ticket_id,service,step,team,event,at,actor
        T-1,hiring,screen,hr,resumed,2026-03-02T12:30:00Z,bo
        T-1,hiring,screen,hr,paused,2026-03-02T11:00:00Z,bo
        T-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,bo

        """)
        let s = try f.importFile(late)
        #expect(s.eventsAdded == 2 && s.duplicates == 1 && s.ticketsUpdated == 1 && s.ticketsReplayed == 1)
        let screen = try #require(try f.run("T-1", "screen"))
        #expect(screen.int("paused_seconds") == 5400 && screen.string("state") == "done")
        #expect(try f.count("SELECT count(*) FROM step_pauses") == 1)
        // The replayed projection is what a rebuild from the events alone gives.
        let imported = try f.projections()
        try f.store.rebuild()
        #expect(try f.projections() == imported)
    }

    @Test func newStepsOfALogServiceAddAVersion() throws {
        let f = try ImportFixture()
        try f.importFile(try f.write("hiring.csv", Self.hiring))
        let s = try f.importFile(try f.write("more.csv", """
        ticket_id,service,step,team,event,at,actor
        T-3,hiring,,,opened,2026-03-05T09:00:00Z,ana
        T-3,hiring,offer,hr,completed,2026-03-05T10:00:00Z,bo

        """))
        #expect(s.servicesUpdated == ["hiring"])
        let service = try #require(try f.store.service("hiring"))
        #expect(service.version == 2 && service.definition.steps.map(\.key) == ["screen", "interview", "offer"])
        #expect(try f.store.loadTicket("T-3")?.serviceVersion == 2)
        #expect(try f.store.loadTicket("T-1")?.serviceVersion == 1)
    }

    @Test func jsonLinesReadsLikeCSV() throws {
        let a = try ImportFixture(), b = try ImportFixture()
        try a.importFile(try a.write("hiring.csv", Self.hiring))
        var lines: [String] = []
        for line in Self.hiring.split(separator: "\n").dropFirst() {
            let v = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            lines.append("{\"ticket_id\":\"\(v[0])\",\"service\":\"\(v[1])\",\"step\":\"\(v[2])\",\"team\":\"\(v[3])\",\"event\":\"\(v[4])\",\"at\":\"\(v[5])\",\"actor\":\"\(v[6])\"}")
        }
        let s = try b.importFile(try b.write("hiring.jsonl", lines.joined(separator: "\n") + "\n"))
        #expect(s.eventsAdded == 9)
        #expect(try b.projections() == a.projections())
    }

    @Test func gzippedFilesAreReadDirectly() throws {
        let f = try ImportFixture()
        let plain = try f.write("hiring.csv", Self.hiring)
        let s = try f.importFile(try ExternalTools.gzip(plain))
        #expect(s.eventsAdded == 9 && s.ticketsNew == 2)
    }

    @Test func extraColumnsAreIgnoredWithAWarningAndQuotedFieldsAreRead() throws {
        let f = try ImportFixture()
        let s = try f.importFile(try f.write("extra.csv", """
        at,event,ticket_id,service,comment,step,team,actor
        2026-03-02T09:00:00Z,opened,T-7,hiring,"a, ""quoted""
        comment",,,"Smith, Ann"
        2026-03-02T10:00:00Z,completed,T-7,hiring,,screen,hr,bo

        """))
        #expect(s.warnings.count == 1 && s.warnings[0].contains("comment"))
        #expect(s.eventsAdded == 2)
        #expect(try f.store.events(ofTicket: "T-7").first?.actor == "Smith, Ann")
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        let name: String, rows: String, line: Int, field: String, message: String
        var testDescription: String { name }

        /// T-9 opens (line 2), then `row` (line 3) is the bad one.
        static func afterOpening(_ name: String, _ row: String, field: String, message: String) -> BadCase {
            BadCase(name: name, rows: "T-9,hiring,,,opened,2026-03-04T09:00:00Z,ana\n" + row, line: 3, field: field, message: message)
        }
    }

    /// Each bad file's last row is the bad one, so a half-applied import would show.
    static let badCases: [BadCase] = [
        .afterOpening("unknown event kind", "T-9,hiring,screen,hr,finished,2026-03-04T10:00:00Z,bo", field: "event", message: "unknown event kind 'finished'"),
        .afterOpening("unparseable time", "T-9,hiring,screen,hr,started,2026-13-04T10:00:00Z,bo", field: "at", message: "'2026-13-04T10:00:00Z' is not an ISO 8601"),
        BadCase(name: "time without a zone", rows: "T-9,hiring,,,opened,2026-03-04 09:00,ana", line: 2, field: "at", message: "is not an ISO 8601"),
        .afterOpening("step event before the ticket was opened", "T-10,hiring,screen,hr,started,2026-03-04T10:00:00Z,bo", field: "event",
                      message: "before the ticket was opened"),
        .afterOpening("transition that cannot happen", "T-9,hiring,screen,hr,resumed,2026-03-04T10:00:00Z,bo", field: "event", message: "not paused"),
        BadCase(name: "opened without a service", rows: "T-9,,,,opened,2026-03-04T09:00:00Z,ana", line: 2, field: "service", message: "needs the service"),
        .afterOpening("step event without a step", "T-9,hiring,,hr,started,2026-03-04T10:00:00Z,bo", field: "step", message: "needs a step"),
    ]

    @Test(arguments: badCases)
    func badInputNamesFileLineAndFieldAndChangesNothing(_ bad: BadCase) throws {
        let f = try ImportFixture()
        try f.importFile(try f.write("hiring.csv", Self.hiring))
        let before = try f.fingerprint()
        let file = try f.write("bad.csv", CanonicalLog.csv([bad.rows]))
        do {
            try f.importFile(file)
            Issue.record("\(bad.name): the import succeeded")
        } catch let error as InputError {
            #expect(error.file == file && error.line == bad.line && error.field == bad.field, "\(error)")
            #expect(error.message.contains(bad.message), "\(error)")
            #expect("\(error)".hasPrefix("\(file):\(bad.line): field '\(bad.field)': "))
        }
        #expect(try f.fingerprint() == before)
    }

    @Test func aMissingRequiredColumnIsNamed() throws {
        let f = try ImportFixture()
        let file = try f.write("nocol.csv", "ticket_id,service,step,event,actor\nT-1,hiring,,opened,ana\n")
        #expect(throws: InputError(file: file, line: 1, field: "at", "missing required column (the header has: ticket_id, service, step, event, actor)")) {
            try f.importFile(file)
        }
        #expect(try f.count("SELECT count(*) FROM events") == 0 && f.count("SELECT count(*) FROM services") == 0)
    }

    @Test func skipBadWritesRejectedRowsAndImportsTheRest() throws {
        let f = try ImportFixture()
        let file = try f.write("mixed.csv", """
        ticket_id,service,step,team,event,at,actor
        T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana
        T-1,hiring,screen,hr,finished,2026-03-02T10:00:00Z,bo
        T-1,hiring,screen,hr,completed,2026-03-02T11:00:00Z,bo
        T-2,hiring,screen,hr,started,2026-03-02T12:00:00Z,bo
        T-3,hiring,,,opened,2026-03-02T13:00:00Z,ana

        """)
        let rejects = f.path("rejects.csv")
        let s = try f.importFile(file, skipBad: rejects)
        #expect(s.rejected == 2 && s.eventsAdded == 3 && s.ticketsNew == 2)
        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "line,field,reason,record" && lines.count == 3)
        #expect(lines.contains { $0.hasPrefix("3,event,\"unknown event kind 'finished'") })
        #expect(lines.contains { $0.hasPrefix("5,event,") && $0.contains("before the ticket was opened") })
        #expect(try f.count("SELECT count(*) FROM events") == 3)
    }

    @Test func dryRunWritesNothing() throws {
        let f = try ImportFixture()
        let before = try f.fingerprint()
        let s = try f.importFile(try f.write("hiring.csv", Self.hiring), dryRun: true)
        #expect(s.dryRun && s.eventsAdded == 9 && s.servicesCreated == ["hiring"])
        #expect(try f.fingerprint() == before)
        #expect(try f.store.service("hiring") == nil)
    }

    @Test func definedServicesAreUsedAsDefined() throws {
        let f = try ImportFixture()
        try f.store.apply(ServiceDefinition(key: "hiring", name: "Hiring", enforceOrder: true, steps: [
            .init(key: "screen", name: "Screen", team: "hr"), .init(key: "interview", name: "Interview", team: "managers"),
        ]))
        let s = try f.importFile(try f.write("hiring.csv", Self.hiring))
        #expect(s.servicesCreated.isEmpty && s.servicesUpdated.isEmpty)
        // A defined service pre-creates its runs: T-2's interview is waiting, not absent.
        let t2 = try #require(try f.store.loadTicket("T-2"))
        #expect(t2.runs.map(\.step) == ["screen", "interview"] && t2.runs[1].state == .ready)
        #expect(try f.store.service("hiring")?.origin == "definition")
        // A step the definition lacks is bad input.
        let file = try f.write("bad.csv", "ticket_id,service,step,team,event,at,actor\nT-1,hiring,offer,hr,started,2026-03-04T10:00:00Z,bo\n")
        #expect(throws: InputError.self) { try f.importFile(file) }
    }

    /// A grouped file is applied while it is read; a shuffled or time-ordered one is staged and sorted, in memory or
    /// spilled in sorted runs to temporary files and merged (tiny runs here: many spills). All give the same store,
    /// events and projections.
    @Test(arguments: [StagedRowSorter.defaultRunRows, 1, 7, 500])
    func groupedShuffledAndTimeOrderedFilesGiveTheSameStore(runRows: Int) throws {
        var text = ""
        var options = LogGenerator.Options(tickets: 300)
        options.seed = 11
        try LogGenerator(options: options).generate { text += $0 }
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        let grouped = try ImportFixture(), shuffled = try ImportFixture(), timeOrdered = try ImportFixture()
        let a = try grouped.importFile(try grouped.write("g.csv", text))
        // A fixed permutation (no randomness in tests): every 7th row first, and so on.
        let permuted = (0..<7).flatMap { k in stride(from: k, to: lines.count, by: 7).map { lines[$0] } }
        let b = try shuffled.importFile(try shuffled.write("s.csv", CanonicalLog.csv(permuted, header: header)), sortRunRows: runRows)
        let c = try timeOrdered.importFile(try timeOrdered.write("t.csv", CanonicalLog.csv(CanonicalLog.timeOrdered(lines), header: header)),
                                           sortRunRows: runRows)
        #expect(a.eventsAdded == lines.count && b.eventsAdded == lines.count && c.eventsAdded == lines.count)
        #expect(a.rejected == 0 && b.rejected == 0 && c.rejected == 0)
        #expect(a.tickets == 300 && b.tickets == 300 && c.tickets == 300 && c.ticketsUpdated == 0)
        #expect(try shuffled.projections() == grouped.projections())
        #expect(try timeOrdered.projections() == grouped.projections())
        // Events and services too (everything but row ids: a time-ordered file streams its first tickets before it
        // turns out not to be grouped).
        #expect(try timeOrdered.fingerprint() == grouped.fingerprint())
        #expect(try shuffled.fingerprint() == grouped.fingerprint())
    }
}
