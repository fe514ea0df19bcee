import BatonCore
import Foundation
import Orchestration
import SQLite

/// The generator's SplitMix64, so a seed always gives the same log; helpers for the synthetic log.
extension SplitMix64 {
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    /// Whole minutes in [lo, hi], as seconds.
    mutating func minutes(_ lo: Int64, _ hi: Int64) -> Int64 { (lo + Int64(next() % UInt64(hi - lo + 1))) * 60 }
}

/// The ground truth of a synthetic log, kept by the generator as it writes the events: every step run's
/// ready, start, pauses and end as they happened. The reference metrics are computed from this, never
/// from the store.
struct TruthRun {
    enum End: Equatable { case done, skipped, cancelled }
    var service: String
    var step: String
    var team: String
    var kind: String
    var targetSeconds: Int64?
    var attempt: Int
    var ready: Int64
    var started: Int64?
    var end: Int64?
    var endKind: End?
    var pauses: [(start: Int64, end: Int64?)] = []
}

struct TruthTicket {
    var id: String
    var service: String
    var title: String
    var opened: Int64
    var closed: Int64?
    var cancelled: Int64?
    var runs: [TruthRun]
}

/// A synthetic history of three services, fed to the store the way the importer does (history mode),
/// with rework, skips, cancellations, pauses, tickets still open at the end and a service that never
/// closes a ticket.
struct SyntheticLog {
    var services: [ServiceDefinition]
    var tickets: [TruthTicket]
    var events: [Event]
    var start: Int64
    var end: Int64

    static let onboarding = ServiceDefinition(key: "onboarding", name: "Employee onboarding", enforceOrder: true, steps: [
        .init(key: "hr-review", name: "HR review", team: "hr", kind: .review, target: "1d"),
        .init(key: "it-access", name: "IT access", team: "it", kind: .task),
        .init(key: "equipment", name: "Equipment approval", team: "managers", kind: .approval),
    ])
    static let access = ServiceDefinition(key: "access", name: "Access request", enforceOrder: false, steps: [
        .init(key: "grant", name: "Grant access", team: "it", kind: .task),
        .init(key: "verify", name: "Verify", team: "security", kind: .review, target: "8h", calendar: "berlin-office"),
    ])
    static let printer = ServiceDefinition(key: "printer", name: "Printer repair", enforceOrder: true, steps: [
        .init(key: "fix", name: "Fix printer", team: "facilities", kind: .task),
    ])

    /// `tickets` tickets opened over `weeks` weeks from `start` (a Monday); the log ends 3 days after.
    static func generate(seed: UInt64, tickets count: Int, start: Int64, weeks: Int) -> SyntheticLog {
        var rng = SplitMix64(seed: seed)
        let end = start + Int64(weeks) * 7 * 86_400 + 3 * 86_400
        var log = SyntheticLog(services: [onboarding, access, printer], tickets: [], events: [], start: start, end: end)
        var planned: [(Event, Int)] = []  // event and its order of emission within the ticket
        for n in 0..<count {
            let opened = start + rng.minutes(0, Int64(weeks) * 7 * 24 * 60)
            let service: ServiceDefinition
            if n % 97 == 5 { service = printer } else { service = rng.chance(0.6) ? onboarding : access }
            let id = String(format: "T-%05d", n + 1)
            let title = n == 7 ? "=HYPERLINK(\"http://x\",\"click\")" : "Request \(n + 1), please"
            var (ticket, events) = simulate(id: id, title: title, service: service, opened: opened, rng: &rng)
            // Cut the timeline: cancelled somewhere in the middle, or still open when the log ends.
            let finish = ticket.closed ?? end
            var cut: Int64? = nil
            if service.key == "printer" {
                // Printer tickets never close: left untouched, cancelled before any work is done, or worked
                // but never closed.
                switch n % 3 {
                case 0: (ticket, events) = truncate(ticket, events, at: opened + 30, cancelled: false)
                case 1: cut = opened + 90  // before any step could be done (work takes an hour or more)
                default:
                    ticket.closed = nil
                    events.removeAll { $0.kind == .closed }
                }
            } else if rng.chance(0.07), finish > opened + 120 {
                cut = opened + 60 * Int64(Double((finish - opened) / 60) * rng.unit()) + 30
            }
            if let c = cut, c < end {
                (ticket, events) = truncate(ticket, events, at: c, cancelled: true)
            } else {
                (ticket, events) = truncate(ticket, events, at: end, cancelled: false)
            }
            log.tickets.append(ticket)
            for (k, e) in events.enumerated() { planned.append((e, k)) }
        }
        // Each ticket's events in time order (emission order breaks ties), tickets interleaved by time.
        log.events = planned.enumerated().sorted { a, b in
            if a.element.0.at != b.element.0.at { return a.element.0.at < b.element.0.at }
            return a.offset < b.offset
        }.map { $0.element.0 }
        return log
    }

