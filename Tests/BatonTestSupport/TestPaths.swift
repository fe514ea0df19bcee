import Foundation

/// Where the tests find the package's own files (queries, samples, report definitions, the built binary) and the real
/// logs, found from this file's path rather than the working directory.
public enum TestPaths {
    /// The package root (the folder of `Package.swift`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `queries/`, the shipped SQL.
    public static var queries: String { packageRoot.appendingPathComponent("queries").path }

    /// A path below the package root, such as `samples/services` or `reports/weekly.json`.
    public static func inPackage(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

    /// The real logs folder, `../shared/data` from the package root, when present (the real logs run in CI).
    public static var sharedData: URL? {
        let data = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: data.path) ? data : nil
    }

    /// The path of one real log in `../shared/data`, when it is there.
    public static func sharedFile(_ name: String) -> String? {
        guard let path = sharedData?.appendingPathComponent(name).path, FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }

    /// The `baton` binary `swift build` puts next to the tests.
    public static var batonBinary: URL { packageRoot.appendingPathComponent(".build/debug/baton") }

    /// Whether the binary is built (tests of the real process are skipped without it).
    public static var binaryAvailable: Bool { FileManager.default.isExecutableFile(atPath: batonBinary.path) }
}
