import Scheduling
import BatonCore
import Foundation
import Orchestration
import Rendering
import Reporting
import SQLite

/// `baton schedule run|list|crontab`: run report and alert definitions on their cron schedules.
enum ScheduleCommands {
    /// Exit status when another `schedule run` holds the lock for longer than --wait.
    static let busyExitCode: Int32 = 75

    static let reportsOption = CommandSpec.Option.value("reports", "DIR", "The definitions folder (default: ./reports, $BATON_REPORTS, or next to the binary).")
    static let outOption = CommandSpec.Option.value("out", "DIR", "The output folder (default ./out).")
    static let nowOption = CommandSpec.Option.value("now", "INSTANT", "Act as if it were this instant (default: now).")

    static let group = CommandSpec(
        name: "schedule",
        abstract: "Run report and alert definitions on their cron schedules.",
        discussion: """
        A definition in reports/*.json with a "schedule" (5-field cron: minute hour day-of-month month day-of-week,
        e.g. "0 6 * * MON"; optional "timezone", an IANA name, default UTC) is run by 'baton schedule run', which cron
        calls every few minutes. Alert definitions have "kind": "alerts" and an "out" file name.
        """,
        subcommands: [run, list, history, crontab])

    static let run = CommandSpec(
        name: "run",
        abstract: "Generate every report and alert that is due, catching up missed periods; meant for cron.",
        discussion: """
        Each report definition runs once for every fire time since its last recorded period (a machine that was off
        for three weeks gets the three missing weekly reports, each for its own period [previous fire, fire) and as of
        its fire time). A definition with no history runs only its latest due period; an alert definition only ever
        runs its latest. Reports are published as OUT/NAME/PERIOD/ (complete folders only; OUT/NAME/latest links to
        the newest); alert files are replaced atomically. The history is in the store's schedule_runs table.
        A report definition with "mail" also writes OUT/NAME/PERIOD/message.eml and hands it to 'sendmail -t -oi'.

        Overlapping runs are safe: a run holds a lock file next to the store (STORE.schedule-lock) and claims each
        period in a transaction, so each period is generated exactly once. A run killed mid-way leaves no partial
        output; the next run removes its temporaries and generates the period again.
        """,
        options: [nowOption, outOption, reportsOption,
                  .value("wait", "SECONDS", "How long to wait for another run's lock before giving up (default 10)."),
                  .value("stale-after", "SECONDS", "Take over a claim older than this even if its process seems alive (default 3600)."),
                  .value("log", "FILE", "Append one line per generated period (definition, period end, pid) to FILE, after the period is recorded (a run killed in between leaves that line out)."),
                  .value("queries", "DIR", "The folder of SQL files (default: $BATON_QUERIES, ./queries, or next to the binary).")],
        sections: [("EXIT STATUS", """
        0 every due period was generated (or nothing was due); 1 a period failed, a report's e-mail could not be handed
        to sendmail (it stays pending and is retried next run), or a definition is invalid (its
        outputs and the store are as before; it is retried next run; other definitions still ran); \(busyExitCode) another 'baton schedule run' held
        the lock for longer than --wait (one line on standard error; nothing was done); 64 usage error.
        """)],
        run: runSchedule)

