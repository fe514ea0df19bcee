import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// Reports say what a lead time measures where an import decided it (resolution or final closure of a status
/// history, a case's last event): the two differ by up to 10× at p50 on real logs.
@Suite struct LeadTimeDefinitionTests {
    static let history = """
        id,state,when,group
        A,New,2026-03-02T00:00:00Z,L1
        A,Work,2026-03-02T06:00:00Z,L1
        A,Resolved,2026-03-02T08:00:00Z,L1
        A,Closed,2026-03-09T08:00:00Z,L1

        """

    @Test(arguments: [(ImportProfile.LeadTimeEnds.resolved, "ends at resolution", 8.0), (.closed, "ends at final closure", 176.0)])
    func theDefinitionsSayWhereLeadTimeEnds(ends: ImportProfile.LeadTimeEnds, phrase: String, hours: Double) throws {
        let folder = try TemporaryFolder.make("lead-\(ends.rawValue)")
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        var profile = try JSONDecoder().decode(ImportProfile.self, from: Data("""
            {"service": "desk", "ticket": "id", "time": "when", "team": "group", "status": "state",
             "statuses": {"New": "waiting", "Work": "active", "Resolved": "closed", "Closed": "closed"}}
            """.utf8))
        profile.leadTimeEnds = ends
        let file = folder.appendingPathComponent("h.csv").path
        try Self.history.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv, profile: profile))
        let result = try ReportEngine.run(definition: try ReportDefinition.named("weekly"), store: store,
                                          from: Instant.parse("2026-02-23T00:00:00Z")!, to: Instant.parse("2026-03-16T00:00:00Z")!,
                                          asOf: Instant.parse("2026-03-16T00:00:00Z")!)
        let entry = try #require(result.definitions.first { $0.0 == "Lead time (desk)" })
        #expect(entry.1.contains(phrase))
        let leads = try #require(result.sections.first { $0.key == "lead_times" })
        let p50 = try #require(leads.columns.firstIndex { $0.name == "p50_hours" })
        #expect(leads.rows.first?[p50].double == hours)
    }

    @Test func aDefinedServiceGetsNoSuchDefinition() throws {
        let store = try OrchestrationStore(path: try TemporaryFolder.make().appendingPathComponent("s.db").path)
        try store.apply(ServiceDefinition(key: "svc", name: "Svc", steps: [.init(key: "a", name: "A", team: "t")]))
        let result = try ReportEngine.run(definition: try ReportDefinition.named("weekly"), store: store,
                                          from: 0, to: 604_800, asOf: 604_800)
        #expect(!result.definitions.contains { $0.0.hasPrefix("Lead time (") })
    }
}
