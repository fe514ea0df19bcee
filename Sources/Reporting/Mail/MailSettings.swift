import Foundation

/// The `mail` object of a scheduled report definition: who gets the report by e-mail, and how it is handed to the
/// system's mail transfer agent. Checked on load like every other field (unknown keys refused with "did you mean",
/// every address checked):
///
/// ```json
/// "mail": {"to": ["ops@example.com", "Team Lead <lead@example.com>"], "cc": [], "from": "Baton <baton@example.com>",
///          "subject": "Weekly report", "sendmail": "/usr/sbin/sendmail", "max_attachment_bytes": 5000000,
///          "archive_url": "https://reports.example.com/weekly/"}
/// ```
public struct MailSettings: Sendable, Equatable {
    /// Recipients (at least one in `to`); each a checked `MailAddress`.
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var from: MailAddress
    /// The subject; default: the report's title and its period.
    public var subject: String?
    /// The program run as `sendmail -t -oi` with the message on standard input.
    public var sendmail: String
    /// The most bytes of attachments one message carries; files that would exceed it are left out and linked.
    public var maxAttachmentBytes: Int
    /// Where the report folders are published for people (the folder name is appended), for left-out attachments.
    public var archiveURL: String?

    public static let defaultSendmail = "/usr/sbin/sendmail"
    /// 10 MB of attachments (before base64), under the usual 25 MB limit of mail servers once encoded.
    public static let defaultMaxAttachmentBytes = 10_000_000
    static let keys = ["to", "cc", "from", "subject", "sendmail", "max_attachment_bytes", "archive_url"]

    public init(to: [MailAddress], cc: [MailAddress] = [], from: MailAddress, subject: String? = nil,
                sendmail: String = MailSettings.defaultSendmail, maxAttachmentBytes: Int = MailSettings.defaultMaxAttachmentBytes,
                archiveURL: String? = nil) {
        self.to = to; self.cc = cc; self.from = from; self.subject = subject; self.sendmail = sendmail
        self.maxAttachmentBytes = maxAttachmentBytes; self.archiveURL = archiveURL
    }

    /// Parses `mail` (absent or null: nil).
    static func parse(_ value: Any?, reader r: JSONReader) throws -> MailSettings? {
        guard let value, !(value is NSNull) else { return nil }
        let o = try r.object(value, "mail")
        try r.onlyKeys(o, keys, at: "mail")
        let to = try addresses(o["to"], "mail.to", reader: r)
        guard !to.isEmpty else { throw r.error("mail.to", "needs at least one address, e.g. [\"ops@example.com\"]") }
        let cc = try addresses(o["cc"], "mail.cc", reader: r)
        guard let fromText = try r.optionalString(o, "from", at: "mail") else {
            throw r.error("mail.from", "is required (the sender, e.g. \"Baton <baton@example.com>\")")
        }
        let from = try address(fromText, "mail.from", reader: r)
        let subject = try r.optionalString(o, "subject", at: "mail")
        if let subject, subject.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw r.error("mail.subject", "must be one line without control characters")
        }
        let sendmail = try r.optionalString(o, "sendmail", at: "mail") ?? defaultSendmail
        guard sendmail.hasPrefix("/") else { throw r.error("mail.sendmail", "must be an absolute path to the sendmail program, not '\(sendmail)'") }
        var cap = defaultMaxAttachmentBytes
        if let v = o["max_attachment_bytes"], !(v is NSNull) {
            guard let n = v as? NSNumber, !r.isBool(n), n.doubleValue == n.doubleValue.rounded(), n.doubleValue >= 0, n.doubleValue <= 1e12 else {
                throw r.error("mail.max_attachment_bytes", "must be a whole number of bytes (0 or more), not \(JSONReader.shown(v))")
            }
            cap = n.intValue
        }
        let archive = try r.optionalString(o, "archive_url", at: "mail")
        if let archive, archive.isEmpty || archive.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw r.error("mail.archive_url", "must be a URL without spaces or control characters, not \(JSONReader.shown(archive))")
        }
        return MailSettings(to: to, cc: cc, from: from, subject: subject, sendmail: sendmail, maxAttachmentBytes: cap, archiveURL: archive)
    }

    private static func addresses(_ value: Any?, _ field: String, reader r: JSONReader) throws -> [MailAddress] {
        guard let value, !(value is NSNull) else { return [] }
        if let one = value as? String { return [try address(one, field, reader: r)] }
        guard let array = value as? [Any] else { throw r.error(field, "must be an array of addresses, not \(JSONReader.shown(value))") }
        return try array.enumerated().map { i, item in
            guard let text = item as? String else { throw r.error("\(field)[\(i)]", "must be an address (a string), not \(JSONReader.shown(item))") }
            return try address(text, "\(field)[\(i)]", reader: r)
        }
    }

    private static func address(_ text: String, _ field: String, reader r: JSONReader) throws -> MailAddress {
        do { return try MailAddress(text) } catch let e as MailAddress.Invalid {
            throw r.error(field, "'\(MailAddress.shown(text))' is not an e-mail address: \(e.reason)")
        }
    }
}
