import BatonCore
import Foundation
import Reporting
import SQLite

/// The CSV output of a report run: one RFC 4180 UTF-8 file per section (`<key>.csv`, the section's
/// columns in order), plus `headlines.csv` and `definitions.csv` when the report has them.
/// Numbers keep full precision, instants are ISO 8601 UTC, text cells are guarded against formula injection.
public struct ReportCSV: ReportRenderer {
    public let format = "csv"
    public init() {}

    public func write(_ result: ReportResult, to folder: URL) throws {
        for section in result.sections {
            var text = CSVWriter.header(section.columns.map(\.name))
            for row in section.rows { text += Self.record(row, columns: section.columns) }
            try Self.save(text, folder.appendingPathComponent("\(section.key).csv"))
        }
        if !result.headlines.isEmpty {
            var text = CSVWriter.header(["key", "label", "unit", "value", "previous", "change"])
            for h in result.headlines {
                let change: SQLValue = (h.value != nil && h.previous != nil) ? .real(h.value! - h.previous!) : .null
                text += CSVWriter.record([.text(h.key), .text(h.label), .text(h.unit.rawValue),
                                          h.value.map(SQLValue.real) ?? .null, h.previous.map(SQLValue.real) ?? .null, change])
            }
            try Self.save(text, folder.appendingPathComponent("headlines.csv"))
        }
        if !result.definitions.isEmpty {
            var text = CSVWriter.header(["term", "text"])
            for (term, definition) in result.definitions { text += CSVWriter.record([.text(term), .text(definition)]) }
            try Self.save(text, folder.appendingPathComponent("definitions.csv"))
        }
    }

    /// One record, instants (Unix seconds) written as ISO 8601 UTC.
    public static func record(_ row: [SQLValue], columns: [ColumnSpec]) -> String {
        var fields: [String] = []
        fields.reserveCapacity(row.count)
        for (i, value) in row.enumerated() {
            if i < columns.count, columns[i].unit == .instant, case .integer(let t) = value {
                fields.append(iso(t))
            } else {
                fields.append(CSVWriter.field(value))
            }
        }
        return fields.joined(separator: ",") + "\r\n"
    }

    /// `Instant.iso(t)` without `String(format:)`, which costs microseconds a call on Linux (a report writes
    /// hundreds of thousands of instants).
    public static func iso(_ t: Int64) -> String {
        let c = Instant.civil(t)
        guard (0...9999).contains(c.year) else { return Instant.iso(t) }
        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var v = value
            for k in stride(from: at + width - 1, through: at, by: -1) { bytes[k] = UInt8(48 + v % 10); v /= 10 }
        }
        put(c.year, 0, 4); bytes[4] = 45; put(c.month, 5, 2); bytes[7] = 45; put(c.day, 8, 2); bytes[10] = 84
        put(c.hour, 11, 2); bytes[13] = 58; put(c.minute, 14, 2); bytes[16] = 58; put(c.second, 17, 2); bytes[19] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Through the one publisher: `FileMode`'s mode, fsynced, renamed into place.
    static func save(_ text: String, _ url: URL) throws {
        try AtomicFile.write(text, to: url.path)
    }
}
