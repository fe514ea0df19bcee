import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI

/// The README and `--help` must cover every command a user can run.
@Suite struct DocumentationTests {
    static func leafPaths(_ spec: CommandSpec, _ path: [String]) -> [[String]] {
        if spec.subcommands.isEmpty { return [path] }
        return spec.visibleSubcommands.flatMap { leafPaths($0, path + [$0.name]) }
    }

    @Test func everyCommandIsInTheReadme() throws {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let hidden: Set<String> = ["bench-xlsx"]
        for path in Self.leafPaths(Commands.root, []) where !hidden.contains(path[0]) {
            let command = "baton " + path.joined(separator: " ")
            // A group of actions may be documented together, e.g. `baton step start|complete|…`.
            let grouped = path.count == 2 && readme.range(of: "baton \(path[0]) [a-z|-]*\\b\(path[1])\\b", options: .regularExpression) != nil
            #expect(readme.contains(command) || grouped, "README.md does not mention '\(command)'")
        }
    }

    @Test func everyCommandPrintsHelp() throws {
        let h = try CLIHarness()
        for path in Self.leafPaths(Commands.root, []) {
            let r = h.run(path + ["--help"])
            #expect(r.code == 0, "\(path)")
            #expect(r.out.hasPrefix("OVERVIEW: ") && r.out.count > 120, "\(path): help is missing or too short")
        }
    }
}
