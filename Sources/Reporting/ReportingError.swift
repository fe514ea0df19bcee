/// A reporting failure a person can act on: an unknown query or report, a missing parameter, a bad
/// definition or an SQL error, naming the file (and field) involved.
public struct ReportingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
