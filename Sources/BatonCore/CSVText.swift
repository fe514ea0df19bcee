/// RFC 4180 quoting, shared by the canonical event log (data for other programs) and the report CSVs.
public enum CSVText {
    /// The field as written: quoted (inner quotes doubled) when it holds a comma, a quote, CR or LF.
    /// Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
    public static func quote(_ s: String) -> String {
        if s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
