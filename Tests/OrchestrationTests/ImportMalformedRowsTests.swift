import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Rows that are not RFC 4180 (`b"o`: a quote inside an unquoted field; `"bo"x`: text after the closing quote) and
/// rows with more fields than the header are bad rows, named by line and column: refused, or with `--skip-bad`
/// written to the rejects file while the rest imports. A row with fewer fields reads the missing trailing fields as
/// empty; a required one missing is a bad row.
@Suite struct ImportMalformedRowsTests {
    static let header = "ticket_id,service,step,team,event,at,actor\n"

    /// Imports `rows` (after the header) as `name` into a new store and expects the import refused at `line` and
    /// `field` with every one of `phrases` in the message; returns the fixture for further checks.
    @discardableResult
    static func expectRefused(_ name: String, _ rows: String, line: Int, field: String, saying phrases: String...,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> ImportFixture {
        let f = try ImportFixture()
        let file = try f.write(name, header + rows)
        let e = f.importError { try f.importFile(file) }
        #expect(e?.line == line && e?.field == field && phrases.allSatisfy { e?.message.contains($0) == true },
                "\(String(describing: e))", sourceLocation: sourceLocation)
        return f
    }

    @Test func aQuoteInsideAnUnquotedFieldIsABadRow() throws {
        let f = try Self.expectRefused("q.csv", "T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana\nT-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,b\"o\n",
                                       line: 3, field: "actor", saying: "a quote inside a field that does not start with one", "(column 7)")
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    @Test func textAfterAClosingQuoteIsABadRow() throws {
        try Self.expectRefused("q.csv", "T-1,hiring,,,opened,2026-03-02T09:00:00Z,\"bo\"x\n", line: 2, field: "actor",
                               saying: "text after the closing quote")
        // A space after the closing quote is text too; a quoted field followed by the delimiter or a line end is fine.
        let g = try ImportFixture()
        let spaced = try g.write("s.csv", Self.header + "T-1,\"hiring\" ,,,opened,2026-03-02T09:00:00Z,ana\n")
        #expect(g.importError { try g.importFile(spaced) }?.field == "service")
        let fine = try g.write("fine.csv", Self.header + "\"T-1\",\"hiring\",\"\",,opened,2026-03-02T09:00:00Z,\"a \"\"b\"\" c\"\r\n")
        #expect(try g.importFile(fine).eventsAdded == 1)
        #expect(try g.store.db.scalar("SELECT actor FROM events")?.string == "a \"b\" c")
    }

    @Test func aRowWithMoreFieldsThanTheHeaderIsABadRow() throws {
        // An unquoted comma in a name shifts nothing silently: the row is refused.
        try Self.expectRefused("wide.csv", "T-1,hiring,,,opened,2026-03-02T09:00:00Z,Smith, Ann\n", line: 2, field: "column 8",
                               saying: "the row has 8 fields, the header 7")
    }

    @Test func fewerFieldsReadAsEmptyUnlessARequiredOneIsMissing() throws {
        let f = try Self.expectRefused("short.csv", "T-1,hiring,,,opened,2026-03-02T09:00:00Z\nT-2,hiring,,,opened\n", line: 3, field: "at",
                                       saying: "is missing: the row has 5 fields, the header 7")
        let ok = try f.write("ok.csv", Self.header + "T-1,hiring,,,opened,2026-03-02T09:00:00Z\n")
        #expect(try f.importFile(ok).eventsAdded == 1)
        #expect(try f.store.db.scalar("SELECT coalesce(actor, '') FROM events")?.string == "")
    }

    /// `at` is a date-time with Z or an offset: a date alone (which would be read as midnight UTC) is a bad row.
    @Test func aDateWithoutATimeIsABadRow() throws {
        let f = try Self.expectRefused("date.csv", "T-1,hiring,,,opened,2026-03-02,ana\n", line: 2, field: "at",
                                       saying: "'2026-03-02' is not an ISO 8601 date-time")
        let noZone = try f.write("nozone.csv", Self.header + "T-1,hiring,,,opened,2026-03-02T09:00:00,ana\n")
        #expect(f.importError { try f.importFile(noZone) }?.field == "at")
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    /// With --skip-bad each malformed row goes to the rejects file with its line and column, and the rest imports.
    @Test func skipBadWritesMalformedRowsToTheRejectsFile() throws {
        let f = try ImportFixture()
        let file = try f.write("mixed.csv", Self.header + """
        T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana
        T-2,hiring,,,opened,2026-03-02T09:00:00Z,b"o
        T-3,hiring,,,opened,2026-03-02T09:00:00Z,"bo"x
        T-4,hiring,,,opened,2026-03-02T09:00:00Z,ana,extra
        T-5,hiring,,,opened,2026-03-02T09:00:00Z

        """)
        let rejects = f.path("rejects.csv")
        let s = try f.importFile(file, skipBad: rejects)
        #expect(s.rowsRead == 2 && s.rejected == 3 && s.ticketsNew == 2)
        #expect(try f.store.db.scalar("SELECT group_concat(id) FROM (SELECT id FROM tickets ORDER BY id)")?.string == "T-1,T-5")
        let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "\(lines)")
        #expect(lines[0] == "line,field,reason,record")
        #expect(lines[1].hasPrefix("3,actor,") && lines[2].hasPrefix("4,actor,text after the closing quote") && lines[3].hasPrefix("5,column 8,"), "\(lines)")
    }

    @Test func profileCSVRowsAreCheckedTheSameWay() throws {
        let f = try ImportFixture()
        let profile = try ImportProfile.load(path: try f.write("desk.json", ImportProfileTests.profileJSON))
        let file = try f.write("desk.csv", """
        id,state,when,group,who
        A,New,2026-03-02T00:00:00Z,L1,u
        A,Work,2026-03-02T01:00:00Z,L1,u"v
        B,New,2026-03-02T00:00:00Z,L1,u,extra
        C,New,2026-03-02T00:00:00Z,"L1"2,u

        """)
        let e = f.importError { try f.importFile(file, profile: profile) }
        #expect(e?.line == 3 && e?.field == "who" && e?.message.contains("quote inside") == true, "\(String(describing: e))")
        let s = try f.importFile(file, profile: profile, skipBad: f.path("rejects.csv"))
        #expect(s.rejected == 3 && s.rowsRead == 1, "\(s)")
        let rejected = try String(contentsOfFile: f.path("rejects.csv"), encoding: .utf8)
        #expect(rejected.contains("\n3,who,") && rejected.contains("\n4,column 6,") && rejected.contains("\n5,group,"), "\(rejected)")
    }

    @Test func theHeaderRowMustBeWellFormedToo() throws {
        let f = try ImportFixture()
        let file = try f.write("h.csv", "ticket_id,service,step,team,event,at,\"actor\"x\nT-1,hiring,,,opened,2026-03-02T09:00:00Z,ana\n")
        let e = f.importError { try f.importFile(file, skipBad: f.path("rejects.csv")) }
        #expect(e?.line == 1 && e?.message.contains("the header row") == true, "\(String(describing: e))")
    }

    /// The parser reports the same problems wherever a chunk boundary falls (after a closing quote, inside `""`).
    @Test func problemsDoNotDependOnWhereChunksSplit() throws {
        for (text, expected) in [("a,\"bo\"x,c\nd\n", CSVRecordReader.Problem(kind: .textAfterClosingQuote, field: 1)),
                                 ("a,b\"o,c\nd\n", CSVRecordReader.Problem(kind: .quoteInUnquotedField, field: 1)),
                                 ("a;\"b;\"\"o\";c\r\nd\n", nil)] {
            let bytes = Array(text.utf8)
            for split in 0...bytes.count {
                var parser = CSVRecordReader.Parser(delimiter: text.contains(";") ? 59 : 44)
                var problems: [CSVRecordReader.Problem?] = []
                var fields: [[String]] = []
                let body: ([String], Int, CSVRecordReader.Problem?) throws -> Void = { fields.append($0); problems.append($2) }
                for part in [bytes[..<split], bytes[split...]] {
                    try Array(part).withUnsafeBufferPointer { try parser.consume($0, body) }
                }
                try parser.finish(body)
                #expect(problems == [expected, nil], "\(text.debugDescription) split at \(split)")
                #expect(fields.count == 2 && fields[0].count == 3, "\(text.debugDescription) split at \(split): \(fields)")
                if expected == nil { #expect(fields[0] == ["a", "b;\"o", "c"]) }
            }
        }
    }
}
