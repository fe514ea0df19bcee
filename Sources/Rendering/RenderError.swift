/// A report that a renderer cannot draw as asked, or a file it cannot write.
public struct RenderError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
