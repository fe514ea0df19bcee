import BatonCore
import Foundation
import SQLite

/// The row source of a plain XES log (no profile): one `<event>` record → one canonical row.
///
/// Case `concept:name` = ticket, event `concept:name` = step, `lifecycle:transition` = kind (a `baton:event`
/// attribute, as Baton exports it, wins), `org:group` = team, `org:resource` = actor, `time:timestamp` = time. The
/// service is the trace's `service` attribute, else `--service`, else the log's name. (A trace without an `opened`
/// event opens at its first event: the applier's rule for XES.)
struct XESRowSource {
    let file: String
    /// `--service`: the service of traces that name none.
    let service: String?

    static let lifecycle: [String: EventKind] = [
        "start": .started, "complete": .completed, "schedule": .ready, "assign": .ready, "suspend": .paused,
        "resume": .resumed, "manualskip": .skipped, "autoskip": .skipped, "ate_abort": .skipped, "reassign": .reassigned,
    ]

    /// The record's text for the rejects file.
    static func describe(_ r: [String: String]) -> String {
        r.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }

    func row(_ r: [String: String], line: Int) throws -> (StagedRow, RowNames) {
        guard let ticket = r["case:concept:name"], !ticket.isEmpty else {
            throw InputError(file: file, line: line, field: "concept:name", "the trace has no concept:name (the ticket id)")
        }
        guard let time = r["time:timestamp"], let at = Instant.parse(time) else {
            throw InputError(file: file, line: line, field: "time:timestamp", "'\(r["time:timestamp"] ?? "")' is not an ISO 8601 date-time")
        }
        let kind: EventKind
        if let k = r["baton:event"] {
            guard let parsed = EventKind(rawValue: k) else {
                throw InputError(file: file, line: line, field: "baton:event", "unknown event kind '\(k)'\(Suggest.didYouMean(k, in: EventKind.allCases.map(\.rawValue)))")
            }
            kind = parsed
        } else {
            let transition = (r["lifecycle:transition"] ?? "complete").lowercased()
            guard let mapped = Self.lifecycle[transition] else {
                throw InputError(file: file, line: line, field: "lifecycle:transition",
                                 "unknown transition '\(transition)' (read: \(Self.lifecycle.keys.sorted().joined(separator: ", "))); a status-change log needs --profile (see samples/profiles/)")
            }
            kind = mapped
        }
        let serviceKey = r["case:service"] ?? service ?? r["log:concept:name"].map(KeySlug.make)
            ?? KeySlug.make(((file as NSString).lastPathComponent as NSString).deletingPathExtension.replacingOccurrences(of: ".xes", with: ""))
        let stepName = kind.isTicketEvent ? "" : (r["concept:name"] ?? "")
        guard kind.isTicketEvent || !stepName.isEmpty else {
            throw InputError(file: file, line: line, field: "concept:name", "the event has no concept:name (the step)")
        }
        let teamName = r["org:group"] ?? ""
        // Baton's own export (baton:event) carries its keys as they are; any other log's labels become keys by the
        // one slug rule every path uses, and stay as the steps' and teams' names.
        let own = r["baton:event"] != nil
        // Since `baton:step`, Baton's export names the step in concept:name (a task_done, its task) and keys it there.
        let ownKey = own ? r["baton:step"] : nil
        let step = stepName.isEmpty ? stepName : own ? ownKey ?? stepName : KeySlug.make(stepName)
        let ownName = ownKey != nil && kind != .taskDone && !kind.isTicketEvent ? stepName : nil
        let team = teamName.isEmpty || own ? teamName : KeySlug.make(teamName)
        let row = StagedRow(ticket: ticket, at: at, kind: kind.rawValue, service: serviceKey, step: step, team: team,
                            actor: r["org:resource"] ?? "", task: r["baton:task"] ?? "",
                            title: kind == .opened ? r["baton:title"] ?? "" : "",
                            requester: kind == .opened ? r["baton:requester"] ?? "" : "", line: line)
        return (row, RowNames(step: own ? ownName : stepName.isEmpty ? nil : stepName, team: own || teamName.isEmpty ? nil : teamName))
    }
}
