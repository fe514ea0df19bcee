import BatonCore
import Foundation
import Orchestration
import Rendering
import Reporting
import SQLite

/// `baton query` (run any `queries/*.sql`, the user's own included) and `baton report` (run a
/// `reports/*.json` definition and write one folder per run).
enum ReportCommands {
    /// Renderers by format name (`--format`, a definition's `formats`, the scheduler).
    static let renderers: [String: @Sendable () -> any ReportRenderer] = [
        "csv": { ReportCSV() },
        "html": { HTMLReportRenderer() },
        "xlsx": { XLSXReportRenderer() },
    ]

    static let lookupHelp = """
    Queries are looked up in ./queries, then $BATON_QUERIES, then PREFIX/share/baton/queries for a baton installed as \
    PREFIX/bin/baton, then queries/ beside the binary, then the checkout of a binary built there (.build/); reports \
    likewise in ./reports, $BATON_REPORTS, PREFIX/share/baton/reports and so on. The binary is found through \
    /proc/self/exe, so a copy run from PATH finds the files installed with it. A path (with '/' or the extension) is \
    read as given. 'baton version' prints the folders in use.
    """

    static let query = CommandSpec(
        name: "query",
        abstract: "Run a query (queries/NAME.sql or a .sql file of your own) and print its rows.",
        discussion: """
        Queries are plain SQLite with :named parameters and the aggregates percentile(x, p), median(x), mean(x) and stdev(x).
        Parameters, last wins: the file's '-- param :name = value' defaults, then --param, --from, --to and --as-of.
        Values read as integers, reals, ISO 8601 instants (bound as Unix seconds) or text.
        :as_of defaults to now. Columns named *_at holding Unix seconds print as ISO 8601 UTC.
        With no NAME, lists the queries found.
        Example: baton query stalled --param stall_default_hours=48 --as-of 2026-11-23T00:00:00Z
        """,
        arguments: [.arg("query", "A query name (e.g. stalled) or a path to a .sql file.", optional: true)],
        options: [
            .value("param", "KEY=VALUE", "A parameter value.", repeating: true),
            .value("from", "TIME", "Sets :from (ISO 8601)."),
            .value("to", "TIME", "Sets :to (ISO 8601)."),
            .value("as-of", "TIME", "Sets :as_of: the query sees only events at or before it (default: now)."),
            RowFormat.option,
        ],
        sections: [("LOOKUP", lookupHelp)],
        run: { inv in
            let format = try RowFormat.from(inv)
            let cwd = inv.context.workingDirectory, env = inv.context.environment
            guard let name = inv.arguments.first else {
                guard let folder = ResourceDirectory.find(.queries, workingDirectory: cwd, environment: env) else {
                    throw ReportingError("no queries/ folder found (looked in ./queries, $BATON_QUERIES, PREFIX/share/baton/queries and next to the baton executable)")
                }
                let rows: [[SQLValue]] = try ResourceDirectory.names(in: folder, fileExtension: "sql").map { n in
                    let q = try QueryFile.load(folder.appendingPathComponent(n + ".sql"))
                    return [.text(n), .text(q.description.split(separator: "\n").first.map(String.init) ?? "")]
                }
                RowPrinter.print(columns: ["query", "description"], rows: rows, format: format, to: inv.out)
                return 0
            }
            let queryFile = try QueryFile.named(name, workingDirectory: cwd, environment: env)
            let pairs = try CommandSupport.pairs(inv, "param")
            let store = try CommandSupport.store(inv)
            var parameters = try checkedParameters(inv, pairs, for: [queryFile], on: store)
            let window = try windowOptions(inv, parameters)
            parameters["as_of"] = .integer(window.asOf ?? Instant.now())
            if let from = window.from { parameters["from"] = .integer(from) }
            if let to = window.to { parameters["to"] = .integer(to) }
            if let unit = queryFile.series, let from = parameters["from"]?.int, let to = parameters["to"]?.int,
               let asOf = parameters["as_of"]?.int, let note = try DataSpan.of(store.db, asOf: asOf).note(unit, from: from, to: to, asOf: asOf) {
                inv.err.line("Note: \(queryFile.name): \(note).")
            }
            let output = try QueryRunner.run(queryFile, on: store.db, parameters: parameters)
            let instantColumns = Set(output.columns.indices.filter { output.columns[$0].hasSuffix("_at") || output.columns[$0] == "at" })
            let rows = output.rows.map { row in
                row.enumerated().map { i, v -> SQLValue in
                    if instantColumns.contains(i), case .integer(let t) = v { return .text(Instant.iso(t)) }
                    return v
                }
            }
            RowPrinter.print(columns: output.columns, rows: rows, format: format, to: inv.out)
            return 0
        })

    static let whatIfHelp = """
        --target and --calendar recompute the report as if those targets and calendars had always applied (the \
        store is not written), then print, week by week, step runs with a target and their attainment, and the \
        stalled and at-risk runs at each week's end: with the store's settings and with the what-if, side by side.
        Example: baton report weekly --target onboarding/it-access=6h --calendar it=berlin-office
        """

