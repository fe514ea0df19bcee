import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// The RFC 4180 reader under the CSV import: line endings (LF, CRLF, CR alone), blank lines, carriage returns
/// inside quotes, line numbers, and records split across the chunks a `ByteSource` hands over.
@Suite struct CSVRecordReaderTests {
    struct Record: Equatable, CustomStringConvertible {
        var fields: [String]
        var line: Int
        var description: String { "\(line):\(fields)" }
    }

    /// Records read from `bytes` through a real file and `ByteSource`.
    static func records(_ bytes: [UInt8]) throws -> [Record] {
        let folder = try TemporaryFolder("csv")
        let file = try folder.write("records.csv", bytes: bytes)
        var out: [Record] = []
        try CSVRecordReader(source: try ByteSource(path: file)).forEachRecord { out.append(Record(fields: $0, line: $1)) }
        return out
    }

    static func records(_ text: String) throws -> [Record] { try records(Array(text.utf8)) }

    /// Records read by feeding the parser `bytes` in two chunks split at `split`.
    static func records(_ bytes: [UInt8], splitAt split: Int) throws -> [Record] {
        var parser = CSVRecordReader.Parser()
        var out: [Record] = []
        for part in [bytes[..<split], bytes[split...]] {
            try Array(part).withUnsafeBufferPointer { try parser.consume($0) { out.append(Record(fields: $0, line: $1)) } }
        }
        try parser.finish { out.append(Record(fields: $0, line: $1)) }
        return out
    }

    static let header = "ticket_id,service,step,team,event,at,actor"

    @Test func blankCRLFLinesAreSkippedLikeBlankLFLines() throws {
        let crlf = try Self.records("\(Self.header)\r\nT1,svc,,,opened,2026-01-01T00:00:00Z,alice\r\n\r\n")
        let lf = try Self.records("\(Self.header)\nT1,svc,,,opened,2026-01-01T00:00:00Z,alice\n\n")
        #expect(crlf == lf)
        #expect(crlf.map(\.fields) == [Self.header.split(separator: ",").map(String.init),
                                       ["T1", "svc", "", "", "opened", "2026-01-01T00:00:00Z", "alice"]])
        // Blank lines in the middle and at the start too, and line numbers count them.
        #expect(try Self.records("\r\na,b\r\n\r\n\r\nc,d\r\n") == [Record(fields: ["a", "b"], line: 2), Record(fields: ["c", "d"], line: 5)])
    }

    @Test func anEmptyLastFieldBeforeCRLFIsStillAField() throws {
        #expect(try Self.records("a,b,\r\nc\r\n").map(\.fields) == [["a", "b", ""], ["c"]])
        #expect(try Self.records("\"\"\r\n,\r\n").map(\.fields) == [[""], ["", ""]])
    }

    @Test func aCarriageReturnInsideQuotesIsKept() throws {
        #expect(try Self.records("x,\"a\r\",\"t\r\"\n").map(\.fields) == [["x", "a\r", "t\r"]])
        #expect(try Self.records("x,\"t\r\"\r\n").map(\.fields) == [["x", "t\r"]])
        #expect(try Self.records("\"line 1\r\nline 2\r\n\",y\r\n").map(\.fields) == [["line 1\r\nline 2\r\n", "y"]])
        #expect(try Self.records("x,\"t\r\"").map(\.fields) == [["x", "t\r"]])   // no line end at all
        // Unquoted, a CR before LF is the line ending.
        #expect(try Self.records("x,t\r\n").map(\.fields) == [["x", "t"]])
    }

    /// Old Mac files end lines with CR alone; read outside quotes, a lone CR ends the record.
    @Test func carriageReturnOnlyLineEndingsEndRecords() throws {
        #expect(try Self.records("a,b\rc,d\r\re,\"f\rg\"\r") == [Record(fields: ["a", "b"], line: 1), Record(fields: ["c", "d"], line: 2),
                                                                 Record(fields: ["e", "f\rg"], line: 4)])
        #expect(try Self.records("a,b\rc,d").map(\.fields) == [["a", "b"], ["c", "d"]])
    }

    @Test func lineNumbersCountEveryKindOfLineEnding() throws {
        let records = try Self.records("a\nb\r\n\"x\ny\"\r\nc\rd\n\ne")
        #expect(records == [Record(fields: ["a"], line: 1), Record(fields: ["b"], line: 2), Record(fields: ["x\ny"], line: 3),
                            Record(fields: ["c"], line: 5), Record(fields: ["d"], line: 6), Record(fields: ["e"], line: 8)])
    }

    @Test func aByteOrderMarkIsDroppedAndAnOpenQuoteIsRefused() throws {
        #expect(try Self.records([0xEF, 0xBB, 0xBF] + Array("a,b\r\n".utf8)).map(\.fields) == [["a", "b"]])
        #expect(throws: InputError.self) { try Self.records("a,\"b\r\n") }
    }

    /// A chunk boundary anywhere (between CR and LF, inside a `""`, after a closing quote) changes nothing.
    @Test func recordsDoNotDependOnWhereChunksSplit() throws {
        for text in ["h,i\r\n\r\nT1,\"a\r\",\"t\r\"\r\n", "a,\"b \"\"q\"\"\"\r\rc\r\n\r\n", "x,\"y\r\nz\"\n\n,\r"] {
            let bytes = Array(text.utf8)
            let whole = try Self.records(bytes)
            for split in 0...bytes.count {
                #expect(try Self.records(bytes, splitAt: split) == whole, "\(text.debugDescription) split at \(split)")
            }
        }
    }

    // Through the importer, on a temporary store.

    @Test func aCRLFFileWithABlankLineImports() throws {
        let f = try ImportFixture()
        let file = try f.write("crlf.csv", "\(Self.header)\r\nT1,svc,,,opened,2026-01-01T00:00:00Z,alice\r\n\r\n")
        let s = try f.importFile(file)
        #expect(s.rowsRead == 1 && s.eventsAdded == 1 && s.rejected == 0)
        #expect(try f.store.loadTicket("T1")?.openedAt == ImportFixture.t("2026-01-01T00:00:00Z"))
    }

    @Test func aCarriageReturnOnlyFileImports() throws {
        let f = try ImportFixture()
        let file = try f.write("mac.csv", "\(Self.header)\rT1,svc,,,opened,2026-01-01T00:00:00Z,alice\rT1,svc,s1,team,completed,2026-01-01T02:00:00Z,bob\r")
        let s = try f.importFile(file)
        #expect(s.rowsRead == 2 && s.eventsAdded == 2 && s.rejected == 0)
        #expect(try f.run("T1", "s1")?.int("done_at") == ImportFixture.t("2026-01-01T02:00:00Z"))
    }
}
