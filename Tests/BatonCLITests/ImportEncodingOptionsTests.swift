import Foundation
import Testing
@testable import BatonCLI
import Orchestration
import SQLite

/// `baton import --encoding` and `--delimiter` end to end, and the refusals of bad characters, malformed rows and
/// cut XES through the CLI: exit 1 naming the file and line, the store unchanged.
@Suite struct ImportEncodingOptionsTests {
    func write(_ h: CLIHarness, _ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: h.directory.appendingPathComponent(name))
    }

    func events(_ h: CLIHarness) throws -> Int64 {
        try Database(path: h.dbPath, readOnly: true).scalar("SELECT count(*) FROM events")?.int ?? -1
    }

    @Test func anExcelExportInCp1252WithSemicolonsImports() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        let text = "ticket_id;service;step;team;event;at;actor\r\nT-1;hiring;;;opened;2026-03-02T09:00:00Z;Fran"
        try write(h, "excel.csv", Array(text.utf8) + [0xE7, 0x6F, 0x69, 0x73, 0x20, 0x80] + Array("\r\n".utf8))
        let plain = h.run(["import", "excel.csv"])
        #expect(plain.code == 1 && plain.err.contains("excel.csv:1: field 'ticket_id'") && plain.err.contains("pass --delimiter ';'"), "\(plain.err)")
        let noEncoding = h.run(["import", "excel.csv", "--delimiter", ";"])
        #expect(noEncoding.code == 1 && noEncoding.err.contains("excel.csv:2: invalid UTF-8 (byte 0xE7) at byte offset \(text.utf8.count)"), "\(noEncoding.err)")
        #expect(try events(h) == 0)
        let r = h.run(["import", "excel.csv", "--encoding", "windows-1252", "--delimiter", ";"])
        #expect(r.code == 0, "\(r.err)")
        #expect(try Database(path: h.dbPath, readOnly: true).scalar("SELECT actor FROM events")?.string == "François €")
    }

    @Test func aTabSeparatedUTF16FileImports() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        let text = "ticket_id\tservice\tstep\tteam\tevent\tat\tactor\r\nT-1\thiring\t\t\topened\t2026-03-02T09:00:00Z\tŁukasz\r\n"
        try write(h, "unicode.csv", [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let r = h.run(["import", "unicode.csv", "--encoding", "utf-16", "--delimiter", "tab"])
        #expect(r.code == 0 && r.out.contains("1 events added"), "\(r.err)")
    }

    @Test func badOptionValuesAreUsageErrors() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        _ = try h.write("log.csv", "ticket_id,service,step,team,event,at,actor\n")
        _ = try h.write("log.jsonl", "")
        _ = try h.write("log.xes", "<log/>")
        for args in [["log.csv", "--encoding", "ebcdic"], ["log.csv", "--delimiter", ";;"], ["log.csv", "--delimiter", "\""],
                     ["log.csv", "--delimiter", "a"], ["log.jsonl", "--delimiter", ";"], ["log.xes", "--encoding", "latin1"]] {
            let r = h.run(["import"] + args)
            #expect(r.code == 64, "\(args): \(r.code) \(r.err)")
        }
        #expect(h.run(["import", "log.csv", "--encoding", "utf8"]).code == 0)
        let help = h.run(["import", "--help"]).out
        #expect(help.contains("--encoding") && help.contains("--delimiter") && help.contains("RFC 4180"))
    }

    @Test func refusalsThroughTheCLILeaveTheStoreUnchanged() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        _ = try h.write("quote.csv", "ticket_id,service,step,team,event,at,actor\nT-1,hiring,,,opened,2026-03-02T09:00:00Z,b\"o\n")
        let q = h.run(["import", "quote.csv"])
        #expect(q.code == 1 && q.err.hasPrefix("Error: quote.csv:2: field 'actor': a quote inside"), "\(q.err)")
        try write(h, "nul.csv", Array("ticket_id,service,step,team,event,at,actor\nT-\u{0}1,hiring,,,opened,2026-03-02T09:00:00Z,ana\n".utf8))
        let n = h.run(["import", "nul.csv", "--skip-bad", "rejects.csv"])
        #expect(n.code == 1 && n.err.contains("nul.csv:2: a NUL byte (0x00) where text was expected at byte offset 45"), "\(n.err)")
        _ = try h.write("cut.xes", "<?xml version=\"1.0\"?>\n<log>\n<trace><string key=\"concept:name\" value=\"C-1\"/>\n<event><string key=\"concept:name\" val")
        let x = h.run(["import", "cut.xes"])
        #expect(x.code == 1 && x.err.contains("cut.xes:4: the file ends before the log does (inside an <event> begun on line 4)"), "\(x.err)")
        #expect(try events(h) == 0)
    }
}
