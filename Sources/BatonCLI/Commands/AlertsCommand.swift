import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

/// `baton alerts`: the stalled-steps alert file (plus unowned work, unwatched queues and tickets waiting between
/// steps), for cron.
enum AlertsCommand {
    /// Exit status when `--fail-on-alert` is given and the file has alerts not reported before.
    static let newAlertsExitCode: Int32 = 3

    static let options: [CommandSpec.Option] = [
        .value("out", short: "o", "FILE", "Write the alert file here, replacing it atomically (default: standard output); never over a file Baton did not write."),
        OutputGuard.forceOption,
        .value("format", "FORMAT", "json, text or prom (default: from the --out extension .json/.txt/.prom; another extension is refused; none: text).",
                completion: .values(["json", "text", "prom"])),
        .value("as-of", "INSTANT", "Compute the alerts as of this instant (default: now). Also used as generated_at, so the file is reproducible."),
        .value("team", "KEY", "Only this team's alerts and gauges.", repeating: true),
        .flag("fail-on-alert", "Exit \(newAlertsExitCode) when the file has alerts not reported before (so cron mails)."),
        .value("unwatched-days", "N", "A team with ready work and no step started for N days is unwatched (default 3)."),
        .value("percentile", "P", "Percentile of time in step used as a threshold, 0-1 (default 0.85)."),
        .value("window-days", "N", "Days of completed runs before as_of the percentile is taken over (default 90)."),
        .value("min-runs", "N", "Completed runs needed for a percentile threshold (default 20)."),
        .value("default-hours", "H", "Threshold when a step has neither a target nor enough runs (default 72)."),
        .value("thin-hours", "H", "A team whose oldest ready run has waited H working hours and whose recent runs one person or no one started is thin ownership (default 8)."),
        .value("thin-days", "N", "Days of starts thin ownership counts the people over (default 14)."),
        .value("handoff-hours", "H", "An open ticket with no step open (between steps) for more than H hours is a handoff alert (default 24)."),
        .value("mode", "OCTAL", "Permission bits of the alert file, used as given (default 0640 narrowed by the umask)."),
        .value("queries", "DIR", "The folder of SQL files (default: $BATON_QUERIES, ./queries, or next to the binary)."),
        .value("definition", "NAME", "Take the settings, format and teams of an alert definition (reports/NAME.json with \"kind\": \"alerts\", or a path); options given here override them."),
        .flag("no-record", "Do not remember these alerts as reported (a dry run: the next run still calls them new)."),
    ]

    static let command = CommandSpec(
        name: "alerts",
        abstract: "Write the alert file: stalled steps, unowned work, unwatched queues and tickets between steps.",
        discussion: """
        Stalled: an open, unpaused step run whose active age exceeds its threshold (the step's target, else the p85 of
        time in step over the last 90 days when there are 20 runs, else 72 hours); every row names its threshold and
        source. Unowned: an open step run with no team, whose team the store does not know, or -- when a team roster
        is declared ('baton team apply') -- whose team is not on it (a team first seen in an imported log owns its
        work until a roster says otherwise). Unwatched: a team whose oldest
        ready run has waited --unwatched-days and which started no step in that time. Thin ownership, the warning before:
        a team whose oldest ready run has waited --thin-hours (8) working hours and whose runs of the last --thin-days
        (14) were all started by one person (one-person) or by no one (no-one). Handoff: an open ticket with no
        step run open, so no team owns it, for more than --handoff-hours (24) since its last step was done (else since
        it opened); its step and team are the last step done and the team that did it. Source between-steps: a
        service created by an import, which declares no next step (the ticket waits until its log shows one);
        all-steps-done: a defined service whose steps are all done but the ticket is not closed; no-step-ready: a
        defined service with a step still waiting and none open.

        Each alert says "new": true the first time it is written to that --out file (the store remembers alerts per
        file, by ticket, step and attempt, handoffs by ticket and since when they wait; re-running the same --as-of
        gives the same answer). Output to standard output is never remembered, and a run to one file does not make
        another file's alerts old: looking by hand never silences the cron run's --fail-on-alert.
        The file is written to a temporary file in the same folder, fsynced and renamed over FILE, so readers never
        see a partial file. Output is byte-identical for the same store and --as-of in any time zone: generated_at
        equals --as-of when it is given. The .prom file has a gauge per kind, e.g. baton_stalled_steps{team,service,step}
        and baton_handoff_tickets{team,service}.

        Example (cron, every 10 minutes; a Prometheus node exporter reads the .prom file):
          */10 * * * *  baton --db /srv/baton.db alerts --out /var/lib/node_exporter/baton.prom
        """,
        options: options,
        sections: [("EXIT STATUS", """
        0 the alert file was written; 1 failure (the previous file and the store are unchanged);
        \(newAlertsExitCode) written, and --fail-on-alert was given and there are new alerts; 64 usage error.
        """)],
        run: run)

