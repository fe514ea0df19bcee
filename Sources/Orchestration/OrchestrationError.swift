/// Bad input: names the file (or "command line"), the line or element when known, and the field.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let line: Int?
    public let field: String?
    public let message: String

    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let field { location += ": field '\(field)'" }
        return "\(location): \(message)"
    }
}

/// An action the state machine refuses (invalid transition, unknown ticket or step, …).
public struct ActionRefused: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    /// The field of an imported row the refusal is about (`step`, `task`), for the rejects file; nil: the event.
    public let field: String?
    public init(_ message: String, field: String? = nil) { self.message = message; self.field = field }
    public var description: String { message }
}
