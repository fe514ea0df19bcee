import BatonCore
import Foundation
import Testing
@testable import Orchestration
import SQLite

@Suite struct StateMachineTests {
    /// A refused event leaves the ticket exactly as it was (the machine changes tickets in place and takes back the
    /// run a step's first event adds): thousands of random events, in both modes, on defined (enforced and flexible)
    /// and log-made services, checking every refusal against the ticket before it.
    @Test(arguments: [StateMachine.Mode.strict, .history])
    func aRefusedEventLeavesTheTicketUnchanged(_ mode: StateMachine.Mode) throws {
        let steps: [ServiceDefinition.Step] = [.init(key: "a", name: "A", team: "t1", tasks: ["x"]), .init(key: "b", name: "B", team: "t2"),
                                               .init(key: "c", name: "C", team: "t1")]
        let services = [(true, "definition"), (false, "definition"), (true, "log")].map { enforce, origin in
            ServiceVersion(key: "s", version: 1, enforceOrder: enforce, autoClose: false, origin: origin,
                           definition: ServiceDefinition(key: "s", name: "S", enforceOrder: enforce, autoClose: false, steps: steps))
        }
        var random = SplitMix64(seed: mode == .strict ? 1 : 2)
        let machine = StateMachine(mode: mode)
        var refusals = 0, applied = 0
        for service in services {
            for n in 0..<300 {
                var ticket = TicketState(id: "T-\(n)")
                var at: Int64 = 1_000
                for _ in 0..<12 {
                    at += Int64(random.next() % 7_200) - (mode == .history ? 600 : 0)
                    let kind = EventKind.allCases[Int(random.next() % UInt64(EventKind.allCases.count))]
                    let step = kind.isTicketEvent ? "" : ["a", "b", "c", "z"][Int(random.next() % 4)]
                    let event = Event(ticketID: ticket.id, step: step, kind: ticket.isOpened || random.next() % 4 != 0 ? kind : .opened, at: at,
                                      actor: "u", task: kind == .taskDone ? ["x", "y"][Int(random.next() % 2)] : "",
                                      service: "s", serviceVersion: 1)
                    let before = ticket
                    do {
                        try machine.apply(event, to: &ticket, service: service)
                        applied += 1
                    } catch is ActionRefused {
                        refusals += 1
                        #expect(ticket == before, "\(event.kind) \(event.step) refused but changed \(ticket.id)")
                    }
                }
            }
        }
        #expect(refusals > 500 && applied > 500)
    }

    /// The import's fast event-name parser agrees with `init(rawValue:)` on every kind and on near misses.
    @Test(arguments: EventKind.allCases.map(\.rawValue) + ["", "o", "open", "Opened", "closed ", "complete", "cancel", "reopen",
                                                         "resume", "skip", "start", "pause", "task", "rdy", "x", "ready!", "stopped"])
    func eventNamesParseExactly(_ name: String) {
        #expect(EventKind(name: name) == EventKind(rawValue: name))
    }

    @Test func openingAnEnforcedServiceReadiesOnlyTheFirstStep() throws {
        let f = try StoreFixture()
        let id = try f.open()
        #expect(id == "T-1001")
        let t = try #require(try f.store.loadTicket(id))
        #expect(t.runs.map(\.state) == [.ready, .waiting, .waiting])
        #expect(t.runs[0].readyAt == StoreFixture.t0)
        #expect(t.runs.map(\.team) == ["ta", "tb", "tc"])
    }

    @Test func openingAFlexibleServiceReadiesEveryStep() throws {
        let f = try StoreFixture()
        let id = try f.open("flex")
        let t = try #require(try f.store.loadTicket(id))
        #expect(t.runs.map(\.state) == [.ready, .ready])
        #expect(t.runs.allSatisfy { $0.readyAt == StoreFixture.t0 })
        try f.act(id, "y", .started, at: 1)  // any order
        #expect(try f.run(id, "y").state == .active)
    }

    @Test func aFullPathClosesTheTicketByItself() throws {
        let f = try StoreFixture()
        let id = try f.open()
        try f.act(id, "a", .started, at: 1)
        try f.act(id, "a", .completed, at: 3)
        let b = try f.run(id, "b")
        #expect(b.state == .ready)
        #expect(b.readyAt == StoreFixture.at(3))  // the next step is ready when the previous one is done
        try f.act(id, "b", .started, at: 4)
        try f.act(id, "b", .paused, at: 5)
        try f.act(id, "b", .resumed, at: 7)
        try f.act(id, "b", .completed, at: 8)
        #expect(try f.run(id, "b").pausedSeconds == 7200)
        try f.act(id, "c", .completed, at: 9)  // complete without start: work unknown
        let t = try #require(try f.store.loadTicket(id))
        #expect(t.state == .closed)
        #expect(t.closedAt == StoreFixture.at(9))
        #expect(try f.store.db.scalar("SELECT count(*) FROM events WHERE ticket_id = ? AND kind = 'closed'", [id])?.int == 1)
        #expect(t.runs[2].startedAt == nil)
    }