    /// The settings in force: the defaults, then the alert definition's (`--definition`), then the options, each
    /// checked against the one range `AlertSettings.options` gives (the same a definition file is checked against).
    static func settings(_ inv: Invocation, asOf: Int64, definition: AlertDefinition? = nil) throws -> AlertSettings {
        var s = definition?.settings(asOf: asOf) ?? AlertSettings(asOf: asOf)
        for option in AlertSettings.options {
            guard let text = inv.value(option.flag) else { continue }
            guard let v = Double(text.trimmingCharacters(in: .whitespaces)), option.problem(v) == nil else {
                throw inv.usageError("--\(option.flag) must be \(option.expected), not '\(text)'")
            }
            option.apply(&s, v)
        }
        let teams = inv.all("team")
        if let empty = teams.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw inv.usageError("--team needs a team key, not '\(empty)'")
        }
        if !teams.isEmpty { s.teams = teams }
        return s
    }

    static func run(_ inv: Invocation) throws -> Int32 {
        let out = inv.value("out").map { path in
            path.hasPrefix("/") ? path : inv.context.workingDirectory + "/" + path
        }
        if let out, let shown = inv.value("out") { try OutputGuard.check(out, shown: shown, force: inv.flag("force")) }
        let definition = try inv.value("definition").map { name -> AlertDefinition in
            let file = try DefinitionFile.named(name, workingDirectory: inv.context.workingDirectory, environment: inv.context.environment)
            guard let alerts = file.alerts else {
                throw ReportingError("\(file.path): is a report definition, not an alert definition (\"kind\": \"alerts\"); run it with 'baton report \(name)'")
            }
            return alerts
        }
        let format: AlertFormat
        if let text = inv.value("format") {
            guard let f = AlertFormat(rawValue: text) else { throw inv.usageError("--format must be json, text or prom, not '\(text)'") }
            format = f
        } else if let out, let shown = inv.value("out"), AlertFormat.forPath(out) == nil, definition?.format == nil,
                  case let ext = URL(fileURLWithPath: out).pathExtension, !ext.isEmpty {
            // Not text in disguise: a reader of a.yaml expects YAML.
            throw inv.usageError("--out \(shown): '.\(ext)' is not an alert file extension; use .json, .txt or .prom, or give --format")
        } else {
            format = out.flatMap(AlertFormat.forPath) ?? definition?.format ?? .text
        }
        var mode: mode_t = FileMode.mode(for: .file)  // 0640 narrowed by the umask; --mode is used as given
        if let text = inv.value("mode") {
            guard let m = mode_t(text, radix: 8), m <= 0o777 else { throw inv.usageError("--mode must be octal permission bits such as 0640, not '\(text)'") }
            mode = m
        }
        let given = try CommandSupport.instant(inv, "as-of")
        let asOf = given ?? Instant.now()
        let settings = try settings(inv, asOf: asOf, definition: definition)
        let store = try CommandSupport.store(inv)
        let folder = QueryFolder.locate(explicit: inv.value("queries"), environment: inv.context.environment,
                                        workingDirectory: inv.context.workingDirectory)
        let engine = AlertEngine(db: store.db, queryFolder: folder)
        let (report, text) = try engine.publish(settings, generatedAt: given ?? Instant.now(), format: format, to: out,
                                                mode: mode, remember: !inv.flag("no-record"))
        // Quiet on success with --out: cron mails any output.
        if out == nil { inv.out.write(text) }
        return inv.flag("fail-on-alert") && report.newCount > 0 ? newAlertsExitCode : 0
    }
}
