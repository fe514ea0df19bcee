import Foundation

/// What happened to a ticket or one of its steps.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    // Ticket events (step is empty).
    case opened, closed, cancelled
    // Step events.
    case ready, started, paused, resumed, completed, reopened, skipped
    case taskDone = "task_done"
    /// The run changes team (the event's `team` owns it from this instant on).
    case reassigned

    public var isTicketEvent: Bool { self == .opened || self == .closed || self == .cancelled }

    /// `init(rawValue:)` by the name's first letter and one comparison, instead of trying each name in turn:
    /// an import reads one per row.
    public init?(name: String) {
        let kind: EventKind
        switch name.utf8.first {
        case UInt8(ascii: "o"): kind = .opened
        case UInt8(ascii: "c"): kind = name.utf8.count == 9 ? (name.utf8.dropFirst().first == UInt8(ascii: "o") ? .completed : .cancelled) : .closed
        case UInt8(ascii: "r"):
            switch name.utf8.count { case 5: kind = .ready; case 8: kind = .reopened; case 10: kind = .reassigned; default: kind = .resumed }
        case UInt8(ascii: "s"): kind = name.utf8.dropFirst().first == UInt8(ascii: "t") ? .started : .skipped
        case UInt8(ascii: "p"): kind = .paused
        case UInt8(ascii: "t"): kind = .taskDone
        default: return nil
        }
        guard name == kind.rawValue else { return nil }
        self = kind
    }
}

/// One row of the append-only `events` table.
public struct Event: Sendable, Equatable {
    public var ticketID: String
    /// Empty for ticket events.
    public var step: String
    public var kind: EventKind
    /// Unix seconds, UTC.
    public var at: Int64
    public var actor: String?
    /// Where it came from: `cli`, or `import:<file>`.
    public var source: String
    public var team: String?
    public var task: String
    public var note: String?
    /// Opened events: the service and version the ticket was opened with, and its intake.
    public var service: String?
    public var serviceVersion: Int?
    public var title: String?
    public var requester: String?
    public var intake: [String: String]?

    public init(ticketID: String, step: String = "", kind: EventKind, at: Int64, actor: String? = nil,
                source: String = "cli", team: String? = nil, task: String = "", note: String? = nil,
                service: String? = nil, serviceVersion: Int? = nil, title: String? = nil,
                requester: String? = nil, intake: [String: String]? = nil) {
        self.ticketID = ticketID; self.step = step; self.kind = kind; self.at = at; self.actor = actor
        self.source = source; self.team = team; self.task = task; self.note = note; self.service = service
        self.serviceVersion = serviceVersion; self.title = title; self.requester = requester; self.intake = intake
    }

    /// The JSON payload stored with an `opened` event (title, requester, intake); nil for other events or when empty.
    public var payloadJSON: String? {
        guard kind == .opened else { return nil }
        var object: [String: Any] = [:]
        if let title, !title.isEmpty { object["title"] = title }
        if let requester, !requester.isEmpty { object["requester"] = requester }
        if let intake, !intake.isEmpty { object["intake"] = intake }
        guard !object.isEmpty, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The identity used for idempotent imports: the same ticket, step, kind, instant and task is the same event.
    public struct Identity: Hashable, Sendable {
        public let ticketID: String, step: String, kind: EventKind, at: Int64, task: String
    }
    public var identity: Identity { Identity(ticketID: ticketID, step: step, kind: kind, at: at, task: task) }
}

/// A service version as the state machine needs it.
public struct ServiceVersion: Sendable {
    public var key: String
    public var version: Int
    public var enforceOrder: Bool
    public var autoClose: Bool
    /// `definition` (from a JSON file) or `log` (created by an import from the steps it saw).
    public var origin: String
    public var definition: ServiceDefinition

    public var isDefined: Bool { origin == "definition" }
}
