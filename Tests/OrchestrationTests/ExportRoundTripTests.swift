import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Export, then import into a fresh store: the same tickets, step runs and timings.
@Suite struct ExportRoundTripTests {
    static func generated(_ f: ImportFixture, tickets: Int = 300) throws -> String {
        var text = ""
        var options = LogGenerator.Options(tickets: tickets)
        options.seed = 7
        options.days = 30
        try LogGenerator(options: options).generate { text += $0 }
        return try f.write("generated.csv", text)
    }

    @Test(arguments: [EventLogExporter.Format.csv, .jsonl, .xes])
    func exportThenImportGivesTheSameProjections(_ format: EventLogExporter.Format) throws {
        let a = try ImportFixture()
        let s = try a.importFile(try Self.generated(a))
        #expect(s.rejected == 0 && s.ticketsNew == 300)
        let out = a.path("export.\(format.rawValue)")
        var text = ""
        let counts = try EventLogExporter(store: a.store).export(format) { text += $0 }
        try text.write(toFile: out, atomically: false, encoding: .utf8)
        let stored = try a.count("SELECT count(*) FROM events")
        #expect(counts.tickets == 300 && Int64(counts.events) == stored)
        let b = try ImportFixture()
        let back = try b.importFile(out)
        #expect(back.rejected == 0 && back.eventsAdded == counts.events)
        #expect(try b.projections() == a.projections())
    }

    @Test func filtersSelectWholeTicketsByOpeningAndService() throws {
        let f = try ImportFixture()
        try f.importFile(try f.write("hiring.csv", ImportCanonicalTests.hiring))
        var text = ""
        try EventLogExporter(store: f.store).export(.csv, filter: .init(from: ImportFixture.t("2026-03-03T00:00:00Z"), service: "hiring")) { text += $0 }
        #expect(text == """
        ticket_id,service,step,team,event,at,actor,task,title,requester
        T-2,hiring,,,opened,2026-03-03T08:00:00Z,ana,,,ana
        T-2,hiring,screen,hr,started,2026-03-03T10:00:00Z,bo,,,
        T-2,hiring,screen,hr,completed,2026-03-03T12:00:00Z,bo,,,

        """)
        var none = ""
        try EventLogExporter(store: f.store).export(.csv, filter: .init(service: "other")) { none += $0 }
        #expect(none == "ticket_id,service,step,team,event,at,actor,task,title,requester\n")
    }

    @Test func xesExportUsesTheStandardExtensionsAndEscapes() throws {
        let f = try ImportFixture()
        try f.importFile(try f.write("odd.csv", """
        ticket_id,service,step,team,event,at,actor
        T-<1>,svc,a,hr,opened,2026-03-02T09:00:00Z,"Ann ""A"" & co"
        T-<1>,svc,a,hr,started,2026-03-02T10:00:00Z,bo

        """))
        var xes = ""
        try EventLogExporter(store: f.store).export(.xes) { xes += $0 }
        for ext in ["concept", "lifecycle", "org", "time"] { #expect(xes.contains("prefix=\"\(ext)\"")) }
        #expect(xes.contains("value=\"T-&lt;1&gt;\"") && xes.contains("value=\"Ann &quot;A&quot; &amp; co\""))
        #expect(xes.contains("<string key=\"lifecycle:transition\" value=\"start\"/>"))
        #expect(xes.contains("<date key=\"time:timestamp\" value=\"2026-03-02T10:00:00.000+00:00\"/>"))
        // Well-formed: it imports back.
        let g = try ImportFixture()
        #expect(try g.importFile(try g.write("odd.xes", xes)).eventsAdded == 2)
    }
}

/// Tickets opened from the command line keep their title and requester through an export and an import.
@Suite struct ExportTitleRoundTripTests {
    @Test(arguments: [EventLogExporter.Format.csv, .jsonl, .xes])
    func titleAndRequesterSurvive(format: EventLogExporter.Format) throws {
        let a = try StoreFixture()
        let hostile = "Laptop, \"urgent\" <b>now</b> =1+1 😀"
        let id = try a.store.openTicket(service: "seq", title: hostile, requester: "ana, from sales", fields: ["who": "x"], at: StoreFixture.t0)
        try a.act(id, "a", .completed, at: 1)
        var text = ""
        try EventLogExporter(store: a.store).export(format) { text += $0 }
        let b = try StoreFixture()
        let file = b.directory.appendingPathComponent("log.\(format == .jsonl ? "jsonl" : format == .xes ? "xes" : "csv")").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try EventLogImporter(store: b.store).run(try ByteSource(path: file), options: .init(format: ImportFormat(rawValue: format.rawValue)!))
        let t = try #require(try b.store.loadTicket(id))
        #expect(t.title == hostile)
        #expect(t.requester == "ana, from sales")
        #expect(t.runs.map(\.state) == (try a.store.loadTicket(id))?.runs.map(\.state))
    }
}
