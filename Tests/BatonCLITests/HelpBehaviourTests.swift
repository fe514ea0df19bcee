import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI

/// Help says what the parser does: required options without brackets, "(repeatable)" once, `--version` listed and
/// suggested, single-valued options refused when repeated, and `alerts --out` refusing an extension it cannot write.
@Suite struct HelpBehaviourTests {
    static func everyCommand(_ spec: CommandSpec = Commands.root, _ path: [String] = ["baton"]) -> [(CommandSpec, [String])] {
        [(spec, path)] + spec.subcommands.flatMap { everyCommand($0, path + [$0.name]) }
    }

    @Test func requiredOptionsAreNotInBrackets() {
        let open = HelpFormatter.usageLine(TicketCommands.open, path: ["baton", "ticket", "open"])
        #expect(open.hasPrefix("Usage: baton ticket open --title <TEXT> [--requester <WHO>]"), "\(open)")
        for (spec, path) in Self.everyCommand() {
            let usage = HelpFormatter.usageLine(spec, path: path)
            for o in spec.options where o.required {
                #expect(usage.contains(" --\(o.name) <") && !usage.contains("[--\(o.name) "), "\(usage)")
            }
        }
    }

    @Test func repeatableIsSaidOnce() {
        for (spec, path) in Self.everyCommand() {
            let help = HelpFormatter.help(spec, path: path)
            #expect(!help.contains("(repeatable) (repeatable)") && !help.contains("(repeatable). (repeatable)"), "\(path)")
            for o in spec.options { #expect(!o.help.contains("(repeatable)"), "\(path) --\(o.name): the formatter says it") }
        }
    }

    @Test func versionIsListedAndSuggested() throws {
        let h = try CLIHarness()
        #expect(h.run(["--help"]).out.contains("  --version "))
        #expect(h.run(["--version"]).out == "baton \(BatonCLI.version)\n")
        let version = h.run(["version"])
        #expect(version.code == 0 && version.out.hasPrefix("baton \(BatonCLI.version)\nexecutable: /"))
        #expect(version.out.contains("queries: \(TestPaths.queries)\n"), "the checkout of the build: \(version.out)")
        for word in ["-v", "--verison"] {
            let r = h.run([word])
            #expect(r.code == 64 && r.err.hasPrefix("Error: unknown option '\(word)'; did you mean '--version'?\n"), "\(r.err)")
        }
    }

    @Test(arguments: [
        (["--db", "a.db", "--db", "b.db", "init"], "--db given more than once"),
        (["init", "--db=a.db", "--db", "b.db"], "--db given more than once"),
        (["--db"], "--db needs a value"),
        (["queue", "hr", "--format", "csv", "--format", "json"], "--format given more than once"),
        (["ticket", "open", "onboarding", "--title", "a", "--title", "b"], "--title given more than once"),
        (["alerts", "--out", "a.yaml"], "--out a.yaml: '.yaml' is not an alert file extension; use .json, .txt or .prom, or give --format"),
    ])
    func refusedAsUsageErrors(args: [String], message: String) throws {
        let h = try CLIHarness().prepared()
        let r = h.run(args)
        #expect(r.code == 64 && r.err.hasPrefix("Error: \(message)"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: h.path("a.yaml")) && !FileManager.default.fileExists(atPath: h.path("b.db")))
    }

    @Test func alertsWriteAnUnknownExtensionOnlyWhenTheFormatIsGiven() throws {
        let h = try CLIHarness().prepared()
        #expect(h.run(["alerts", "--out", "a.yaml", "--format", "json"]).code == 0)
        #expect(try String(contentsOfFile: h.path("a.yaml"), encoding: .utf8).hasPrefix("{"))
        #expect(h.run(["alerts", "--out", "alerts"]).code == 0, "no extension: text, as documented")
    }

    @Test func theManualHasEveryVisibleCommand() throws {
        let page = try CLIHarness().run(["manual"]).out
        #expect(page.hasPrefix(".TH BATON 1 "))
        for (spec, path) in Self.everyCommand() where path.count > 1 && !spec.hidden && !path.contains("complete") {
            #expect(page.contains(".SS \"\(ManualPage.text(path.joined(separator: " ")))\""), "\(path)")
        }
        #expect(!page.contains(".SS \"baton complete\"") && !page.contains(".SS \"baton manual\""))
        let ascii = page.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(ascii, "non-ASCII as \\[uXXXX]")
    }
}
