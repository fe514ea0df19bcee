/// A command's shape: its help text, options, arguments, subcommands and what it runs.
/// Help, parsing and "Did you mean …?" are generated from this, swift-argument-parser style.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        public var name: String            // long name without dashes
        public var short: Character?
        public var valueName: String?      // nil: a flag
        public var help: String
        public var repeating: Bool = false
        /// Must be given: shown without brackets in the usage line, and its absence is a usage error.
        public var required: Bool = false
        /// What the shell completes as its value (nil: derived from the name, see `Completion.default`).
        public var completion: Completion?

        public static func flag(_ name: String, short: Character? = nil, _ help: String) -> Option {
            Option(name: name, short: short, valueName: nil, help: help)
        }
        public static func value(_ name: String, short: Character? = nil, _ valueName: String, _ help: String,
                                 repeating: Bool = false, required: Bool = false, completion: Completion? = nil) -> Option {
            Option(name: name, short: short, valueName: valueName, help: help, repeating: repeating, required: required,
                   completion: completion)
        }
    }

    public struct Argument: Sendable {
        public var name: String
        public var help: String
        public var optional: Bool = false
        public var variadic: Bool = false
        /// What the shell completes here (nil: derived from the name, see `Completion.default`).
        public var completion: Completion?

        public static func arg(_ name: String, _ help: String, optional: Bool = false, variadic: Bool = false,
                               completion: Completion? = nil) -> Argument {
            Argument(name: name, help: help, optional: optional, variadic: variadic, completion: completion)
        }
    }

    public var name: String
    public var abstract: String
    public var discussion: String = ""
    public var arguments: [Argument] = []
    public var options: [Option] = []
    public var subcommands: [CommandSpec] = []
    /// Extra help sections, e.g. ("EXIT STATUS", "...").
    public var sections: [(String, String)] = []
    /// Left out of help, the manual and completions (commands the completion scripts call, such as `complete`).
    public var hidden: Bool = false
    public var run: (@Sendable (Invocation) throws -> Int32)?

    public init(name: String, abstract: String, discussion: String = "", arguments: [Argument] = [],
                options: [Option] = [], subcommands: [CommandSpec] = [], sections: [(String, String)] = [],
                hidden: Bool = false, run: (@Sendable (Invocation) throws -> Int32)? = nil) {
        self.name = name; self.abstract = abstract; self.discussion = discussion; self.arguments = arguments
        self.options = options; self.subcommands = subcommands; self.sections = sections; self.hidden = hidden; self.run = run
    }

    /// The subcommands help, the manual and completions show.
    public var visibleSubcommands: [CommandSpec] { subcommands.filter { !$0.hidden } }
}

/// The options and arguments a command was called with, and where to write.
public struct Invocation {
    public var path: [String]                 // e.g. ["baton", "ticket", "open"]
    public var spec: CommandSpec
    public var values: [String: [String]]     // option name → values
    public var flags: Set<String>
    public var arguments: [String]
    public var context: CLIContext

    public func value(_ name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    public func flag(_ name: String) -> Bool { flags.contains(name) }
    public var out: Output { context.out }
    public var err: Output { context.err }

    /// The store path: `--db`, else `$BATON_DB`, else `./baton.db`.
    public var databasePath: String {
        context.globalDatabase ?? context.environment["BATON_DB"] ?? "baton.db"
    }

    /// A usage error for this command (exit 64).
    public func usageError(_ message: String) -> UsageError {
        UsageError(message: message, usage: HelpFormatter.usageLine(spec, path: path))
    }

    public func required(_ name: String) throws -> String {
        guard let v = value(name) else { throw usageError("missing --\(name)") }
        return v
    }
}

/// A usage error: printed as `Error: …` and the usage line on stderr; exit 64.
public struct UsageError: Error, CustomStringConvertible {
    public var message: String
    public var usage: String
    public var description: String { message }
}

/// A failure with its own exit code (e.g. "new alerts" for cron).
public struct ExitCode: Error {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
}
