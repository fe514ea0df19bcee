/// An action the state machine refuses (invalid transition, unknown ticket or step, …).
public struct ActionRefused: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    /// The field of an imported row the refusal is about (`step`, `task`), for the rejects file; nil: the event.
    public let field: String?
    public init(_ message: String, field: String? = nil) { self.message = message; self.field = field }
    public var description: String { message }
}
