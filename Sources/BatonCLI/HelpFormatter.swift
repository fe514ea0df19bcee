/// Renders OVERVIEW / USAGE / ARGUMENTS / OPTIONS / SUBCOMMANDS help from a `CommandSpec`.
public enum HelpFormatter {
    /// The options every command takes; `root`: `baton` itself, which also takes `--version`.
    static func globalOptions(root: Bool) -> [CommandSpec.Option] {
        [.value("db", "PATH", "The store (default: $BATON_DB, else ./baton.db)."),
         .flag("help", short: "h", "Show help information.")]
            + (root ? [.flag("version", "Show the version.")] : [])
    }

    public static func usageLine(_ spec: CommandSpec, path: [String]) -> String {
        var parts = ["Usage:", path.joined(separator: " ")]
        if !spec.subcommands.isEmpty && spec.run == nil {
            parts.append("<subcommand>")
        }
        for o in spec.options {
            var text = "--\(o.name)" + (o.valueName.map { " <\($0)>" } ?? "")
            if o.repeating { text += " ..." }
            parts.append(o.required ? text : "[\(text)]")
        }
        for a in spec.arguments {
            var text = "<\(a.name)>" + (a.variadic ? " ..." : "")
            if a.optional { text = "[\(text)]" }
            parts.append(text)
        }
        return parts.joined(separator: " ")
    }

    public static func help(_ spec: CommandSpec, path: [String]) -> String {
        var out = "OVERVIEW: \(spec.abstract)\n"
        if !spec.discussion.isEmpty { out += "\n" + spec.discussion.trimmingCharacters(in: .newlines) + "\n" }
        out += "\nUSAGE: " + usageLine(spec, path: path).dropFirst("Usage: ".count) + "\n"
        if !spec.arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for a in spec.arguments { out += row("<\(a.name)>", a.help) }
        }
        out += "\nOPTIONS:\n"
        for o in spec.options + globalOptions(root: path.count == 1) {
            var name = (o.short.map { "-\($0), " } ?? "") + "--\(o.name)"
            if let v = o.valueName { name += " <\(v)>" }
            out += row(name, o.help + (o.repeating ? " (repeatable)" : ""))
        }
        if !spec.subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            for s in spec.visibleSubcommands { out += row(s.name, s.abstract) }
            out += "\n  See '\(path.joined(separator: " ")) help <subcommand>' for detailed help.\n"
        }
        for (title, body) in spec.sections {
            out += "\n\(title):\n"
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) { out += "  \(line)\n" }
        }
        return out
    }

    private static func row(_ name: String, _ help: String) -> String {
        let width = 26
        let lines = wrap(help, width: 78 - width)
        if name.count + 2 >= width {
            return "  \(name)\n" + lines.map { String(repeating: " ", count: width) + $0 + "\n" }.joined()
        }
        var out = "  " + name + String(repeating: " ", count: width - 2 - name.count) + (lines.first ?? "") + "\n"
        for l in lines.dropFirst() { out += String(repeating: " ", count: width) + l + "\n" }
        return out
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty { current = String(word) }
            else if current.count + 1 + word.count > width { lines.append(current); current = String(word) }
            else { current += " " + word }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }
}
