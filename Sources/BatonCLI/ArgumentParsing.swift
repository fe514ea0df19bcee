import BatonCore

/// Reads a leaf command's arguments against its spec: options (`--name value`, `--name=value`, `-x value`, `-xvalue`),
/// flags and positionals, refusing unknown options (with "did you mean"), a single-valued option given twice, a
/// missing required option and missing or extra positionals — each a usage error (exit 64).
enum ArgumentParsing {
    struct Parsed {
        var values: [String: [String]] = [:]
        var flags = Set<String>()
        var positionals: [String] = []
    }

    static func parse(_ args: [String], spec: CommandSpec, usage: String) throws -> Parsed {
        var parsed = Parsed()
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositionals || !a.hasPrefix("-") || a == "-" || (a.count > 1 && a.dropFirst().first!.isNumber) {
                parsed.positionals.append(a)
                continue
            }
            if a == "--" { onlyPositionals = true; continue }
            let (option, inline) = try lookUp(a, spec: spec, usage: usage)
            let name = option.name
            if option.valueName == nil {
                if inline != nil { throw UsageError(message: "--\(name) takes no value", usage: usage) }
                parsed.flags.insert(name)
                continue
            }
            let value: String
            if let inline { value = inline } else {
                guard i < args.count else { throw UsageError(message: "--\(name) needs a value (<\(option.valueName!)>)", usage: usage) }
                value = args[i]
                i += 1
            }
            if !option.repeating, parsed.values[name] != nil {
                throw UsageError(message: "--\(name) given more than once", usage: usage)
            }
            parsed.values[name, default: []].append(value)
        }
        try check(parsed, spec: spec, usage: usage)
        return parsed
    }

    /// The option a word names, and its inline value (`--name=value`, `-xvalue`).
    private static func lookUp(_ word: String, spec: CommandSpec, usage: String) throws -> (CommandSpec.Option, String?) {
        var name: String
        var inline: String?
        if word.hasPrefix("--") {
            name = String(word.dropFirst(2))
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
        } else {
            let c = word.dropFirst().first!
            guard let o = spec.options.first(where: { $0.short == c }) else {
                throw UsageError(message: "unknown option '\(word)'\(hint(word, options: spec.options))", usage: usage)
            }
            name = o.name
            if word.count > 2 { inline = String(word.dropFirst(2)) }
        }
        guard let option = spec.options.first(where: { $0.name == name }) else {
            throw UsageError(message: "unknown option '--\(name)'\(hint(word, options: spec.options))", usage: usage)
        }
        return (option, inline)
    }

    /// Positionals present, no positional too many, required options present.
    private static func check(_ parsed: Parsed, spec: CommandSpec, usage: String) throws {
        let required = spec.arguments.filter { !$0.optional }
        if parsed.positionals.count < required.count {
            throw UsageError(message: "missing <\(required[parsed.positionals.count].name)>", usage: usage)
        }
        if !(spec.arguments.last?.variadic ?? false), parsed.positionals.count > spec.arguments.count {
            throw UsageError(message: "unexpected argument '\(parsed.positionals[spec.arguments.count])'", usage: usage)
        }
        if let missing = spec.options.first(where: { $0.required && parsed.values[$0.name] == nil }) {
            throw UsageError(message: "missing --\(missing.name) <\(missing.valueName ?? "")>", usage: usage)
        }
    }

    /// `"; did you mean '--x'?"` for an unknown option word, or the empty string: a long name by edit distance; a
    /// short one (`-v`) by the one long option it begins (`--version`).
    static func hint(_ word: String, options: [CommandSpec.Option]) -> String {
        let names = options.map(\.name)
        let guess: String?
        if word.hasPrefix("--") {
            let name = String(word.dropFirst(2).prefix { $0 != "=" })
            guess = Suggest.closest(name, in: names)
        } else {
            let letter = word.dropFirst().prefix(1)
            let starting = names.filter { $0.hasPrefix(letter) }
            guess = starting.count == 1 ? starting[0] : nil
        }
        return guess.map { "; did you mean '--\($0)'?" } ?? ""
    }
}
