import Foundation

/// A message file read back by a real MIME parser: Python's `email` package (`message_from_bytes`, `policy.default`),
/// which decodes encoded-words, RFC 2231 parameters and base64 the way mail clients do.
public struct ParsedMail: Sendable {
    public struct Address: Sendable, Equatable {
        public var name: String
        public var address: String
        public init(_ name: String, _ address: String) { self.name = name; self.address = address }
    }
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var data: Data
    }

    /// Header names in order, as parsed (a `Bcc` here would mean an injected header).
    public var headerNames: [String]
    public var date: Double
    public var messageID: String
    public var from: [Address]
    public var to: [Address]
    public var cc: [Address]
    public var subject: String
    /// Content types of every part, depth first (`multipart/mixed` first).
    public var structure: [String]
    public var text: String
    public var html: String
    public var attachments: [Attachment]
    /// Problems the parser found (none for a well-formed message).
    public var defects: [String]
    /// The longest line in octets (without CRLF) and whether any line ends in a bare LF.
    public var longestLine: Int
    public var bareLineFeed: Bool

    static let script = #"""
import sys, json, base64
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
raw = open(sys.argv[1], 'rb').read()
m = message_from_bytes(raw, policy=policy.default)
def addrs(h):
    v = m[h]
    return [] if v is None else [[a.display_name, a.addr_spec] for a in v.addresses]
defects = [str(d) for d in m.defects] + [str(d) for p in m.walk() for d in p.defects]
out = {
  "headers": [k for k, _ in m.items()],
  "date": parsedate_to_datetime(m["Date"]).timestamp(),
  "message_id": str(m["Message-ID"]),
  "from": addrs("From"), "to": addrs("To"), "cc": addrs("Cc"),
  "subject": str(m["Subject"]),
  "structure": [p.get_content_type() for p in m.walk()],
  "text": m.get_body(("plain",)).get_content(),
  "html": m.get_body(("html",)).get_content(),
  "attachments": [{"filename": p.get_filename(), "type": p.get_content_type(),
                   "data": base64.b64encode(p.get_payload(decode=True)).decode()} for p in m.iter_attachments()],
  "defects": defects,
  "longest": max(len(l) for l in raw.split(b"\r\n")),
  "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
}
print(json.dumps(out))
"""#

    /// Parses the message in `path`; throws when python3 fails.
    public static func parse(_ path: String) throws -> ParsedMail {
        guard let python3 = ExternalTools.python3 else { throw CocoaError(.executableNotLoadable) }
        let r = try Subprocess.run(python3, ["-c", script, path], timeout: 120)
        guard r.status == 0, let o = try JSONSerialization.jsonObject(with: r.output) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "python email parser: \(r.err)"])
        }
        func addresses(_ key: String) -> [Address] {
            ((o[key] as? [[String]]) ?? []).map { Address($0[0], $0[1]) }
        }
        return ParsedMail(
            headerNames: o["headers"] as? [String] ?? [], date: o["date"] as? Double ?? .nan,
            messageID: o["message_id"] as? String ?? "", from: addresses("from"), to: addresses("to"), cc: addresses("cc"),
            subject: o["subject"] as? String ?? "", structure: o["structure"] as? [String] ?? [],
            text: o["text"] as? String ?? "", html: o["html"] as? String ?? "",
            attachments: ((o["attachments"] as? [[String: Any]]) ?? []).map {
                Attachment(filename: $0["filename"] as? String ?? "", contentType: $0["type"] as? String ?? "",
                           data: Data(base64Encoded: $0["data"] as? String ?? "") ?? Data())
            },
            defects: o["defects"] as? [String] ?? [], longestLine: o["longest"] as? Int ?? -1,
            bareLineFeed: o["bare_lf"] as? Bool ?? true)
    }
}
