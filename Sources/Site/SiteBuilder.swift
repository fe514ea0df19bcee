import BatonCore
import Foundation
import Reporting
import Scheduling
import SQLite

/// Builds the static site (`baton site --out DIR`, or a schedule definition of kind `site`): the index, a page per
/// team queue, a page per open ticket at an address only its HMAC key gives, the alerts, the report archive and,
/// for the services the definition lists, a "find my ticket" page. The open work is read once (one pass of
/// `site_open_runs.sql`, one of `site_tickets.sql` streamed page by page); the site is swapped in whole
/// (`SiteOutput`), and pages whose bytes did not change keep their file (`SiteWriter`).
public struct SiteBuilder {
    public struct Outcome: Sendable {
        /// The index page through the live link (`DIR/index.html`) and the build folder it resolves to.
        public var index: String
        public var build: String
        public var pages: Int, written: Int, kept: Int, tickets: Int, queues: Int
        public var removedReports: [String]
        public var phases: SitePhases
    }

    public let db: Database
    public let queryFolder: String
    public var definition: SiteDefinition
    /// The alert rules' settings (as_of is the build's); nil: `baton alerts`' defaults.
    public var alertSettings: AlertSettings?

    public init(db: Database, queryFolder: String, definition: SiteDefinition = SiteDefinition(), alertSettings: AlertSettings? = nil) {
        self.db = db; self.queryFolder = queryFolder; self.definition = definition; self.alertSettings = alertSettings
    }

    /// Builds the site as of `asOf` into `out` and makes it live.
    public func build(out: String, asOf: Int64, builtAt: Int64 = Instant.now()) throws -> Outcome {
        let output = SiteOutput(path: out)
        _ = try output.liveBuild()  // refuse a path Baton did not write before reading anything
        let phases = SitePhases()
        let key = try phases.time("store") { () throws -> SiteKey in
            let key = try SiteKey.load(db)
            try SchedulingSchema.migrator.migrate(db)  // the archive reads the run history
            return key
        }
        var settings = alertSettings ?? AlertSettings(asOf: asOf)
        settings.asOf = asOf
        // One snapshot for the alerts, the open work (the alert engine's table of open runs, not computed again),
        // the ticket pages and the archive.
        let started = phases.start()
        return try AlertEngine(db: db, queryFolder: queryFolder).compute(settings, generatedAt: asOf) { alerts, shared in
            phases.record("alerts", since: started)
            let data = try phases.time("open work") {
                try SiteData.load(db: db, queryFolder: queryFolder, asOf: asOf, alerts: alerts, openRuns: shared["_open_runs.sql"])
            }
            return try publish(output, SiteContext(data: data, key: key, definition: definition, builtAt: builtAt), phases)
        }
    }

    private func publish(_ output: SiteOutput, _ context: SiteContext, _ phases: SitePhases) throws -> Outcome {
        var c = context
        c.archive = try SiteArchive.load(db: db, keep: definition.keep)
        var counts = (pages: 0, written: 0, kept: 0)
        let folder = try output.publish(phases: phases) { writer in
            try phases.time("ticket pages") { try writeTickets(writer, &c) }
            try phases.time("other pages") {
                try writeQueues(writer, c)
                try writer.page("alerts.html", AlertsPage.render(c))
                try writeArchive(writer, c)
                if !definition.listedServices.isEmpty { try writer.page("find.html", FindPage.render(c)) }
                try writer.page("index.html", IndexPage.render(c))
                try writer.finish()
            }
            counts = (writer.written + writer.kept, writer.written, writer.kept)
        }
        let removed = try c.archive.removeExpired()
        return Outcome(index: output.path + "/index.html", build: folder, pages: counts.pages, written: counts.written, kept: counts.kept,
                       tickets: c.openTickets.count, queues: c.queuePages.count, removedReports: removed, phases: phases)
    }

    /// One page per open ticket, streamed: no more than one ticket is held at a time.
    func writeTickets(_ writer: SiteWriter, _ c: inout SiteContext) throws {
        let listed = Set(definition.listedServices)
        var ids: Set<String> = [], byService: [String: Int] = [:], names: [String: String] = [:]
        var rows: [String: [(id: String, title: String, requester: String, openedAt: Int64)]] = [:]
        let context = c, version = c.ticketContext
        try SiteTicket.forEach(db: db, queryFolder: queryFolder, asOf: c.data.asOf) { t in
            ids.insert(t.id)
            byService[t.service, default: 0] += 1
            if listed.contains(t.service) { rows[t.service, default: []].append((t.id, t.title, t.requester, t.openedAt)) }
            let name = context.key.pageName(ticket: t.id)
            names[t.id] = name
            try writer.ticketPage(name, digest: TicketPage.inputDigest(t, context, context: version)) {
                TicketPage.render(t, context)
            }
        }
        c.openTickets = ids
        c.ticketNames = names
        c.openTicketsByService = byService
        c.listed = rows
    }

    /// One page per team with open work, flow or gauges; the open runs are in team order, so each page is a slice.
    func writeQueues(_ writer: SiteWriter, _ c: SiteContext) throws {
        let runs = c.data.openRuns
        var start = 0
        var slices: [String: Range<Int>] = [:]
        while start < runs.count {
            var end = start
            while end < runs.count && runs[end].team == runs[start].team { end += 1 }
            slices[runs[start].team] = start..<end
            start = end
        }
        for (team, page) in c.queuePages.sorted(by: { $0.value < $1.value }) {  // the manifest's order, whatever the dictionary's
            try writer.page(page, QueuePage.render(team: team, runs: runs[slices[team] ?? 0..<0], c))
        }
    }

    /// The archive page, and each kept period's files linked into the site (hard links, else copies).
    func writeArchive(_ writer: SiteWriter, _ c: SiteContext) throws {
        for p in c.archive.periods {
            for f in p.files { try writer.linkFile(from: p.folder + "/" + f, to: ArchivePage.folder(p) + "/" + f) }
        }
        try writer.page("reports.html", ArchivePage.render(c))
    }
}
