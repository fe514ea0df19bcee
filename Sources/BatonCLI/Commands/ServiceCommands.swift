import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

enum ServiceCommands {
    static let group = CommandSpec(
        name: "service",
        abstract: "Define services: their intake form and ordered steps, each owned by a team.",
        subcommands: [apply, list, show, draft])

    static let apply = CommandSpec(
        name: "apply",
        abstract: "Validate service definitions (JSON) and store each one that changed as a new version.",
        discussion: """
        Open tickets keep the version they were opened with. Unknown fields are refused ("did you mean"). A step
        team the store does not know yet is created; when it is one letter away from a team another definition, log
        or team file knows ("facilties" beside "facilities"), or when a team roster is declared ('baton team apply')
        and it is not on it, a warning on standard error names the file and field (the definition is still applied).
        Example: baton service apply samples/services/*.json
        """,
        arguments: [.arg("files", "Service definition files (JSON).", variadic: true)],
        run: { inv in
            try CommandSupport.applyFiles(inv, load: ServiceDefinition.load(path:), check: { store, files in
                for (file, definition) in files {
                    for (i, step) in definition.steps.enumerated() {
                        try store.requireCalendar(step.calendar, file: file, field: "steps[\(i)].calendar")
                    }
                }
                for warning in try store.teamWarnings(for: files) { inv.err.line("Warning: \(warning)") }
            }) { store, file, definition in
                CommandSupport.applied(definition.key, try store.apply(definition), from: file)
            }
        })

    static let list = CommandSpec(
        name: "list",
        abstract: "List services (latest versions) with their ticket counts.",
        options: [RowFormat.option],
        run: { inv in try CommandSupport.printRows(inv) { try CommandSupport.store(inv).serviceList() } })

    static let show = CommandSpec(
        name: "show",
        abstract: "Show a service's steps, teams, targets and intake form.",
        arguments: [.arg("key", "The service key.")],
        options: [.value("version", "N", "A stored version (default: the latest)."), RowFormat.option],
        run: { inv in
            let format = try RowFormat.from(inv)
            let store = try CommandSupport.store(inv)
            let key = inv.arguments[0]
            let version = try inv.value("version").map { v -> Int in
                guard let n = Int(v) else { throw inv.usageError("--version must be a number") }
                return n
            }
            guard let service = try store.service(key, version: version) else {
                throw ActionRefused("no service '\(key)'\(version.map { " version \($0)" } ?? "")\(Suggest.didYouMean(key, in: try store.serviceKeys()))")
            }
            let d = service.definition
            if format == .table {
                inv.out.line("\(d.name) (\(d.key), version \(service.version), \(service.enforceOrder ? "enforced order" : "flexible order"), from \(service.origin))")
                if !d.intake.isEmpty {
                    inv.out.line("Intake: " + d.intake.map { "\($0.key) (\($0.type.rawValue)\($0.required ? ", required" : ""))" }.joined(separator: ", "))
                }
                inv.out.line()
            }
            let rows: [[SQLValue]] = d.steps.enumerated().map { i, s in
                [.integer(Int64(i + 1)), .text(s.key), .text(s.name), s.team.map(SQLValue.text) ?? .null, .text(s.kind.rawValue),
                 s.target.map(SQLValue.text) ?? .null, .text((s.tasks ?? []).joined(separator: "; "))]
            }
            RowPrinter.print(columns: ["position", "step", "name", "team", "kind", "target", "tasks"], rows: rows, format: format, to: inv.out)
            return 0
        })

    static let draft = CommandSpec(
        name: "draft",
        abstract: "Draft a service definition from the service's history, to review and apply.",
        discussion: """
        Over the service's tickets closed in [--from, --to) (default: all of them), writes a definition: the steps
        they did in their dominant order, each step's modal team, a target from the p85 of its working time in step
        (rounded up), enforce_order when at least 95 % of them did their steps in that order, and notes on each step
        with the numbers (steps left out of more than 30 % of the tickets are marked 'Optional:'). Names, kinds,
        checklists, calendars and the intake form come from the service's latest version. Nothing is stored: review
        the file, then 'baton service apply' it. --out is written atomically and never over a file Baton did not
        write (a draft whose notes were edited is yours).
        Example: baton service draft vinst-incident > draft.json
        """,
        arguments: [.arg("service", "The service key.")],
        options: [
            .value("from", "T", "Only tickets closed at or after T (ISO 8601)."),
            .value("to", "T", "Only tickets closed before T."),
            .value("as-of", "T", "See only events at or before T (default: --to, else now)."),
            .value("out", "FILE", "Write to FILE (atomically) instead of standard output; never over a file Baton did not write."),
            OutputGuard.forceOption,
        ],
        run: { inv in
            let from = try CommandSupport.instant(inv, "from") ?? Instant.parse("0001-01-01")!
            let to = try CommandSupport.instant(inv, "to") ?? Instant.parse("9999-01-01")!
            guard from < to else { throw inv.usageError("--from \(Instant.iso(from)) must be before --to \(Instant.iso(to))") }
            let asOf = try CommandSupport.instant(inv, "as-of") ?? (inv.value("to") != nil ? to : Instant.now())
            let out = inv.value("out").map { ImportCommands.path(inv, $0) }
            if let out, let shown = inv.value("out") { try OutputGuard.check(out, shown: shown, force: inv.flag("force")) }
            let store = try CommandSupport.store(inv)
            let cwd = inv.context.workingDirectory, env = inv.context.environment
            let draft = try ServiceDraft.make(store: store, service: inv.arguments[0], window: .init(from: from, to: to, asOf: asOf)) {
                try QueryFile.named($0, workingDirectory: cwd, environment: env)
            }
            if let out {
                try AtomicFile.write(draft.json(), to: out)
                inv.err.line("Drafted \(draft.definition.steps.count) steps of \(draft.definition.key) from \(draft.tickets) tickets into \(inv.value("out")!).")
            } else {
                inv.out.write(draft.json())
            }
            return 0
        })
}
