import BatonCore
import Foundation
import Reporting
import SQLite

/// The open tickets at as_of, read once per build (one pass of `site_tickets.sql`, on either thread), with what the
/// pages need of them besides the alerts: each ticket's page name and own digest (`SiteTicket.Prepared`), how many
/// each service has open, and the rows of the services listed on the "find my ticket" page.
struct SiteTickets: Sendable {
    /// In ticket id order.
    var all: [SiteTicket.Prepared] = []
    /// Page names by ticket id: the queue and alert pages link tickets without hashing their ids again.
    var names: [String: String] = [:]
    var byService: [String: Int] = [:]
    var listed: [String: [(id: String, title: String, requester: String, openedAt: Int64)]] = [:]

    /// Reads the open tickets at `asOf` (`query`: `site_tickets.sql`); `listedServices`: those of the find page.
    static func read(db: Database, query: QueryFile, asOf: Int64, key: SiteKey, listedServices: Set<String>) throws -> SiteTickets {
        var result = SiteTickets()
        try SiteTicket.forEach(db: db, query: query, asOf: asOf) { t in
            let p = SiteTicket.Prepared(t, asOf: asOf, key: key)
            result.all.append(p)
            result.names[t.id] = p.name
            result.byService[t.service, default: 0] += 1
            if listedServices.contains(t.service) { result.listed[t.service, default: []].append((t.id, t.title, t.requester, t.openedAt)) }
        }
        return result
    }

    func isOpen(_ id: String) -> Bool { names[id] != nil }
}
