/// One result row: the column names (shared) and the values.
public struct Row: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(index: Int) -> SQLValue { values[index] }

    /// The value of the first column with this name, or `.null` when there is none.
    public subscript(name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }

    public func string(_ name: String) -> String? { self[name].string }
    public func int(_ name: String) -> Int64? { self[name].int }
    public func double(_ name: String) -> Double? { self[name].double }
}
