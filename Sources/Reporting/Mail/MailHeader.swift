import BatonCore
import Foundation

/// Header fields of a message as RFC 5322 text: values from data (titles, service names, display names) are made
/// one line first (every control character, CR and LF included, becomes a space), then written as plain folded
/// ASCII or as RFC 2047 encoded-words (UTF-8, base64), so no value can end its header or start another.
public enum MailHeader {
    /// `s` with every C0/C1 control and DEL replaced by a space.
    public static func oneLine(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? " " : $0 }))
    }

    /// `Name: value` for unstructured text (Subject), folded at spaces below 78 octets a line.
    public static func unstructured(_ name: String, _ value: String) -> String {
        let text = oneLine(value)
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII } && !text.contains("=?") && words.allSatisfy { $0.count <= 66 }
        return fold(name, plain ? words.map(String.init) : encodedWords(text))
    }

    /// `Name: a, b` for addresses; display names quoted or encoded.
    public static func addresses(_ name: String, _ list: [MailAddress]) -> String {
        var tokens: [String] = []
        for (i, a) in list.enumerated() {
            let comma = i < list.count - 1 ? "," : ""
            if let display = a.displayName {
                tokens += phrase(display)
                tokens.append("<\(a.address)>" + comma)
            } else {
                tokens.append(a.address + comma)
            }
        }
        return fold(name, tokens)
    }

    /// A display name as words: atoms as they are, other ASCII as one quoted string, anything else encoded.
    static func phrase(_ name: String) -> [String] {
        let text = oneLine(name)
        let words = text.split(separator: " ").map(String.init)
        if words.allSatisfy({ $0.unicodeScalars.allSatisfy(MailAddress.atext.contains) && $0.count <= 66 }), !text.contains("=?") { return words }
        if text.unicodeScalars.allSatisfy({ $0.isASCII }), text.count <= 66, !text.contains("=?") {
            return ["\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""]
        }
        return encodedWords(text)
    }

    /// RFC 2047 B encoded-words of at most 64 octets (the limit is 75), split between characters.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = [], chunk = Data()
        func flush() {
            if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
            chunk = Data()
        }
        for c in text {
            let bytes = Data(String(c).utf8)
            // 39 octets are 52 base64 characters, 64 with the delimiters: a word fits after "Subject: " in 78 octets.
            if chunk.count + bytes.count > 39 { flush() }
            chunk.append(bytes)
        }
        flush()
        return words.isEmpty ? ["=?UTF-8?B??="] : words
    }

    /// Joins `tokens` after `Name:` with spaces, folding (CRLF SP) before a token that would pass 78 octets.
    static func fold(_ name: String, _ tokens: [String]) -> String {
        var out = name + ":", line = out.utf8.count
        for t in tokens {
            if line + 1 + t.utf8.count > 78, line > name.utf8.count + 1 {
                out += "\r\n"
                line = 0
            }
            out += " " + t
            line += 1 + t.utf8.count
        }
        return out
    }

    /// The `Date` text, RFC 5322 §3.3, in UTC: `Mon, 23 Nov 2026 06:00:00 +0000`.
    public static func date(_ t: Int64) -> String {
        let c = Instant.civil(t)
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][c.month - 1]
        return "\(weekday), " + String(format: "%02d ", c.day) + month + String(format: " %04d %02d:%02d:%02d +0000", c.year, c.hour, c.minute, c.second)
    }

    /// A MIME parameter: `name="value"` for plain ASCII, else RFC 2231 `name*=UTF-8''percent-encoded`.
    static func parameter(_ name: String, _ value: String) -> String {
        let text = oneLine(value)
        if text.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "\"" && $0 != "\\" }), text.utf8.count <= 60 {
            return "\(name)=\"\(text)\""
        }
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8)
        let encoded = text.utf8.map { safe.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
        return "\(name)*=UTF-8''\(encoded)"
    }
}
