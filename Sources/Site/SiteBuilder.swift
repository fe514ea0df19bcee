import BatonCore
import Foundation
import Reporting
import Scheduling
import SQLite

/// Builds the static site (`baton site --out DIR`, or a schedule definition of kind `site`): the index, a page per
/// team queue, a page per open ticket at an address only its HMAC key gives, the alerts, the report archive and,
/// for the services the definition lists, a "find my ticket" page. The open work is read once (one pass of
/// `site_open_runs.sql`, one of `site_tickets.sql`, `SiteTickets`); with a second connection, what does not depend
/// on the alerts is read on a second thread while they are computed (`SiteData.offload`), and the pages other than
/// the tickets' render on a thread while the ticket pages are written. The site is swapped in whole (`SiteOutput`),
/// and pages whose bytes did not change keep their file (`SiteWriter`).
public struct SiteBuilder {
    public struct Outcome: Sendable {
        /// The index page through the live link (`DIR/index.html`) and the build folder it resolves to.
        public var index: String
        public var build: String
        public var pages: Int, written: Int, kept: Int, tickets: Int, queues: Int
        public var removedReports: [String]
        public var phases: SitePhases
        /// Whether the ticket rows and the teams' flow were read on a second thread (`secondConnection`).
        public var usedSecondThread = false
    }

    public let db: Database
    public let queryFolder: String
    public var definition: SiteDefinition
    /// The alert rules' settings (as_of is the build's); nil: `baton alerts`' defaults.
    public var alertSettings: AlertSettings?

    /// Opens a second connection to the store: the ticket rows and the teams' flow are then read on a second thread
    /// at the same snapshot while this one computes the alerts and the open runs (`SectionWorker`). Nil: all here.
    public var secondConnection: SectionWorker.Opener?

    public init(db: Database, queryFolder: String, definition: SiteDefinition = SiteDefinition(), alertSettings: AlertSettings? = nil) {
        self.db = db; self.queryFolder = queryFolder; self.definition = definition; self.alertSettings = alertSettings
    }

    /// Builds the site as of `asOf` into `out` and makes it live.
    public func build(out: String, asOf: Int64, builtAt: Int64 = Instant.now()) throws -> Outcome {
        let output = SiteOutput(path: out)
        let live = try output.liveBuild()  // refuse a path Baton did not write before reading anything
        let phases = SitePhases()
        let key = try phases.time("store") { () throws -> SiteKey in
            let key = try SiteKey.load(db)
            try SchedulingSchema.migrator.migrate(db)  // the archive reads the run history
            return key
        }
        var settings = alertSettings ?? AlertSettings(asOf: asOf)
        settings.asOf = asOf
        // One snapshot for the alerts, the open work (the alert engine's table of open runs, not computed again),
        // the ticket pages and the archive. The engine's cache is brought up to date first (a write), then the read
        // transaction it joins is opened here; with a second connection, under the store's write lock, so the
        // second thread's snapshot is the same (as a report's, see SectionWorker).
        let started = phases.start()
        var engine = AlertEngine(db: db, queryFolder: queryFolder)
        engine.describedAlerts = AlertsPage.shownAlerts  // the rest are counted, not shown
        engine.marksNew = false  // no page says which alerts are new
        try engine.prepare(settings)
        let ownTransaction = !db.isInTransaction
        let hold = ownTransaction ? secondConnection.flatMap { SectionWorker.Hold($0) } : nil
        defer { hold?.release() }
        if ownTransaction { try db.execute("BEGIN DEFERRED") }
        defer { if ownTransaction, (try? db.execute("COMMIT")) == nil { try? db.execute("ROLLBACK") } }
        var offloaded: SiteData.Offloaded?
        if let hold {
            _ = try db.scalar("SELECT count(*) FROM sqlite_master")  // this connection's snapshot starts here
            offloaded = try SiteData.offload(queryFolder: queryFolder, asOf: asOf, key: key, listedServices: Set(definition.listedServices),
                                             live: live, under: hold)
            hold.release()
        }
        return try engine.compute(settings, generatedAt: asOf) { alerts, shared in
            phases.record("alerts", since: started)
            let data = try phases.time("open work") {
                try SiteData.load(db: db, queryFolder: queryFolder, asOf: asOf, alerts: alerts, openRuns: shared["_open_runs.sql"],
                                  offloaded: offloaded)
            }
            let tickets = try phases.time("open tickets") {
                try offloaded?.tickets(on: db)
                    ?? SiteTickets.read(db: db, query: try SiteData.query(queryFolder, "site_tickets.sql"), asOf: asOf, key: key,
                                        listedServices: Set(definition.listedServices))
            }
            var context = SiteContext(data: data, key: key, definition: definition, builtAt: builtAt)
            context.tickets = tickets
            var outcome = try publish(output, context, phases, preread: try offloaded?.manifest(on: db))
            outcome.usedSecondThread = offloaded != nil
            return outcome
        }
    }

