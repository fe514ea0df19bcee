import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// An XES file must be well-formed XML to its `</log>`: one cut short (mid-event, inside an attribute, a `.gz` cut
/// off) or broken in the middle is an error naming the file and line, and the store is unchanged. (Foundation's
/// XMLParser runs libxml2 in recovery mode: it may return true from `parse()` with an error set, and it handed the
/// importer the events before the cut.)
@Suite struct ImportTruncatedXESTests {
    /// Two traces of two events each; the file ends with a newline after `</log>`.
    static let xes = try! String(contentsOfFile: ImportFixture.fixture("hiring.xes"), encoding: .utf8)

    /// The line the text ends on (1-based), as the error names it.
    static func lastLine(_ text: [UInt8]) -> Int { text.filter { $0 == 10 }.count + 1 }

    @Test func aFileCutMidEventIsRefusedNamingTheLineWhereItEnds() throws {
        let f = try ImportFixture()
        let bytes = Array(Self.xes.utf8)
        // Cut after the first event of C-2: before, one trace whole and the next with 1 of its 2 events, exit 0.
        let cut = Array(bytes[..<(Self.xes.range(of: "      <string key=\"concept:name\" value=\"offer\"/>", options: .backwards)!.lowerBound.utf16Offset(in: Self.xes))])
        let file = try f.write("cut.xes", bytes: cut)
        let e = f.importError { try f.importFile(file) }
        #expect(e?.file == file && e?.line == Self.lastLine(cut), "\(String(describing: e))")
        #expect(e?.message.contains("the file ends before the log does (inside an <event> begun on line 24)") == true, "\(String(describing: e))")
        #expect(try f.count("SELECT count(*) FROM events") == 0 && f.count("SELECT count(*) FROM imports") == 0)
    }

    @Test func aFileCutInsideAnAttributeIsRefusedNotImportedAsZeroRows() throws {
        let f = try ImportFixture()
        let text = Self.xes
        let cut = Array(text.utf8.prefix(text.range(of: "value=\"C-1")!.upperBound.utf16Offset(in: text)))
        let file = try f.write("cut.xes", bytes: cut)
        let e = f.importError { try f.importFile(file) }
        #expect(e?.line == Self.lastLine(cut) && e?.message.contains("cut short") == true, "\(String(describing: e))")
    }

    /// Every cut before `</log>` is complete fails with the store unchanged; every cut after it imports the whole log.
    @Test func everyCutOfASmallLogIsRefusedOrWhole() throws {
        let f = try ImportFixture()
        let bytes = Array(Self.xes.utf8)
        let complete = Self.xes.range(of: "</log>")!.upperBound.utf16Offset(in: Self.xes)
        let before = try f.state()
        let file = f.path("cut.xes")
        for n in stride(from: 0, to: complete, by: 3) + [complete - 1] {
            try Data(bytes[..<n]).write(to: URL(fileURLWithPath: file))
            let e = f.importError { try f.importFile(file) }
            #expect(e != nil && e?.file == file, "cut at \(n) imported")
            if n > 40 { #expect(e?.line == Self.lastLine(Array(bytes[..<n])) || e?.message.contains("not well-formed") == true, "cut at \(n): \(String(describing: e))") }
            #expect(try f.state() == before, "cut at \(n) changed the store")
        }
        for n in [complete, complete + 1] {
            try Data(bytes[..<n]).write(to: URL(fileURLWithPath: file))
            #expect(f.importError { try f.importFile(file) } == nil, "cut at \(n)")
        }
        #expect(try f.count("SELECT count(*) FROM events") == 6)
    }

    @Test func notWellFormedXMLInTheMiddleNamesItsLine() throws {
        let f = try ImportFixture()
        let broken = Self.xes.replacingOccurrences(of: "    </event>\n    <event>\n      <string key=\"concept:name\" value=\"offer\"/>",
                                                   with: "    </evnt>\n    <event>\n      <string key=\"concept:name\" value=\"offer\"/>")
        #expect(broken != Self.xes)
        let file = try f.write("broken.xes", broken)
        let e = f.importError { try f.importFile(file) }
        #expect(e?.line == 10 && e?.message.contains("is not well-formed XML") == true, "\(String(describing: e))")
        let garbage = try f.write("garbage.xes", Self.xes + "<log>")
        #expect(f.importError { try f.importFile(garbage) }?.message.contains("well-formed") == true)
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    /// A gzipped CSV or JSON Lines file cut short says so, with the line where the text stops.
    @Test func aGzippedCSVOrJSONLinesCutShortNamesTheLine() throws {
        let f = try ImportFixture()
        var csv = "ticket_id,service,step,team,event,at,actor\n"
        var jsonl = ""
        for i in 0..<3000 {
            csv += "T-\(i),hiring,,,opened,2026-03-02T09:00:00Z,ana\n"
            jsonl += "{\"ticket_id\":\"T-\(i)\",\"service\":\"hiring\",\"event\":\"opened\",\"at\":\"2026-03-02T09:00:00Z\"}\n"
        }
        for (name, text) in [("log.csv", csv), ("log.jsonl", jsonl)] {
            let plain = try f.write(name, text)
            let gz = try Data(contentsOf: URL(fileURLWithPath: try ExternalTools.gzip(plain)))
            let cut = f.path("cut-" + name + ".gz")
            try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: cut))
            let e = f.importError { try f.importFile(cut) }
            #expect(e?.line != nil && e?.message.contains("cut short") == true, "\(name): \(String(describing: e))")
        }
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    // The real log, gzipped and plain, cut at several offsets.

    static var receipt: String? { TestPaths.sharedFile("receipt.xes.gz") }
    static var receiptPresent: Bool { receipt != nil }

    @Test(.enabled(if: receiptPresent, "needs ../shared/data/receipt.xes.gz"))
    func theReceiptLogGzippedAndCutShortIsRefused() throws {
        let gz = try Data(contentsOf: URL(fileURLWithPath: try #require(Self.receipt)))
        let f = try ImportFixture()
        let before = try f.state()
        let file = f.path("receipt-cut.xes.gz")
        for n in [10, 1_000, gz.count / 3, gz.count * 2 / 3, gz.count - 100, gz.count - 1] {
            try gz.prefix(n).write(to: URL(fileURLWithPath: file))
            let e = f.importError { try f.importFile(file, format: .xes) }
            #expect(e?.file == file && e?.line != nil, "cut at \(n) of \(gz.count): \(String(describing: e))")
            #expect(e?.message.contains("cut short") == true, "cut at \(n): \(String(describing: e))")
            #expect(try f.state() == before, "cut at \(n) changed the store")
        }
    }

    @Test(.enabled(if: receiptPresent, "needs ../shared/data/receipt.xes.gz"))
    func theReceiptLogPlainAndCutShortIsRefused() throws {
        let xml = try ExternalTools.gunzip(try #require(Self.receipt))
        let f = try ImportFixture()
        let before = try f.state()
        let file = f.path("receipt-cut.xes")
        for n in [xml.count / 10, xml.count / 2, xml.count - 200, xml.count - 8] {
            let cut = xml.prefix(n)
            try cut.write(to: URL(fileURLWithPath: file))
            let e = f.importError { try f.importFile(file) }
            #expect(e?.line == Self.lastLine(Array(cut)) && e?.message.contains("cut short") == true, "cut at \(n): \(String(describing: e))")
            #expect(try f.state() == before)
        }
    }
}
