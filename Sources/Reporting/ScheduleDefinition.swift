import Foundation
import Scheduling

/// A report or alert definition that has a `schedule`, read from a `reports/*.json` file by the one loader of
/// definitions (`DefinitionFile`), so the scheduler runs exactly what `baton report` and `baton alerts` would accept.
/// A file is an alert definition when its `kind` is `"alerts"`:
///
/// ```json
/// {"kind": "alerts", "title": "Stalled steps", "schedule": "*/10 * * * *", "out": "alerts.prom",
///  "unwatched_days": 3, "teams": ["hr"]}
/// ```
public struct ScheduleDefinition: ScheduledJob {
    public typealias Kind = DefinitionKind

    /// The file stem: `weekly` for `reports/weekly.json`.
    public var name: String
    public var kind: Kind
    public var title: String
    public var path: String
    public var cron: CronExpression
    /// The report (kind `report`), checked on load.
    public var report: ReportDefinition?
    /// The alert file and its settings (kind `alerts`), checked on load.
    public var alerts: AlertDefinition?
    /// The static site (kind `site`), checked on load.
    public var site: SiteDefinition?

    /// Who gets each run by e-mail (the report's or the alert file's `mail`), if anyone.
    public var mail: MailSettings? { report?.mail ?? alerts?.mail }

    public var jobKind: ScheduledJobKind {
        switch kind { case .report: .report; case .alerts: .alerts; case .site: .site }
    }

    /// Alert definitions: the output file name (relative to the output folder), default `<name>.json`.
    public var alertOutput: String { alerts?.out ?? "\(name).json" }

    public init?(_ d: DefinitionFile) {
        guard let cron = d.cron else { return nil }
        self.init(name: d.name, kind: d.kind, title: d.title, path: d.path, cron: cron, report: d.report, alerts: d.alerts, site: d.site)
    }

    public init(name: String, kind: Kind, title: String, path: String, cron: CronExpression,
                report: ReportDefinition? = nil, alerts: AlertDefinition? = nil, site: SiteDefinition? = nil) {
        self.name = name; self.kind = kind; self.title = title; self.path = path; self.cron = cron
        self.report = report; self.alerts = alerts; self.site = site
    }

    /// Reads every `*.json` in `folder` and keeps those with a `schedule`. Every file is checked (a misspelt
    /// `"schedul"` is an error, not an unscheduled report); a bad file is an error naming the file and field,
    /// returned beside the good definitions so one bad file does not stop the others.
    public static func load(folder: String) throws -> (definitions: [ScheduleDefinition], errors: [ScheduleError]) {
        let all: [(name: String, definition: Result<DefinitionFile, ReportingError>)]
        do { all = try DefinitionFile.all(in: folder) } catch let e as ReportingError { throw ScheduleError(e.message) }
        var definitions: [ScheduleDefinition] = [], errors: [ScheduleError] = []
        for (_, result) in all {
            switch result {
            case .success(let d): if let s = ScheduleDefinition(d) { definitions.append(s) }
            case .failure(let e): errors.append(ScheduleError(e.message))
            }
        }
        return (definitions, errors)
    }

    /// Reads one definition file; nil when it has no `schedule`.
    public static func load(path: String) throws -> ScheduleDefinition? {
        do { return ScheduleDefinition(try DefinitionFile.load(URL(fileURLWithPath: path))) } catch let e as ReportingError {
            throw ScheduleError(e.message)
        }
    }
}
