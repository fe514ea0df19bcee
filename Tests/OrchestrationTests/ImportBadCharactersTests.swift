import Foundation
import Testing
@testable import Orchestration
import SQLite

extension ImportFixture {
    /// Imports `file` read in `encoding` with `delimiter`; the summary, or the error thrown.
    @discardableResult
    func importFile(_ file: String, encoding: TextEncoding, delimiter: UInt8 = 44, format: ImportFormat? = nil,
                    profile: ImportProfile? = nil, skipBad: String? = nil) throws -> ImportSummary {
        let source = try ByteSource(path: file, encoding: encoding)
        var options = EventLogImporter.Options(format: format ?? ImportFormat.from(path: file) ?? .csv, profile: profile)
        options.delimiter = delimiter
        options.skipBadPath = skipBad
        return try EventLogImporter(store: store).run(source, options: options)
    }
}

/// Bytes that are not text are refused, never replaced by U+FFFD or stored (a NUL in an id): the error names the file,
/// the line and the byte offset, and the store is unchanged. `--encoding` reads Latin-1, Windows-1252 and UTF-16.
@Suite struct ImportBadCharactersTests {
    static let header = "ticket_id,service,step,team,event,at,actor\n"
    static let good = "T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana\n"

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func invalidUTF8InACanonicalCSVNamesTheLineAndByteOffset() throws {
        let f = try ImportFixture()
        let prefix = Self.bytes(Self.header + Self.good + "T-2,hiring,,,opened,2026-03-02T09:00:00Z,Jos")
        let file = try f.write("latin.csv", bytes: prefix + [0xE9] + Self.bytes("\n"))
        let before = try f.state()
        let e = f.importError { try f.importFile(file) }
        #expect(e?.file == file && e?.line == 3, "\(String(describing: e))")
        #expect(e?.message.contains("invalid UTF-8 (byte 0xE9) at byte offset \(prefix.count)") == true, "\(String(describing: e))")
        #expect(e?.message.contains("--encoding latin1") == true)
        // Not a bad row: --skip-bad does not import the rest with the character dropped.
        #expect(f.importError { try f.importFile(file, skipBad: f.path("rejects.csv")) } != nil)
        #expect(try f.state() == before)
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    @Test func everyKindOfInvalidUTF8IsRefused() throws {
        let invalid: [[UInt8]] = [[0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                  [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xC3], [0xE2, 0x82]]
        for bad in invalid {
            let data = Self.bytes("a,b") + bad + Self.bytes(",c\n")
            let r = data.withUnsafeBufferPointer { TextDecoder.validateUTF8($0) }
            #expect(r.bad == 3, "\(bad)")
        }
        let valid = Self.bytes("é € 𝄞 ü ascii only here and a long run of plain text")
        #expect(valid.withUnsafeBufferPointer { TextDecoder.validateUTF8($0) } == (nil, 0))
        // A character cut by the end of a chunk is carried over, never refused.
        let euro = Self.bytes("xxxxxxxxxxx€")
        #expect(Array(euro.dropLast()).withUnsafeBufferPointer { TextDecoder.validateUTF8($0) } == (nil, 2))
    }

    /// Wherever chunks split the bytes, the decoded text is the same and errors keep their file offset.
    @Test func decodingDoesNotDependOnWhereChunksSplit() throws {
        let text = "id,name\nT-1,Zoë 😀 €\r\nT-2,Ærø\n"
        let cases: [(TextEncoding, [UInt8])] = [
            (.utf8, [0xEF, 0xBB, 0xBF] + Array(text.utf8)),
            (.utf16, [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
            (.utf16, [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),
            (.utf16LE, text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
            (.utf16BE, text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),
        ]
        for (encoding, bytes) in cases {
            for split in 0...bytes.count {
                var decoder = TextDecoder(encoding: encoding)
                var out = Data()
                for (part, last) in [(bytes[..<split], false), (bytes[split...], false), (bytes[bytes.endIndex...], true)] {
                    let (t, bad) = decoder.decode(Data(part), last: last)
                    #expect(bad == nil, "\(encoding) split \(split): \(String(describing: bad))")
                    out.append(t)
                }
                #expect(String(decoding: out, as: UTF8.self) == text, "\(encoding) split \(split)")
            }
        }
        // A bad byte after a split keeps its offset in the file.
        let bad = Array("abc,déf".utf8) + [0xFF] + Array("\n".utf8)
        for split in 0...bad.count {
            var decoder = TextDecoder(encoding: .utf8)
            var found: BadText?
            for (part, last) in [(bad[..<split], false), (bad[split...], false), (bad[bad.endIndex...], true)] where found == nil {
                found = decoder.decode(Data(part), last: last).1
            }
            #expect(found?.offset == 8, "split \(split)")
        }
    }

    @Test func aNulByteIsRefusedInCSVAndJSONLines() throws {
        let f = try ImportFixture()
        let prefix = Self.bytes(Self.header + Self.good + "T-")
        let csv = try f.write("nul.csv", bytes: prefix + [0] + Self.bytes("2,hiring,,,opened,2026-03-02T09:00:00Z,ana\n"))
        let e = f.importError { try f.importFile(csv) }
        #expect(e?.line == 3 && e?.message.contains("a NUL byte (0x00) where text was expected at byte offset \(prefix.count)") == true,
                "\(String(describing: e))")
        let jsonPrefix = Self.bytes("{\"ticket_id\":\"T-1\",\"service\":\"hiring\",\"event\":\"opened\",\"at\":\"2026-03-02T09:00:00Z\"}\n{\"ticket_id\":\"T-")
        let jsonl = try f.write("nul.jsonl", bytes: jsonPrefix + [0] + Self.bytes("2\",\"service\":\"hiring\",\"event\":\"opened\",\"at\":\"2026-03-02T09:00:00Z\"}\n"))
        let j = f.importError { try f.importFile(jsonl) }
        #expect(j?.line == 2 && j?.message.contains("NUL byte (0x00) where text was expected at byte offset \(jsonPrefix.count)") == true, "\(String(describing: j))")
        // JSON's \u0000 escape makes the same character: the row is refused (a bad row, so --skip-bad takes it).
        let escaped = try f.write("escaped.jsonl", """
        {"ticket_id":"T-1\\u0000x","service":"hiring","event":"opened","at":"2026-03-02T09:00:00Z"}
        {"ticket_id":"T-2","service":"hiring","event":"opened","at":"2026-03-02T09:00:00Z"}

        """)
        let k = f.importError { try f.importFile(escaped) }
        #expect(k?.line == 1 && k?.field == "ticket_id" && k?.message.contains("NUL") == true, "\(String(describing: k))")
        #expect(try f.count("SELECT count(*) FROM events") == 0)
        let s = try f.importFile(escaped, skipBad: f.path("rejects.csv"))
        #expect(s.rejected == 1 && s.eventsAdded == 1)
        #expect(try f.count("SELECT count(*) FROM events WHERE instr(ticket_id, char(0)) > 0") == 0)
    }

    @Test func invalidUTF8InJSONLinesAndProfileCSV() throws {
        let f = try ImportFixture()
        let prefix = Self.bytes("{\"ticket_id\":\"T-1\",\"service\":\"hiring\",\"event\":\"opened\",\"at\":\"2026-03-02T09:00:00Z\",\"actor\":\"Jos")
        let jsonl = try f.write("bad.jsonl", bytes: prefix + [0xE9] + Self.bytes("\"}\n"))
        let j = f.importError { try f.importFile(jsonl) }
        #expect(j?.line == 1 && j?.message.contains("invalid UTF-8 (byte 0xE9) at byte offset \(prefix.count)") == true, "\(String(describing: j))")

        let profile = try ImportProfile.load(path: try f.write("desk.json", ImportProfileTests.profileJSON))
        let rows = Self.bytes("id,state,when,group,who\nA,New,2026-03-02T00:00:00Z,L1,u\nA,Work,2026-03-02T01:00:00Z,L1,Jos")
        let csv = try f.write("desk.csv", bytes: rows + [0xE9, 0x0A])
        let p = f.importError { try f.importFile(csv, profile: profile) }
        #expect(p?.line == 3 && p?.message.contains("at byte offset \(rows.count)") == true, "\(String(describing: p))")
        let nul = try f.write("desk-nul.csv", bytes: Self.bytes("id,state,when,group,who\nA") + [0] + Self.bytes(",New,2026-03-02T00:00:00Z,L1,u\n"))
        let n = f.importError { try f.importFile(nul, profile: profile) }
        #expect(n?.line == 2 && n?.message.contains("NUL byte") == true, "\(String(describing: n))")
        // The same file read as Latin-1 imports, the name intact.
        let s = try f.importFile(csv, encoding: .latin1, profile: profile)
        #expect(s.rowsRead == 2 && s.rejected == 0)
        #expect(try f.store.db.scalar("SELECT group_concat(DISTINCT actor) FROM events WHERE actor <> 'u'")?.string == "José")
        #expect(try f.count("SELECT count(*) FROM events WHERE actor LIKE '%' || char(65533) || '%'") == 0)
    }

    @Test func xesWithInvalidUTF8OrANulIsRefusedWithTheOffset() throws {
        let f = try ImportFixture()
        let head = Self.bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log>\n<trace><string key=\"concept:name\" value=\"C")
        let tail = Self.bytes("\"/>\n<event><string key=\"concept:name\" value=\"s\"/><date key=\"time:timestamp\" value=\"2026-03-02T10:00:00Z\"/></event>\n</trace></log>\n")
        let bad = try f.write("bad.xes", bytes: head + [0xE9] + tail)
        let e = f.importError { try f.importFile(bad) }
        #expect(e?.line == 3 && e?.message.contains("invalid UTF-8 (byte 0xE9) at byte offset \(head.count)") == true, "\(String(describing: e))")
        let nul = try f.write("nul.xes", bytes: head + [0] + tail)
        let n = f.importError { try f.importFile(nul) }
        #expect(n?.line == 3 && n?.message.contains("NUL byte (0x00) where text was expected at byte offset \(head.count)") == true, "\(String(describing: n))")
        #expect(try f.count("SELECT count(*) FROM events") == 0)
        // A file that declares Latin-1 is the XML parser's to decode.
        let latin = try f.write("latin.xes", bytes: Self.bytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<log>\n<trace><string key=\"concept:name\" value=\"C")
                                + [0xE9] + tail)
        #expect(try f.importFile(latin).eventsAdded == 2)
        #expect(try f.store.db.scalar("SELECT DISTINCT ticket_id FROM events")?.string == "Cé")
    }

    @Test func latin1Cp1252AndUTF16AreConvertedWhileStreaming() throws {
        let f = try ImportFixture()
        let text = Self.header + "T-1,hiring,,,opened,2026-03-02T09:00:00Z,Zoë\r\nT-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,Ærø\r\n"
        let latin = try f.write("latin.csv", bytes: text.unicodeScalars.map { UInt8($0.value) })
        #expect(try f.importFile(latin, encoding: .latin1).eventsAdded == 2)
        #expect(try f.store.db.scalar("SELECT group_concat(actor, '|') FROM (SELECT actor FROM events ORDER BY at)")?.string == "Zoë|Ærø")

        let g = try ImportFixture()
        // Windows-1252: € is 0x80, ‘ ’ are 0x91 0x92; 0x81 is no character.
        let cp = Self.bytes(Self.header + "T-1,hiring,,,opened,2026-03-02T09:00:00Z,") + [0x80, 0x91, 0x92] + Self.bytes("\n")
        #expect(try g.importFile(try g.write("cp.csv", bytes: cp), encoding: .cp1252).eventsAdded == 1)
        #expect(try g.store.db.scalar("SELECT actor FROM events")?.string == "€‘’")
        let undefined = Self.bytes(Self.header + "T-2,hiring,,,opened,2026-03-02T09:00:00Z,") + [0x81] + Self.bytes("\n")
        let u = g.importError { try g.importFile(try g.write("cp-bad.csv", bytes: undefined), encoding: .cp1252) }
        #expect(u?.line == 2 && u?.message.contains("byte 0x81 is not a Windows-1252 character at byte offset \(undefined.count - 2)") == true,
                "\(String(describing: u))")

        // UTF-16 with a byte-order mark, either order; tab-separated, as Excel's "Unicode text" is.
        for bigEndian in [false, true] {
            let h = try ImportFixture()
            let tsv = (Self.header + "T-9,hiring,,,opened,2026-03-02T09:00:00Z,Łukasz 😀\n").replacingOccurrences(of: ",", with: "\t")
            let units = tsv.utf16.flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            let file = try h.write("u16.csv", bytes: (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) + units)
            // Read as UTF-8 it is refused with a hint, not imported as garbage.
            let e = h.importError { try h.importFile(file) }
            #expect(e?.line == 1 && e?.message.contains("UTF-16 byte-order mark at byte offset 0; pass --encoding utf-16") == true, "\(String(describing: e))")
            #expect(try h.importFile(file, encoding: .utf16, delimiter: 9).eventsAdded == 1)
            #expect(try h.store.db.scalar("SELECT actor FROM events")?.string == "Łukasz 😀")
        }
        // No byte-order mark: utf-16 refuses to guess; utf-16le reads it. An odd byte at the end is refused.
        let k = try ImportFixture()
        let plain = (Self.header + Self.good).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let noBOM = try k.write("nobom.csv", bytes: plain)
        #expect(k.importError { try k.importFile(noBOM, encoding: .utf16) }?.message.contains("no UTF-16 byte-order mark") == true)
        let odd = try k.write("odd.csv", bytes: plain + [0x41])
        let o = k.importError { try k.importFile(odd, encoding: .utf16LE) }
        #expect(o?.message.contains("ends inside a UTF-16 character at byte offset \(plain.count)") == true, "\(String(describing: o))")
        #expect(try k.count("SELECT count(*) FROM events") == 0)
        #expect(try k.importFile(noBOM, encoding: .utf16LE).eventsAdded == 1)
    }

    @Test func aSemicolonOrTabDelimitedFileImportsWithDelimiterAndSaysSoWithout() throws {
        let f = try ImportFixture()
        let text = "ticket_id;service;step;team;event;at;actor\r\nT-1;hiring;;;opened;2026-03-02T09:00:00Z;\"Smith; Ann\"\r\nT-1;hiring;screen;hr;started;2026-03-02T10:00:00Z;bo\r\n"
        let file = try f.write("excel.csv", text)
        let e = f.importError { try f.importFile(file) }
        #expect(e?.field == "ticket_id" && e?.message.contains("the header looks ';'-separated: pass --delimiter ';'") == true, "\(String(describing: e))")
        let s = try f.importFile(file, encoding: .utf8, delimiter: 59)
        #expect(s.eventsAdded == 2 && s.rejected == 0)
        #expect(try f.store.db.scalar("SELECT actor FROM events WHERE kind = 'opened'")?.string == "Smith; Ann")
        // CR-only line endings with another delimiter too.
        let g = try ImportFixture()
        let mac = try g.write("mac.csv", text.replacingOccurrences(of: "\r\n", with: "\r").replacingOccurrences(of: ";", with: "\t"))
        #expect(try g.importFile(mac, encoding: .utf8, delimiter: 9).eventsAdded == 2)
    }
}
