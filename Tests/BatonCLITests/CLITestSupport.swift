import BatonTestSupport
import Foundation
@testable import BatonCLI

/// Runs the CLI in-process against a store in a temporary folder, or the built binary where a test needs a real
/// process (signals, the umask, the time zone, another user, standard input, several processes at once).
/// (Sendable: its only state is the folder's path, so threads of one test may run commands on it at once.)
final class CLIHarness: TemporaryFolder, @unchecked Sendable {
    var dbPath: String { path("baton.db") }

    init() throws { try super.init("cli") }

    /// A harness whose store is a copy of the store file `dbPath` (a shared import, see `SharedImports`).
    init(copyOf dbPath: String) throws {
        try super.init("cli")
        try FileManager.default.copyItem(atPath: dbPath, toPath: self.dbPath)
    }

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

    /// The environment of a real `baton` process on this harness's store: only what is given, no inherited TZ or
    /// BATON_* variables.
    func binaryEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        ["BATON_DB": dbPath, "BATON_ACTOR": "tester", "PATH": "/usr/bin:/bin"].merging(extra) { $1 }
    }

    /// Runs the built binary to its end, output captured.
    static func runBinary(_ args: [String], env: [String: String], inputFile: String? = nil, directory: URL? = nil) throws -> ProcessResult {
        try Subprocess.run(TestPaths.batonBinary.path, args, environment: env, directory: directory, inputFile: inputFile)
    }

    /// Starts the built binary (standard output discarded) and returns the running process.
    static func startBinary(_ args: [String], env: [String: String], standardError: Any? = nil) throws -> Process {
        try Subprocess.start(TestPaths.batonBinary.path, args, environment: env, standardError: standardError)
    }
}
