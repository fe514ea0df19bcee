import BatonCore
import Foundation
import SQLite

/// RFC 4180 CSV, UTF-8, with formula-injection protection: a text cell starting with `=`, `+`, `-`, `@`,
/// tab or CR is prefixed with `'` so spreadsheets show it as text. Numbers are written with full precision.
public enum CSVWriter {
    /// One field, quoted when needed.
    public static func field(_ value: SQLValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v): return number(v)
        case .text(let s): return quote(guardFormula(s))
        case .blob(let b): return quote(String(decoding: b, as: UTF8.self))
        }
    }

    /// Shortest text that reads back as the same Double; no exponent for ordinary magnitudes.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        let s = "\(v)"
        if s.utf8.contains(UInt8(ascii: "e")) {  // bytes: Foundation's String.contains is slow on Linux
            return String(format: "%.17g", v)
        }
        return s
    }

    /// Prefixes a leading formula character with `'`.
    public static func guardFormula(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        switch first {
        case "=", "+", "-", "@", "\t", "\r": return "'" + s
        default: return s
        }
    }

    public static func quote(_ s: String) -> String { CSVText.quote(s) }

    /// A record (CRLF-terminated, as RFC 4180 says).
    public static func record(_ values: [SQLValue]) -> String {
        values.map(field).joined(separator: ",") + "\r\n"
    }

    public static func header(_ names: [String]) -> String {
        names.map { quote(guardFormula($0)) }.joined(separator: ",") + "\r\n"
    }
}
