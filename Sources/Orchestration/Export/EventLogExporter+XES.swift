import BatonCore
import Foundation
import SQLite

extension EventLogExporter {
    /// The `baton` extension's URI: a name, not an address (nothing is served there); the definition it names is
    /// `samples/xes/baton.xesext`. Tools that cannot load it (ProM, PM4Py) keep the attributes as plain ones.
    public static let batonExtensionURI = "urn:baton:xes:baton.xesext"

    /// XES lifecycle transitions (IEEE 1849-2016's standard lifecycle model, declared with `lifecycle:model`) for
    /// Baton's event kinds; the exact kind also travels as `baton:event`. A ticket event and a `task_done` (one
    /// checklist item, an activity of its own named after the task) are atomic: `complete`.
    static let lifecycle: [EventKind: String] = [
        .opened: "complete", .closed: "complete", .cancelled: "complete", .ready: "schedule", .started: "start",
        .paused: "suspend", .resumed: "resume", .completed: "complete", .reopened: "schedule", .skipped: "manualskip",
        .taskDone: "complete", .reassigned: "reassign",
    ]

    /// The standard model's transitions: every `lifecycle:transition` the export writes is one of them.
    public static let standardTransitions: Set<String> = ["schedule", "assign", "withdraw", "reassign", "start", "suspend", "resume",
                                                          "pi_abort", "ate_abort", "complete", "autoskip", "manualskip", "unknown"]

    static let xesHeader = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
        \t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
        \t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
        \t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
        \t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
        \t<extension name="Baton" prefix="baton" uri="\(batonExtensionURI)"/>
        \t<global scope="trace">
        \t\t<string key="concept:name" value="__INVALID__"/>
        \t</global>
        \t<global scope="event">
        \t\t<string key="concept:name" value="__INVALID__"/>
        \t\t<string key="lifecycle:transition" value="complete"/>
        \t</global>
        \t<classifier name="Activity" keys="concept:name"/>
        \t<classifier name="Activity with lifecycle" keys="concept:name lifecycle:transition"/>
        \t<string key="concept:name" value="Baton event log"/>
        \t<string key="lifecycle:model" value="standard"/>

        """

    /// The XES parts that need the store: steps' names (the source's activity labels) and tickets' case attributes.
    final class XESWriter {
        struct StepKey: Hashable { var service: String, version: Int64, step: String }
        /// By service, version and step key; loaded once (a few rows per service version).
        var names: [StepKey: String] = [:]
        let intake: Statement

        init(_ db: Database) throws {
            for row in try db.rows("SELECT service, version, key, name FROM service_steps") {
                guard let s = row.string("service"), let v = row.int("version"), let k = row.string("key"), let n = row.string("name") else { continue }
                names[StepKey(service: s, version: v, step: k)] = n
            }
            intake = try db.prepare("SELECT intake FROM tickets WHERE id = ?")
        }

        func stepName(_ service: String, _ version: Int64, _ step: String) -> String {
            step.isEmpty ? "" : names[StepKey(service: service, version: version, step: step)] ?? step
        }

        /// A trace's opening and attributes: the ticket, its service and its intake (the case attributes an import
        /// kept; a value written as an XES date-time goes back out as a `date`). One indexed lookup per ticket.
        func trace(_ ticket: String, service: String) throws -> String {
            var out = "\t<trace>\n\t\t<string key=\"concept:name\" value=\"\(xml(ticket))\"/>\n\t\t<string key=\"service\" value=\"\(xml(service))\"/>\n"
            if let json = try intake.rows([ticket]).first?.string("intake"), json != "{}",
               let fields = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) {
                for (key, value) in fields.sorted(by: { $0.key < $1.key }) where key != "concept:name" && key != "service" {
                    let type = EventLogExporter.isXESDate(value) ? "date" : "string"
                    out += "\t\t<\(type) key=\"\(xml(key))\" value=\"\(xml(value))\"/>\n"
                }
            }
            return out
        }

        /// One event: `concept:name` is the step's name (its key is `baton:step`), the ticket event's kind, or the
        /// task of a `task_done`.
        func event(_ kindText: String, step: String, name: String, team: String, actor: String, time: String,
                   task: String, title: String, requester: String) -> String {
            let kind = EventKind(rawValue: kindText) ?? .completed
            let activity = kind.isTicketEvent ? kindText : kind == .taskDone && !task.isEmpty ? task : name
            var e = "\t\t<event>\n"
            e += "\t\t\t<string key=\"concept:name\" value=\"\(xml(activity))\"/>\n"
            e += "\t\t\t<string key=\"lifecycle:transition\" value=\"\(EventLogExporter.lifecycle[kind] ?? "unknown")\"/>\n"
            if !team.isEmpty { e += "\t\t\t<string key=\"org:group\" value=\"\(xml(team))\"/>\n" }
            if !actor.isEmpty { e += "\t\t\t<string key=\"org:resource\" value=\"\(xml(actor))\"/>\n" }
            e += "\t\t\t<date key=\"time:timestamp\" value=\"\(time.dropLast()).000+00:00\"/>\n"
            e += "\t\t\t<string key=\"baton:event\" value=\"\(kindText)\"/>\n"
            if !step.isEmpty { e += "\t\t\t<string key=\"baton:step\" value=\"\(xml(step))\"/>\n" }
            if !task.isEmpty { e += "\t\t\t<string key=\"baton:task\" value=\"\(xml(task))\"/>\n" }
            if !title.isEmpty { e += "\t\t\t<string key=\"baton:title\" value=\"\(xml(title))\"/>\n" }
            if !requester.isEmpty { e += "\t\t\t<string key=\"baton:requester\" value=\"\(xml(requester))\"/>\n" }
            return e + "\t\t</event>\n"
        }

        func xml(_ s: String) -> String { EventLogExporter.xml(s) }
    }

    /// An xs:dateTime as XES writes it: `yyyy-MM-ddTHH:mm:ss`, optional fraction, then `Z` or `±hh:mm`.
    static func isXESDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= b.count && range.allSatisfy { (48...57).contains(b[$0]) } }
        guard b.count >= 20, digits(0..<4), b[4] == 45, digits(5..<7), b[7] == 45, digits(8..<10), b[10] == 84,
              digits(11..<13), b[13] == 58, digits(14..<16), b[16] == 58, digits(17..<19) else { return false }
        var i = 19
        if b[i] == 46 { i += 1; let start = i; while i < b.count, (48...57).contains(b[i]) { i += 1 }; guard i > start else { return false } }
        if i == b.count - 1 { return b[i] == 90 }
        return i == b.count - 6 && (b[i] == 43 || b[i] == 45) && digits(i + 1..<i + 3) && b[i + 3] == 58 && digits(i + 4..<i + 6)
    }
}