    /// The full life of one ticket (before any cut): its runs and its events.
    static func simulate(id: String, title: String, service: ServiceDefinition, opened: Int64,
                         rng: inout SplitMix64) -> (TruthTicket, [Event]) {
        var events: [Event] = [Event(ticketID: id, kind: .opened, at: opened, actor: "req", source: "import:test",
                                     service: service.key, serviceVersion: 1, title: title, requester: "req")]
        var runs: [TruthRun] = []
        func stepEvent(_ step: ServiceDefinition.Step, _ kind: EventKind, _ at: Int64) {
            events.append(Event(ticketID: id, step: step.key, kind: kind, at: at, actor: "bo", source: "import:test", team: step.team))
        }
        /// One attempt from `ready`; returns when it ended.
        func attempt(_ step: ServiceDefinition.Step, _ number: Int, ready: Int64, mayPauseOrSkip: Bool) -> Int64 {
            var run = TruthRun(service: service.key, step: step.key, team: step.team ?? "", kind: step.kind.rawValue,
                               targetSeconds: step.targetSeconds, attempt: number, ready: ready)
            let (waitHi, workLo, workHi): (Int64, Int64, Int64)
            switch (service.key, step.key) {
            case ("onboarding", "hr-review"): (waitHi, workLo, workHi) = (2 * 24 * 60, 30, 8 * 60)
            case ("onboarding", "it-access"): (waitHi, workLo, workHi) = (3 * 24 * 60, 10, 20 * 60)
            case ("onboarding", "equipment"): (waitHi, workLo, workHi) = (24 * 60, 5, 60)
            case ("access", "grant"): (waitHi, workLo, workHi) = (12 * 60, 100, 140)   // steady: a candidate for automation
            case ("access", "verify"): (waitHi, workLo, workHi) = (30 * 60, 5, 6 * 60)
            default: (waitHi, workLo, workHi) = (24 * 60, 60, 48 * 60)
            }
            if mayPauseOrSkip, step.key != "grant", rng.chance(0.08) {
                let at = ready + rng.minutes(10, 5 * 60)
                stepEvent(step, .skipped, at)
                run.end = at; run.endKind = .skipped
                runs.append(run)
                return at
            }
            var t = ready + rng.minutes(0, waitHi)
            if step.key == "grant" || rng.chance(0.88) {
                run.started = t
                stepEvent(step, .started, t)
                if mayPauseOrSkip, step.key != "grant", rng.chance(0.2) {
                    let pausedAt = t + rng.minutes(1, 120)
                    let resumedAt = pausedAt + rng.minutes(30, 3 * 24 * 60)
                    stepEvent(step, .paused, pausedAt)
                    stepEvent(step, .resumed, resumedAt)
                    run.pauses.append((pausedAt, resumedAt))
                    t = resumedAt
                }
            }
            let done = t + rng.minutes(workLo, workHi)
            stepEvent(step, .completed, done)
            run.end = done; run.endKind = .done
            runs.append(run)
            return done
        }
        var lastEnd = opened
        if service.enforceOrder {
            var ready = opened
            for step in service.steps {
                let ended = attempt(step, 1, ready: ready, mayPauseOrSkip: true)
                lastEnd = max(lastEnd, ended)
                if runs.last!.endKind == .done, step.key != "grant", rng.chance(0.07) {
                    let reopened = ended + rng.minutes(60, 24 * 60)
                    stepEvent(step, .reopened, reopened)
                    lastEnd = max(lastEnd, attempt(step, 2, ready: reopened, mayPauseOrSkip: false))
                }
                ready = ended  // the next step is ready when this one is done (its first attempt)
            }
        } else {
            for step in service.steps {
                let ended = attempt(step, 1, ready: opened, mayPauseOrSkip: true)
                lastEnd = max(lastEnd, ended)
                if runs.last!.endKind == .done, step.key == "verify", rng.chance(0.1) {
                    let reopened = ended + rng.minutes(60, 24 * 60)
                    stepEvent(step, .reopened, reopened)
                    lastEnd = max(lastEnd, attempt(step, 2, ready: reopened, mayPauseOrSkip: false))
                }
            }
        }
        let closed = lastEnd + rng.minutes(0, 120)
        events.append(Event(ticketID: id, kind: .closed, at: closed, actor: "bo", source: "import:test"))
        return (TruthTicket(id: id, service: service.key, title: title, opened: opened, closed: closed, runs: runs), events)
    }

