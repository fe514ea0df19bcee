import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI

/// `baton service draft`: the draft on standard output or --out, applied by `service apply`, and its errors.
@Suite struct ServiceDraftCommandTests {
    /// A store with 30 tickets of a log-made service `relay` (steps intake → fix; fix by `ops` on 2 of 3 tickets).
    static func prepared() throws -> CLIHarness {
        let h = try CLIHarness()
        h.run(["init"])
        var rows: [String] = []
        for n in 0..<30 {
            let t = Instant.parse("2026-02-02T09:00:00Z")! + Int64(n) * 7_200
            let id = "R-\(n)", fixer = n % 3 == 2 ? "desk" : "ops"
            rows += ["\(id),relay,,,opened,\(Instant.iso(t)),req", "\(id),relay,intake,desk,completed,\(Instant.iso(t + 600)),a",
                     "\(id),relay,fix,\(fixer),completed,\(Instant.iso(t + 4_000)),b", "\(id),relay,,,closed,\(Instant.iso(t + 4_100)),b"]
        }
        let file = try h.write("log.csv", CanonicalLog.csv(rows))
        #expect(h.run(["import", file]).code == 0)
        return h
    }

    /// The store file and its write-ahead log: a write lands in one of them.
    static func storeBytes(_ h: CLIHarness) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: h.dbPath)) + ((try? Data(contentsOf: URL(fileURLWithPath: h.dbPath + "-wal"))) ?? Data())
    }

    @Test func draftsAppliesAndChangesNothingItself() throws {
        let h = try Self.prepared()
        let before = try Self.storeBytes(h)
        let r = h.run(["service", "draft", "relay"])
        #expect(r.code == 0, "\(r.err)")
        #expect(try Self.storeBytes(h) == before, "drafting writes nothing to the store")
        #expect(r.out.hasPrefix("{\n  \"key\": \"relay\",\n  \"name\": \"relay\",\n  \"notes\": \"Drafted by baton service draft from the 30 tickets"))
        #expect(r.out.contains("{\"key\": \"intake\", \"name\": \"intake\", \"team\": \"desk\", \"kind\": \"task\", \"target\": \"15m\""))
        #expect(r.out.contains("{\"key\": \"fix\", \"name\": \"fix\", \"team\": \"ops\", \"kind\": \"task\", \"target\": \"1h\""))
        #expect(r.out.contains("Team ops completed 66.7 % of its 30 runs."))
        let file = try h.write("draft.json", r.out)
        let applied = h.run(["service", "apply", file])
        #expect(applied.code == 0 && applied.out == "relay: changed, now version 2\n", "\(applied.out)\(applied.err)")
        #expect(h.run(["service", "show", "relay", "--format", "csv"]).out.contains("2,fix,fix,ops,task,1h,"))
    }

    @Test func outReplacesOnlyADraftBatonWrote() throws {
        let h = try Self.prepared()
        #expect(h.run(["service", "draft", "relay", "--out", "d.json"]).code == 0)
        let first = try String(contentsOfFile: h.path("d.json"), encoding: .utf8)
        #expect(first == h.run(["service", "draft", "relay"]).out)
        #expect(h.run(["service", "draft", "relay", "--out", "d.json"]).code == 0, "its own draft is replaced")
        // Reviewed (its notes edited): the file is the reviewer's now.
        try first.replacingOccurrences(of: "Drafted by baton service draft", with: "Reviewed by ana").write(toFile: h.path("d.json"), atomically: true, encoding: .utf8)
        let refused = h.run(["service", "draft", "relay", "--out", "d.json"])
        #expect(refused.code == 1 && refused.err.contains("is not a file Baton wrote"), "\(refused.err)")
        #expect(try String(contentsOfFile: h.path("d.json"), encoding: .utf8).contains("Reviewed by ana"))
        #expect(h.run(["service", "draft", "relay", "--out", "d.json", "--force"]).code == 0)
    }

    @Test func errorsSayWhatIsWrong() throws {
        let h = try Self.prepared()
        let before = try Self.storeBytes(h)
        let unknown = h.run(["service", "draft", "rely"])
        #expect(unknown.code == 1 && unknown.err == "Error: no service 'rely'; did you mean 'relay'?\n", "\(unknown.err)")
        let badDate = h.run(["service", "draft", "relay", "--from", "2026-13-01"])
        #expect(badDate.code == 64 && badDate.err.contains("--from '2026-13-01' is not an ISO 8601 date-time"), "\(badDate.err)")
        let backwards = h.run(["service", "draft", "relay", "--from", "2026-03-01", "--to", "2026-02-01"])
        #expect(backwards.code == 64 && backwards.err.contains("must be before --to"), "\(backwards.err)")
        let empty = h.run(["service", "draft", "relay", "--from", "2027-01-01"])
        #expect(empty.code == 1 && empty.err.contains("no ticket of service 'relay' closed") && empty.out.isEmpty, "\(empty.err)")
        #expect(h.run(["service", "draft"]).code == 64)
        #expect(try Self.storeBytes(h) == before)
    }
}
