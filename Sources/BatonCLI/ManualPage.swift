import Foundation

/// `baton manual`: the man page, baton(1), in roff (`man(7)` macros) generated from the same command specs as
/// `baton help`, so the installed page says what the help says.
enum ManualPage {
    static func generate(_ root: CommandSpec, version: String) -> String {
        var out = ".TH BATON 1 \"\" \"baton \(version)\" \"User Commands\"\n"
        out += ".SH NAME\nbaton \\- \(text(root.abstract))\n"
        out += ".SH SYNOPSIS\n.B baton\n[\\fB\\-\\-db\\fR \\fIPATH\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]\n"
        out += ".SH DESCRIPTION\n\(paragraphs(root.discussion))"
        out += "Every command takes \\fB\\-h\\fR, \\fB\\-\\-help\\fR; \\fBbaton help\\fR \\fIcommand\\fR prints the same text as this page.\n"
        out += ".SH OPTIONS\n" + options(HelpFormatter.globalOptions(root: true))
        out += ".SH COMMANDS\n"
        for path in CommandPath.all(root).dropFirst() { out += command(path) }
        for (title, body) in root.sections { out += ".SH \(text(title))\n\(paragraphs(body))" }
        out += ".SH FILES\n\(paragraphs(ReportCommands.lookupHelp))"
        out += ".SH SEE ALSO\n\\fBsqlite3\\fR(1), \\fBcrontab\\fR(5)\n"
        return out
    }

    private static func command(_ path: CommandPath) -> String {
        let spec = path.spec
        var out = ".SS \"\(text(path.text))\"\n\(text(spec.abstract))\n"
        if spec.run != nil || spec.subcommands.isEmpty {
            out += ".PP\n.nf\n\\fB\(text(HelpFormatter.usageLine(spec, path: path.words).dropFirst("Usage: ".count)))\\fR\n.fi\n"
        }
        if !spec.discussion.isEmpty { out += ".PP\n" + paragraphs(spec.discussion) }
        for a in spec.arguments { out += ".TP\n\\fI<\(text(a.name))>\\fR\n\(text(a.help))\n" }
        out += options(spec.options)
        for (title, body) in spec.sections { out += ".PP\n\\fB\(text(title))\\fR\n.br\n" + paragraphs(body) }
        return out
    }

    private static func options(_ options: [CommandSpec.Option]) -> String {
        options.map { o in
            var name = (o.short.map { "\\fB\\-\($0)\\fR, " } ?? "") + "\\fB\\-\\-\(text(o.name))\\fR"
            if let v = o.valueName { name += " \\fI\(text(v))\\fR" }
            return ".TP\n\(name)\n\(text(o.help))\(o.repeating ? " (repeatable)" : "")\n"
        }.joined()
    }

    /// Lines as roff text lines, a blank line starting a new paragraph.
    private static func paragraphs(_ body: String) -> String {
        body.trimmingCharacters(in: .newlines).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).isEmpty ? ".PP\n" : text(String($0)) + "\n" }.joined()
    }

    /// Text safe in roff: backslashes as `\e`, hyphens as `\-` (copied as ASCII hyphens), other characters than ASCII
    /// as `\[uXXXX]` (troff reads its input as Latin-1 unless preconv runs), and a line that would start with a control
    /// character (`.` or `'`) guarded by `\&`.
    static func text<S: StringProtocol>(_ s: S) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where c.isASCII: out.unicodeScalars.append(c)
            default: out += "\\[u" + String(format: "%04X", c.value) + "]"
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }
}
