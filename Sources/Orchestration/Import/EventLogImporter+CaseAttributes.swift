import Foundation

/// Case attributes: what a log says of a case as a whole (XES trace attributes such as `impact` or `deadline`; the
/// columns a profile's `case_attributes` names) is kept as the ticket's intake, on its opened event, so that the
/// store and an XES export are as rich as the log. Noted once per case, when the rows move on to another ticket:
/// the cost is one comparison per row.
extension EventLogImporter.Run {
    /// Plain XES: every trace attribute of the record's case but its name (the ticket) and `service` (Baton's own).
    func noteTraceAttributes(_ ticket: String, _ record: [String: String]) {
        var fields: [String: String] = [:]
        for (key, value) in record where key.hasPrefix("case:") && key != "case:concept:name" && key != "case:service" {
            fields[String(key.dropFirst(5))] = value
        }
        noteCaseAttributes(ticket, fields)
    }

    /// The ticket's first row read gives its case attributes (a case attribute is the same on each of its rows).
    func noteCaseAttributes(_ ticket: String, _ fields: [String: String]) {
        lastCase = ticket
        if !fields.isEmpty, caseAttributes[ticket] == nil { caseAttributes[ticket] = fields }
    }

    /// A new ticket's events with its case attributes on its opened event (values the event has win); a ticket
    /// already in the store keeps the intake it has.
    func withCaseAttributes(_ events: [(Event, Int)], known: Bool) -> [(Event, Int)] {
        guard !known, !caseAttributes.isEmpty, let i = events.firstIndex(where: { $0.0.kind == .opened }),
              let fields = caseAttributes[events[i].0.ticketID] else { return events }
        var out = events
        out[i].0.intake = fields.merging(out[i].0.intake ?? [:]) { _, own in own }
        return out
    }
}
