/// `baton completions fish`: `complete -c baton` lines generated from the command tree, as swift-argument-parser's
/// fish script does: a helper finds the command the line is in (skipping option values), and each line applies when
/// the line is in its command. Dynamic values come from `baton complete KIND`.
enum FishCompletionScript {
    static func generate(_ root: CommandSpec) -> String {
        let paths = CommandPath.all(root)
        var out = """
        # fish completion for baton: install as ~/.config/fish/completions/baton.fish (made by 'baton completions fish').

        # The command the line is in ("baton ticket open") and, after a tab, the positional arguments before the cursor.
        function __baton_state
            set -l words (commandline -opc)
            set -l path baton
            set -l n 0
            set -l skip 0
            for w in $words[2..-1]
                if test $skip = 1; set skip 0; continue; end
                set -l valued __baton_valued_(string replace -a -r '[^a-z0-9]' _ -- $path)
                if contains -- $w $$valued; set skip 1; continue; end
                if string match -q -- '-*' $w; continue; end
                set -l subs __baton_subs_(string replace -a -r '[^a-z0-9]' _ -- $path)
                if test $n = 0; and contains -- $w $$subs; set path "$path $w"; continue; end
                set n (math $n + 1)
            end
            echo $path
            echo $n
        end

        # Whether the line is in command $argv[1] and, with $argv[2] (N, or N+ for N or later), at positional argument N.
        function __baton_in
            set -l state (__baton_state)
            test "$state[1]" = "$argv[1]"; or return 1
            test (count $argv) -lt 2; and return 0
            set -l n (math $state[2] + 1)
            if string match -q -- '*+' $argv[2]
                test $n -ge (string trim -r -c + -- $argv[2])
            else
                test $n = $argv[2]
            end
        end

        # The words 'baton complete KIND' prints, on the store the line names with --db.
        function __baton_dynamic
            set -l words (commandline -opc)
            set -l db
            set -l i (contains -i -- --db $words); and set db --db $words[(math $i + 1)]
            $words[1] $db complete $argv[1] 2>/dev/null
        end

        complete -c baton -f

        """
        for p in paths {
            let key = p.identifier.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            let subs = p.spec.visibleSubcommands.map(\.name)
            let valued = p.options.filter { $0.valueName != nil }.flatMap { o in ["--\(o.name)"] + (o.short.map { ["-\($0)"] } ?? []) }
            out += "set -g __baton_subs_\(key) \(subs.map(quoted).joined(separator: " "))\n"
            out += "set -g __baton_valued_\(key) \(valued.map(quoted).joined(separator: " "))\n"
            let condition = "-n " + quoted("__baton_in " + quoted(p.text))
            for s in p.spec.visibleSubcommands {
                out += "complete -c baton \(condition) -a \(quoted(s.name)) -d \(quoted(describe(s.abstract)))\n"
            }
            for o in p.options { out += "complete -c baton \(condition) \(optionFlags(o)) -d \(quoted(describe(o.help)))\n" }
            for (i, a) in p.spec.arguments.enumerated() where a.valueCompletion != .none {
                let at = "-n " + quoted("__baton_in " + quoted(p.text) + " \(i + 1)" + (a.variadic ? "+" : ""))
                out += "complete -c baton \(at) \(arguments(a.valueCompletion)) -d \(quoted(describe(a.help)))\n"
            }
        }
        return out
    }

    private static func optionFlags(_ o: CommandSpec.Option) -> String {
        var flags = "-l \(o.name)" + (o.short.map { " -s \($0)" } ?? "")
        if let kind = o.valueCompletion { flags += " -r " + arguments(kind) }
        return flags
    }

    /// What fish offers for a value: `-F` (files), `-a '(__fish_complete_directories)'`, a word list, or the dynamic words.
    private static func arguments(_ kind: Completion) -> String {
        switch kind {
        case .none: return "-f"
        case .file: return "-F"
        case .directory: return "-f -a '(__fish_complete_directories)'"
        case .values(let values): return "-f -a " + quoted(values.joined(separator: " "))
        case .dynamic(let what): return "-f -a " + quoted("(__baton_dynamic \(what))")
        }
    }

    /// The first sentence of a help text.
    private static func describe(_ text: String) -> String {
        text.split(separator: ". ", maxSplits: 1).first.map(String.init) ?? text
    }

    /// Single-quoted for fish (which escapes `\` and `'` inside single quotes with a backslash).
    static func quoted(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
