import Foundation

/// Baton's canonical CSV event log (`ticket_id,service,step,team,event,at,actor`), as the tests write it.
public enum CanonicalLog {
    /// The header line.
    public static let header = "ticket_id,service,step,team,event,at,actor"

    /// The file text of `rows` under `header`, each line ended by a newline.
    public static func csv(_ rows: [String], header: String = CanonicalLog.header) -> String {
        ([header] + rows).joined(separator: "\n") + "\n"
    }

    /// Field `column` of a row with no quoted commas (generated and exported logs have none).
    public static func field(_ row: String, _ column: Int) -> Substring {
        row.split(separator: ",", omittingEmptySubsequences: false)[column]
    }

    /// The rows ordered by the instant in `column` (the sixth field, `at`, by default), file order on ties: the shape
    /// real exports have.
    public static func timeOrdered(_ rows: [String], column: Int = 5) -> [String] {
        // Each row's instant is read once, not at every comparison.
        rows.enumerated().map { (at: field($0.element, column), offset: $0.offset, row: $0.element) }
            .sorted { $0.at != $1.at ? $0.at < $1.at : $0.offset < $1.offset }
            .map(\.row)
    }

    /// The rows whose instant (in `column`) is at or before `cut`.
    public static func upTo(_ cut: String, _ rows: [String], column: Int = 5) -> [String] {
        rows.filter { field($0, column) <= cut }
    }

    /// Every row moved by a fixed stride (a deterministic shuffle; the stride is made prime to the count).
    public static func shuffled(_ rows: [String]) -> [String] {
        guard rows.count > 1 else { return rows }
        var stride = 7_919
        while gcd(stride, rows.count) != 1 { stride += 2 }
        return rows.indices.map { rows[($0 * stride) % rows.count] }
    }

    /// The rows in one of the orders the tests import: `grouped` (as generated), `time-ordered` or `shuffled`.
    public static func reordered(_ rows: [String], _ order: String) -> [String] {
        switch order {
        case "time-ordered": timeOrdered(rows)
        case "shuffled": shuffled(rows)
        default: rows
        }
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
