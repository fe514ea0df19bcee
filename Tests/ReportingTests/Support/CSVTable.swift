import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Rendering
import SQLite

/// A CSV file read back (RFC 4180: quoted fields, doubled quotes, CRLF records), with its rows keyed.
struct CSVTable {
    var header: [String]
    var rows: [[String]]

    init(url: URL) throws {
        let records = RFC4180.records(try String(contentsOf: url, encoding: .utf8))
        header = records.first ?? []
        rows = Array(records.dropFirst())
    }

    /// Rows keyed by the joined values of `keys`, each as column → text.
    func keyed(_ keys: [String]) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for row in rows {
            var object: [String: String] = [:]
            for (i, name) in header.enumerated() where i < row.count { object[name] = row[i] }
            result[keys.map { object[$0] ?? "" }.joined(separator: "|")] = object
        }
        return result
    }
}

/// Compares a CSV section with expected rows, cell by cell (numbers to 1e-9 relative).
func expectSection(_ folder: URL, _ file: String, leading: [String], keys: [String], _ expected: [String: [String: Cell]],
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let table = try CSVTable(url: folder.appendingPathComponent(file))
    #expect(Array(table.header.prefix(leading.count)) == leading, "\(file): leading columns", sourceLocation: sourceLocation)
    let actual = table.keyed(keys)
    #expect(table.rows.count == actual.count, "\(file): duplicate keys", sourceLocation: sourceLocation)
    #expect(Set(actual.keys) == Set(expected.keys),
            "\(file): rows differ; missing \(Set(expected.keys).subtracting(actual.keys).sorted().prefix(5)), unexpected \(Set(actual.keys).subtracting(expected.keys).sorted().prefix(5))",
            sourceLocation: sourceLocation)
    for (key, cells) in expected {
        guard let row = actual[key] else { continue }
        for (column, cell) in cells {
            let text = row[column]
            switch cell {
            case .text(let s):
                #expect(text == s, "\(file) [\(key)] \(column)", sourceLocation: sourceLocation)
            case .number(let e):
                let a = text.flatMap { $0.isEmpty ? nil : Double($0) }
                if let e, let a {
                    #expect(abs(a - e) <= 1e-9 * max(1, abs(e)), "\(file) [\(key)] \(column): \(a) vs expected \(e)", sourceLocation: sourceLocation)
                } else {
                    #expect(a == nil && e == nil, "\(file) [\(key)] \(column): '\(text ?? "missing")' vs expected \(cell)", sourceLocation: sourceLocation)
                }
            }
        }
    }
}
