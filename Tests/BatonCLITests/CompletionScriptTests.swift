import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI

/// `baton completions bash|zsh|fish`: scripts every shell that is installed accepts, and bash's completes commands,
/// options, option values and — through `baton complete` at completion time — the store's services and teams.
@Suite struct CompletionScriptTests {
    static var bash: String? { Subprocess.which("bash") }

    @Test func everyShellGetsAScriptAndOthersAreRefused() throws {
        let h = try CLIHarness()
        for shell in ["bash", "zsh", "fish"] {
            let r = h.run(["completions", shell])
            #expect(r.code == 0 && r.out.contains("ticket") && r.out.contains("--format"), "\(shell)")
        }
        #expect(h.run(["completions", "bash"]).out.contains("complete -F _baton baton"))
        #expect(h.run(["completions", "zsh"]).out.hasPrefix("#compdef baton\n"))
        let r = h.run(["completions", "tcsh"])
        #expect(r.code == 64 && r.err.hasPrefix("Error: no completions for 'tcsh'; use bash, zsh or fish"))
    }

    /// Syntax: `bash -n`, `zsh -n` and `fish --no-execute` (`make test-deps` installs zsh and fish, so a missing
    /// shell fails its case rather than passing unchecked).
    @Test(arguments: [("bash", ["-n"]), ("zsh", ["-n"]), ("fish", ["--no-execute"])])
    func scriptsParseInTheirShell(shell: String, flags: [String]) throws {
        let program = try #require(Subprocess.which(shell), "\(shell) is not installed (make test-deps installs it)")
        let h = try CLIHarness()
        let file = try h.write("baton.\(shell)", h.run(["completions", shell]).out)
        let r = try Subprocess.run(program, flags + [file])
        #expect(r.status == 0 && r.err.isEmpty, "\(shell): \(r.err)")
    }

    @Test func completeListsTheStoresKeysAndIsSilentWithoutAStore() throws {
        let h = try CLIHarness().prepared()
        #expect(h.run(["complete", "services"]).out == "onboarding\n")
        #expect(h.run(["complete", "teams"]).out == "hr\nit\nmanagers\n")
        #expect(h.run(["complete", "queries"]).out.contains("stalled\n"))
        #expect(h.run(["complete", "reports"]).out.contains("weekly\n"))
        let none = h.run(["--db", h.path("missing.db"), "complete", "services"])
        #expect(none.code == 0 && none.out.isEmpty && none.err.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: h.path("missing.db")), "a tab never creates a store")
        #expect(!h.run(["help"]).out.contains("complete "), "a helper of the scripts, not in the help")
    }

    /// Runs `_baton` in bash for the words typed (the last is the one being completed) and returns COMPREPLY.
    static func bashCompletions(_ words: [String], harness h: CLIHarness) throws -> [String] {
        let script = try h.write("baton.bash", h.run(["completions", "bash"]).out)
        let bin = h.path("bin")
        try? FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: bin + "/baton", withDestinationPath: TestPaths.batonBinary.path)
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let program = "source \(script); COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _baton; printf '%s\\n' \"${COMPREPLY[@]}\""
        let r = try Subprocess.run(bash!, ["-c", program], environment: h.binaryEnvironment(["PATH": "\(bin):/usr/bin:/bin"]))
        #expect(r.status == 0, "\(r.err)")
        return r.out.split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: bash != nil && TestPaths.binaryAvailable, "needs bash and the built binary"))
    func bashCompletesCommandsOptionsValuesAndKeys() throws {
        let h = try CLIHarness().prepared()
        #expect(try Self.bashCompletions(["baton", "ti"], harness: h) == ["ticket"])
        #expect(try Self.bashCompletions(["baton", "ticket", ""], harness: h) == ["open", "show", "history", "close", "cancel"])
        #expect(try Self.bashCompletions(["baton", "ticket", "open", "onboarding", "--ti"], harness: h) == ["--title"])
        #expect(try Self.bashCompletions(["baton", "queue", "hr", "--format", "n"], harness: h) == ["ndjson"])
        #expect(try Self.bashCompletions(["baton", "ticket", "open", ""], harness: h) == ["onboarding"])
        #expect(try Self.bashCompletions(["baton", "--db", h.dbPath, "queue", ""], harness: h) == ["hr", "it", "managers"])
        #expect(try Self.bashCompletions(["baton", "alerts", "--team", "m"], harness: h) == ["managers"])
        #expect(try Self.bashCompletions(["baton", "-"], harness: h) == ["--db", "-h", "--help", "--version"])
    }
}