    static let list = CommandSpec(
        name: "list",
        abstract: "List scheduled definitions with their next fire time and last run.",
        options: [reportsOption, nowOption, RowFormat.option],
        run: { inv in
            let (definitions, errors) = try ScheduleDefinition.load(folder: folder(inv, "reports", "reports"))
            for e in errors { inv.err.line("Error: \(e)") }
            let now = try CommandSupport.instant(inv, "now") ?? Instant.now()
            let store = try CommandSupport.store(inv)
            let runner = try ScheduleRunner<ScheduleDefinition>(db: store.db, outputFolder: "", generateReport: { _, _, _ in "" }, generateAlerts: { _, _, _ in [] })
            let history = try ScheduleHistory(db: store.db)
            var rows: [[SQLValue]] = []
            for d in definitions {
                let last = try history.lastRun(of: d.name)
                let due = try runner.duePeriods(d, now: now).count
                rows.append([.text(d.name), .text(d.kind.rawValue), .text(d.cron.text), .text(d.cron.timeZoneName),
                             d.cron.next(after: now).map { .text(Instant.iso($0)) } ?? .null,
                             last?.int("period_end").map { .text(Instant.iso($0)) } ?? .null,
                             last?["state"] ?? .null, last?.int("finished_at").map { .text(Instant.iso($0)) } ?? .null,
                             .integer(Int64(due))])
            }
            RowPrinter.print(columns: ["definition", "kind", "schedule", "timezone", "next_fire", "last_period", "last_state", "last_finished", "due"],
                             rows: rows, format: try RowFormat.from(inv), to: inv.out)
            return errors.isEmpty ? 0 : 1
        })

    static let history = CommandSpec(
        name: "history",
        abstract: "List the periods scheduled runs generated (or are generating, or failed to), newest first.",
        discussion: """
        One row per definition and period from the store's schedule_runs table: the period, its state (done; failed:
        the last attempt failed or its runner died, and the next run retries it; running: in progress), the attempts
        it took, when it started and finished, a one-line outcome, the last error and the files it wrote. A period
        whose runner is gone (its pid is not alive on this host) shows as failed before the next run records it. The
        mail column shows a period's e-mail: sent, or pending with the last hand-off's error (retried next run).
        With --attempts, one row per attempt instead (schedule_attempts): running, done, failed or killed, with its
        process and error.
        Examples:
          baton schedule history --definition weekly --limit 4
          baton schedule history --attempts --format json
        """,
        options: [.value("definition", "NAME", "Only this definition (a file stem in reports/)."),
                  .value("limit", "N", "Show at most N periods (default: 50)."),
                  .flag("attempts", "One row per attempt (with its pid, host and error) instead of one per period."),
                  RowFormat.option],
        run: { inv in
            let format = try RowFormat.from(inv)
            let limit = try CommandSupport.limit(inv)
            let store = try CommandSupport.store(inv)
            let name = inv.value("definition")
            let history = try ScheduleHistory(db: store.db)
            if let name { try history.requireRuns(of: name) }
            if inv.flag("attempts") {
                let columns = ["definition", "period_end", "attempt", "state", "started_at", "finished_at", "seconds", "pid", "host", "error"]
                let shown = try history.attempts(definition: name, limit: limit)
                RowPrinter.print(columns: columns, rows: shown.map { r in columns.map { r[$0] } }, format: format, to: inv.out)
                return 0
            }
            let columns = ["definition", "kind", "period_start", "period_end", "state", "attempts", "started_at", "finished_at", "seconds",
                           "outcome", "error", "outputs", "mail"]
            let shown = try history.periods(definition: name, limit: limit)
            RowPrinter.print(columns: columns, rows: shown.map { r in columns.map { r[$0] } }, format: format, to: inv.out)
            return 0
        })

    static let crontab = CommandSpec(
        name: "crontab",
        abstract: "Print a crontab line that runs 'baton schedule run' every few minutes.",
        discussion: "Install it with 'crontab -e' (paste) or: (crontab -l; baton schedule crontab) | crontab -",
        options: [reportsOption, outOption,
                  .value("queries", "DIR", "The folder of SQL files to pin in the line (default: the one 'baton query' would use here)."),
                  .value("every", "MINUTES", "How often cron calls it (default 5).")],
        run: { inv in
            let every = inv.value("every") ?? "5"
            guard let n = Int(every), (1...59).contains(n) else { throw inv.usageError("--every must be 1 to 59 minutes, not '\(every)'") }
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "baton"
            let binary = exe.hasSuffix("/baton") ? exe : "baton"
            let db = absolute(inv.databasePath, inv)
            // The SQL and the definitions are pinned as found here, so cron runs what an interactive run would.
            let queries = QueryFolder.locate(explicit: inv.value("queries"), environment: inv.context.environment,
                                             workingDirectory: inv.context.workingDirectory)
            let line = "\(n == 1 ? "*" : "*/\(n)") * * * * \(quote(binary)) --db \(quote(db)) schedule run --reports \(quote(folder(inv, "reports", "reports"))) --queries \(quote(queries)) --out \(quote(folder(inv, "out", "out")))"
            inv.out.line("# Baton: generate due reports and alert files (cron mails any output: failures and new reports).")
            inv.out.line(cronEscaped(line))
            return 0
        })

