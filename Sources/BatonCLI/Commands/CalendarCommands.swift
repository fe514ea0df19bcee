import BatonCore
import Foundation
import Orchestration
import SQLite

/// `baton calendar apply|list|hours`: business calendars, in which targets and working time are counted.
enum CalendarCommands {
    static let group = CommandSpec(
        name: "calendar",
        abstract: "Define business calendars (working hours, holidays, time zone) that targets are counted in.",
        subcommands: [apply, list, hours])

    static let apply = CommandSpec(
        name: "apply",
        abstract: "Validate calendar files and store each as a new version when it changed.",
        discussion: """
        A calendar file names a time zone, the working intervals of each weekday in local time, and holidays as
        whole dates or part days:
          {"key": "berlin-office", "name": "Berlin office", "time_zone": "Europe/Berlin",
           "week": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                    "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
           "holidays": [{"date": "2026-12-25", "name": "Christmas Day"},
                        {"date": "2026-12-24", "from": "12:00", "to": "24:00"}]}
        Attach one to a team ("calendar" in a team file) or to a step of a service ("calendar" on the step). A
        step's own calendar comes first, then its team's, then 24x7. Every file is checked before any is stored.
        Example: baton calendar apply samples/calendars/*.json
        """,
        arguments: [.arg("files", "Calendar files (JSON).", variadic: true)],
        run: { inv in
            try CommandSupport.applyFiles(inv, load: CalendarDefinition.load(path:), uniqueKeys: ("calendar", \.key)) { store, file, calendar in
                CommandSupport.applied(calendar.key, try store.apply(calendar: calendar), from: file)
            }
        })

    static let list = CommandSpec(
        name: "list",
        abstract: "List calendars: key, version, name, time zone, and the teams and steps counted in each.",
        options: [RowFormat.option],
        run: { inv in try CommandSupport.printRows(inv) { try CommandSupport.store(inv).calendarList() } })

    static let hours = CommandSpec(
        name: "hours",
        abstract: "Working time of a calendar between two instants (to check a calendar before attaching it).",
        discussion: "Example: baton calendar hours berlin-office --from 2026-12-24T00:00:00Z --to 2026-12-29T00:00:00Z",
        arguments: [.arg("calendar", "A calendar key (applied) or a calendar file.")],
        options: [.value("from", "INSTANT", "Start (ISO 8601).", required: true),
                  .value("to", "INSTANT", "End (ISO 8601).", required: true)],
        run: { inv in
            let name = inv.arguments[0]
            let definition: CalendarDefinition
            if name.hasSuffix(".json") {
                definition = try CalendarDefinition.load(path: name)
            } else {
                let stored = try CommandSupport.store(inv).calendars()
                guard let d = stored[name] else {
                    throw ActionRefused("no calendar '\(name)' in the store (apply it with 'baton calendar apply FILE')\(Suggest.didYouMean(name, in: Array(stored.keys)))")
                }
                definition = d
            }
            _ = try inv.required("from"); _ = try inv.required("to")
            guard let from = try CommandSupport.instant(inv, "from"), let to = try CommandSupport.instant(inv, "to") else { return 64 }
            guard to >= from else { throw inv.usageError("--to must not be before --from") }
            let seconds = WorkingCalendar(definition).workingSeconds(from: from, to: to)
            inv.out.line("\(definition.key): \(DurationText.human(Double(seconds))) working (\(seconds) s) of \(DurationText.human(Double(to - from))) wall")
            return 0
        })
}
