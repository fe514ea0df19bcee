import BatonCore
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Case attributes from import to export, and the XES export's lifecycle and names, on small logs worked out by hand.
@Suite struct XESExportCaseAttributeTests {
    static let profileJSON = """
    {"service": "desk", "format": "csv", "ticket": "id", "time": "when", "team": "group", "status": "state",
     "missing": ["?"], "case_attributes": ["priority", "category"],
     "statuses": {"New": "waiting", "Work": "active", "Done": "closed"}}
    """

    /// A: P1 hardware; B: priority missing (`?`), network. Rows in time order; the import takes them grouped by
    /// ticket (an interleaved status history is refused today, with or without case attributes: see the report).
    static let rows = [
        "A,New,2026-03-02T08:00:00Z,L1,P1,hardware",
        "B,New,2026-03-02T08:30:00Z,L1,?,network",
        "A,Work,2026-03-02T09:00:00Z,L1,P1,hardware",
        "B,Work,2026-03-02T10:00:00Z,L2,?,network",
        "A,Done,2026-03-02T11:00:00Z,L1,P1,hardware",
        "B,Done,2026-03-02T12:00:00Z,L2,?,network",
    ]

    static func intake(_ f: ImportFixture, _ ticket: String) throws -> String? {
        try f.store.db.scalar("SELECT intake FROM tickets WHERE id = ?", [ticket])?.string
    }

    static func export(_ f: ImportFixture) throws -> String {
        var text = ""
        try EventLogExporter(store: f.store).export(.xes) { text += $0 }
        return text
    }

    /// In time order and shuffled (B before A, each ticket's rows backwards), the case attributes are the tickets'
    /// intake, a missing value left out, and the export writes them as trace attributes.
    @Test(arguments: [false, true])
    func aProfilesCaseAttributesBecomeTheIntake(shuffled: Bool) throws {
        let f = try ImportFixture()
        let profile = try ImportProfile.load(path: try f.write("desk.json", Self.profileJSON))
        let body = (shuffled ? [5, 3, 1, 4, 2, 0] : [0, 2, 4, 1, 3, 5]).map { Self.rows[$0] }
        let file = try f.write("desk.csv", "id,state,when,group,priority,category\n" + body.joined(separator: "\n") + "\n")
        let s = try f.importFile(file, profile: profile)
        #expect(s.rejected == 0 && s.ticketsNew == 2)
        #expect(try Self.intake(f, "A") == #"{"category":"hardware","priority":"P1"}"#)
        #expect(try Self.intake(f, "B") == #"{"category":"network"}"#)
        let xes = try Self.export(f)
        #expect(xes.contains("<string key=\"concept:name\" value=\"A\"/>\n\t\t<string key=\"service\" value=\"desk\"/>\n\t\t<string key=\"category\" value=\"hardware\"/>\n\t\t<string key=\"priority\" value=\"P1\"/>\n"))
        #expect(xes.contains("<string key=\"concept:name\" value=\"B\"/>\n\t\t<string key=\"service\" value=\"desk\"/>\n\t\t<string key=\"category\" value=\"network\"/>\n\t\t<event>"))
    }

    @Test func aCaseAttributeNamingNoColumnIsRefused() throws {
        let f = try ImportFixture()
        let profile = try ImportProfile.load(path: try f.write("desk.json", Self.profileJSON.replacingOccurrences(of: "\"category\"]", with: "\"categroy\"]")))
        let file = try f.write("desk.csv", "id,state,when,group,priority,category\n" + Self.rows.joined(separator: "\n") + "\n")
        #expect(throws: InputError.self) { try f.importFile(file, profile: profile) }
        do { try f.importFile(file, profile: profile) } catch {
            #expect("\(error)".contains("categroy") && "\(error)".contains("case_attributes[1]") && "\(error)".contains("did you mean 'category'"), "\(error)")
        }
        #expect(try f.count("SELECT count(*) FROM tickets") == 0)
    }