    static func absolute(_ path: String, _ inv: Invocation) -> String {
        path.hasPrefix("/") ? path : inv.context.workingDirectory + "/" + path
    }

    static func folder(_ inv: Invocation, _ option: String, _ fallback: String) -> String {
        if inv.value(option) == nil, option == "reports",
           let found = ResourceDirectory.find(.reports, workingDirectory: inv.context.workingDirectory, environment: inv.context.environment) {
            return found.path
        }
        return absolute(inv.value(option) ?? fallback, inv)
    }

    /// A command for a crontab line: cron turns an unescaped `%` into a newline (the rest goes to standard input),
    /// so each `%` is written `\%` (cron passes it on as `%`, inside quotes too).
    static func cronEscaped(_ command: String) -> String {
        command.replacingOccurrences(of: "%", with: "\\%")
    }

    /// Single-quotes a word for sh when it has anything but safe characters.
    static func quote(_ s: String) -> String {
        if s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+:@".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func runSchedule(_ inv: Invocation) throws -> Int32 {
        let now = try CommandSupport.instant(inv, "now") ?? Instant.now()
        let wait = try inv.value("wait").map { text -> Double in
            guard let v = Double(text), v >= 0 else { throw inv.usageError("--wait must be a number of seconds, not '\(text)'") }
            return v
        } ?? 10
        let staleAfter = try inv.value("stale-after").map { text -> Int64 in
            guard let v = Int64(text), v > 0 else { throw inv.usageError("--stale-after must be a positive number of seconds, not '\(text)'") }
            return v
        } ?? 3600
        let (definitions, errors) = try ScheduleDefinition.load(folder: folder(inv, "reports", "reports"))
        // A bad definition is reported (exit 1) but does not stop the others.
        for e in errors { inv.err.line("Error: \(e)") }
        let outFolder = folder(inv, "out", "out")
        let dbPath = absolute(inv.databasePath, inv)
        let store = try CommandSupport.store(inv)
        let lockPath = dbPath + ".schedule-lock"
        guard let lock = try ScheduleLock.acquire(path: lockPath, waitSeconds: wait) else {
            inv.err.line("baton schedule run: another run holds \(lockPath); nothing done (exit \(busyExitCode))")
            return busyExitCode
        }
        defer { withExtendedLifetime(lock) {} }
        let queries = QueryFolder.locate(explicit: inv.value("queries"), environment: inv.context.environment,
                                         workingDirectory: inv.context.workingDirectory)
        let runner = try ScheduleRunner(
            db: store.db, outputFolder: outFolder,
            generateReport: { definition, period, folder in
                try generateReport(definition, period, folder, store: store, inv: inv, queries: queries)
            },
            generateAlerts: { definition, period, folder in
                try generateAlerts(definition, period, folder, store: store, queries: queries)
            })
        runner.staleAfter = staleAfter
        runner.mailMessage = { definition, _, outputs in
            guard definition.mail != nil else { return nil }
            // A report's message is in its folder; an alert run's is among its outputs (none when it had no alerts).
            if definition.kind == .alerts { return outputs.first { $0.hasSuffix(".eml") } }
            guard let folder = outputs.first else { return nil }
            let path = folder + "/" + ReportMail.fileName
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        runner.handOffMail = { definition, path in
            try Sendmail.handOff(messageFile: path, program: definition.mail?.sendmail ?? MailSettings.defaultSendmail)
        }
        runner.generateSite = { definition, period, folder in
            try SiteCommands.generateScheduled(definition, period, folder, store: store, queries: queries)
        }
        let log = inv.value("log").map { absolute($0, inv) }
        runner.onGenerated = { outcome in
            if let log { appendLine("\(outcome.definition) \(Instant.iso(outcome.period.end)) \(getpid())\n", to: log) }
        }
        var failed = !errors.isEmpty
        for outcome in try runner.run(definitions, now: now) {
            switch outcome.status {
            case .generated:
                inv.out.line("\(outcome.definition) \(outcome.period.label): \(outcome.message) -> \(outcome.outputs.joined(separator: ", "))")
            case .mailed:
                inv.out.line("\(outcome.definition) \(outcome.period.label): \(outcome.message) <- \(outcome.outputs.joined(separator: ", "))")
            case .failed, .mailFailed:
                failed = true
                inv.err.line("Error: \(outcome.definition) \(outcome.period.label): \(outcome.message)")
            case .busy:
                break
            }
        }
        return failed ? 1 : 0
    }

    /// One report into `folder` (the runner's temporary folder): the definition's period rule ending before the fire
    /// time (weekly: the previous complete ISO weeks), as of the fire time, in every format of the definition.
    static func generateReport(_ d: ScheduleDefinition, _ p: SchedulePeriod, _ folder: String,
                               store: OrchestrationStore, inv: Invocation, queries: String) throws -> String {
        guard let definition = d.report else { throw ScheduleError("\(d.path): not a report definition") }
        let window = try ReportEngine.window(for: definition, from: nil, to: nil, asOf: p.end)
        var environment = inv.context.environment
        environment["BATON_QUERIES"] = queries
        var engine = ReportEngine(store: store, workingDirectory: inv.context.workingDirectory, environment: environment)
        engine.secondConnection = CommandSupport.secondConnection(to: store)
        let result = try engine.run(definition: definition, from: window.from, to: window.to, asOf: p.end)
        let renderers = definition.formats.compactMap { ReportCommands.renderers[$0]?() }
        for renderer in renderers.isEmpty ? [ReportCSV()] : renderers {
            try renderer.write(result, to: URL(fileURLWithPath: folder))
        }
        if let mail = definition.mail {
            try ReportMail.write(result, settings: mail, folder: folder, folderName: "\(d.name)/\(p.label)", date: Instant.now())
        }
        return "window [\(Instant.iso(window.from)), \(Instant.iso(window.to)))"
    }

    /// One alert file for as_of = the fire time, with the definition's options.
    static func generateAlerts(_ d: ScheduleDefinition, _ p: SchedulePeriod, _ folder: String,
                               store: OrchestrationStore, queries: String) throws -> [String] {
        guard let alerts = d.alerts else { throw ScheduleError("\(d.path): not an alert definition") }
        // Checked on load by the one loader, against the ranges `baton alerts` enforces.
        let settings = alerts.settings(asOf: p.end)
        let path = folder + "/" + alerts.out
        let format = alerts.format ?? AlertFormat.forPath(path) ?? .json
        let report = try AlertEngine(db: store.db, queryFolder: queries).publish(settings, generatedAt: p.end, format: format, to: path, mode: FileMode.mode(for: .file)).report
        guard let mail = alerts.mail else { return [path] }
        // OUT/NAME.mail/PERIOD.eml: a message only when there are alerts.
        let message = folder + "/" + d.name + ".mail/" + p.label + ".eml"
        guard !report.alerts.isEmpty else {
            try? FileManager.default.removeItem(atPath: message)
            return [path]
        }
        try AtomicFile.makeFolders(folder + "/" + d.name + ".mail")
        let bytes = ReportMail.alertMessage(report, title: alerts.title, definition: d.name, label: p.label, settings: mail, date: Instant.now()).bytes()
        try AtomicFile.write(bytes, to: message, mode: FileMode.mode(for: .file))
        return [path, message]
    }

    static func appendLine(_ line: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, FileMode.mode(for: .file))
        guard fd >= 0 else { return }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}
