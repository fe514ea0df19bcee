import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI

/// DESIGN's as_of contract: a report or alert file as of A equals the same command on a store fed only the
/// events at or before A, byte for byte, for defined services and for services an import creates alike.
@Suite struct AsOfIdentityTests {
    static let services = TestPaths.inPackage("samples/services")

    /// A generated log of 5,000 tickets sorted by time (the shape real exports have), as header + rows; made once for
    /// the cases that read it.
    static let log: Result<Log, any Error> = Result { try timeOrderedLog() }
    struct Log: Sendable { var header: String, rows: [String] }

    static func timeOrderedLog() throws -> Log {
        let h = try CLIHarness()
        let file = h.directory.appendingPathComponent("gen.csv").path
        let r = h.run(["generate", "--tickets", "5000", "--services", services, "--seed", "11", "--out", file])
        precondition(r.code == 0, r.err)
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        #expect(header == "ticket_id,service,step,team,event,at,actor")
        // Generated text has no quoted commas: the sixth field is the instant. A stable sort keeps file order on ties.
        return Log(header: header, rows: CanonicalLog.timeOrdered(lines))
    }

    /// Every file a weekly report (CSV) and the alert file (JSON and .prom) write as of `asOf`, by name.
    static func outputs(_ h: CLIHarness, asOf: String, from: String = "2026-01-05", to: String = "2026-04-06") throws -> [String: String] {
        let out = h.directory.appendingPathComponent("out-\(asOf)").path
        let r = h.run(["report", "weekly", "--from", from, "--to", to, "--as-of", asOf, "--format", "csv", "--out", out])
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
            let calendars = TestPaths.packageRoot.appendingPathComponent("samples/calendars").path
            #expect(h.run(["calendar", "apply", calendars + "/24x7.json"]).code == 0)
            for f in try FileManager.default.contentsOfDirectory(atPath: services).sorted() where f.hasSuffix(".json") {
                #expect(h.run(["service", "apply", services + "/" + f]).code == 0)
            }
        }
        let file = try h.write("log.csv", CanonicalLog.csv(rows, header: header))
        let r = h.run(["import", file])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains(" 0 rejected"), "\(r.out)")
        return h
    }

    static var bpic: String? { TestPaths.sharedFile("bpic2013_incidents.xes.gz") }

    /// The same on a real log: BPI Challenge 2013 (Steeman 2013, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee)
    /// read through its profile, exported as canonical events and fed back sorted by time, whole and cut. (The
    /// profile itself looks ahead: whether a closing row closes a ticket depends on the rows after it, so the
    /// identity holds for the events the profile made, which is what a store holds.)
    @Test(.enabled(if: bpic != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func theIdentityHoldsOnBPIChallenge2013() throws {
        // The log through its profile (`baton import LOG --profile bpic2013-incidents.json`), imported once per run.
        let source = try CLIHarness(copyOf: try #require(SharedImports.bpic2013).get().dbPath)
        let exported = source.directory.appendingPathComponent("bpic.csv").path
        #expect(source.run(["export", "--out", exported]).code == 0)
        var lines = try String(contentsOfFile: exported, encoding: .utf8).components(separatedBy: "\n").filter { !$0.isEmpty }
        let header = lines.removeFirst()
        let columns = header.split(separator: ",").map(String.init)
        let at = try #require(columns.firstIndex(of: "at"))
        #expect(!lines.contains { $0.contains("\"") }, "no quoted fields: a plain split finds the instant")
        let rows = CanonicalLog.timeOrdered(lines, column: at)
        let full = try Self.store(header, rows, defined: false)
        for cut in ["2012-05-02T12:00:00Z", "2012-05-15T08:00:00Z"] {
            let kept = CanonicalLog.upTo(cut, rows, column: at)
            let partial = try Self.store(header, kept, defined: false)
            let expected = try Self.outputs(partial, asOf: cut, from: "2012-04-02", to: "2012-05-28")
            let actual = try Self.outputs(full, asOf: cut, from: "2012-04-02", to: "2012-05-28")
            #expect(expected["team_load.csv"].map { $0.split(whereSeparator: \.isNewline).count > 20 } == true)
            for (name, text) in expected.sorted(by: { $0.key < $1.key }) where actual[name] != text {
                let a = Set((actual[name] ?? "").split(whereSeparator: \.isNewline)), b = Set(text.split(whereSeparator: \.isNewline))
                Issue.record("BPI 2013 as of \(cut): \(name) differs; only in the full store: \(a.subtracting(b).prefix(3)); only in the cut: \(b.subtracting(a).prefix(3))")
            }
        }
    }

    /// Reassignments: as of an instant before a run changed hands, the run is the earlier team's, as in the cut log.
    @Test func aRunReassignedLaterBelongsToItsEarlierTeamAsOfBefore() throws {
        let rows = [
            "X-1,desk,,,opened,2026-03-02T07:00:00Z,ana",
            "X-1,desk,triage,alpha,started,2026-03-02T07:30:00Z,al",
            "X-1,desk,triage,beta,completed,2026-03-02T12:00:00Z,be",
            "X-2,desk,,,opened,2026-03-02T07:00:00Z,bo",
            "X-2,desk,triage,alpha,started,2026-03-02T07:30:00Z,al",
            "X-2,desk,triage,beta,paused,2026-03-02T11:00:00Z,be",
            "X-2,desk,triage,gamma,reassigned,2026-03-02T13:00:00Z,gu",
            "X-3,desk,,,opened,2026-03-02T08:00:00Z,cy",
            "X-3,desk,triage,alpha,completed,2026-03-02T09:00:00Z,al",
            "X-3,desk,fix,beta,started,2026-03-02T10:00:00Z,be",
            "X-3,desk,fix,gamma,reassigned,2026-03-02T12:30:00Z,gu",
        ].sorted { CanonicalLog.field($0, 5) < CanonicalLog.field($1, 5) }
        let header = CanonicalLog.header
        let full = try Self.store(header, rows, defined: false)
        var sawReassignment = false
        for cut in ["2026-03-02T09:30:00Z", "2026-03-02T11:30:00Z", "2026-03-02T12:15:00Z", "2026-03-02T12:45:00Z", "2026-03-02T14:00:00Z"] {
            let partial = try Self.store(header, CanonicalLog.upTo(cut, rows), defined: false)
            let expected = try Self.outputs(partial, asOf: cut, from: "2026-03-02", to: "2026-03-09")
            let actual = try Self.outputs(full, asOf: cut, from: "2026-03-02", to: "2026-03-09")
            for (name, text) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(actual[name] == text, "as of \(cut): \(name)\nfull:\n\(actual[name] ?? "")\ncut:\n\(text)")
            }
            if expected["team_load.csv"]?.contains("beta,") == true && cut == "2026-03-02T12:15:00Z" { sawReassignment = true }
        }
        #expect(sawReassignment, "beta holds X-2 between 11:00 and 13:00")
    }

    @Test(arguments: [false, true])
    func aReportAsOfAEqualsTheReportOnTheEventsUpToA(defined: Bool) throws {
        let log = try Self.log.get()
        let (header, rows) = (log.header, log.rows)
        #expect(rows.count > 40_000)
        let full = try Self.store(header, rows, defined: defined)
        // Row order changes nothing: the same rows shuffled give the same report and alert files, byte for byte.
        // (A fixed permutation: multiplying by a number prime to the count visits every row once, far from its neighbours.)
        let shuffled = try Self.store(header, rows.indices.map { rows[($0 * 7_919) % rows.count] }, defined: defined)
        #expect(rows.count % 7_919 != 0)
        #expect(try Self.outputs(shuffled, asOf: "2026-02-16T10:00:00Z") == (try Self.outputs(full, asOf: "2026-02-16T10:00:00Z")))
        // Mid-morning instants between events, one at an event's instant, and one after the whole log.
        let cuts = ["2026-01-19T10:17:00Z", "2026-02-16T10:00:00Z", String(rows[rows.count / 2].split(separator: ",")[5]),
                    "2026-03-11T15:45:30Z"]
        for cut in cuts {
            let kept = CanonicalLog.upTo(cut, rows)
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
