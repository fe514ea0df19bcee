import BatonCore
import Foundation
import Orchestration
import SQLite

/// The `baton` command line as a library: `main` parses, dispatches and maps errors to exit codes
/// (0 success, 1 failure, 64 usage), so tests can run it in-process with captured output.
public enum BatonCLI {
    public static let version = "0.1.0"

    /// Runs `baton` with `arguments` (without the program name), writing to the process's stdout and stderr.
    public static func main(_ arguments: [String]) -> Int32 {
        let out = Output(handle: FileHandle.standardOutput)
        let err = Output(handle: FileHandle.standardError, autoFlush: true)
        defer { out.flush(); err.flush() }
        let context = CLIContext(out: out, err: err, stderrIsTerminal: isatty(2) == 1)
        return run(arguments, context: context)
    }

    /// Runs `baton` in-process with the given context.
    public static func run(_ arguments: [String], context: CLIContext) -> Int32 {
        var context = context
        var args: [String] = []
        var i = 0
        var globalError: String?
        // Global options may stand anywhere before `--`.
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { args.append(contentsOf: arguments[i...]); break }
            if a == "--db" || a.hasPrefix("--db=") {
                let value = a == "--db" ? (i + 1 < arguments.count ? arguments[i + 1] : nil) : String(a.dropFirst(5))
                i += a == "--db" ? 2 : 1
                guard let value else { globalError = globalError ?? "--db needs a value (a path to the store)"; continue }
                // A single-valued option, like every other: which of two stores was meant is nobody's guess.
                if context.globalDatabase != nil { globalError = globalError ?? "--db given more than once" }
                context.globalDatabase = context.globalDatabase ?? value
                continue
            }
            args.append(a)
            i += 1
        }
        let root = Commands.root
        if let globalError { return fail(UsageError(message: globalError, usage: HelpFormatter.usageLine(root, path: ["baton"])), context) }
        do {
            return try dispatch(args, spec: root, path: ["baton"], context: context)
        } catch {
            return fail(error, context)
        }
    }

    /// Prints an error as one sentence (`ErrorText`: never a raw Foundation or Codable dump), made safe for a
    /// terminal (it may quote input), and returns the exit code.
    static func fail(_ error: Error, _ context: CLIContext) -> Int32 {
        func say(_ text: String) { context.err.line(TerminalText.safe(text, keepNewlines: true)) }
        switch error {
        case let e as UsageError:
            say("Error: \(e.message)")
            say(e.usage)
            return 64
        case let e as ExitCode:
            return e.code
        case let e as SQLiteError:
            say("Error: \(e.isBusy ? "the store is busy (another baton is writing); try again: " : "")\(e.message)")
            return 1
        default:
            say("Error: \(ErrorText.message(error))")
            return 1
        }
    }

    static func dispatch(_ args: [String], spec: CommandSpec, path: [String], context: CLIContext) throws -> Int32 {
        if let first = args.first, !spec.subcommands.isEmpty {
            if first == "help" {
                var target = spec, targetPath = path
                for name in args.dropFirst() {
                    guard let sub = target.subcommands.first(where: { $0.name == name }) else {
                        throw UsageError(message: "no command '\(name)' under '\(targetPath.joined(separator: " "))'\(Suggest.didYouMean(name, in: target.subcommands.map(\.name)))",
                                         usage: HelpFormatter.usageLine(target, path: targetPath))
                    }
                    target = sub
                    targetPath.append(name)
                }
                context.out.write(HelpFormatter.help(target, path: targetPath))
                return 0
            }
            if first == "--version" && path.count == 1 { context.out.line("baton \(version)"); return 0 }
            if !first.hasPrefix("-") {
                guard let sub = spec.subcommands.first(where: { $0.name == first }) else {
                    if spec.run == nil {
                        throw UsageError(message: "unknown command '\(first)'\(Suggest.didYouMean(first, in: spec.subcommands.map(\.name)))",
                                         usage: HelpFormatter.usageLine(spec, path: path))
                    }
                    return try invoke(args, spec: spec, path: path, context: context)
                }
                return try dispatch(Array(args.dropFirst()), spec: sub, path: path + [first], context: context)
            }
        }
        if spec.run == nil {
            if args.isEmpty || args.contains("-h") || args.contains("--help") {
                context.out.write(HelpFormatter.help(spec, path: path))
                return 0
            }
            if let option = args.first, option.hasPrefix("-") {
                let known = HelpFormatter.globalOptions(root: path.count == 1)
                throw UsageError(message: "unknown option '\(option)'\(ArgumentParsing.hint(option, options: known))",
                                 usage: HelpFormatter.usageLine(spec, path: path))
            }
            throw UsageError(message: "'\(path.joined(separator: " "))' needs a subcommand", usage: HelpFormatter.usageLine(spec, path: path))
        }
        return try invoke(args, spec: spec, path: path, context: context)
    }

    static func invoke(_ args: [String], spec: CommandSpec, path: [String], context: CLIContext) throws -> Int32 {
        if args.contains("-h") || args.contains("--help") {
            context.out.write(HelpFormatter.help(spec, path: path))
            return 0
        }
        let parsed = try ArgumentParsing.parse(args, spec: spec, usage: HelpFormatter.usageLine(spec, path: path))
        let invocation = Invocation(path: path, spec: spec, values: parsed.values, flags: parsed.flags,
                                    arguments: parsed.positionals, context: context)
        return try spec.run!(invocation)
    }
}
