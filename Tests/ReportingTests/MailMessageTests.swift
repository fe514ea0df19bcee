import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Rendering
import SQLite

/// A report run written by the real CSV and XLSX renderers into a folder, and its e-mail, read back by Python's
/// `email` package.
final class MailFixture: TemporaryFolder {
    static let asOf = Instant.parse("2026-11-23T06:00:00Z")!
    let folderName = "weekly/2026-11-23T0600Z"
    var folder: String { directory.path }

    init(title: String = "Weekly report", service: String = "onboarding") throws {
        try super.init("mail")
        let stalled = (1...12).map { i -> [SQLValue] in
            [.text("T-\(i)"), .text(i == 1 ? service : "onboarding"), .text(i == 2 ? "<script>alert(1)</script>" : "hr-review"), .real(50 + Double(i))]
        }
        result = ReportResult(
            name: "weekly", title: title, description: "", from: Instant.parse("2026-11-02T00:00:00Z")!,
            to: Instant.parse("2026-11-23T00:00:00Z")!, asOf: Self.asOf, generatedAt: Self.asOf, store: "s.db",
            headlines: [Headline(key: "closed", label: "Tickets closed", unit: .count, value: 12, previous: 10, higherIsBetter: true),
                        Headline(key: "p50", label: "Délai médian", unit: .hours, value: 30.5, previous: nil, higherIsBetter: false)],
            sections: [SectionResult(key: "throughput", title: "Throughput", description: "",
                                     columns: [ColumnSpec(name: "week", label: "Week", unit: .week), ColumnSpec(name: "closed", label: "Closed", unit: .count)],
                                     rows: [[.text("2026-W47"), .integer(12)]]),
                       SectionResult(key: "stalled", title: "Stalled steps", description: "",
                                     columns: [ColumnSpec(name: "ticket_id", label: "Ticket", unit: .text), ColumnSpec(name: "service", label: "Service", unit: .text),
                                               ColumnSpec(name: "step", label: "Step", unit: .text), ColumnSpec(name: "age_hours", label: "Age", unit: .hours)],
                                     rows: stalled, highlight: true)],
            definitions: [])
        for renderer in [ReportCSV() as any ReportRenderer, XLSXReportRenderer()] { try renderer.write(result, to: directory) }
    }

    var result: ReportResult!

    func file(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    /// The message written and parsed.
    func mail(_ settings: MailSettings) throws -> ParsedMail {
        let path = try ReportMail.write(result, settings: settings, folder: folder, folderName: folderName, date: Self.asOf + 125)
        return try ParsedMail.parse(path)
    }
}

@Suite struct MailMessageTests {
    static let python = ExternalTools.python3 != nil
    static func address(_ s: String) -> MailAddress { try! MailAddress(s) }
    static let settings = MailSettings(to: [address("\"Ops, Team\" <ops@example.com>"), address("lead@example.com")],
                                       cc: [address("Ünal Çelik <u@example.org>")], from: address("Zoë Bäcker <baton@example.com>"))

