import BatonCore

extension JSONText {
    /// A column value as JSON: blobs as UTF-8 text, non-finite reals as null.
    public static func value(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? Self.number(d) : "null"
        case .text(let s): return string(s)
        case .blob(let b): return string(String(decoding: b, as: UTF8.self))
        }
    }
}
