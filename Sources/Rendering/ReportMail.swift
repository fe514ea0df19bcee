import BatonCore
import Foundation
import Reporting
import SQLite

/// The e-mail of one scheduled report run: an HTML body (and its plain-text twin) with the headline cards and a
/// summary of the highlighted (stalled) sections, and the report's XLSX and CSV files as attachments, up to the
/// definition's size cap (files past it are left out and linked to the archive instead, in both bodies).
public enum ReportMail {
    /// The file the message is written to inside the report folder (published with the folder).
    public static let fileName = "message.eml"
    /// Rows of each highlighted section shown in the body (the attachments hold them all).
    public static let summaryRows = 10

    /// Composes the message for `result`, whose files are already in `folder`; `folderName` is the folder's path
    /// relative to the output folder (`weekly/2026-11-23T0600Z`), for the archive link and the Message-ID.
    public static func message(_ result: ReportResult, settings: MailSettings, folder: String, folderName: String,
                               date: Int64) throws -> MailMessage {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            .filter { $0.hasSuffix(".xlsx") || $0.hasSuffix(".csv") }
        var attached: [MailMessage.Attachment] = [], left: [(file: String, bytes: Int)] = []
        var total = 0
        for file in files.sorted(by: { ($0.hasSuffix(".xlsx") ? 0 : 1, $0) < ($1.hasSuffix(".xlsx") ? 0 : 1, $1) }) {
            guard let data = FileManager.default.contents(atPath: folder + "/" + file) else { throw ReportingError("\(folder)/\(file): cannot read it to attach") }
            if total + data.count > settings.maxAttachmentBytes {
                left.append((file, data.count))
                continue
            }
            total += data.count
            let type = file.hasSuffix(".xlsx") ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8"
            attached.append(.init(filename: file, contentType: type, data: data))
        }
        let links: [LeftOut] = left.map { l in
            (l.file, l.bytes, settings.archiveURL.map { link($0, folderName) + "/" + (l.file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? l.file) })
        }
        let subject = settings.subject ?? "\(result.title): \(window(result))"
        let domain = String(settings.from.address.split(separator: "@").last ?? "localhost")
        return MailMessage(from: settings.from, to: settings.to, cc: settings.cc, subject: subject, date: date,
                           messageID: MailMessage.messageID(definition: result.name, period: folderName, domain: domain),
                           text: text(result, left: links, cap: settings.maxAttachmentBytes, folderName: folderName),
                           html: html(result, left: links, cap: settings.maxAttachmentBytes, folderName: folderName),
                           attachments: attached)
    }