    private func publish(_ output: SiteOutput, _ context: SiteContext, _ phases: SitePhases, preread: SiteWriter.LiveManifest?) throws -> Outcome {
        var c = context
        c.archive = try SiteArchive.load(db: db, keep: definition.keep)
        var counts = (pages: 0, written: 0, kept: 0)
        let folder = try output.publish(phases: phases, manifest: c.key.manifestName, preread: preread) { [c] writer in
            // The other pages render on a thread of their own meanwhile: they link tickets by address alone.
            let others = ThreadResult { Self.renderOthers(c) }
            try phases.time("ticket pages") { try writeTickets(writer, c) }
            try phases.time("other pages") {
                let pages = others.wait()
                for q in pages.queues { try writer.page(q.page, q.html) }
                try writer.page("alerts.html", pages.alerts)
                try writeArchive(writer, c)
                if let find = pages.find { try writer.page("find.html", find) }
                try writer.page("index.html", pages.index)
                try writer.finish()
            }
            counts = (writer.written + writer.kept, writer.written, writer.kept)
        }
        let removed = try c.archive.removeExpired()
        return Outcome(index: output.path + "/index.html", build: folder, pages: counts.pages, written: counts.written, kept: counts.kept,
                       tickets: c.tickets.all.count, queues: c.queuePages.count, removedReports: removed, phases: phases)
    }

    /// One page per open ticket; a ticket whose digest is the live page's is not rendered again.
    func writeTickets(_ writer: SiteWriter, _ c: SiteContext) throws {
        let version = c.ticketContext
        for p in c.tickets.all {
            try writer.ticketPage(p.name, digest: TicketPage.pageDigest(p, c, context: version)) { TicketPage.render(p.ticket, c) }
        }
    }

    /// The queue pages, in page order (one per team with open work, flow or gauges; the open runs are in team
    /// order, so each page is a slice).
    static func renderQueues(_ c: SiteContext) -> [(page: String, html: String)] {
        let runs = c.data.openRuns
        var start = 0
        var slices: [String: Range<Int>] = [:]
        while start < runs.count {
            var end = start
            while end < runs.count && runs[end].team == runs[start].team { end += 1 }
            slices[runs[start].team] = start..<end
            start = end
        }
        return c.queuePages.sorted(by: { $0.value < $1.value }).map { team, page in  // the manifest's order, whatever the dictionary's
            (page, QueuePage.render(team: team, runs: runs[slices[team] ?? 0..<0], c))
        }
    }

    /// The pages other than the tickets' and the archive's: the queues, the alerts, the find page (when services
    /// are listed) and the index.
    struct OtherPages {
        var queues: [(page: String, html: String)] = []
        var alerts = "", index = ""
        var find: String?
    }

    /// The other pages, rendered (on a thread of their own while the ticket pages are written).
    static func renderOthers(_ c: SiteContext) -> OtherPages {
        var pages = OtherPages()
        pages.queues = renderQueues(c)
        pages.alerts = AlertsPage.render(c)
        if !c.definition.listedServices.isEmpty { pages.find = FindPage.render(c) }
        pages.index = IndexPage.render(c)
        return pages
    }

    /// The archive page, and each kept period's files linked into the site (hard links, else copies).
    func writeArchive(_ writer: SiteWriter, _ c: SiteContext) throws {
        for p in c.archive.periods {
            for f in p.files { try writer.linkFile(from: p.folder + "/" + f, to: ArchivePage.folder(p) + "/" + f) }
        }
        try writer.page("reports.html", ArchivePage.render(c))
    }
}
