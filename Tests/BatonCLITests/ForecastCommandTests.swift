import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI

/// The forecast where people read it: `baton ticket show` (table and JSON) gives the ticket's row of
/// `baton query forecast_tickets`, and `baton query forecast` refuses a parameter out of range.
@Suite struct ForecastCommandTests {
    static let asOf = "2026-03-02T00:00:00Z"

    static func harness() throws -> (CLIHarness, [String: String]) {
        let h = try CLIHarness()
        let env = ["BATON_QUERIES": TestPaths.queries]
        #expect(h.run(["init"]).code == 0)
        func files(_ sub: String) throws -> [String] {
            let folder = TestPaths.inPackage("samples/\(sub)")
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted().map { folder + "/" + $0 }
        }
        #expect(h.run(["calendar", "apply"] + (try files("calendars")), env: env).code == 0)
        #expect(h.run(["service", "apply"] + (try files("services")), env: env).code == 0)
        let file = h.directory.appendingPathComponent("gen.csv").path
        #expect(h.run(["generate", "--tickets", "800", "--services", TestPaths.inPackage("samples/services"), "--seed", "5",
                       "--start", "2026-01-05", "--days", "70", "--out", file]).code == 0)
        #expect(h.run(["import", file]).code == 0)
        return (h, env)
    }

    @Test func ticketShowPrintsTheTicketsRowOfTheForecast() throws {
        let (h, env) = try Self.harness()
        let r = h.run(["query", "forecast_tickets", "--as-of", Self.asOf, "--format", "csv"], env: env)
        #expect(r.code == 0, "\(r.err)")
        let table = RFC4180.records(r.out)
        let header = try #require(table.first)
        let rows = table.dropFirst().filter { $0.count == header.count }
        #expect(rows.count > 20)
        let row = try #require(rows.first { $0[header.firstIndex(of: "method")!] == "steps" })
        let id = row[0], p50 = row[header.firstIndex(of: "eta_p50_at")!], p85 = row[header.firstIndex(of: "eta_p85_at")!]
        #expect(Instant.parse(p50)! >= Instant.parse(Self.asOf)! && Instant.parse(p85)! >= Instant.parse(p50)!)

        let shown = h.run(["ticket", "show", id, "--as-of", Self.asOf], env: env)
        #expect(shown.code == 0)
        #expect(shown.out.contains("Forecast:  likely done by \(p50) (50 %), by \(p85) (85 %), from its remaining steps"), "\(shown.out)")
        let json = h.run(["ticket", "show", id, "--as-of", Self.asOf, "--format", "json"], env: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let eta = try #require(object["eta"] as? [String: Any])
        #expect(eta["p50_at"] as? String == p50 && eta["p85_at"] as? String == p85 && eta["method"] as? String == "steps")
    }

    @Test func aClosedTicketHasNoForecastAndABadParameterIsRefused() throws {
        let (h, env) = try Self.harness()
        let sql = try h.write("closed.sql", "SELECT id FROM tickets WHERE state = 'closed' ORDER BY id LIMIT 1")
        let listed = h.run(["query", sql, "--format", "csv"], env: env)
        let id = try #require(RFC4180.records(listed.out).dropFirst().first?.first, "\(listed.code) \(listed.err)")
        let json = h.run(["ticket", "show", id, "--format", "json"], env: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "closed")
        #expect(object["eta"] is NSNull)
        #expect(!h.run(["ticket", "show", id], env: env).out.contains("Forecast:"))

        let bad = h.run(["query", "forecast", "--as-of", Self.asOf, "--param", "trials=0"], env: env)
        #expect(bad.code == 1)
        #expect(bad.err.contains("forecast.sql: parameter trials = 0: must be a whole number in 1...1000000"), "\(bad.err)")
        let typo = h.run(["query", "forecast", "--as-of", Self.asOf, "--param", "trails=10"], env: env)
        #expect(typo.code == 64 && typo.err.contains("did you mean 'trials'"), "\(typo.err)")
        let ok = h.run(["query", "forecast", "--as-of", Self.asOf, "--param", "trials=500", "--format", "csv"], env: env)
        #expect(ok.code == 0 && ok.out.hasPrefix("queue,scope,key,open,daily_mean,clear_p50_days"), "\(ok.err)")
    }
}
