/// `baton completions zsh`: a `#compdef baton` script in swift-argument-parser's shape: one function per command
/// (`_baton_ticket_open`), each an `_arguments` spec; a command with subcommands describes them in state `command`
/// and hands the rest of the line to the chosen one in state `arg`. Dynamic values come from `baton complete KIND`.
enum ZshCompletionScript {
    static func generate(_ root: CommandSpec) -> String {
        var out = """
        #compdef baton
        # zsh completion for baton: put this file on $fpath as _baton (made by 'baton completions zsh').

        # The words 'baton complete KIND' prints, on the store the line names with --db.
        _baton_dynamic() {
            local -a db items
            local i=${_baton_words[(I)--db]}
            (( i )) && db=(--db ${_baton_words[i + 1]})
            items=(${(f)"$(${_baton_words[1]} $db complete $1 2>/dev/null)"})
            compadd -a items
        }

        """
        for path in CommandPath.all(root) { out += function(path) }
        out += """
        _baton_words=($words)
        _baton "$@"

        """
        return out
    }

    private static func function(_ path: CommandPath) -> String {
        var specs = path.options.map(optionSpec)
        for a in path.spec.arguments {
            let prefix = a.variadic ? "*" : (a.optional ? ":" : "")
            specs.append(quoted("\(prefix):\(a.name):\(action(a.valueCompletion))"))
        }
        let subcommands = path.spec.visibleSubcommands
        if !subcommands.isEmpty { specs += [quoted("(-): :->command"), quoted("(-)*:: :->arg")] }
        var out = "\(path.words.count == 1 ? "_baton" : "_" + path.identifier)() {\n"
        out += "    integer ret=1\n    local -a args\n    args+=(\n"
        for spec in specs { out += "        \(spec)\n" }
        out += "    )\n    _arguments -w -s -S $args[@] && ret=0\n"
        if !subcommands.isEmpty {
            out += "    case $state in\n        (command)\n            local -a subcommands\n            subcommands=(\n"
            for s in subcommands { out += "                \(quoted("\(s.name):\(describe(s.abstract))"))\n" }
            out += "            )\n            _describe subcommand subcommands\n            ;;\n        (arg)\n"
            out += "            case ${words[1]} in\n"
            for s in subcommands { out += "                (\(s.name)) _\(path.identifier)_\(s.name.replacingOccurrences(of: "-", with: "_")) ;;\n" }
            out += "            esac\n            ;;\n    esac\n"
        }
        return out + "    return ret\n}\n\n"
    }

    /// `'*--team[Only this team…]:KEY:{_baton_dynamic teams}'`, with `(-o --out)` exclusions for a short name.
    private static func optionSpec(_ o: CommandSpec.Option) -> String {
        let many = o.repeating ? "*" : ""
        let help = "[\(describe(o.help))]"
        let value = o.valueCompletion.map { ":\(o.valueName ?? ""):\(action($0))" } ?? ""
        guard let short = o.short else { return quoted("\(many)--\(o.name)\(help)\(value)") }
        let exclusion = o.repeating ? "" : "(-\(short) --\(o.name))"
        return quoted("\(exclusion)\(many)") + "{-\(short),--\(o.name)}" + quoted(help + value)
    }

    private static func action(_ kind: Completion) -> String {
        switch kind {
        case .none: return " "
        case .file: return "_files"
        case .directory: return "_files -/"
        case .values(let values): return "(\(values.joined(separator: " ")))"
        case .dynamic(let what): return "{_baton_dynamic \(what)}"
        }
    }

    /// Help text inside `[…]` or after `name:`: its first sentence, with the characters `_arguments` reads escaped.
    static func describe(_ text: String) -> String {
        let sentence = text.split(separator: ". ", maxSplits: 1).first.map(String.init) ?? text
        var out = ""
        for c in sentence {
            if "[]:\\".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func quoted(_ s: String) -> String { BashCompletionScript.quoted(s) }
}