    @Test(.enabled(if: python, "needs python3")) func aRealParserReadsHeadersPartsAndAttachments() throws {
        let f = try MailFixture()
        var settings = Self.settings
        let subject = "Wöchentlicher Bericht — überfällige Schritte 🚦 " + String(repeating: "Ä long subject word ", count: 6)
        settings.subject = subject
        let m = try f.mail(settings)
        #expect(m.defects.isEmpty, "\(m.defects)")
        #expect(m.from == [.init("Zoë Bäcker", "baton@example.com")])
        #expect(m.to == [.init("Ops, Team", "ops@example.com"), .init("", "lead@example.com")])
        #expect(m.cc == [.init("Ünal Çelik", "u@example.org")])
        #expect(m.subject == MailHeader.oneLine(subject))
        #expect(m.date == Double(MailFixture.asOf + 125))
        #expect(m.messageID == "<weekly-2026-11-23T0600Z.weekly.baton@example.com>")
        #expect(m.headerNames.contains("MIME-Version"))
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        #expect(m.structure == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", xlsx, "text/csv", "text/csv", "text/csv"])
        #expect(m.attachments.map(\.filename) == ["report.xlsx", "headlines.csv", "stalled.csv", "throughput.csv"])
        for a in m.attachments { #expect(a.data == (try f.file(a.filename)), "\(a.filename)") }
        #expect(m.longestLine <= 78 && !m.bareLineFeed)
        // Headline cards and the stalled summary, escaped, in both bodies.
        #expect(m.html.contains("Tickets closed") && m.html.contains(">12<") && m.html.contains("▲ +20.0 % (previous 10)"))
        #expect(m.html.contains("Délai médian") && m.html.contains("30.5 h"))
        #expect(m.html.contains("12 rows need attention") && m.html.contains("&lt;script&gt;") && !m.html.contains("<script>"))
        #expect(m.html.contains("… and 2 more"))
        #expect(m.text.contains("Tickets closed: 12 (▲ +20.0 % (previous 10))") && m.text.contains("T-10 | onboarding | hr-review | 60.0 h"))
        #expect(!m.text.contains("T-11"))
    }

    /// A title, a service name or a subject with CR/LF cannot add a header; "=?…?=" in data stays literal text.
    @Test(.enabled(if: python, "needs python3"), arguments: ["title", "service", "subject", "encoded"])
    func headerInjectionIsImpossible(through: String) throws {
        let evil = "X\r\nBcc: evil@example.com"
        let f = try MailFixture(title: through == "title" ? evil : "Weekly", service: through == "service" ? evil : "onboarding")
        var settings = Self.settings
        if through == "subject" { settings.subject = evil + "\n\nbody" }
        if through == "encoded" { settings.subject = "=?UTF-8?B?QmNjOiBldmlsQGV4YW1wbGUuY29t?=" }
        let m = try f.mail(settings)
        #expect(!m.headerNames.contains { $0.lowercased() == "bcc" }, "\(m.headerNames)")
        #expect(m.to.count == 2 && m.cc.count == 1 && m.defects.isEmpty)
        switch through {
        case "title": #expect(m.subject == "X  Bcc: evil@example.com: 2026-11-02 to 2026-11-22")
        case "subject": #expect(m.subject == "X  Bcc: evil@example.com  body")
        case "encoded": #expect(m.subject == "=?UTF-8?B?QmNjOiBldmlsQGV4YW1wbGUuY29t?=")
        default: #expect(m.text.contains("T-1 | X  Bcc: evil@example.com | hr-review"))
        }
    }

    @Test func addressesWithLineBreaksOrBadSyntaxAreRefused() {
        for bad in ["a@example.com\r\nBcc: evil@example.com", "Name\n <a@example.com>", "no-at-sign", "a@@example.com",
                    "a..b@example.com", "a@-example.com", "a b@example.com", "<a@example.com", "Ev\"il <a@example.com>", "ü@example.com"] {
            #expect(throws: MailAddress.Invalid.self, "\(bad)") { try MailAddress(bad) }
        }
        #expect((try? MailAddress("  Team <ops.team+weekly@mail.example.com> "))?.address == "ops.team+weekly@mail.example.com")
        #expect((try? MailAddress("\"Team\" <ops@example.com>"))?.displayName == "Team")
    }

    /// Attachments past the cap are left out and linked to the archive, in both bodies.
    @Test(.enabled(if: python, "needs python3")) func attachmentsPastTheCapAreLinked() throws {
        let f = try MailFixture()
        let xlsxBytes = try f.file("report.xlsx").count
        let stalledBytes = try f.file("stalled.csv").count
        var settings = Self.settings
        let throughputBytes = try f.file("throughput.csv").count
        settings.maxAttachmentBytes = xlsxBytes + throughputBytes
        settings.archiveURL = "https://reports.example.com/out"
        let m = try f.mail(settings)
        #expect(stalledBytes > throughputBytes)
        // stalled.csv does not fit after the workbook; the smaller throughput.csv still does.
        #expect(m.attachments.map(\.filename) == ["report.xlsx", "throughput.csv"])
        let url = "https://reports.example.com/out/weekly/2026-11-23T0600Z/stalled.csv"
        #expect(m.text.contains("stalled.csv (\(stalledBytes) bytes) is not attached: the attachments would pass the \(settings.maxAttachmentBytes)-byte cap; it is at \(url)"))
        #expect(m.html.contains("<a href=\"\(url)\">"))
        #expect(!m.text.contains("throughput.csv (") && !m.text.contains("report.xlsx ("))
        settings.maxAttachmentBytes = 0
        settings.archiveURL = nil
        let none = try f.mail(settings)
        #expect(none.attachments.isEmpty && none.structure.count == 4)
        #expect(none.text.contains("report.xlsx (\(xlsxBytes) bytes) is not attached") && none.text.contains("it is in the report folder weekly/2026-11-23T0600Z"))
    }

    static let report = #""title": "W", "schedule": "0 6 * * MON", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]"#

    /// Bad `mail` fields are refused by the one loader, naming the file and the field.
    @Test(arguments: [
        (#""mail": {"to": ["a@example.com"], "from": "b@example.com", "max_attachment_byte": 5}"#, "field 'mail.max_attachment_byte': is not a known field; did you mean 'max_attachment_bytes'?"),
        (#""mail": {"too": ["a@example.com"], "from": "b@example.com"}"#, "field 'mail.too': is not a known field; did you mean 'to'?"),
        (#""mail": {"to": ["a@example.com\r\nBcc: evil@example.com"], "from": "b@example.com"}"#, "field 'mail.to[0]': 'a@example.com\\u{d}\\u{a}Bcc: evil@example.com' is not an e-mail address: it contains a control character"),
        (#""mail": {"to": ["nobody"], "from": "b@example.com"}"#, "field 'mail.to[0]': 'nobody' is not an e-mail address: no '@'"),
        (#""mail": {"to": [], "from": "b@example.com"}"#, "field 'mail.to': needs at least one address"),
        (#""mail": {"to": ["a@example.com"]}"#, "field 'mail.from': is required"),
        (#""mail": {"to": "a@example.com", "from": "b@example.com", "sendmail": "sendmail"}"#, "field 'mail.sendmail': must be an absolute path"),
        (#""mail": {"to": "a@example.com", "from": "b@example.com", "max_attachment_bytes": -1}"#, "field 'mail.max_attachment_bytes': must be a whole number"),
        (#""mail": {"to": "a@example.com", "from": "b@example.com", "subject": "a\nBcc: x@example.com"}"#, "field 'mail.subject': must be one line"),
    ])
    func badMailFieldsAreRefused(field: String, message: String) {
        let error = #expect(throws: ReportingError.self) {
            try DefinitionFile.parse(Data("{\(Self.report), \(field)}".utf8), name: "weekly", path: "reports/weekly.json")
        }
        #expect(error?.message.hasPrefix("reports/weekly.json: ") == true)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func mailIsParsedAndNeedsASchedule() throws {
        let json = #"{"#+Self.report+#", "mail": {"to": ["a@example.com"], "cc": "c@example.com", "from": "Baton <b@example.com>", "sendmail": "/opt/bin/sendmail", "max_attachment_bytes": 1000, "archive_url": "https://x.example/r/"}}"#
        let mail = try #require(try DefinitionFile.parse(Data(json.utf8), name: "w", path: "w.json").report?.mail)
        #expect(mail == MailSettings(to: [try MailAddress("a@example.com")], cc: [try MailAddress("c@example.com")], from: try MailAddress("Baton <b@example.com>"),
                                     sendmail: "/opt/bin/sendmail", maxAttachmentBytes: 1000, archiveURL: "https://x.example/r/"))
        let unscheduled = #"{"title": "W", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}], "mail": {"to": ["a@example.com"], "from": "b@example.com"}}"#
        let error = #expect(throws: ReportingError.self) { try DefinitionFile.parse(Data(unscheduled.utf8), name: "w", path: "w.json") }
        #expect(error?.message == "w.json: field 'mail': is only meaningful with a schedule ('baton schedule run' sends it)")
    }

    /// The Date header against Python's own RFC 5322 formatter, and a non-ASCII file name as an RFC 2231 parameter.
    @Test(.enabled(if: python, "needs python3"), arguments: ["2026-12-02T05:26:02Z", "2024-02-29T23:59:59Z", "1999-12-31T00:00:00Z", "2027-01-03T12:00:00Z"])
    func datesAndFileNamesReadBack(instant: String) throws {
        let t = try #require(Instant.parse(instant))
        let python = try ExternalTools.python("from email.utils import formatdate; print(formatdate(\(t)), end='')")
        #expect(MailHeader.date(t) == python.out.replacingOccurrences(of: "-0000", with: "+0000"))
        let folder = try TemporaryFolder("mail-name")
        let bytes = Data("a;b\r\n1;2\r\n".utf8)
        let message = MailMessage(from: Self.settings.from, to: Self.settings.to, subject: "s", date: t, messageID: "x.baton@example.com",
                                  text: "t", html: "<p>h</p>", attachments: [.init(filename: "Überfällig – März.csv", contentType: "text/csv", data: bytes)])
        try message.bytes().write(to: folder.directory.appendingPathComponent("m.eml"))
        let m = try ParsedMail.parse(folder.path("m.eml"))
        #expect(m.date == Double(t) && m.defects.isEmpty)
        #expect(m.attachments.map(\.filename) == ["Überfällig – März.csv"] && m.attachments.first?.data == bytes)
    }
}
