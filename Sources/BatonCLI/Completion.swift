/// What a shell completes for an option's value or an argument (swift-argument-parser's `CompletionKind`).
public enum Completion: Sendable, Equatable {
    /// Free text: nothing to offer.
    case none
    case file
    case directory
    /// One of these words.
    case values([String])
    /// The words `baton complete KIND` prints at completion time (service keys, team keys…), read from the store the
    /// completed line names (`--db`, else `$BATON_DB`).
    case dynamic(String)

    /// The kinds `baton complete` knows.
    static let dynamicKinds = ["services", "teams", "calendars", "queries", "reports"]

    /// The completion an option or argument gets when its spec names none, from its name and value name.
    static func `default`(name: String, valueName: String?) -> Completion {
        let value = valueName ?? ""
        if value.contains("=") { return .none }
        if value.contains("|") { return .values(value.split(separator: "|").map(String.init)) }
        switch name {
        case "team": return .dynamic("teams")
        case "service": return .dynamic("services")
        case "calendar": return .dynamic("calendars")
        case "query": return .dynamic("queries")
        case "report", "definition": return .dynamic("reports")
        case "file", "files": return .file
        default: break
        }
        if value == "DIR" { return .directory }
        if value == "FILE" || value == "PATH" || value.hasSuffix(".json") || value.hasSuffix(".csv") { return .file }
        return .none
    }
}

extension CommandSpec.Option {
    /// The completion of this option's value (nil for a flag).
    var valueCompletion: Completion? {
        valueName == nil ? nil : (completion ?? .default(name: name, valueName: valueName))
    }
}

extension CommandSpec.Argument {
    var valueCompletion: Completion { completion ?? .default(name: name, valueName: nil) }
}

/// One command of the tree as the completion scripts and the manual see it: its words from `baton` on, its spec
/// and the options it takes (the global ones included).
struct CommandPath {
    var words: [String]
    var spec: CommandSpec

    var text: String { words.joined(separator: " ") }
    /// A shell identifier for it: `baton_ticket_open`.
    var identifier: String { words.map { $0.replacingOccurrences(of: "-", with: "_") }.joined(separator: "_") }
    var options: [CommandSpec.Option] { spec.options + HelpFormatter.globalOptions(root: words.count == 1) }

    /// Every visible command under `spec`, depth first, `spec` itself first.
    static func all(_ spec: CommandSpec, words: [String] = ["baton"]) -> [CommandPath] {
        [CommandPath(words: words, spec: spec)] + spec.visibleSubcommands.flatMap { all($0, words: words + [$0.name]) }
    }
}
