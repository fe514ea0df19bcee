import BatonCore
import Foundation
import Orchestration
import Reporting
import Scheduling
import Site

/// `baton site --out DIR`: the static site (index, team queues, a private page per open ticket, alerts, the report
/// archive), for any web server or file share; also a schedule definition of `"kind": "site"`.
enum SiteCommands {
    static let command = CommandSpec(
        name: "site",
        abstract: "Build the static site: open work, a page per team queue and per open ticket, alerts and the report archive.",
        discussion: """
        Writes one self-contained, script-free site that any web server or file share can serve: index.html (open
        work by service and team, the alert summary, the latest reports, when it was built and as of when), a page
        per team queue (queues/TEAM.html: ready, active and paused steps, oldest first, at most 5,000, stalled and
        at-risk ones highlighted, then arrivals against completions), a page per open ticket (tickets/ABC/HASH.html:
        the requester's view; HASH is an HMAC-SHA256 of the ticket id under a key kept in the store, so one address
        does not lead to another), alerts.html, and reports.html with every report 'baton schedule run' wrote
        (reports/NAME/PERIOD/).
        --list-service SERVICE adds find.html listing that service's open tickets (opt-in, per service).

        DIR is a symbolic link to the live build in .DIR.builds/ beside it: a new build is written there, flushed,
        then swapped in by replacing the link, so a reader never sees a half-built site and a crash leaves the old
        one. Pages whose content did not change keep their file and mtime. An existing DIR that is not such a link
        is refused.

        Scheduled: reports/site.json with {"kind": "site", "schedule": "*/15 * * * *", "out": "site", "keep": 26,
        "listed_services": ["laptop"]} is built by 'baton schedule run' into OUT/site after the due reports; "keep"
        removes the scheduler's report folders beyond the newest 26 of each definition.
        """,
        options: [
            .value("out", short: "o", "DIR", "The site: a link Baton owns to the live build (created when missing).", required: true),
            .value("as-of", "INSTANT", "Build the site as of this instant (default: now)."),
            .value("definition", "NAME", "Take the title, listed services and retention of a site definition (reports/NAME.json with \"kind\": \"site\", or a path)."),
            .value("title", "TEXT", "The index page's title (default: the definition's, else Baton)."),
            .value("list-service", "KEY", "List this service's open tickets on find.html (\"find my ticket\").", repeating: true),
            .value("keep", "N", "Keep the newest N scheduled reports of each definition; remove the scheduler's older report folders."),
            .value("queries", "DIR", "The folder of SQL files (default: $BATON_QUERIES, ./queries, or next to the binary)."),
            .flag("verbose", "Say on standard error how many pages were written or kept, and how long each phase took."),
        ],
        run: run)

    static func run(_ inv: Invocation) throws -> Int32 {
        let out = ScheduleCommands.absolute(try inv.required("out"), inv)
        var definition = try inv.value("definition").map { name -> SiteDefinition in
            let file = try DefinitionFile.named(name, workingDirectory: inv.context.workingDirectory, environment: inv.context.environment)
            guard let site = file.site else {
                throw ReportingError("\(file.path): is not a site definition (\"kind\": \"site\")")
            }
            return site
        } ?? SiteDefinition()
        if let title = inv.value("title") { definition.title = title }
        let listed = inv.all("list-service")
        if let empty = listed.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw inv.usageError("--list-service needs a service key, not '\(empty)'")
        }
        if !listed.isEmpty { definition.listedServices = listed }
        if let text = inv.value("keep") {
            guard let n = Int(text), n >= 1 else { throw inv.usageError("--keep must be a whole number of reports, 1 or more, not '\(text)'") }
            definition.keep = n
        }
        let asOf = try CommandSupport.instant(inv, "as-of") ?? Instant.now()
        let store = try CommandSupport.store(inv)
        let known = try store.serviceKeys()
        for s in definition.listedServices where !known.contains(s) {
            throw inv.usageError("--list-service '\(s)' is not a service of the store\(Suggest.didYouMean(s, in: known))")
        }
        let queries = QueryFolder.locate(explicit: inv.value("queries"), environment: inv.context.environment,
                                         workingDirectory: inv.context.workingDirectory)
        let outcome = try builder(store, queries, definition).build(out: out, asOf: asOf)
        inv.out.line(outcome.index)
        for r in outcome.removedReports { inv.err.line("baton site: removed the old report \(r) (keep \(definition.keep ?? 0))") }
        if inv.flag("verbose") {
            inv.err.line("baton site: \(outcome.pages) pages (\(outcome.written) written, \(outcome.kept) unchanged), \(outcome.tickets) open tickets, \(outcome.queues) queues, as of \(Instant.iso(asOf)) (\(outcome.phases.summary))")
        }
        return 0
    }

    /// The site builder of `baton site` and the scheduler: with a second connection to the store for its reads.
    static func builder(_ store: OrchestrationStore, _ queries: String, _ definition: SiteDefinition) -> SiteBuilder {
        var builder = SiteBuilder(db: store.db, queryFolder: queries, definition: definition)
        builder.secondConnection = CommandSupport.secondConnection(to: store)
        return builder
    }

    /// The scheduler's site: built as of the fire time into OUT/<definition's out>.
    static func generateScheduled(_ d: ScheduleDefinition, _ p: SchedulePeriod, _ folder: String,
                                  store: OrchestrationStore, queries: String) throws -> [String] {
        guard let site = d.site else { throw ScheduleError("\(d.path): not a site definition") }
        let outcome = try builder(store, queries, site).build(out: folder + "/" + site.out, asOf: p.end)
        return [outcome.index]
    }
}
