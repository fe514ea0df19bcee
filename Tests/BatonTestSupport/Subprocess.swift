import Foundation

/// How a program run by `Subprocess.run` ended, and what it wrote.
public struct ProcessResult: Sendable {
    /// The exit status, or the signal's number when `signalled`.
    public var status: Int32
    /// Whether a signal ended it (`status` is then the signal's number).
    public var signalled: Bool
    /// Standard output as written.
    public var output: Data
    /// Standard error, decoded as UTF-8.
    public var err: String
    /// Standard output, decoded as UTF-8.
    public var out: String { String(decoding: output, as: UTF8.self) }
}

/// Runs other programs from the tests (the built `baton`, python3, promtool, gzip, mount…). Output goes to files,
/// not pipes, so a program that writes a lot to one stream never blocks on it.
public enum Subprocess {
    /// Runs `executable` with `arguments` to its end, at most `timeout` seconds (then it is killed and the result says
    /// so: SIGTERM, then SIGKILL). `environment` nil: this process's. Standard input: the bytes `input`, else the file
    /// `inputFile` itself (opened for reading), else none. `directory`: where it runs.
    public static func run(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                           directory: URL? = nil, input: Data? = nil, inputFile: String? = nil,
                           timeout: Double = 600) throws -> ProcessResult {
        let files = try OutputFiles()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = directory }
        p.standardOutput = files.out
        p.standardError = files.err
        p.standardInput = try inputFile.map { path in
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
            return handle
        } ?? files.input(input)
        let ended = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in ended.signal() }
        try p.run()
        if ended.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()   // SIGTERM first: Chromium then ends its helper processes too
            if ended.wait(timeout: .now() + 10) == .timedOut { kill(p.processIdentifier, SIGKILL); ended.wait() }
        }
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
                             output: try Data(contentsOf: files.outURL),
                             err: String(decoding: try Data(contentsOf: files.errURL), as: UTF8.self))
    }

    /// Starts `executable` and returns the running process (standard output and error discarded unless given).
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             standardOutput: Any? = FileHandle.nullDevice, standardError: Any? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        p.standardOutput = standardOutput
        if let standardError { p.standardError = standardError }
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The first executable called `name` on PATH (or in /usr/bin, /usr/local/bin), nil when there is none.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Temporary files for a run's standard streams, removed with this object.
    private final class OutputFiles {
        let outURL: URL, errURL: URL, inURL: URL
        let out: FileHandle, err: FileHandle

        init() throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("baton-process-\(UUID().uuidString)")
            (outURL, errURL, inURL) = (base.appendingPathExtension("out"), base.appendingPathExtension("err"), base.appendingPathExtension("in"))
            for url in [outURL, errURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
            out = try FileHandle(forWritingTo: outURL)
            err = try FileHandle(forWritingTo: errURL)
        }

        deinit {
            try? out.close(); try? err.close()
            for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) }
        }

        func input(_ data: Data?) throws -> FileHandle {
            guard let data else { return FileHandle.nullDevice }
            try data.write(to: inURL)
            return try FileHandle(forReadingFrom: inURL)
        }
    }
}
