import BatonCore
import Foundation
import Reporting
import Rendering

/// What every page builder needs: the shared data, the key of ticket addresses, the site's settings and the page
/// names of the queues.
struct SiteContext {
    var data: SiteData
    var key: SiteKey
    var definition: SiteDefinition
    var builtAt: Int64
    /// Queue page per team key (`queues/it.html`), unique even when two keys map to the same file name.
    var queuePages: [String: String] = [:]
    /// The open tickets (they have pages), their page names, per service how many are open, and the listed
    /// services' rows for the "find my ticket" page.
    var tickets = SiteTickets()
    var archive = SiteArchive()
    /// Stalled and at-risk runs by ticket, then step (the alert engine's verdicts): one lookup per ticket.
    var flags: [String: [(step: String, kind: Alert.Kind)]] = [:]
    /// What every ticket page depends on besides its ticket: the page's version and style, and the names it shows.
    var ticketContext: [UInt8] = []
    static let ticketPageVersion = "ticket-page-1"

    init(data: SiteData, key: SiteKey, definition: SiteDefinition, builtAt: Int64) {
        self.data = data; self.key = key; self.definition = definition; self.builtAt = builtAt
        for a in data.alerts.alerts where a.kind == .stalled || a.kind == .atRisk {
            if let i = flags[a.ticketID]?.firstIndex(where: { $0.step == a.step }) {
                flags[a.ticketID]![i].kind = a.kind  // the last verdict for a step wins, as it did by key
            } else {
                flags[a.ticketID, default: []].append((a.step, a.kind))
            }
        }
        var h = SHA256()
        h.update(Array((Self.ticketPageVersion + SitePage.css).utf8))
        for names in [data.teamNames, data.serviceNames, data.stepNames] {
            for (k, v) in names.sorted(by: { $0.key < $1.key }) { h.update(Array((k + "\u{1F}" + v + "\u{1E}").utf8)) }
        }
        ticketContext = h.finish()
        var taken: Set<String> = []
        let teams = Set(data.openRuns.map(\.team)).union(data.flow.keys).union(data.alerts.openWork.map(\.team))
        for team in teams.sorted() {
            let base = team.isEmpty ? "no-team" : HTMLEscape.identifier(team).lowercased()
            var name = base, n = 2
            while taken.contains(name) { name = "\(base)-\(n)"; n += 1 }
            taken.insert(name)
            queuePages[team] = "queues/\(name).html"
        }
    }

    func flag(_ ticket: String, _ step: String) -> Alert.Kind? { flags[ticket]?.first { $0.step == step }?.kind }

    /// The verdicts of one ticket's runs (nil: none is stalled or at risk), for a loop over its steps.
    func flags(_ ticket: String) -> [(step: String, kind: Alert.Kind)]? { flags[ticket] }

    /// The page of a ticket relative to the site root.
    func ticketPage(_ id: String) -> String { SiteWriter.ticketPath(tickets.names[id] ?? key.pageName(ticket: id)) }

    func serviceName(_ key: String) -> String { data.serviceNames[key] ?? key }
}