    /// The ticket as it stands when its history stops at `cut`: events after it are dropped, and a
    /// cancellation at `cut` ends every open run (closing an open pause) as DESIGN says.
    static func truncate(_ ticket: TruthTicket, _ events: [Event], at cut: Int64, cancelled: Bool) -> (TruthTicket, [Event]) {
        var t = ticket
        var kept = events.filter { $0.at <= cut }
        if let c = t.closed, c > cut { t.closed = nil }
        t.runs = t.runs.filter { $0.ready <= cut }.map { run in
            var r = run
            if let s = r.started, s > cut { r.started = nil }
            r.pauses = r.pauses.filter { $0.start <= cut }.map { p in (p.start, p.end.flatMap { $0 <= cut ? $0 : nil }) }
            if let e = r.end, e > cut { r.end = nil; r.endKind = nil }
            if cancelled, r.end == nil {
                r.end = cut; r.endKind = .cancelled
                if let last = r.pauses.indices.last, r.pauses[last].end == nil { r.pauses[last].end = cut }
            }
            return r
        }
        if cancelled {
            t.cancelled = cut
            kept.append(Event(ticketID: t.id, kind: .cancelled, at: cut, actor: "req", source: "import:test"))
        }
        return (t, kept)
    }

    /// Only what was known at `asOf`: the log as if it had been imported then.
    func events(upTo asOf: Int64) -> [Event] { events.filter { $0.at <= asOf } }

    /// Writes `events` as a canonical CSV log and imports it into a new store with `baton import`'s importer:
    /// the path a user's history takes. Tickets are written newest first, so the importer must reorder them.
    /// The calendar of the log's services and teams: `access/verify` names it on the step, team `it` on the team.
    static let calendarFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples/calendars/berlin-office.json")
    static let teamCalendars = ["it": "berlin-office"]

    /// `groupedByTicket`: the log file holds each ticket's events together (tickets in reverse order), else the
    /// events in the order given.
    static func makeStore(at path: String, services: [ServiceDefinition], events: [Event], appliedAt: Int64,
                          groupedByTicket: Bool = true) throws -> OrchestrationStore {
        let store = try OrchestrationStore(path: path)
        try store.apply(calendar: try CalendarDefinition.load(path: calendarFile.path), at: appliedAt)
        // Every team on the roster (so the roster changes nothing), `it` with its calendar.
        for team in Set(services.flatMap { $0.steps.compactMap(\.team) }).sorted() {
            try store.apply(team: TeamDefinition(key: team, name: team, calendar: teamCalendars[team]))
        }
        for s in services { try store.apply(s, at: appliedAt) }
        var serviceOf: [String: String] = [:]
        var order: [String] = []
        var byTicket: [String: [Event]] = [:]
        for e in events {
            if let s = e.service { serviceOf[e.ticketID] = s }
            if byTicket[e.ticketID] == nil { order.append(e.ticketID) }
            byTicket[e.ticketID, default: []].append(e)
        }
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var csv = "ticket_id,service,step,team,event,at,actor,task,title,requester\n"
        for e in groupedByTicket ? order.reversed().flatMap({ byTicket[$0]! }) : events {
            csv += [e.ticketID, serviceOf[e.ticketID] ?? "", e.step, e.team ?? "", e.kind.rawValue, Instant.iso(e.at), e.actor ?? "", e.task,
                    e.title ?? "", e.requester ?? ""].map(field).joined(separator: ",") + "\n"
        }
        let logPath = path + ".log.csv"
        try csv.write(toFile: logPath, atomically: true, encoding: .utf8)
        let summary = try EventLogImporter(store: store).run(try ByteSource(path: logPath), options: .init(format: .csv))
        precondition(summary.eventsAdded == events.count, "the importer added \(summary.eventsAdded) of \(events.count) events")
        return store
    }
}
