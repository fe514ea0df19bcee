import BatonCore
/// Escaping for text that comes from data. Everything from a report's rows, titles and definitions passes
/// through here before it reaches the page, so no data can become markup.
public enum HTMLEscape {
    /// Escapes `& < > " '` and replaces characters HTML forbids (C0 controls other than tab/newline/CR,
    /// DEL, C1 controls, noncharacters) with U+FFFD. Safe in element content and in quoted attributes.
    public static func text(_ s: String) -> String {
        TextEscaping.map(s) { u in
            switch u {
            case "&": return .text("&amp;")
            case "<": return .text("&lt;")
            case ">": return .text("&gt;")
            case "\"": return .text("&quot;")
            case "'": return .text("&#39;")
            case "\t", "\n", "\r": return .keep
            default:
                let v = u.value
                let forbidden = v < 0x20 || (v >= 0x7F && v <= 0x9F) || (v >= 0xFDD0 && v <= 0xFDEF) || (v & 0xFFFE) == 0xFFFE
                return forbidden ? .text("\u{FFFD}") : .keep
            }
        }
    }

    /// An identifier fragment for `id`/`class` attributes: ASCII letters, digits, `-` and `_` only.
    public static func identifier(_ s: String) -> String {
        let mapped = s.unicodeScalars.map { u -> Character in
            (u.isASCII && (isASCIIAlphanumeric(u) || u == "-" || u == "_")) ? Character(u) : "-"
        }
        let r = String(mapped)
        return r.isEmpty ? "x" : r
    }

    private static func isASCIIAlphanumeric(_ u: Unicode.Scalar) -> Bool {
        (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9")
    }
}