    /// A plain XES log's trace attributes (a string and a date) survive import, export and import again; the step's
    /// label is the activity name both times, its key `baton:step`.
    @Test func traceAttributesAndActivityNamesSurviveARoundTrip() throws {
        let f = try ImportFixture()
        let log = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <log xes.version="1.0" xmlns="http://www.xes-standard.org/">
        <trace><string key="concept:name" value="c-1"/><string key="channel" value="Internet &amp; mail"/>
        <date key="deadline" value="2011-12-06T13:41:31.788+01:00"/>
        <event><string key="concept:name" value="Confirmation of receipt"/><string key="org:group" value="Group 1"/>
        <date key="time:timestamp" value="2011-10-11T13:45:40.276+02:00"/><string key="lifecycle:transition" value="complete"/></event>
        </trace></log>
        """
        #expect(try f.importFile(try f.write("one.xes", log)).rejected == 0)
        #expect(try Self.intake(f, "c-1") == #"{"channel":"Internet & mail","deadline":"2011-12-06T13:41:31.788+01:00"}"#)
        let xes = try Self.export(f)
        #expect(xes.contains("<string key=\"channel\" value=\"Internet &amp; mail\"/>\n\t\t<date key=\"deadline\" value=\"2011-12-06T13:41:31.788+01:00\"/>\n"))
        #expect(xes.contains("<string key=\"concept:name\" value=\"Confirmation of receipt\"/>\n\t\t\t<string key=\"lifecycle:transition\" value=\"complete\"/>"))
        #expect(xes.contains("<string key=\"baton:step\" value=\"confirmation-of-receipt\"/>"))
        let g = try ImportFixture()
        #expect(try g.importFile(try g.write("back.xes", xes)).rejected == 0)
        #expect(try Self.intake(g, "c-1") == Self.intake(f, "c-1"))
        #expect(try g.projections() == f.projections())
        #expect(try g.store.db.scalar("SELECT name FROM service_steps WHERE key = 'confirmation-of-receipt'")?.string == "Confirmation of receipt")
    }

    /// A task_done is a `complete` event named after its task (the standard lifecycle model has no transition for
    /// a part of an activity); every transition written is the standard model's; the baton extension is declared.
    @Test func taskDoneIsACompleteEventNamedAfterItsTask() throws {
        let f = try ImportFixture()
        try f.importFile(try f.write("tasks.csv", """
        ticket_id,service,step,team,event,at,actor,task
        T-1,svc,setup,it,opened,2026-03-02T09:00:00Z,ana,
        T-1,svc,setup,it,started,2026-03-02T10:00:00Z,bo,
        T-1,svc,setup,it,task_done,2026-03-02T10:30:00Z,bo,order laptop
        T-1,svc,setup,it,paused,2026-03-02T11:00:00Z,bo,
        T-1,svc,setup,it,resumed,2026-03-02T12:00:00Z,bo,
        T-1,svc,setup,hr,reassigned,2026-03-02T12:30:00Z,bo,
        T-1,svc,setup,hr,completed,2026-03-02T13:00:00Z,cy,

        """))
        let xes = try Self.export(f)
        #expect(xes.contains("<extension name=\"Baton\" prefix=\"baton\" uri=\"urn:baton:xes:baton.xesext\"/>"))
        #expect(xes.contains("<string key=\"lifecycle:model\" value=\"standard\"/>"))
        #expect(xes.contains("""
        <string key="concept:name" value="order laptop"/>
        \t\t\t<string key="lifecycle:transition" value="complete"/>
        """))
        let events = xes[try #require(xes.range(of: "<trace>")).lowerBound...]   // past the header's global default
        let transitions = events.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "key=\"lifecycle:transition\" value=\"") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != "\"" })
        }
        #expect(transitions == ["complete", "start", "complete", "suspend", "resume", "reassign", "complete"])
        #expect(Set(transitions).isSubset(of: EventLogExporter.standardTransitions))
        let g = try ImportFixture()
        #expect(try g.importFile(try g.write("back.xes", xes)).rejected == 0)
        #expect(try g.projections() == f.projections())
        #expect(try g.count("SELECT count(*) FROM events WHERE kind = 'task_done' AND step = 'setup' AND task = 'order laptop'") == 1)
    }

    @Test(arguments: [("2011-12-06T13:41:31.788+01:00", true), ("2026-03-02T10:00:00Z", true), ("2026-03-02T10:00:00.5-05:30", true),
                      ("2026-03-02T10:00:00", false), ("2026-03-02 10:00:00Z", false), ("2026-03-02T10:00:00.+01:00", false),
                      ("P1", false), ("2026-03-02T10:00:00+0100", false), ("", false)])
    func xesDatesAreRecognisedStrictly(_ c: (String, Bool)) {
        #expect(EventLogExporter.isXESDate(c.0) == c.1)
    }
}
