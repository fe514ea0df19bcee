import Foundation
import Testing
@testable import BatonCLI

/// DESIGN's as_of contract: a report or alert file as of A equals the same command on a store fed only the
/// events at or before A, byte for byte, for defined services and for services an import creates alike.
@Suite(.serialized) struct AsOfIdentityTests {
    static let services = CLIHarness.packageRoot.appendingPathComponent("samples/services").path

    /// A generated log of 5,000 tickets sorted by time (the shape real exports have), as header + rows.
    static func timeOrderedLog() throws -> (header: String, rows: [String]) {
        let h = try CLIHarness()
        let file = h.directory.appendingPathComponent("gen.csv").path
        let r = h.run(["generate", "--tickets", "5000", "--services", services, "--seed", "11", "--out", file])
        precondition(r.code == 0, r.err)
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        #expect(header == "ticket_id,service,step,team,event,at,actor")
        // Generated text has no quoted commas: the sixth field is the instant. A stable sort keeps file order on ties.
        let rows = lines.enumerated().sorted { a, b in
            let x = a.element.split(separator: ",", omittingEmptySubsequences: false)[5]
            let y = b.element.split(separator: ",", omittingEmptySubsequences: false)[5]
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        return (header, rows)
    }

    /// Every file a weekly report (CSV) and the alert file (JSON and .prom) write as of `asOf`, by name.
    static func outputs(_ h: CLIHarness, asOf: String) throws -> [String: String] {
        let out = h.directory.appendingPathComponent("out-\(asOf)").path
        let r = h.run(["report", "weekly", "--from", "2026-01-05", "--to", "2026-04-06", "--as-of", asOf, "--format", "csv", "--out", out])
        #expect(r.code == 0, "\(r.err)")
        let folder = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".csv") {
            files[name] = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }
        for format in ["json", "prom"] {
            let a = h.run(["alerts", "--as-of", asOf, "--format", format, "--no-record"])
            #expect(a.code == 0, "\(a.err)")
            files["alerts.\(format)"] = a.out
        }
        return files
    }

    static func store(_ header: String, _ rows: [String], defined: Bool) throws -> CLIHarness {
        let h = try CLIHarness()
        h.run(["init"])
        if defined {
            for f in try FileManager.default.contentsOfDirectory(atPath: services).sorted() where f.hasSuffix(".json") {
                #expect(h.run(["service", "apply", services + "/" + f]).code == 0)
            }
        }
        let file = try h.write("log.csv", ([header] + rows).joined(separator: "\n") + "\n")
        let r = h.run(["import", file])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains(" 0 rejected"), "\(r.out)")
        return h
    }

    @Test(arguments: [false, true])
    func aReportAsOfAEqualsTheReportOnTheEventsUpToA(defined: Bool) throws {
        let (header, rows) = try Self.timeOrderedLog()
        #expect(rows.count > 40_000)
        let full = try Self.store(header, rows, defined: defined)
        // Mid-morning instants between events, one at an event's instant, and one after the whole log.
        let cuts = ["2026-01-19T10:17:00Z", "2026-02-16T10:00:00Z", String(rows[rows.count / 2].split(separator: ",")[5]),
                    "2026-03-11T15:45:30Z"]
        for cut in cuts {
            let kept = rows.filter { String($0.split(separator: ",", omittingEmptySubsequences: false)[5]) <= cut }
            #expect(kept.count < rows.count || cut > "2026-03-11")
            let partial = try Self.store(header, kept, defined: defined)
            let expected = try Self.outputs(partial, asOf: cut)
            let actual = try Self.outputs(full, asOf: cut)
            #expect(Set(actual.keys) == Set(expected.keys))
            #expect(expected["aging.csv"].map { $0.split(whereSeparator: \.isNewline).count > 10 } == true, "the cut has open work to compare")
            for (name, text) in expected.sorted(by: { $0.key < $1.key }) {
                let got = actual[name] ?? ""
                if got != text {
                    let a = Set(got.split(whereSeparator: \.isNewline)), b = Set(text.split(whereSeparator: \.isNewline))
                    Issue.record("\(defined ? "defined" : "log-made") services, as of \(cut): \(name) differs; only in the full store: \(a.subtracting(b).prefix(3)); only in the cut: \(b.subtracting(a).prefix(3))")
                }
            }
        }
    }
}