    @Test func skippingTheLastStepAlsoCloses() throws {
        let f = try StoreFixture()
        let id = try f.open()
        try f.act(id, "a", .completed, at: 1)
        try f.act(id, "b", .skipped, at: 2)
        #expect(try f.run(id, "c").state == .ready)
        try f.act(id, "c", .skipped, at: 3)
        #expect(try f.store.loadTicket(id)?.state == .closed)
    }

    @Test func reopenStartsASecondAttemptReadyAtTheReopen() throws {
        let f = try StoreFixture()
        let id = try f.open()
        try f.act(id, "a", .completed, at: 1)
        try f.act(id, "a", .reopened, at: 2)
        let t = try #require(try f.store.loadTicket(id))
        let attempts = t.runs.filter { $0.step == "a" }
        #expect(attempts.map(\.attempt) == [1, 2])
        #expect(attempts.map(\.state) == [.done, .ready])
        #expect(attempts[1].readyAt == StoreFixture.at(2))
    }

    @Test func cancelEndsOpenRuns() throws {
        let f = try StoreFixture()
        let id = try f.open()
        try f.act(id, "a", .started, at: 1)
        try f.store.record(Event(ticketID: id, kind: .cancelled, at: StoreFixture.at(2)))
        let t = try #require(try f.store.loadTicket(id))
        #expect(t.state == .cancelled)
        #expect(t.cancelledAt == StoreFixture.at(2))
        #expect(t.runs.map(\.state) == [.cancelled, .cancelled, .cancelled])
        #expect(t.runs[0].doneAt == StoreFixture.at(2))
    }

    @Test func tasksAreTickedOnce() throws {
        let f = try StoreFixture()
        let id = try f.open()
        try f.act(id, "a", .completed, at: 1)
        try f.act(id, "b", .taskDone, at: 2, task: "one")
        #expect(try f.store.loadTicket(id)?.tasks.map(\.task) == ["one"])
        #expect(throws: ActionRefused.self) { try f.act(id, "b", .taskDone, at: 3, task: "one") }
        #expect(throws: ActionRefused.self) { try f.act(id, "b", .taskDone, at: 3, task: "three") }
    }

