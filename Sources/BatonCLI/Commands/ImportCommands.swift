import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

/// `baton import`, `baton export` and `baton generate`: event logs in and out of the store.
enum ImportCommands {
    static var all: [CommandSpec] { [importLog, imports, export, generate] }

    static func path(_ inv: Invocation, _ p: String) -> String {
        p == "-" || p.hasPrefix("/") ? p : (inv.context.workingDirectory as NSString).appendingPathComponent(p)
    }

    static let importLog = CommandSpec(
        name: "import",
        abstract: "Import an event log (canonical CSV or JSON Lines, XES, or a status-change history through a profile).",
        discussion: """
        The whole file is one transaction: a bad row (unknown event kind, unparseable time, missing column,
        a step event before its ticket was opened, a transition that cannot have happened, a row that is not
        RFC 4180 CSV) names the file, line and field and changes nothing — unless --skip-bad FILE is given,
        which writes rejected rows with the reason to FILE and imports the rest. --skip-bad never writes over
        the file being imported or the store (a usage error, exit 64), nor over an existing file that is not
        a rejects file Baton wrote (one starting 'line,field,reason,record') unless --force is given (else
        exit 1, nothing imported); an empty file may be replaced.
        CSV is RFC 4180: a quote inside an unquoted field (b"o), text after a closing quote ("bo"x) and a row
        with more fields than the header are bad rows; a row with fewer fields reads the missing trailing
        fields as empty (a required one missing is a bad row). Text must be valid in its encoding (default
        UTF-8, a byte-order mark allowed): invalid bytes or a NUL stop the import, naming the line and byte
        offset, whatever --skip-bad says. An XES file must be well-formed XML to its </log>: one cut short
        (a truncated download or .gz) is refused, naming the line where it ends.
        Rows may come in any order; each ticket's events are applied
        in time order (file order breaks ties). Re-importing the same file adds nothing. Services the store
        lacks are created from the log (steps in order of first appearance); apply definitions first to import
        into defined services. A run's team comes from its own events (a team change mid-run is a reassignment).
        Tickets close only where the log says so, unless --cases-complete or --close-on says how its cases end
        (a profile can say the same: "cases_complete", "close_on", "lead_time_ends": "resolved"|"closed").
        FILE may be gzipped (.gz) or '-' for standard input. `baton imports` lists
        every import run to its end; the events each one added carry the source 'import:ID'.
        Examples:
          baton import history.csv
          baton import bpic2013_incidents.xes.gz --profile samples/profiles/bpic2013-incidents.json
          baton import incidents.csv.gz --profile samples/profiles/servicenow-incidents.json --timezone Europe/Lisbon
          baton import export-excel.csv --encoding cp1252 --delimiter ';'
        """,
        arguments: [.arg("file", "The log file, optionally .gz; '-' reads standard input.")],
        options: [
            .value("format", "csv|jsonl|xes", "The file's format (default: from its extension, else the profile, else csv)."),
            .value("profile", "PROFILE.json", "Read a status-change history with this profile (see samples/profiles/)."),
            .value("timezone", "ZONE", "Zone of times written without one (overrides the profile): UTC, +01:00, Europe/Lisbon."),
            .value("service", "KEY", "XES: the service of traces that name none (default: the log's name)."),
            .value("skip-bad", "FILE", "Write rejected rows (with the reason) to FILE and import the rest (never over the input or the store; over another existing file only with --force)."),
            .flag("force", "Let --skip-bad replace an existing file that is not a rejects file Baton wrote."),
            .value("encoding", "ENC", "The text's encoding (CSV, JSON Lines): utf-8 (default), latin1, cp1252, utf-16 (byte-order mark: LE or BE), utf-16le, utf-16be."),
            .value("delimiter", "C", "CSV: the field delimiter, one character (default ','; ';' as Excel writes in much of Europe, 'tab', '|')."),
            .flag("cases-complete", "The log holds whole cases: a ticket the log does not close closes at its last event (process-mining logs; lead time = PM4Py's case duration)."),
            .value("close-on", "NAMES", "Comma-separated activities (steps) that close a ticket: it closes at the last of them that ends its case."),
            .flag("dry-run", "Read and check everything, report what would change, write nothing."),
        ],
        run: { inv in
            let file = inv.arguments[0]
            let profile = try inv.value("profile").map { try ImportProfile.load(path: path(inv, $0)) }
            let format: ImportFormat
            if let text = inv.value("format") {
                guard let f = ImportFormat(rawValue: text) else { throw inv.usageError("--format must be csv, jsonl or xes") }
                format = f
            } else if let f = ImportFormat.from(path: file) {
                format = f
            } else if let f = profile?.format.flatMap(ImportFormat.init(rawValue:)) {
                format = f
            } else if file == "-" {
                format = .csv
            } else {
                throw inv.usageError("cannot tell the format of '\(file)' from its name; pass --format csv|jsonl|xes")
            }
            var encoding = TextEncoding.utf8
            if let name = inv.value("encoding") {
                guard let e = TextEncoding(name: name) else {
                    throw inv.usageError("--encoding must be one of \(TextEncoding.allCases.map(\.rawValue).joined(separator: ", "))\(Suggest.didYouMean(name, in: TextEncoding.allCases.map(\.rawValue)))")
                }
                guard format != .xes else { throw inv.usageError("--encoding is for CSV and JSON Lines: an XES file names its encoding in its XML declaration") }
                encoding = e
            }
            var delimiter: UInt8 = 44
            if let text = inv.value("delimiter") {
                guard format == .csv else { throw inv.usageError("--delimiter is for CSV files (this one is read as \(format.rawValue))") }
                delimiter = try delimiterByte(text, inv)
            }
            let skipBad = inv.value("skip-bad").map { path(inv, $0) }
            if let skipBad, let shown = inv.value("skip-bad") {
                try checkRejectsFile(skipBad, shown: shown, input: file == "-" ? nil : path(inv, file), store: inv.databasePath,
                                     force: inv.flag("force"), inv)
            } else if inv.flag("force") {
                throw inv.usageError("--force goes with --skip-bad FILE (it lets it replace an existing file)")
            }
            let store = try CommandSupport.createStore(inv.databasePath)
            let source = try ByteSource(path: file, workingDirectory: inv.context.workingDirectory, encoding: encoding)
            var options = EventLogImporter.Options(format: format, profile: profile)
            options.delimiter = delimiter
            options.timezone = inv.value("timezone")
            options.xesService = inv.value("service")
            options.dryRun = inv.flag("dry-run")
            options.closing.casesComplete = inv.flag("cases-complete")
            if let names = inv.value("close-on") {
                options.closing.closeOn = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !options.closing.closeOn.isEmpty else { throw inv.usageError("--close-on needs one or more activity names, e.g. --close-on 'Closed,Resolved'") }
            }
            options.skipBadPath = skipBad
            let err = inv.err
            options.warn = { err.line("Warning: \($0)") }
            if inv.context.stderrIsTerminal {
                options.progress = { line in err.write("\r\u{1B}[K" + line); err.flush() }
            }
            let summary = try EventLogImporter(store: store).run(source, options: options)
            if inv.context.stderrIsTerminal { err.write("\r\u{1B}[K") }
            for key in summary.servicesCreated { inv.out.line("Service '\(key)' created from the log.") }
            for key in summary.servicesUpdated { inv.out.line("Service '\(key)': new steps seen, new version stored.") }
            if summary.rejected > 0, let skip = inv.value("skip-bad") { inv.out.line("\(summary.rejected) rejected rows written to \(skip).") }
            inv.out.line(summary.line)
            return 0
        })

