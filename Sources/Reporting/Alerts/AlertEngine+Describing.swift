import Foundation
import SQLite

extension AlertEngine {
    /// Gives each alert its ticket's title and requester and its step's name (in the ticket's service version):
    /// one indexed lookup per alert, so the cost follows the alerts, not the store.
    func describe(_ alerts: inout ArraySlice<Alert>) throws {
        let ticket = try db.cached("SELECT title, requester, service_version FROM tickets WHERE id = ?")
        let step = try db.cached("SELECT name FROM service_steps WHERE service = ? AND version = ? AND key = ?")
        var names: [String: String?] = [:]  // by service, version and step: many alerts share a step
        for i in alerts.indices where alerts[i].kind != .unwatched && !alerts[i].ticketID.isEmpty {
            guard let row = try ticket.rows([alerts[i].ticketID]).first else { continue }
            alerts[i].title = row.string("title")
            alerts[i].requester = row.string("requester")
            if !alerts[i].step.isEmpty, let version = row.int("service_version") {
                let key = "\(alerts[i].service)\u{0}\(version)\u{0}\(alerts[i].step)"
                if names[key] == nil { names[key] = try step.rows([alerts[i].service, version, alerts[i].step]).first?.string("name") }
                alerts[i].stepName = names[key] ?? nil
            }
        }
    }
}
