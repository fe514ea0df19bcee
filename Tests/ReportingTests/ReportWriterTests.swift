import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Orchestration
import Rendering
@testable import Reporting
import SQLite

@Suite struct ReportWriterTests {
    static let monday = Instant.parse("2026-11-16T00:00:00Z")!

    func result(name: String = "weekly", from: Int64 = monday, to: Int64 = monday + 604_800) -> ReportResult {
        ReportResult(name: name, title: "T", description: "", from: from, to: to, asOf: to, generatedAt: to, store: "x.db",
                     headlines: [], sections: [
                        SectionResult(key: "s", title: "S", description: "", columns: [
                            ColumnSpec(name: "who", label: "Who", unit: .text),
                            ColumnSpec(name: "at", label: "At", unit: .instant),
                            ColumnSpec(name: "hours", label: "Hours", unit: .hours),
                        ], rows: [
                            [.text("=cmd|' /C calc'!A0"), .integer(Self.monday + 3600), .real(1.0 / 3.0)],
                            [.text("Ana, \"the\" boss\nline 2"), .null, .integer(2)],
                            [.text("Zoë ✓"), .integer(0), .real(1e-7)],
                        ])
                     ], definitions: [("Percentile", "type 7")])
    }

    @Test func csvIsRFC4180WithISOInstantsFullPrecisionAndGuardedText() throws {
        let out = try TemporaryFolder.make()
        let folder = try ReportWriter.write(result(), renderers: [ReportCSV()], outputDirectory: out)
        let bytes = try Data(contentsOf: folder.appendingPathComponent("s.csv"))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("who,at,hours\r\n'=cmd|' /C calc'!A0,2026-11-16T01:00:00Z,0.3333333333333333\r\n\"Ana, \"\"the\"\" boss\nline 2\",,2\r\n"))
        let last = try CSVTable(url: folder.appendingPathComponent("s.csv")).rows[2]
        #expect(last[0] == "Zoë ✓")
        #expect(Double(last[2]) == 1e-7)
        #expect(try CSVTable(url: folder.appendingPathComponent("definitions.csv")).rows == [["Percentile", "type 7"]])
    }

    @Test func fastInstantTextEqualsInstantISO() {
        var t: Int64 = -86_400 * 365 * 3
        while t < 4_102_444_800 {  // to 2100
            #expect(ReportCSV.iso(t) == Instant.iso(t))
            t += 7_777_777
        }
        #expect(ReportCSV.iso(Instant.parse("2026-12-31T23:59:59Z")!) == "2026-12-31T23:59:59Z")
    }

    @Test func textWithCRLFIsQuoted() {
        #expect(CSVWriter.field(.text("a\r\nb")) == "\"a\r\nb\"")
        #expect(CSVWriter.field(.text("a\rb")) == "\"a\rb\"")
        #expect(CSVWriter.number(1e-7) == "9.9999999999999995e-08")
        #expect(CSVWriter.number(0.1) == "0.1")
    }

    @Test func aFinishedReportIsNeverOverwritten() throws {
        let out = try TemporaryFolder.make()
        let first = try ReportWriter.write(result(), renderers: [ReportCSV()], outputDirectory: out)
        let second = try ReportWriter.write(result(), renderers: [ReportCSV()], outputDirectory: out)
        let third = try ReportWriter.write(result(), renderers: [ReportCSV()], outputDirectory: out)
        #expect(first.lastPathComponent == "weekly-2026-W47")
        #expect(second.lastPathComponent == "weekly-2026-W47-2")
        #expect(third.lastPathComponent == "weekly-2026-W47-3")
        // Only finished folders remain: no temporary folder is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["weekly-2026-W47", "weekly-2026-W47-2", "weekly-2026-W47-3"])
    }

    struct Failing: ReportRenderer {
        let format = "html"
        func write(_ r: ReportResult, to folder: URL) throws {
            try Data("half".utf8).write(to: folder.appendingPathComponent("report.html"))
            throw ReportingError("renderer failed")
        }
    }

    @Test func aFailedRunLeavesNothingBehind() throws {
        let out = try TemporaryFolder.make()
        #expect(throws: ReportingError.self) { try ReportWriter.write(result(), renderers: [ReportCSV(), Failing()], outputDirectory: out) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }

    /// A `baton report` killed mid-run (SIGKILL) leaves its partial folder, ticket data in it; the next run removes
    /// those whose process is gone and never one a running report is still writing.
    @Test func stalePartialsOfKilledRunsAreRemovedLiveOnesKept() throws {
        let out = try TemporaryFolder.make()
        // A live writer: the process that started this one (it started before the partial was written).
        let live = getppid()
        let fm = FileManager.default
        // Names as the earlier writer made them (`.NAME.partial-PID-N`) and as the publisher makes them.
        let stale = [".weekly-2026-W46.partial-99999999-123", ".weekly-2026-W45.tmp-99999999-9f"]
        let running = ".weekly-2026-W47.partial-\(live)-7"
        for name in stale + [running] {
            try fm.createDirectory(at: out.appendingPathComponent(name), withIntermediateDirectories: false)
            try Data("T-1,ana\n".utf8).write(to: out.appendingPathComponent(name).appendingPathComponent("stalled.csv"))
        }
        let folder = try ReportWriter.write(result(), renderers: [ReportCSV()], outputDirectory: out)
        #expect(folder.lastPathComponent == "weekly-2026-W47")
        #expect(try fm.contentsOfDirectory(atPath: out.path).sorted() == [running, "weekly-2026-W47"])
    }

    @Test func aReportFolderIsSyncedBeforeAndAfterItsRename() throws {
        let out = try TemporaryFolder.make()
        let trace = AtomicFile.Trace()
        let folder = try AtomicFile.$trace.withValue(trace) {
            try ReportWriter.write(result(), renderers: [ReportCSV()], outputDirectory: out)
        }
        let steps = trace.steps
        guard let rename = steps.firstIndex(where: { if case .rename(_, let to) = $0 { return to == folder.path } else { return false } }),
              case .rename(let temp, _) = steps[rename] else {
            Issue.record("the folder was not renamed into place: \(steps)"); return
        }
        let before = steps[..<rename], after = steps[(rename + 1)...]
        // Every file of the folder and the folder itself are on disk before the rename; the parent after it.
        for file in ["s.csv", "definitions.csv"] { #expect(before.contains(.syncFile(temp + "/" + file)), "\(file): \(steps)") }
        #expect(before.last == .syncFolder(temp))
        #expect(Array(after) == [.syncFolder(out.path)])
    }

    @Test func folderNamesSayThePeriod() {
        #expect(ReportWriter.folderName(for: result(from: Self.monday - 11 * 604_800)) == "weekly-2026-W47")
        let nov = Instant.parse("2026-11-01T00:00:00Z")!, dec = Instant.parse("2026-12-01T00:00:00Z")!
        #expect(ReportWriter.folderName(for: result(name: "team-load", from: nov, to: dec)) == "team-load-2026-11-01_2026-11-30")
        #expect(ReportWriter.folderName(for: result(from: nov, to: nov + 86_400)) == "weekly-2026-11-01")
    }
}
