import BatonCore
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// XES import with the standard mapping (case concept:name = ticket, event concept:name = step, lifecycle start/complete,
/// org:group = team, org:resource = actor, time:timestamp).
@Suite struct ImportXESTests {

    @Test func aForeignXESLogOpensTicketsAtTheirFirstEvent() throws {
        let f = try ImportFixture()
        let s = try f.importFile(try f.copy(fixture: "permits.xes"))
        #expect(s.rowsRead == 4 && s.eventsAdded == 6 && s.ticketsNew == 2)   // 4 events + 2 implicit openings
        let service = try #require(try f.store.service("permits"))           // the log's name, as a key
        // Keys are slugs of the log's labels (one rule on every path); the labels stay as names.
        #expect(service.definition.steps.map(\.key) == ["check-confirm", "decide"])
        #expect(service.definition.steps.map(\.name) == ["Check & confirm", "Decide"])
        #expect(service.definition.teams?["front-office"] == "Front Office")
        let check = try #require(try f.run("case-1", "check-confirm"))
        #expect(check.int("ready_at") == ImportFixture.t("2026-03-02T09:00:00Z") && check.int("started_at") == ImportFixture.t("2026-03-02T09:00:00Z"))
        #expect(check.int("done_at") == ImportFixture.t("2026-03-02T11:00:00Z") && check.string("team") == "front-office" && check.string("actor") == "Ann")
        let decide = try #require(try f.run("case-1", "decide"))
        #expect(decide.int("ready_at") == ImportFixture.t("2026-03-02T11:00:00Z") && decide.int("started_at") == nil)
        #expect(decide.int("done_at") == ImportFixture.t("2026-03-02T14:00:00Z"))
        #expect(try f.store.loadTicket("case-1")?.state == .open)
        // Idempotent like the CSV.
        let again = try f.importFile(f.path("permits.xes"))
        #expect(again.eventsAdded == 0 && again.duplicates == 4)
    }

    @Test func badXESNamesTheElementLineAndField() throws {
        let f = try ImportFixture()
        // One trace, two events; the second (its <event> on line 8) has time:timestamp "yesterday".
        let file = try f.copy(fixture: "bad-timestamp.xes")
        #expect(throws: InputError(file: file, line: 8, field: "time:timestamp", "'yesterday' is not an ISO 8601 date-time")) {
            try f.importFile(file)
        }
        #expect(try f.count("SELECT count(*) FROM events") == 0)
        let broken = try f.write("broken.xes", "<log><trace><string key=\"concept:name\" value=\"c\"/></log>")
        do {
            try f.importFile(broken)
            Issue.record("malformed XML was accepted")
        } catch let error as InputError {
            #expect(error.file == broken && error.message.contains("not well-formed XML"), "\(error)")
        }
    }

    @Test func aRepeatedActivityIsASecondAttempt() throws {
        let f = try ImportFixture()
        let file = try f.write("loop.xes", """
        <log xes.version="1.0">
          <trace>
            <string key="concept:name" value="c1"/>
            <event><string key="concept:name" value="check"/><date key="time:timestamp" value="2026-03-02T10:00:00Z"/></event>
            <event><string key="concept:name" value="fix"/><date key="time:timestamp" value="2026-03-02T12:00:00Z"/></event>
            <event><string key="concept:name" value="check"/><date key="time:timestamp" value="2026-03-02T15:00:00Z"/></event>
          </trace>
        </log>
        """)
        let s = try f.importFile(file, format: .xes)
        #expect(s.rejected == 0 && s.eventsAdded == 4)
        // Opened at the first event (10:00); check #1 done then; fix ready 10:00, done 12:00; check #2 ready 12:00, done 15:00.
        let second = try #require(try f.run("c1", "check", attempt: 2))
        #expect(second.int("ready_at") == ImportFixture.t("2026-03-02T12:00:00Z") && second.int("done_at") == ImportFixture.t("2026-03-02T15:00:00Z"))
        #expect(try f.run("c1", "check")?.int("done_at") == ImportFixture.t("2026-03-02T10:00:00Z"))
    }
}
