import Foundation

/// Reads back the CSV Baton writes, to the letter of RFC 4180: fields quoted with `"` (doubled inside), records ended
/// by CRLF. A bare LF or CR is text of its field, so a file with other line ends does not read back as Baton's.
public enum RFC4180 {
    /// The records of `text`, each a list of fields (the header is the first record).
    public static func records(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var inQuotes = false, fieldStarted = false
        var it = Array(text.unicodeScalars)[...]
        func endField() { record.append(field); field = ""; fieldStarted = false }
        while let c = it.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if it.first == "\"" { field.unicodeScalars.append("\""); it.removeFirst() } else { inQuotes = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" { inQuotes = true; fieldStarted = true }
            else if c == "," { endField() }
            else if c == "\r" && it.first == "\n" { it.removeFirst(); endField(); records.append(record); record = [] }
            else { field.unicodeScalars.append(c); fieldStarted = true }
        }
        if fieldStarted || !record.isEmpty { endField(); records.append(record) }
        return records
    }
}
