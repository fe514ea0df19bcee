import BatonCore
import Foundation
import Orchestration
import SQLite

/// Runs a report definition against a store: every section's query with the window, `as_of` and the
/// parameters in force, the headline numbers for this and the previous period, and the definitions.
/// The result is what every renderer draws from.
public struct ReportEngine {
    public let db: Database
    public let workingDirectory: String
    public let environment: [String: String]
    /// Whether a run works out the completed runs once for all its sections (`RunFacts`); off only to check, in
    /// tests, that the sections read the same rows either way.
    var materializesRunFacts = true
    /// Opens a second connection to the store, for the sections that do not read the completed runs: they run on a
    /// second thread at the same snapshot (see `SectionWorker`). Nil: every section on this connection. Set it only
    /// when this connection has the store's own rule registered (not a what-if).
    public var secondConnection: (@Sendable () throws -> OrchestrationStore)?

    public init(db: Database, workingDirectory: String = FileManager.default.currentDirectoryPath,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.db = db
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    public init(store: OrchestrationStore, workingDirectory: String = FileManager.default.currentDirectoryPath,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(db: store.db, workingDirectory: workingDirectory, environment: environment)
    }

    /// The window and as_of of a run: explicit `from`/`to` win; a missing one follows the period rule
    /// (the previous complete units before `asOf`, else before `now`); `as_of` defaults to `to`.
    public static func window(for definition: ReportDefinition, from: Int64?, to: Int64?, asOf: Int64?,
                              now: Int64 = Instant.now()) throws -> (from: Int64, to: Int64, asOf: Int64) {
        let rule = definition.period
        let window: (from: Int64, to: Int64)
        switch (from, to) {
        case let (f?, t?): window = (f, t)
        case let (f?, nil): window = rule.window(startingAt: f)
        case let (nil, t?): window = rule.window(endingAt: t)
        case (nil, nil): window = rule.window(before: asOf ?? now)
        }
        guard window.from < window.to else {
            throw ReportingError("the window is empty: --from \(Instant.iso(window.from)) is not before --to \(Instant.iso(window.to))")
        }
        return (window.from, window.to, asOf ?? window.to)
    }

    /// Runs `definition` for [from, to) as of `asOf`. `parameters` override the definition's values.
    public func run(definition: ReportDefinition, from: Int64, to: Int64, asOf: Int64,
                    parameters overrides: [String: SQLValue] = [:], generatedAt: Int64 = Instant.now()) throws -> ReportResult {
        // One read transaction: every section sees the same snapshot of the store. With a second connection, that
        // snapshot is taken under the store's write lock, so the second one can take the same (see SectionWorker).
        let ownTransaction = !db.isInTransaction
        let hold = ownTransaction ? secondConnection.flatMap { SectionWorker.Hold($0) } : nil
        defer { hold?.release() }
        if ownTransaction { try db.execute("BEGIN DEFERRED") }
        if hold != nil { _ = try db.scalar("SELECT count(*) FROM sqlite_master") }
        defer {
            // A read transaction has nothing to lose: if COMMIT fails, roll back so the connection is free again.
            if ownTransaction, (try? db.execute("COMMIT")) == nil { try? db.execute("ROLLBACK") }
        }

        // The completed runs the sections read, worked out once for the run (see RunFacts).
        let facts = RunFacts(db: db, enabled: materializesRunFacts)
        defer { try? facts.release() }

        let fixed: [String: SQLValue] = ["from": .integer(from), "to": .integer(to), "as_of": .integer(asOf)]
        var inForce: [String: SQLValue] = [:]  // every parameter a query used (for the definitions section)

        try check(definition)
        var jobs: [(query: QueryFile, values: [String: SQLValue])] = []
        for (i, section) in definition.sections.enumerated() {
            let query = try loadQuery(section.query, definition: definition, field: "sections[\(i)].query")
            jobs.append((query, Self.parameters(for: query, definition, section.parameters, overrides, fixed)))
        }
        // The sections that do not read the completed runs go to a second thread when one can be had.
        // The computed ones (the forecasts, the longest) first, so the worker starts them and this thread, once done
        // with its own, takes what is left.
        let offloaded = jobs.indices.filter { !jobs[$0].query.sql.contains(RunFacts.relation) }
            .sorted { (jobs[$0].query.computed != nil ? 0 : 1, $0) < (jobs[$1].query.computed != nil ? 0 : 1, $1) }
        let worker = hold.flatMap { SectionWorker.start(offloaded.map { jobs[$0] }, under: $0) }
        hold?.release()
        var outputs: [Int: QueryOutput] = [:]
        for (i, job) in jobs.enumerated() where worker == nil || !offloaded.contains(i) {
            try facts.cover(job.query, parameters: job.values)
            outputs[i] = try QueryRunner.run(job.query, on: db, parameters: job.values)
        }
        if let worker {
            worker.help(on: db)
            for (i, output) in zip(offloaded, try worker.wait()) { outputs[i] = output }
        }
        var sections: [SectionResult] = []
        var series: Set<String> = []  // the units of the day/week series the report shows
        for (i, section) in definition.sections.enumerated() {
            sections.append(try sectionResult(i, section, of: definition, query: jobs[i].query, values: jobs[i].values,
                                              output: outputs[i]!, fixed: fixed, inForce: &inForce, series: &series))
        }
        let headlines = try definition.headlines.map {
            try self.headlines($0, of: definition, facts: facts, from: from, to: to, asOf: asOf, overrides: overrides)
        } ?? []
        let definitions = try definitionsSection(definition, from: from, to: to, asOf: asOf, fixed: fixed,
                                                 inForce: inForce, series: series)
        return ReportResult(name: definition.name, title: definition.title, description: definition.description,
                            from: from, to: to, asOf: asOf, generatedAt: generatedAt, store: db.path,
                            headlines: headlines, sections: sections, definitions: definitions)
    }

    /// The parameters a query runs with: its defaults, then the definition's, the section's (or headlines'),
    /// the overrides and the window, each overriding the ones before.
    private static func parameters(for query: QueryFile, _ definition: ReportDefinition, _ section: [String: SQLValue],
                                   _ overrides: [String: SQLValue], _ window: [String: SQLValue]) -> [String: SQLValue] {
        var values = query.defaults
        values.merge(definition.parameters) { $1 }
        values.merge(section) { $1 }
        values.merge(overrides) { $1 }
        values.merge(window) { $1 }
        return values
    }

    /// Section `i`: its query's rows, reduced to the definition's columns in its order. Records the parameters the
    /// query used (other than the window) in `inForce`, and the unit of its day/week series in `series`.
    private func sectionResult(_ i: Int, _ section: ReportDefinition.Section, of definition: ReportDefinition, query: QueryFile,
                               values: [String: SQLValue], output: QueryOutput, fixed: [String: SQLValue],
                               inForce: inout [String: SQLValue], series: inout Set<String>) throws -> SectionResult {
        if let unit = query.series { series.insert(unit) }
        for name in try QueryRunner.prepare(query, on: db).parameterNames {
            let key = String(name.dropFirst())
            if fixed[key] == nil, let v = values[key] { inForce[key] = v }
        }
        var indexes: [Int] = []
        for (j, column) in section.columns.enumerated() {
            guard let k = output.columns.firstIndex(of: column.name) else {
                throw ReportingError("\(definition.path): field 'sections[\(i)].columns[\(j)]': '\(column.name)' is not a column of \(query.path)\(Suggest.didYouMean(column.name, in: output.columns)) (columns: \(output.columns.joined(separator: ", ")))")
            }
            indexes.append(k)
        }
        let rows = output.rows.map { row in indexes.map { row[$0] } }
        return SectionResult(key: section.key, title: section.title, description: section.description,
                             columns: section.columns, rows: rows, chart: section.chart, highlight: section.highlight)
    }

    /// The headline numbers: the headline query for the current period (the headlines' period at the end of the
    /// window, else the whole window) and for the one before it, as it stood at its own end (or at as_of, when
    /// that is earlier).
    private func headlines(_ spec: ReportDefinition.Headlines, of definition: ReportDefinition, facts: RunFacts, from: Int64, to: Int64,
                           asOf: Int64, overrides: [String: SQLValue]) throws -> [Headline] {
        let query = try loadQuery(spec.query, definition: definition, field: "headlines.query")
        let current: (from: Int64, to: Int64)
        let previous: (from: Int64, to: Int64)
        if let rule = spec.period {
            current = rule.window(endingAt: to)
            previous = rule.window(endingAt: current.from)
        } else {
            current = (from, to)
            previous = (from - (to - from), from)
        }
        func row(_ w: (from: Int64, to: Int64), asOf: Int64) throws -> QueryOutput {
            let window: [String: SQLValue] = ["from": .integer(w.from), "to": .integer(w.to), "as_of": .integer(asOf)]
            let values = Self.parameters(for: query, definition, spec.parameters, overrides, window)
            try facts.cover(query, parameters: values)
            return try QueryRunner.run(query, on: db, parameters: values)
        }
        // The previous period as it stood at its own end (or at as_of, when that is earlier).
        let now = try row(current, asOf: asOf)
        let before = try row(previous, asOf: min(asOf, previous.to))
        var headlines: [Headline] = []
        for (j, item) in spec.items.enumerated() {
            guard let k = now.columns.firstIndex(of: item.column) else {
                throw ReportingError("\(definition.path): field 'headlines.items[\(j)].column': '\(item.column)' is not a column of \(query.path) (columns: \(now.columns.joined(separator: ", ")))")
            }
            headlines.append(Headline(key: item.column, label: item.label, unit: item.unit,
                                      value: now.rows.first?[k].double, previous: before.rows.first?[k].double,
                                      higherIsBetter: item.higherIsBetter))
        }
        return headlines
    }

    /// The definitions section: the window, the definition's terms (`{name}` replaced by the value in force), what
    /// lead times measure, the span of data behind the day/week series, and the parameters in force.
    private func definitionsSection(_ definition: ReportDefinition, from: Int64, to: Int64, asOf: Int64,
                                    fixed: [String: SQLValue], inForce: [String: SQLValue],
                                    series: Set<String>) throws -> [(String, String)] {
        var definitions: [(String, String)] = [
            ("Window", "Counts and percentiles cover items completed in [\(Instant.iso(from)), \(Instant.iso(to))); stalled steps and load are as of \(Instant.iso(asOf)). The report sees only events at or before as_of."),
        ]
        for d in definition.definitions { definitions.append((d.term, Self.substitute(d.text, inForce.merging(fixed) { $1 }))) }
        definitions += try leadTimeDefinitions()
        if !series.isEmpty {
            let span = try DataSpan.of(db, asOf: asOf)
            let notes = series.sorted().compactMap { span.note($0, from: from, to: to, asOf: asOf) }
            if !notes.isEmpty { definitions.append(("Series span", notes.joined(separator: "; "))) }
        }
        if !inForce.isEmpty {
            definitions.append(("Parameters", inForce.keys.sorted().map { "\($0) = \(Self.text(inForce[$0]!))" }.joined(separator: "; ")))
        }
        return definitions
    }

    /// Every query the definition runs (sections, then headlines), each once.
    public func queries(for definition: ReportDefinition) throws -> [QueryFile] {
        var result: [QueryFile] = []
        for (i, section) in definition.sections.enumerated() {
            let q = try loadQuery(section.query, definition: definition, field: "sections[\(i)].query")
            if !result.contains(where: { $0.path == q.path }) { result.append(q) }
        }
        if let h = definition.headlines {
            let q = try loadQuery(h.query, definition: definition, field: "headlines.query")
            if !result.contains(where: { $0.path == q.path }) { result.append(q) }
        }
        return result
    }

    /// A definition's parameters must be ones its queries take, of the type of their `-- param` defaults: a misspelt
    /// `stall_defualt_hours` would otherwise be ignored in silence. Errors name the file and the field.
    func check(_ definition: ReportDefinition) throws {
        func check(_ values: [String: SQLValue], _ field: String, _ queries: [QueryFile]) throws {
            var names: [String] = ["from", "to", "as_of"]
            for q in queries { names += try QueryRunner.parameterNames(q, on: db) }
            for key in values.keys.sorted() {
                guard names.contains(key) else {
                    let whose = queries.count == 1 ? "its query \(queries[0].name)" : "any query of the report"
                    throw ReportingError("\(definition.path): field '\(field).\(key)': not a parameter of \(whose)\(Suggest.didYouMean(key, in: names)) (parameters: \(Set(names).sorted().joined(separator: ", ")))")
                }
                if let (q, type) = queries.lazy.compactMap({ q in q.types[key].map { (q, $0) } }).first, !type.accepts(values[key]!) {
                    throw ReportingError("\(definition.path): field '\(field).\(key)': must be \(type.expected) (the default in \(q.path) is \(QueryRunner.shown(q.defaults[key])))")
                }
            }
        }
        let all = try queries(for: definition)
        try check(definition.parameters, "parameters", all)
        for (i, section) in definition.sections.enumerated() where !section.parameters.isEmpty {
            try check(section.parameters, "sections[\(i)].parameters", [try loadQuery(section.query, definition: definition, field: "sections[\(i)].query")])
        }
        if let h = definition.headlines, !h.parameters.isEmpty {
            try check(h.parameters, "headlines.parameters", [try loadQuery(h.query, definition: definition, field: "headlines.query")])
        }
    }

    /// What a lead time measures in services an import made (kept with the service as `lead_time_ends`): a status
    /// history closes at resolution or at final closure, which differ by up to 10× at p50 on real logs.
    func leadTimeDefinitions() throws -> [(String, String)] {
        try db.rows("""
            SELECT key, json_extract(definition, '$.lead_time_ends') AS ends FROM services s
            WHERE version = (SELECT max(version) FROM services v WHERE v.key = s.key) AND ends IS NOT NULL AND ends <> 'log'
            ORDER BY key
            """).compactMap { row in
            guard let key = row.string("key"), let ends = row.string("ends") else { return nil }
            let text: String
            switch ends {
            case "resolved": text = "imported status history: a ticket's lead time ends at resolution, the first row of its final streak of closing statuses, not at its final closure (profile lead_time_ends: resolved)"
            case "closed": text = "imported status history: a ticket's lead time ends at final closure, the last row of its final streak of closing statuses (profile lead_time_ends: closed)"
            case "last-event": text = "imported log of complete cases: a ticket the log does not close closes at its last event (--cases-complete)"
            case "close-on": text = "imported log: a ticket the log does not close closes at the last named closing activity that ends its case (--close-on)"
            case "close-on, else last-event": text = "imported log: a ticket the log does not close closes at the last named closing activity that ends its case (--close-on), else at its last event (--cases-complete)"
            default: text = "imported log: \(ends)"
            }
            return ("Lead time (\(key))", text)
        }
    }

    /// Runs a report definition on `db` (the convenience the scheduler and tests use).
    public static func run(definition: ReportDefinition, db: Database, from: Int64, to: Int64, asOf: Int64,
                           parameters: [String: SQLValue] = [:]) throws -> ReportResult {
        try ReportEngine(db: db).run(definition: definition, from: from, to: to, asOf: asOf, parameters: parameters)
    }

    public static func run(definition: ReportDefinition, store: OrchestrationStore, from: Int64, to: Int64, asOf: Int64,
                           parameters: [String: SQLValue] = [:]) throws -> ReportResult {
        try run(definition: definition, db: store.db, from: from, to: to, asOf: asOf, parameters: parameters)
    }

    /// A section's query: a path relative to the definition file, else a name in the queries folders
    /// (with the `queries/` folder next to the definition's folder last).
    func loadQuery(_ reference: String, definition: ReportDefinition, field: String) throws -> QueryFile {
        let definitionFolder = URL(fileURLWithPath: definition.path).deletingLastPathComponent()
        if reference.contains("/") || reference.hasSuffix(".sql") {
            let url = URL(fileURLWithPath: reference, relativeTo: definitionFolder).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ReportingError("\(definition.path): field '\(field)': no such file \(url.path)")
            }
            return try QueryFile.load(url)
        }
        do {
            return try QueryFile.named(reference, workingDirectory: workingDirectory, environment: environment)
        } catch let error as ReportingError {
            let sibling = definitionFolder.deletingLastPathComponent().appendingPathComponent("queries/\(reference).sql")
            if FileManager.default.fileExists(atPath: sibling.path) { return try QueryFile.load(sibling) }
            throw ReportingError("\(definition.path): field '\(field)': \(error.message)")
        }
    }

    /// Replaces `{name}` with the parameter's value.
    static func substitute(_ text: String, _ values: [String: SQLValue]) -> String {
        var result = text
        for (k, v) in values {
            let shown = k == "from" || k == "to" || k == "as_of" ? (v.int.map(Instant.iso) ?? Self.text(v)) : Self.text(v)
            result = result.replacingOccurrences(of: "{\(k)}", with: shown)
        }
        return result
    }

    static func text(_ v: SQLValue) -> String {
        switch v {
        case .real(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        default: return v.string ?? "null"
        }
    }
}
