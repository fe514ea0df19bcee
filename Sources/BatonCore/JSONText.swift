import Foundation

/// JSON text written by hand for streaming output (rows, alerts, exports): strings escaped per RFC 8259,
/// plus U+2028/U+2029 so the text is also safe inside JavaScript.
public enum JSONText {
    public static func string(_ s: String) -> String {
        "\"" + TextEscaping.map(s) { u in
            if let escaped = backslashEscape(u) { return escaped }
            return u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 ? .text(String(format: "\\u%04x", u.value)) : .keep
        } + "\""
    }

    /// The backslash escapes JSON shares with logfmt: `\"`, `\\`, `\n`, `\r`, `\t`; nil for any other scalar.
    public static func backslashEscape(_ u: Unicode.Scalar) -> TextEscaping.Replacement? {
        switch u {
        case "\"": return .text("\\\"")
        case "\\": return .text("\\\\")
        case "\n": return .text("\\n")
        case "\r": return .text("\\r")
        case "\t": return .text("\\t")
        default: return nil
        }
    }

    /// Shortest text that reads back as the same Double (integers without a fraction).
    public static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
