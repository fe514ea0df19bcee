import Foundation

/// A scheduling problem (bad definition, unreadable folder), with a message for people.
public struct ScheduleError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