    /// The archive URL of the report folder: `archive_url` (a `/` added when missing) and the folder name.
    static func link(_ archive: String, _ folderName: String) -> String {
        (archive.hasSuffix("/") ? archive : archive + "/") + folderName.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0)
        }.joined(separator: "/")
    }

    static func window(_ r: ReportResult) -> String {
        func day(_ t: Int64) -> String { String(Instant.iso(t).prefix(10)) }
        return "\(day(r.from)) to \(day(r.to - 1))"
    }

    typealias LeftOut = (file: String, bytes: Int, url: String?)

    static func leftOutLine(_ l: LeftOut, cap: Int, folderName: String) -> String {
        "\(l.file) (\(l.bytes) bytes) is not attached: the attachments would pass the \(cap)-byte cap; "
            + (l.url.map { "it is at \($0)" } ?? "it is in the report folder \(folderName)")
    }

    static func text(_ r: ReportResult, left: [LeftOut], cap: Int, folderName: String) -> String {
        let one = MailHeader.oneLine
        var t = "\(one(r.title))\nWindow \(window(r)), as of \(Instant.iso(r.asOf)).\n\n"
        for k in r.headlines {
            t += "\(one(k.label)): \(k.value.map { ValueText.number($0, unit: k.unit) } ?? "–") (\(HTMLReportRenderer.change(k).text))\n"
        }
        for s in r.sections where s.highlight {
            t += "\n\(one(s.title)): \(s.rows.count) row\(s.rows.count == 1 ? "" : "s") need attention\n"
            for row in s.rows.prefix(summaryRows) {
                t += "  " + s.columns.enumerated().map { i, c in one(ValueText.display(i < row.count ? row[i] : .null, unit: c.unit)) }.joined(separator: " | ") + "\n"
            }
            if s.rows.count > summaryRows { t += "  … and \(s.rows.count - summaryRows) more (see the attachments)\n" }
        }
        if !left.isEmpty { t += "\n" + left.map { leftOutLine($0, cap: cap, folderName: folderName) }.joined(separator: "\n") + "\n" }
        return t
    }

    static func html(_ r: ReportResult, left: [LeftOut], cap: Int, folderName: String) -> String {
        let esc = HTMLEscape.text
        var h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(esc(r.title))</title></head>\n<body style=\"font-family:sans-serif\">\n"
        h += "<h1>\(esc(r.title))</h1>\n<p>Window \(esc(window(r))), as of \(esc(Instant.iso(r.asOf))).</p>\n"
        if !r.headlines.isEmpty {
            h += "<table role=\"presentation\" class=\"headlines\"><tr>\n"
            for k in r.headlines {
                let value = k.value.map { ValueText.number($0, unit: k.unit) } ?? "–"
                let change = HTMLReportRenderer.change(k)
                let color = change.cls == "good" ? "#1a7f37" : change.cls == "bad" ? "#b42318" : "#555"
                h += "<td class=\"kpi\" style=\"border:1px solid #ccc;padding:8px\"><div>\(esc(k.label))</div>"
                h += "<div style=\"font-size:1.5em;font-weight:bold\">\(esc(value))</div><div style=\"color:\(color)\">\(esc(change.text))</div></td>\n"
            }
            h += "</tr></table>\n"
        }
        for s in r.sections where s.highlight {
            h += "<h2>\(esc(s.title))</h2>\n<p class=\"stalled\">\(s.rows.count) row\(s.rows.count == 1 ? "" : "s") need attention.</p>\n"
            guard !s.rows.isEmpty else { continue }
            h += "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr>" + s.columns.map { "<th>\(esc($0.label))</th>" }.joined() + "</tr>\n"
            for row in s.rows.prefix(summaryRows) {
                h += "<tr>" + s.columns.enumerated().map { i, c in "<td>\(esc(ValueText.display(i < row.count ? row[i] : .null, unit: c.unit)))</td>" }.joined() + "</tr>\n"
            }
            h += "</table>\n"
            if s.rows.count > summaryRows { h += "<p>… and \(s.rows.count - summaryRows) more (see the attachments).</p>\n" }
        }
        for l in left {
            let line = esc(leftOutLine((l.file, l.bytes, nil), cap: cap, folderName: folderName))
            h += l.url.map { "<p class=\"left-out\">\(esc("\(l.file) (\(l.bytes) bytes) is not attached: the attachments would pass the \(cap)-byte cap; it is at")) <a href=\"\(esc($0))\">\(esc($0))</a></p>\n" }
                ?? "<p class=\"left-out\">\(line)</p>\n"
        }
        return h + "</body></html>\n"
    }

    /// Composes the message and writes it to `folder/message.eml` (inside the run's temporary folder, so it is
    /// published with the report); returns its path.
    @discardableResult
    public static func write(_ result: ReportResult, settings: MailSettings, folder: String, folderName: String, date: Int64) throws -> String {
        let path = folder + "/" + fileName
        try AtomicFile.write(try message(result, settings: settings, folder: folder, folderName: folderName, date: date).bytes(), to: path)
        return path
    }

    /// The e-mail of an alert run with alerts: the alert lines (the text format of the alert file) in both bodies,
    /// no attachments. `label` names the period (`2026-03-10T1200Z`), for the Message-ID.
    public static func alertMessage(_ report: AlertReport, title: String, definition: String, label: String,
                                    settings: MailSettings, date: Int64) -> MailMessage {
        let lines = AlertFormat.text.render(report)
        let count = "\(report.alerts.count) alert\(report.alerts.count == 1 ? "" : "s") (\(report.newCount) new)"
        let subject = settings.subject ?? "\(title): \(count) as of \(Instant.iso(report.settings.asOf))"
        let esc = HTMLEscape.text
        let html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(esc(title))</title></head>\n<body>\n"
            + "<h1>\(esc(title))</h1>\n<p>\(esc(count)) as of \(esc(Instant.iso(report.settings.asOf))).</p>\n<pre>\(esc(lines))</pre>\n</body></html>\n"
        let domain = String(settings.from.address.split(separator: "@").last ?? "localhost")
        return MailMessage(from: settings.from, to: settings.to, cc: settings.cc, subject: subject, date: date,
                           messageID: MailMessage.messageID(definition: definition, period: label, domain: domain),
                           text: "\(title): \(count) as of \(Instant.iso(report.settings.asOf)).\n\n" + lines, html: html)
    }
}
