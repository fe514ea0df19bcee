import Foundation

/// The programs some tests check Baton's output with, found once; a test that needs a missing one is skipped with
/// `.enabled(if:)` and says what to install.
public enum ExternalTools {
    /// python3, for reading files back a second way.
    public static let python3: String? = Subprocess.which("python3")
    /// A Chromium (or Chrome) to load the HTML report in.
    public static let chromium: String? = Subprocess.which("chromium") ?? Subprocess.which("chromium-browser") ?? Subprocess.which("google-chrome")
    /// Prometheus's `promtool`, to check the .prom alert file (Debian package `prometheus`).
    public static let promtool: String? = Subprocess.which("promtool")
    /// gzip, to make .gz inputs.
    public static let gzip: String? = Subprocess.which("gzip")
    /// PM4Py in python3, the process-mining reference for the real logs.
    public static let hasPM4Py: Bool = pythonCanImport("pm4py")
    /// openpyxl in python3, to read a workbook back.
    public static let hasOpenpyxl: Bool = pythonCanImport("openpyxl")

    /// Runs `script` with `python3 -c`; its result (standard error is kept apart from the output).
    public static func python(_ script: String, timeout: Double = 600) throws -> ProcessResult {
        guard let python3 else { throw CocoaError(.executableNotLoadable, userInfo: [NSFilePathErrorKey: "python3"]) }
        return try Subprocess.run(python3, ["-c", script], timeout: timeout)
    }

    /// Whether python3 is there and can import `module`.
    public static func pythonCanImport(_ module: String) -> Bool {
        (try? python("import \(module)", timeout: 120).status) == 0
    }

    /// The bytes of a gzipped file, decompressed.
    public static func gunzip(_ file: String) throws -> Data {
        let result = try Subprocess.run(gzip ?? "/bin/gzip", ["-dc", file])
        guard result.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file, NSLocalizedDescriptionKey: result.err]) }
        return result.output
    }

    /// Makes `file.gz` next to `file` (the original kept); its path.
    @discardableResult
    public static func gzip(_ file: String) throws -> String {
        let result = try Subprocess.run(gzip ?? "/bin/gzip", ["-kf", file])
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file, NSLocalizedDescriptionKey: result.err]) }
        return file + ".gz"
    }
}
