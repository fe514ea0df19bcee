import BatonCore
import Foundation
import SQLite

/// Writes the store's event log back out: the canonical CSV or JSON Lines of DESIGN, or XES (IEEE 1849)
/// with the concept, lifecycle, org and time extensions and Baton's own (`baton:`) for process-mining tools (PM4Py,
/// ProM; see `EventLogExporter+XES.swift`). Streams: one ticket at a time, in ticket order, each ticket's events in
/// time order.
public struct EventLogExporter {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl, xes }

    /// Which tickets to export: those opened in [from, to) and of `service`, when given. A ticket's events
    /// are exported whole so that a re-import rebuilds the same ticket.
    public struct Filter: Sendable {
        public var from: Int64?
        public var to: Int64?
        public var service: String?
        public init(from: Int64? = nil, to: Int64? = nil, service: String? = nil) { self.from = from; self.to = to; self.service = service }
    }

    public struct Counts: Sendable, Equatable { public var tickets = 0, events = 0 }

    let store: OrchestrationStore
    public init(store: OrchestrationStore) { self.store = store }

    /// Writes the log through `write` (called with chunks of text) and returns what it wrote.
    @discardableResult
    public func export(_ format: Format, filter: Filter = Filter(), write: (String) throws -> Void) throws -> Counts {
        let db = store.db
        let statement = try db.prepare("""
            SELECT e.ticket_id, t.service, e.step,
                   COALESCE(e.team, (SELECT r.team FROM step_runs r WHERE r.ticket_id = e.ticket_id AND r.step = e.step LIMIT 1), '') AS team,
                   e.kind, e.at, COALESCE(e.actor, '') AS actor, e.task,
                   CASE WHEN e.kind = 'opened' THEN COALESCE(t.title, '') ELSE '' END AS title,
                   CASE WHEN e.kind = 'opened' THEN COALESCE(t.requester, '') ELSE '' END AS requester, t.service_version
            FROM tickets t JOIN events e ON e.ticket_id = t.id
            WHERE (?1 IS NULL OR t.service = ?1) AND (?2 IS NULL OR t.opened_at >= ?2) AND (?3 IS NULL OR t.opened_at < ?3)
            ORDER BY t.id, e.at, e.id
            """)
        let xes = format == .xes ? try XESWriter(db) : nil
        var counts = Counts()
        var buffer = ""
        buffer.reserveCapacity(1 << 17)
        func emit(_ s: String) throws {
            buffer += s
            if buffer.utf8.count >= 1 << 16 { try write(buffer); buffer.removeAll(keepingCapacity: true) }
        }
        switch format {
        case .csv: try emit("ticket_id,service,step,team,event,at,actor,task,title,requester\n")
        case .jsonl: break
        case .xes: try emit(Self.xesHeader)
        }
        var currentTicket: String?
        try statement.forEach([filter.service, filter.from, filter.to]) { s in
            let ticket = s.string(at: 0) ?? "", service = s.string(at: 1) ?? "", step = s.string(at: 2) ?? ""
            let team = s.string(at: 3) ?? "", kindText = s.string(at: 4) ?? "", at = s.int(at: 5) ?? 0
            let actor = s.string(at: 6) ?? "", task = s.string(at: 7) ?? ""
            let title = s.string(at: 8) ?? "", requester = s.string(at: 9) ?? ""
            if ticket != currentTicket {
                if let xes {
                    if currentTicket != nil { try emit("\t</trace>\n") }
                    try emit(try xes.trace(ticket, service: service))
                }
                currentTicket = ticket
                counts.tickets += 1
            }
            counts.events += 1
            let time = Instant.iso(at)
            switch format {
            case .csv:
                try emit([ticket, service, step, team, kindText, time, actor, task, title, requester].map(Self.csvField).joined(separator: ",") + "\n")
            case .jsonl:
                var object: [(String, String)] = [("ticket_id", ticket), ("service", service), ("step", step), ("team", team),
                                                  ("event", kindText), ("at", time), ("actor", actor)]
                if !task.isEmpty { object.append(("task", task)) }
                if !title.isEmpty { object.append(("title", title)) }
                if !requester.isEmpty { object.append(("requester", requester)) }
                try emit("{" + object.map { "\(Self.json($0.0)):\(Self.json($0.1))" }.joined(separator: ",") + "}\n")
            case .xes:
                let version = s.int(at: 10) ?? 0
                try emit(xes!.event(kindText, step: step, name: xes!.stepName(service, version, step), team: team, actor: actor,
                                    time: time, task: task, title: title, requester: requester))
            }
        }
        if format == .xes {
            if currentTicket != nil { try emit("\t</trace>\n") }
            try emit("</log>\n")
        }
        if !buffer.isEmpty { try write(buffer) }
        return counts
    }

    static func xml(_ s: String) -> String {
        TextEscaping.map(s) { c in
            switch c {
            case "&": return .text("&amp;")
            case "<": return .text("&lt;")
            case ">": return .text("&gt;")
            case "\"": return .text("&quot;")
            case "'": return .text("&apos;")
            case "\n": return .text("&#10;")
            case "\r": return .text("&#13;")
            case "\t": return .text("&#9;")
            default: return c.value < 0x20 ? .drop : .keep  // other controls are not allowed in XML 1.0
            }
        }
    }

    /// Canonical CSV is data for other programs: plain RFC 4180 quoting (no formula guard, which would change the values).
    static func csvField(_ s: String) -> String { CanonicalLogReader.csvField(s) }

    static func json(_ s: String) -> String { JSONText.string(s) }
}
