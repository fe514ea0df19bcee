import Foundation
import SQLite

/// Tab-separated values as the `text/tab-separated-values` tools read them: one record a line, fields separated by
/// a tab, no quoting. A tab, newline, carriage return or backslash inside a value is written as `\t`, `\n`, `\r` or
/// `\\` (the escapes of PostgreSQL's and MySQL's text format), so every record stays one line with its fields in
/// place. Text is guarded against formula injection as in `CSVWriter` (a leading `=`, `+`, `-`, `@`, tab or CR gets
/// a `'`), since a spreadsheet opens a `.tsv` as readily as a `.csv`.
public enum TSVWriter {
    public static func field(_ value: SQLValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v): return CSVWriter.number(v)
        case .text(let s): return escape(CSVWriter.guardFormula(s))
        case .blob(let b): return escape(String(decoding: b, as: UTF8.self))
        }
    }

    /// The value with its tabs, line breaks and backslashes escaped.
    public static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 || $0 == 92 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for c in s.unicodeScalars {
            switch c {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A record, LF-terminated.
    public static func record(_ values: [SQLValue]) -> String {
        values.map(field).joined(separator: "\t") + "\n"
    }

    public static func header(_ names: [String]) -> String {
        names.map { escape(CSVWriter.guardFormula($0)) }.joined(separator: "\t") + "\n"
    }
}
