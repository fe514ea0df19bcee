import BatonCore
import Foundation
import Rendering
import SQLite

/// Prints rows as an aligned table, CSV, TSV, JSON or JSON Lines (`--format table|csv|tsv|json|ndjson`, the set
/// sqlite-utils offers).
public enum RowFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, ndjson

    /// "table, csv, tsv, json or ndjson".
    static let names = allCases.dropLast().map(\.rawValue).joined(separator: ", ") + " or " + allCases.last!.rawValue

    static let option = CommandSpec.Option.value("format", "FORMAT", "Output format: \(names) (default: table).",
                                                 completion: .values(allCases.map(\.rawValue)))

    static func from(_ invocation: Invocation) throws -> RowFormat {
        guard let text = invocation.value("format") else { return .table }
        guard let format = RowFormat(rawValue: text) else {
            throw invocation.usageError("--format must be \(names), not '\(text)'")
        }
        return format
    }
}

public enum RowPrinter {
    public static func print(columns: [String], rows: [[SQLValue]], format: RowFormat, to out: Output) {
        switch format {
        case .csv:
            out.write(CSVWriter.header(columns))
            for r in rows { out.write(CSVWriter.record(r)) }
        case .tsv:
            out.write(TSVWriter.header(columns))
            for r in rows { out.write(TSVWriter.record(r)) }
        case .ndjson:
            for r in rows { out.line("{" + zip(columns, r).map { "\(JSONText.string($0)): \(JSONText.value($1))" }.joined(separator: ", ") + "}") }
        case .json:
            out.write("[")
            for (n, r) in rows.enumerated() {
                out.write(n == 0 ? "\n  {" : ",\n  {")
                out.write(zip(columns, r).map { "\(JSONText.string($0)): \(JSONText.value($1))" }.joined(separator: ", "))
                out.write("}")
            }
            out.write(rows.isEmpty ? "]\n" : "\n]\n")
        case .table:
            if rows.isEmpty { out.line("(no rows)"); return }
            let cells = rows.map { $0.map(tableCell) }
            let columns = columns.map { TerminalText.safe($0) }
            var widths = columns.map(\.count)
            for r in cells { for (i, c) in r.enumerated() where i < widths.count { widths[i] = min(60, max(widths[i], c.count)) } }
            func line(_ values: [String]) -> String {
                values.enumerated().map { i, v in
                    let clipped = v.count > widths[i] ? String(v.prefix(widths[i] - 1)) + "…" : v
                    return clipped + String(repeating: " ", count: max(0, widths[i] - clipped.count))
                }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            out.line(line(columns))
            out.line(line(widths.map { String(repeating: "-", count: $0) }))
            for r in cells { out.line(line(r)) }
        }
    }

    public static func print(_ rows: [Row], columns: [String]? = nil, format: RowFormat, to out: Output) {
        let cols = columns ?? rows.first?.columns ?? []
        print(columns: cols, rows: rows.map(\.values), format: format, to: out)
    }

    /// Table cells: numbers rounded for reading, text made safe for a terminal (`TerminalText.safe`: control
    /// characters visible, so a row stays one line and cannot move the cursor or recolour the screen).
    static func tableCell(_ v: SQLValue) -> String {
        switch v {
        case .null: return ""
        case .real(let d): return String(format: "%.1f", d)
        default: return TerminalText.safe(v.string ?? "")
        }
    }
}