    static let report = CommandSpec(
        name: "report",
        abstract: "Run a report (reports/NAME.json or a file) and write its folder: a CSV per section, HTML, XLSX.",
        discussion: """
        Writes OUT/NAME-LABEL/ (e.g. out/weekly-2026-W47/) through a temporary folder renamed when complete; \
        an existing report is never overwritten (the new one gets a -2, -3, … suffix). Prints the folder.
        With no --from/--to the report's period rule applies (e.g. the previous 12 complete ISO weeks before \
        --as-of, else before now); with one of them, the rule's length. --as-of defaults to --to.
        Counts and percentiles cover items completed in [from, to); stalled steps and load are as of --as-of.
        Example: baton report weekly --from 2026-09-07 --to 2026-11-30 --format csv --out out
        """,
        arguments: [.arg("report", "A report name (weekly, team-load, automation-readiness) or a path to a .json file.")],
        options: [
            .value("from", "TIME", "Start of the window (inclusive), ISO 8601."),
            .value("to", "TIME", "End of the window (exclusive), ISO 8601."),
            .value("as-of", "TIME", "Only events at or before this instant count (default: --to)."),
            .value("format", "FORMATS", "Comma-separated: csv, html, xlsx (default: the report's formats)."),
            .value("out", "DIR", "Where the report folder goes (default: ./out)."),
            .value("param", "KEY=VALUE", "Override a parameter, e.g. stall_default_hours=48.", repeating: true),
            .value("target", "SERVICE/STEP=DURATION", "What-if: this target, as if it had always applied (e.g. onboarding/it-access=6h).", repeating: true),
            .value("calendar", "TEAM=KEY", "What-if: this calendar for a team (or SERVICE/STEP=KEY for a step), as if always.", repeating: true),
        ],
        sections: [("LOOKUP", lookupHelp), ("WHAT-IF", whatIfHelp)],
        run: { inv in
            let cwd = inv.context.workingDirectory, env = inv.context.environment
            let pairs = try CommandSupport.pairs(inv, "param")
            let definition = try ReportDefinition.named(inv.arguments[0], workingDirectory: cwd, environment: env)

            var chosen: [any ReportRenderer] = []
            if let list = inv.value("format") {
                for f in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !f.isEmpty {
                    guard ReportDefinition.knownFormats.contains(f) else {
                        throw inv.usageError("--format '\(f)' is not a format; use csv, html, xlsx (comma-separated)")
                    }
                    guard let make = renderers[f] else {
                        throw ReportingError("the \(f) format is not available yet in this build (available: \(renderers.keys.sorted().joined(separator: ", ")))")
                    }
                    chosen.append(make())
                }
                if chosen.isEmpty { throw inv.usageError("--format needs at least one of csv, html, xlsx") }
            } else {
                for f in definition.formats {
                    if let make = renderers[f] { chosen.append(make()) }
                    else { inv.err.line("Warning: the \(f) format is not available yet in this build; skipped") }
                }
                if chosen.isEmpty { chosen.append(ReportCSV()) }
            }

            let store = try CommandSupport.store(inv)
            let whatIf = try ServiceLevelWhatIf.parse(targets: try CommandSupport.pairList(inv, "target"),
                                                      calendars: try CommandSupport.pairList(inv, "calendar"), store: store)
            var engine = ReportEngine(store: store, workingDirectory: cwd, environment: env)
            if whatIf.isEmpty { engine.secondConnection = CommandSupport.secondConnection(to: store) }
            var parameters = try checkedParameters(inv, pairs, for: try engine.queries(for: definition), on: store)
            // --param from/to/as_of mean what --from/--to/--as-of mean, as in 'baton query'.
            let given = try windowOptions(inv, parameters)
            for key in ["from", "to", "as_of"] { parameters[key] = nil }
            let window = try ReportEngine.window(for: definition, from: given.from, to: given.to, asOf: given.asOf)
            if !whatIf.isEmpty { try whatIf.apply(to: store) }
            var result = try engine.run(definition: definition, from: window.from, to: window.to, asOf: window.asOf,
                                        parameters: parameters)
            for (term, text) in result.definitions where term == "Series span" { inv.err.line("Note: \(text).") }
            if !whatIf.isEmpty { result.definitions.insert(("What-if", whatIf.summary), at: 0) }
            let out = URL(fileURLWithPath: inv.value("out") ?? "out", relativeTo: URL(fileURLWithPath: cwd)).standardizedFileURL
            let folder = try ReportWriter.write(result, renderers: chosen, outputDirectory: out)
            inv.out.line(folder.path)
            if !whatIf.isEmpty {
                var values = definition.parameters
                values.merge(parameters) { $1 }
                let replay = try whatIf.replay(store: store, from: window.from, to: window.to, asOf: window.asOf, parameters: values,
                                               workingDirectory: cwd, environment: env)
                inv.out.line("")
                inv.out.line(whatIf.summary)
                RowPrinter.print(columns: replay.columns, rows: replay.rows, format: .table, to: inv.out)
            }
            return 0
        })

    /// `--param` values checked against the queries that will run (unknown names with "did you mean", values of the
    /// type of their defaults): a usage error (exit 64) naming the parameter.
    static func checkedParameters(_ inv: Invocation, _ pairs: [String: String], for queries: [QueryFile],
                                  on store: OrchestrationStore) throws -> [String: SQLValue] {
        do {
            return try QueryRunner.parameters(pairs, for: queries, on: store.db)
        } catch let e as ReportingError where e.message.hasPrefix("--param") {
            throw inv.usageError(e.message)
        }
    }

    /// The window options, where `--param from=…` (`to`, `as_of`) is the same as `--from`; both with different
    /// values is a usage error.
    static func windowOptions(_ inv: Invocation, _ parameters: [String: SQLValue]) throws -> (from: Int64?, to: Int64?, asOf: Int64?) {
        func one(_ option: String, _ key: String) throws -> Int64? {
            let fromOption = try CommandSupport.instant(inv, option)
            let fromParameter = parameters[key]?.int
            if let a = fromOption, let b = fromParameter, a != b {
                throw inv.usageError("--\(option) \(Instant.iso(a)) and --param \(key)=\(Instant.iso(b)) disagree; give one")
            }
            return fromOption ?? fromParameter
        }
        return (try one("from", "from"), try one("to", "to"), try one("as-of", "as_of"))
    }
}