    /// Every refused transition, from a named starting state, leaves the store byte for byte unchanged.
    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let setup: @Sendable (StoreFixture, String) throws -> Void
        let action: @Sendable (StoreFixture, String) throws -> Void
        let message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        .init(name: "start a waiting step", setup: { _, _ in }, action: { f, id in try f.act(id, "b", .started, at: 1) },
              message: "'a' (Step A) must be done first"),
        .init(name: "complete a waiting step", setup: { _, _ in }, action: { f, id in try f.act(id, "c", .completed, at: 1) },
              message: "must be done first"),
        .init(name: "start an active step", setup: { f, id in try f.act(id, "a", .started, at: 1) },
              action: { f, id in try f.act(id, "a", .started, at: 2) }, message: "already active"),
        .init(name: "start a paused step", setup: { f, id in try f.act(id, "a", .started, at: 1); try f.act(id, "a", .paused, at: 2) },
              action: { f, id in try f.act(id, "a", .started, at: 3) }, message: "resume it instead"),
        .init(name: "start a done step", setup: { f, id in try f.act(id, "a", .completed, at: 1) },
              action: { f, id in try f.act(id, "a", .started, at: 2) }, message: "reopen it first"),
        .init(name: "pause a waiting step", setup: { _, _ in }, action: { f, id in try f.act(id, "b", .paused, at: 1) },
              message: "only a ready or active step can be paused"),
        .init(name: "pause a paused step", setup: { f, id in try f.act(id, "a", .started, at: 1); try f.act(id, "a", .paused, at: 2) },
              action: { f, id in try f.act(id, "a", .paused, at: 3) }, message: "already paused"),
        .init(name: "resume an active step", setup: { f, id in try f.act(id, "a", .started, at: 1) },
              action: { f, id in try f.act(id, "a", .resumed, at: 2) }, message: "nothing to resume"),
        .init(name: "complete a done step", setup: { f, id in try f.act(id, "a", .completed, at: 1) },
              action: { f, id in try f.act(id, "a", .completed, at: 2) }, message: "already done"),
        .init(name: "reopen an open step", setup: { _, _ in }, action: { f, id in try f.act(id, "a", .reopened, at: 1) },
              message: "only a done or skipped step can be reopened"),
        .init(name: "unknown step", setup: { _, _ in }, action: { f, id in try f.act(id, "zz", .started, at: 1) },
              message: "'zz' is not a step of service 'seq'"),
        .init(name: "time before the latest event", setup: { f, id in try f.act(id, "a", .started, at: 5) },
              action: { f, id in try f.act(id, "a", .completed, at: 4) }, message: "earlier than the ticket's latest event"),
        .init(name: "close with open steps", setup: { _, _ in },
              action: { f, id in try f.store.record(Event(ticketID: id, kind: .closed, at: StoreFixture.at(1))) }, message: "steps not done: a, b, c"),
        .init(name: "cancel a cancelled ticket", setup: { f, id in try f.store.record(Event(ticketID: id, kind: .cancelled, at: StoreFixture.at(1))) },
              action: { f, id in try f.store.record(Event(ticketID: id, kind: .cancelled, at: StoreFixture.at(2))) }, message: "already cancelled"),
        .init(name: "step on a cancelled ticket", setup: { f, id in try f.store.record(Event(ticketID: id, kind: .cancelled, at: StoreFixture.at(1))) },
              action: { f, id in try f.act(id, "a", .started, at: 2) }, message: "is cancelled"),
        .init(name: "unknown ticket", setup: { _, _ in }, action: { f, _ in try f.act("T-1002", "a", .started, at: 1) },
              message: "no ticket 'T-1002'; did you mean 'T-1001'?"),
        .init(name: "identical event twice", setup: { f, id in try f.act(id, "a", .started, at: 1); try f.act(id, "a", .paused, at: 1) },
              action: { f, id in try f.act(id, "a", .resumed, at: 1); try f.act(id, "a", .paused, at: 1) }, message: "already recorded"),
    ]

    @Test(arguments: refusals)
    func refusedActionsChangeNothing(_ refusal: Refusal) throws {
        let f = try StoreFixture()
        let id = try f.open()
        try refusal.setup(f, id)
        let before = try f.snapshot()
        do {
            try refusal.action(f, id)
            Issue.record("expected a refusal")
        } catch let error as ActionRefused {
            #expect(error.message.contains(refusal.message), "\(error.message)")
        }
        // The "identical event" case applies one action before failing: the store must still hold only what committed.
        if refusal.name != "identical event twice" {
            #expect(try f.snapshot() == before)
        }
    }

    @Test func historyModeAcceptsOutOfOrderStepsAndDerivesReadyAt() throws {
        let f = try StoreFixture()
        let t0 = StoreFixture.t0
        try f.store.record(Event(ticketID: "H-1", kind: .opened, at: t0, source: "import", service: "seq", serviceVersion: 1, title: "h"), mode: .history)
        try f.store.record(Event(ticketID: "H-1", step: "a", kind: .completed, at: StoreFixture.at(2)), mode: .history)
        // c before b: accepted; c's ready_at is the latest done run before its first event (a, at 2h).
        try f.store.record(Event(ticketID: "H-1", step: "c", kind: .started, at: StoreFixture.at(5)), mode: .history)
        let c = try f.run("H-1", "c")
        #expect(c.state == .active)
        #expect(c.readyAt == StoreFixture.at(2))
        // b was readied by the next-step rule when a completed.
        #expect(try f.run("H-1", "b").readyAt == StoreFixture.at(2))
    }

    @Test func explicitReadyEventWinsOverTheDerivedOne() throws {
        let f = try StoreFixture()
        try f.store.record(Event(ticketID: "H-2", kind: .opened, at: StoreFixture.t0, service: "seq", serviceVersion: 1), mode: .history)
        try f.store.record(Event(ticketID: "H-2", step: "a", kind: .completed, at: StoreFixture.at(1)), mode: .history)
        try f.store.record(Event(ticketID: "H-2", step: "b", kind: .ready, at: StoreFixture.at(3)), mode: .history)
        #expect(try f.run("H-2", "b").readyAt == StoreFixture.at(3))
    }

    @Test func stepEventBeforeOpeningIsRefused() throws {
        let f = try StoreFixture()
        #expect(throws: ActionRefused.self) {
            try f.store.record(Event(ticketID: "X-1", step: "a", kind: .started, at: StoreFixture.t0), mode: .history)
        }
    }

    @Test func intakeIsValidated() throws {
        let f = try StoreFixture()
        func open(_ fields: [String: String]) throws { _ = try f.store.openTicket(service: "seq", title: "t", requester: "r", fields: fields, at: StoreFixture.t0) }
        #expect(throws: InputError(file: "command line", field: "who", "is required (Who)")) { try open([:]) }
        #expect(throws: InputError.self) { try open(["who": "a", "n": "ten"]) }
        #expect(throws: InputError.self) { try open(["who": "a", "day": "2026-02-30"]) }
        #expect(throws: InputError.self) { try open(["who": "a", "dept": "legal"]) }
        #expect(throws: InputError.self) { try open(["who": "a", "urgent": "maybe"]) }
        #expect(throws: InputError.self) { try open(["who": "a", "colour": "red"]) }
        try open(["who": "a", "n": "12.5", "day": "2024-02-29", "dept": "eng", "urgent": "yes"])
        #expect(try f.store.db.scalar("SELECT count(*) FROM tickets")?.int == 1)
    }
}
