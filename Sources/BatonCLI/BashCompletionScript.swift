/// `baton completions bash`: a script generated from the command tree, in swift-argument-parser's shape (a `_baton`
/// function registered with `complete -F`). It walks the words typed so far to find the command, skipping option
/// values, then offers that command's subcommands and options, an option's values, or the argument at that position.
/// Service keys, team keys and the like come from `baton complete KIND` at completion time, on the store the line
/// names with `--db` (else `$BATON_DB`).
enum BashCompletionScript {
    static func generate(_ root: CommandSpec) -> String {
        let paths = CommandPath.all(root)
        return prelude + specCases(paths) + afterSpecs + valueCases(paths) + afterValues + argumentCases(paths) + main
    }

    /// `'PATH') subs=…; opts=…; valued=… ;;` for each command.
    private static func specCases(_ paths: [CommandPath]) -> String {
        var out = ""
        for p in paths {
            let subs = p.spec.visibleSubcommands.map(\.name).joined(separator: " ")
            let opts = p.options.flatMap { o in (o.short.map { ["-\($0)"] } ?? []) + ["--\(o.name)"] }.joined(separator: " ")
            let valued = p.options.filter { $0.valueName != nil }
                .flatMap { o in (o.short.map { ["-\($0)"] } ?? []) + ["--\(o.name)"] }.joined(separator: " ")
            out += "        \(quoted(p.text))) subs=\(quoted(subs)); opts=\(quoted(opts)); valued=\(quoted(valued)) ;;\n"
        }
        return out
    }

    /// `'PATH --option'|'PATH -o') _baton_offer … ;;` for each option that takes a value with something to offer.
    private static func valueCases(_ paths: [CommandPath]) -> String {
        var out = ""
        for p in paths {
            for o in p.options {
                guard let kind = o.valueCompletion, kind != .none else { continue }
                let names = ([o.name].map { "--\($0)" } + (o.short.map { ["-\($0)"] } ?? [])).map { quoted(p.text + " " + $0) }
                out += "        \(names.joined(separator: "|"))) _baton_offer \"$1\" \(words(kind)) ;;\n"
            }
        }
        return out
    }

    /// The helpers, up to the cases of `_baton_spec`.
    private static let prelude = """
        # bash completion for baton: source this file, or install it as
        # /usr/share/bash-completion/completions/baton (made by 'baton completions bash').

        # The words 'baton complete KIND' prints, on the store the line names with --db.
        _baton_dynamic() {
            local i db=()
            for ((i = 1; i < COMP_CWORD; i++)); do
                [[ ${COMP_WORDS[i]} == --db ]] && db=(--db "${COMP_WORDS[i + 1]}")
            done
            "${COMP_WORDS[0]}" "${db[@]}" complete "$1" 2>/dev/null
        }

        # Sets COMPREPLY for a completion kind: file, directory, none, 'values WORD...' or 'dynamic KIND'.
        _baton_offer() {
            local cur=$1 kind=$2
            shift 2
            case $kind in
                file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
                directory) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
                values) mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur") ;;
                dynamic) mapfile -t COMPREPLY < <(compgen -W "$(_baton_dynamic "$1")" -- "$cur") ;;
                *) COMPREPLY=() ;;
            esac
        }

        # The subcommands, options and value-taking options of a command.
        _baton_spec() {
            case $1 in

        """

    /// The end of `_baton_spec`, up to the cases of `_baton_value`.
    private static let afterSpecs = """
                *) subs=''; opts=''; valued='' ;;
            esac
        }

        # COMPREPLY for the value of option $3 of command $2.
        _baton_value() {
            case "$2 $3" in

        """

    /// The end of `_baton_value`, up to the cases of `_baton_argument`.
    private static let afterValues = """
                *) COMPREPLY=() ;;
            esac
        }

        # COMPREPLY for positional argument number $3 (from 1) of command $2.
        _baton_argument() {
            case "$2 $3" in

        """

    /// The end of `_baton_argument`, `_baton` itself and its registration.
    private static let main = """
                *) COMPREPLY=() ;;
            esac
        }

        _baton() {
            local cur=${COMP_WORDS[COMP_CWORD]} path=baton n=0 i w skip=0 subs opts valued
            _baton_spec "$path"
            for ((i = 1; i < COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                if ((skip)); then skip=0; continue; fi
                if [[ " $valued " == *" $w "* ]]; then skip=1; continue; fi
                [[ $w == -* ]] && continue
                if ((n == 0)) && [[ " $subs " == *" $w "* ]]; then path="$path $w"; _baton_spec "$path"; continue; fi
                n=$((n + 1))
            done
            if ((skip)); then _baton_value "$cur" "$path" "${COMP_WORDS[COMP_CWORD - 1]}"; return 0; fi
            if [[ $cur == -* ]]; then mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur"); return 0; fi
            if [[ -n $subs ]] && ((n == 0)); then mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur"); return 0; fi
            _baton_argument "$cur" "$path" $((n + 1))
        }

        complete -F _baton baton

        """

    /// `'PATH N') _baton_offer …` for each positional, in order; a variadic last argument takes every position from
    /// its own on (the earlier positions matched first).
    private static func argumentCases(_ paths: [CommandPath]) -> String {
        var out = ""
        for p in paths where p.spec.arguments.contains(where: { $0.valueCompletion != .none }) {
            for (i, a) in p.spec.arguments.enumerated() {
                let pattern = a.variadic ? quoted(p.text + " ") + "[0-9]*" : quoted("\(p.text) \(i + 1)")
                out += "        \(pattern)) _baton_offer \"$1\" \(words(a.valueCompletion)) ;;\n"
            }
        }
        return out
    }

    /// The arguments of `_baton_offer` for a completion kind.
    static func words(_ kind: Completion) -> String {
        switch kind {
        case .none: return "none"
        case .file: return "file"
        case .directory: return "directory"
        case .values(let values): return "values " + values.map(quoted).joined(separator: " ")
        case .dynamic(let what): return "dynamic \(what)"
        }
    }

    /// Single-quoted for the shell.
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
