import Foundation

/// Where a command writes: standard output or a buffer (tests run the CLI in-process).
public final class Output: @unchecked Sendable {
    private let handle: FileHandle?
    public private(set) var captured = ""
    private var pending = Data()

    private let autoFlush: Bool

    /// `autoFlush`: write through at once (standard error: messages and progress must not wait).
    public init(handle: FileHandle, autoFlush: Bool = false) {
        self.handle = handle
        self.autoFlush = autoFlush
    }
    public init() {
        self.handle = nil
        self.autoFlush = false
    }

    public func write(_ text: String) {
        if handle != nil {
            pending.append(contentsOf: text.utf8)
            if autoFlush || pending.count >= 1 << 16 { flush() }
        } else {
            captured += text
        }
    }

    public func line(_ text: String = "") { write(text + "\n") }

    public func flush() {
        guard let handle, !pending.isEmpty else { return }
        try? handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// What a command sees of the process: outputs, environment, and global options.
public struct CLIContext {
    public var out: Output
    public var err: Output
    public var environment: [String: String]
    public var globalDatabase: String?
    /// Whether standard error is a terminal (progress lines only then).
    public var stderrIsTerminal: Bool
    public var workingDirectory: String

    public init(out: Output, err: Output, environment: [String: String] = ProcessInfo.processInfo.environment,
                stderrIsTerminal: Bool = false, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.out = out; self.err = err; self.environment = environment
        self.stderrIsTerminal = stderrIsTerminal; self.workingDirectory = workingDirectory
    }
}
