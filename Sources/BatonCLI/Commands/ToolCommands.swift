import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

/// Commands about baton itself: its version and where it finds its files, shell completions, and the hidden helpers
/// the completion scripts and `make install` call (`complete`, `manual`).
enum ToolCommands {
    static let version = CommandSpec(
        name: "version",
        abstract: "Print the version, the binary's path and the queries/ and reports/ folders in use.",
        run: { inv in
            inv.out.line("baton \(BatonCLI.version)")
            inv.out.line("executable: \(ExecutablePath.current()?.path ?? "(unknown)")")
            for kind in [ResourceDirectory.Kind.queries, .reports] {
                let found = ResourceDirectory.find(kind, workingDirectory: inv.context.workingDirectory, environment: inv.context.environment)
                inv.out.line("\(kind.rawValue): \(found?.path ?? "(none found)")")
            }
            return 0
        })

    static let shells: [String: @Sendable (CommandSpec) -> String] = [
        "bash": BashCompletionScript.generate, "zsh": ZshCompletionScript.generate, "fish": FishCompletionScript.generate,
    ]

    static let completions = CommandSpec(
        name: "completions",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
        Commands, options and their values complete; service keys, team keys, calendars, queries and reports are read
        from the store (--db on the line, else $BATON_DB, else ./baton.db) when you press tab.
        bash: source <(baton completions bash), or save it as ~/.local/share/bash-completion/completions/baton
        zsh:  baton completions zsh > ~/.zfunc/_baton (with ~/.zfunc on $fpath before compinit)
        fish: baton completions fish > ~/.config/fish/completions/baton.fish
        'make install' installs all three.
        """,
        arguments: [.arg("shell", "bash, zsh or fish.", completion: .values(["bash", "fish", "zsh"]))],
        run: { inv in
            guard let generate = shells[inv.arguments[0]] else {
                throw inv.usageError("no completions for '\(inv.arguments[0])'; use bash, zsh or fish")
            }
            inv.out.write(generate(Commands.root))
            return 0
        })

    /// `baton complete KIND`: the words a completion script offers, one a line; nothing (exit 0) when there is no store,
    /// since a tab must never print an error into the user's line. Reads the store read-only: a tab never migrates it.
    static let complete = CommandSpec(
        name: "complete",
        abstract: "Print the keys of a kind, one a line, for the completion scripts.",
        arguments: [.arg("kind", Completion.dynamicKinds.joined(separator: ", ") + ".")],
        hidden: true,
        run: { inv in
            let cwd = inv.context.workingDirectory, env = inv.context.environment
            switch inv.arguments[0] {
            case "queries", "reports":
                let kind: ResourceDirectory.Kind = inv.arguments[0] == "queries" ? .queries : .reports
                let folder = ResourceDirectory.find(kind, workingDirectory: cwd, environment: env)
                for name in folder.map({ ResourceDirectory.names(in: $0, fileExtension: kind == .queries ? "sql" : "json") }) ?? [] {
                    inv.out.line(name)
                }
            case let kind where Completion.dynamicKinds.contains(kind):
                let table = ["services": "services", "teams": "teams", "calendars": "calendars"][kind]!
                let path = URL(fileURLWithPath: inv.databasePath, relativeTo: URL(fileURLWithPath: cwd)).path
                guard FileManager.default.fileExists(atPath: path), let db = try? Database(path: path, readOnly: true),
                      let rows = try? db.rows("SELECT DISTINCT key FROM \(table) ORDER BY key") else { return 0 }
                for key in rows.compactMap({ $0.string("key") }) { inv.out.line(key) }
            default:
                throw inv.usageError("no completions of '\(inv.arguments[0])'; use \(Completion.dynamicKinds.joined(separator: ", "))")
            }
            return 0
        })

    static let manual = CommandSpec(
        name: "manual",
        abstract: "Print the man page baton(1) in roff, generated from the help texts.",
        hidden: true,
        run: { inv in
            inv.out.write(ManualPage.generate(Commands.root, version: BatonCLI.version))
            return 0
        })
}
