import Foundation

/// A folder of its own under the system's temporary folder, removed with everything in it when the last reference
/// to it goes. Fixtures that need a folder (a store, a CLI harness) are built on it.
open class TemporaryFolder {
    /// The folder: `<tmp>/baton-<label>-<uuid>`.
    public let directory: URL

    /// Creates a fresh, empty folder whose name starts `baton-<label>-`.
    public init(_ label: String) throws {
        directory = try Self.make(label)
    }

    /// Takes over `directory` (made by `make(_:)`): it is removed with this object.
    public init(adopting directory: URL) {
        self.directory = directory
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `text` (UTF-8) to `name` inside the folder; its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// Writes raw bytes to `name` inside the folder; its path.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// Keeps this folder (and the object) until the test process exits, then removes it: for a fixture made once and
    /// shared by several tests (a real log imported once), which no single test may remove.
    public func keptUntilExit() -> Self {
        KeptUntilExit.shared.keep(self)
        return self
    }

    /// Creates a fresh folder `<tmp>/baton-<label>-<uuid>` that nothing removes (for suites that keep only a URL);
    /// the label keeps letters, digits and dashes only, so `#function` may be passed.
    public static func make(_ label: String = #function) throws -> URL {
        let name = label.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("baton-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The folders kept until exit (strongly held, so never removed by a deinit), removed by an `atexit` handler.
private final class KeptUntilExit: @unchecked Sendable {
    static let shared = KeptUntilExit()
    private let lock = NSLock()
    private var folders: [TemporaryFolder] = []

    private init() {
        atexit { KeptUntilExit.shared.removeAll() }
    }

    func keep(_ folder: TemporaryFolder) { lock.withLock { folders.append(folder) } }

    func removeAll() {
        for folder in lock.withLock({ folders }) { try? FileManager.default.removeItem(at: folder.directory) }
    }
}