    /// `--delimiter`: one ASCII character other than a quote or a line ending; `tab` (or `\t`) for a tab.
    static func delimiterByte(_ text: String, _ inv: Invocation) throws -> UInt8 {
        if ["tab", "\\t", "\t"].contains(text.lowercased()) { return 9 }
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first, scalar.isASCII,
              !["\"", "\r", "\n"].contains(scalar), !(scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) else {
            throw inv.usageError("--delimiter must be one character that is not a letter, digit, quote or line break (e.g. ';', '|', 'tab'); got '\(text)'")
        }
        return UInt8(scalar.value)
    }

    /// The rejects file of `--skip-bad` must not be the file being imported (it would be emptied before it is
    /// read) or the store, whatever the path that names it (a link, `./`, a hard link: the same inode); and an
    /// existing file is replaced only when Baton wrote it (it starts with the rejects header), is empty, or
    /// `--force` says so.
    static func checkRejectsFile(_ rejects: String, shown: String, input: String?, store: String, force: Bool, _ inv: Invocation) throws {
        func identity(_ p: String) -> (dev_t, ino_t)? {
            var st = stat()
            return stat(p, &st) == 0 ? (st.st_dev, st.st_ino) : nil
        }
        func resolved(_ p: String) -> String {
            if let r = realpath(p, nil) { defer { free(r) }; return String(cString: r) }
            let parent = (p as NSString).deletingLastPathComponent, name = (p as NSString).lastPathComponent
            if let r = realpath(parent.isEmpty ? "." : parent, nil) { defer { free(r) }; return (String(cString: r) as NSString).appendingPathComponent(name) }
            return (p as NSString).standardizingPath
        }
        let target = identity(rejects)
        func same(_ other: String) -> Bool {
            if resolved(other) == resolved(rejects) { return true }
            guard let t = target, let o = identity(other) else { return false }
            return t == o
        }
        var inputIsStdin = false
        if input == nil, let t = target {
            var st = stat()
            inputIsStdin = fstat(0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_dev == t.0 && st.st_ino == t.1
        }
        if inputIsStdin || input.map(same) == true {
            throw inv.usageError("--skip-bad \(shown) is the file being imported: the rejected rows would overwrite it; name another file")
        }
        if [store, store + "-wal", store + "-shm", store + "-journal"].contains(where: same) {
            throw inv.usageError("--skip-bad \(shown) is the store (or one of its files); name another file")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: rejects) else { return }
        if attributes[.type] as? FileAttributeType == .typeDirectory { throw ActionRefused("--skip-bad \(shown) is a folder; name a file") }
        if force { return }
        let header = Data("line,field,reason,record".utf8)
        let head = (FileHandle(forReadingAtPath: rejects).flatMap { h in defer { try? h.close() }; return try? h.read(upToCount: header.count + 2) }) ?? Data()
        if head.isEmpty { return }
        if head.starts(with: header), head.count > header.count, head[head.startIndex + header.count] == 10 || head[head.startIndex + header.count] == 13 { return }
        throw ActionRefused("\(shown) exists and is not a rejects file Baton wrote (it does not start with 'line,field,reason,record'); nothing was imported (pass --force to replace it)")
    }

    static let imports = CommandSpec(
        name: "imports",
        abstract: "The import history: each import run to its end, what it brought and how long it took.",
        discussion: """
        Newest first. Events an import added carry the source 'import:ID' (the id in the first column):
          sqlite3 baton.db "SELECT * FROM events WHERE source = 'import:3'"
        Dry runs and failed imports write nothing, so they are not listed.
        """,
        options: [.value("limit", "N", "Show at most N imports (default: 50)."), RowFormat.option],
        run: { inv in
            try CommandSupport.printRows(inv, columns: ["id", "file", "format", "profile", "started_at", "rows_read", "tickets_new",
                                                        "tickets_updated", "events_added", "duplicates", "rejected", "seconds"]) {
                let limit = try CommandSupport.limit(inv)
                return try CommandSupport.store(inv).importHistory(limit: limit)
            }
        })

    static let export = CommandSpec(
        name: "export",
        abstract: "Export the event log as canonical CSV, JSON Lines or XES (for PM4Py, ProM).",
        discussion: """
        Exports whole tickets (every event of each ticket opened in [--from, --to)), ticket by ticket, each
        ticket's events in time order. XES uses the concept, lifecycle, org and time extensions; the exact
        Baton event kind travels as the 'baton:event' attribute so that a re-import is exact.
        --out is written atomically (a temporary file in the same folder, then renamed); default standard output. An
        existing --out is replaced only when it is a Baton output (an export, a generated log, an alert or rejects
        file) or with --force, so a mistyped name never destroys someone else's file.
        """,
        options: [
            .value("format", "csv|jsonl|xes", "Output format (default: from --out's extension, else csv)."),
            .value("from", "T", "Only tickets opened at or after T (ISO 8601)."),
            .value("to", "T", "Only tickets opened before T."),
            .value("service", "KEY", "Only tickets of this service."),
            .value("out", "FILE", "Write to FILE (atomically) instead of standard output; never over a file Baton did not write."),
            OutputGuard.forceOption,
        ],
        run: { inv in
            let out = inv.value("out")
            if let out { try OutputGuard.check(path(inv, out), shown: out, force: inv.flag("force")) }
            let format: EventLogExporter.Format
            if let text = inv.value("format") {
                guard let f = EventLogExporter.Format(rawValue: text) else { throw inv.usageError("--format must be csv, jsonl or xes") }
                format = f
            } else {
                format = out.flatMap { ImportFormat.from(path: $0) }.flatMap { EventLogExporter.Format(rawValue: $0.rawValue) } ?? .csv
            }
            let filter = EventLogExporter.Filter(from: try CommandSupport.instant(inv, "from"), to: try CommandSupport.instant(inv, "to"),
                                                 service: inv.value("service"))
            let store = try CommandSupport.store(inv)
            if let service = filter.service, try store.service(service) == nil {
                throw ActionRefused("no service '\(service)'\(Suggest.didYouMean(service, in: try store.serviceKeys()))")
            }
            let exporter = EventLogExporter(store: store)
            if let out {
                let counts = try AtomicFile.write(to: path(inv, out)) { append in
                    try exporter.export(format, filter: filter) { try append(Data($0.utf8)) }
                }
                inv.err.line("Exported \(counts.events) events of \(counts.tickets) tickets to \(out).")
            } else {
                try exporter.export(format, filter: filter) { inv.out.write($0) }
            }
            return 0
        })

    static let generate = CommandSpec(
        name: "generate",
        abstract: "Generate a realistic, deterministic canonical event log (CSV) for demos, tests and benchmarks.",
        discussion: """
        Services of 3–7 steps over a dozen teams (or the definitions in --services DIR: apply them with
        'baton service apply' before importing), weekday-heavy arrivals, lognormal wait and work, rework,
        skips, pauses, cancellations and tickets still open. The same --seed gives the same bytes.
        """,
        options: [
            .value("tickets", "N", "Number of tickets.", required: true),
            .value("seed", "S", "Random seed (default 1)."),
            .value("start", "DATE", "First day (default 2026-01-05)."),
            .value("days", "D", "Length of the period in days (default 90)."),
            .value("services", "DIR", "Generate tickets for the service definitions in DIR (*.json)."),
            .value("out", "FILE", "Write to FILE (atomically); '-' or absent: standard output. Never over a file Baton did not write."),
            OutputGuard.forceOption,
        ],
        run: { inv in
            if let out = inv.value("out"), out != "-" { try OutputGuard.check(path(inv, out), shown: out, force: inv.flag("force")) }
            guard let n = Int(try inv.required("tickets")), n >= 0 else { throw inv.usageError("--tickets must be a whole number") }
            var options = LogGenerator.Options(tickets: n)
            if let s = inv.value("seed") {
                guard let seed = UInt64(s) else { throw inv.usageError("--seed must be a whole number") }
                options.seed = seed
            }
            if let d = inv.value("days") {
                guard let days = Int(d), days > 0 else { throw inv.usageError("--days must be a positive whole number") }
                options.days = days
            }
            if let s = try CommandSupport.instant(inv, "start") { options.start = s }
            if let dir = inv.value("services") { options.services = try LogGenerator.loadServices(folder: path(inv, dir)) }
            let generator = LogGenerator(options: options)
            if let out = inv.value("out"), out != "-" {
                let events = try AtomicFile.write(to: path(inv, out)) { append in
                    try generator.generate { try append(Data($0.utf8)) }
                }
                inv.err.line("Generated \(events) events of \(n) tickets into \(out).")
            } else {
                try generator.generate { inv.out.write($0) }
            }
            return 0
        })
}
