import Foundation

/// An RFC 5322 / MIME message: `multipart/mixed` of a `multipart/alternative` (text/plain, text/html) and the
/// attachments. Every body part is base64 (wrapped at 76), so lines are short and the fixed boundaries (which
/// contain `_`, never produced by base64) cannot occur inside a part; line endings are CRLF.
public struct MailMessage: Sendable {
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var data: Data
        public init(filename: String, contentType: String, data: Data) {
            self.filename = filename; self.contentType = contentType; self.data = data
        }
    }

    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var subject: String
    /// Unix seconds, written as the `Date` header.
    public var date: Int64
    /// The `Message-ID` without angle brackets (`left@right`, dot-atoms).
    public var messageID: String
    public var text: String
    public var html: String
    public var attachments: [Attachment]

    public init(from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], subject: String, date: Int64, messageID: String,
                text: String, html: String, attachments: [Attachment] = []) {
        self.from = from; self.to = to; self.cc = cc; self.subject = subject; self.date = date; self.messageID = messageID
        self.text = text; self.html = html; self.attachments = attachments
    }

    /// A stable Message-ID for one definition's period: the same message keeps its identity when a failed hand-off is
    /// retried (the file is sent again as it was), so a receiver can drop a duplicate. `left@domain` of atext only.
    public static func messageID(definition: String, period: String, domain: String) -> String {
        let atom = { (s: String) in String(String.UnicodeScalarView(s.unicodeScalars.map { MailAddress.atext.contains($0) && $0 != "/" ? $0 : "-" })) }
        return "\(atom(period)).\(atom(definition)).baton@\(domain)"
    }

    static let mixed = "=_baton_mixed_0", alternative = "=_baton_alternative_0"

    /// The message as bytes, CRLF line endings.
    public func bytes() -> Data {
        var h: [String] = [
            "Date: " + MailHeader.date(date),
            MailHeader.addresses("From", [from]),
            MailHeader.addresses("To", to),
        ]
        if !cc.isEmpty { h.append(MailHeader.addresses("Cc", cc)) }
        h += [
            MailHeader.unstructured("Subject", subject),
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/mixed; boundary=\"\(Self.mixed)\"",
        ]
        var out = h.joined(separator: "\r\n") + "\r\n\r\nThis is a MIME message.\r\n"
        out += "--\(Self.mixed)\r\nContent-Type: multipart/alternative; boundary=\"\(Self.alternative)\"\r\n\r\n"
        out += "--\(Self.alternative)\r\n" + Self.part("text/plain; charset=utf-8", Data(text.utf8))
        out += "--\(Self.alternative)\r\n" + Self.part("text/html; charset=utf-8", Data(html.utf8))
        out += "--\(Self.alternative)--\r\n"
        for a in attachments {
            out += "--\(Self.mixed)\r\n" + Self.part("\(a.contentType); " + MailHeader.parameter("name", a.filename), a.data,
                                                      disposition: "attachment; " + MailHeader.parameter("filename", a.filename))
        }
        out += "--\(Self.mixed)--\r\n"
        return Data(out.utf8)
    }

    /// One body part: its headers and its content in base64, 76 characters a line.
    static func part(_ contentType: String, _ data: Data, disposition: String? = nil) -> String {
        // Parameters go on continuation lines, so header lines stay short (RFC 5322 §2.2.3 folding).
        // (and after the colon when the first line would pass 78 octets, as the XLSX type does).
        func header(_ name: String, _ value: String) -> String {
            let lines = value.replacingOccurrences(of: "; ", with: ";\r\n ")
            let first = lines.components(separatedBy: "\r\n")[0]
            return name + (name.utf8.count + 2 + first.utf8.count > 78 ? ":\r\n " : ": ") + lines + "\r\n"
        }
        var s = header("Content-Type", contentType) + "Content-Transfer-Encoding: base64\r\n"
        if let disposition { s += header("Content-Disposition", disposition) }
        s += "\r\n"
        let encoded = data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return s + encoded + (encoded.isEmpty ? "" : "\r\n")
    }
}
