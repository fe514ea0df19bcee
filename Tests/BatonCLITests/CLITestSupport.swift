import Foundation
@testable import BatonCLI

/// Runs the CLI in-process against a store in a temporary folder.
final class CLIHarness {
    let directory: URL
    var dbPath: String { directory.appendingPathComponent("baton.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    struct Result { let code: Int32; let out: String; let err: String }

    @discardableResult
    func run(_ args: [String], env: [String: String] = [:]) -> Result {
        let out = Output(), err = Output()
        var environment = ["BATON_DB": dbPath, "BATON_ACTOR": "tester"]
        environment.merge(env) { $1 }
        let code = BatonCLI.run(args, context: CLIContext(out: out, err: err, environment: environment,
                                                          workingDirectory: directory.path))
        return Result(code: code, out: out.captured, err: err.captured)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let onboarding = """
    {"key": "onboarding", "name": "Employee onboarding", "enforce_order": true,
     "intake": [{"key": "employee", "label": "Employee", "type": "text", "required": true}],
     "steps": [
       {"key": "hr-review", "name": "HR review", "team": "hr", "kind": "review", "target": "2d", "tasks": ["Verify contract"]},
       {"key": "it-access", "name": "IT access", "team": "it", "kind": "task", "target": "8h"},
       {"key": "equipment", "name": "Equipment approval", "team": "managers", "kind": "approval"}]}
    """

    /// A store with the onboarding service applied.
    func prepared() throws -> CLIHarness {
        run(["init"])
        let file = try write("onboarding.json", Self.onboarding)
        run(["service", "apply", file])
        return self
    }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs the built binary to completion; returns its exit status.
    static func runBinary(_ args: [String], env: [String: String]) throws -> Int32 {
        let p = try startBinary(args, env: env)
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Starts the built binary (standard output discarded) and returns the running process.
    static func startBinary(_ args: [String], env: [String: String]) throws -> Process {
        let p = Process()
        p.executableURL = batonBinary
        p.arguments = args
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The `baton` binary built next to the tests.
    static var batonBinary: URL {
        let debug = packageRoot.appendingPathComponent(".build/debug/baton")
        return debug
    }
}
