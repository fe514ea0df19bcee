import BatonCore
import BatonTestSupport
import Foundation
import Orchestration

/// A hand-made log whose ownership numbers are worked out by hand (see `OwnershipHealthTests`). As of `asOf`, over
/// the 90 days before it, one single-step service per team:
/// - `solo`: 4 runs completed by sam (started 10, 9, 8 and 7 days before as_of, each done an hour later), one by zed
///   95 days before (outside the period); one ticket ready for 30 h.
/// - `five`: 7 runs completed by a, a, a, b, c, d and e (started 12 … 0.5 days before; e's done exactly at as_of);
///   one ticket ready for 30 h.
/// - `mostly`: 10 runs completed, x nine times and y once, plus one by old done exactly 90 days before as_of (outside:
///   the period is (as_of − 90 d, as_of]); nothing open.
/// - `ghost`: one run completed 100 days before as_of by old; one ticket ready for 30 h.
/// - `anon`: 2 runs completed with no actor recorded (started 3 and 2 days before); one ticket ready for 30 h.
/// - `quiet`: a team on the roster that owns nothing and has done nothing.
struct OwnershipLog {
    static let asOf: Int64 = Instant.parse("2026-03-10T12:00:00Z")!
    static let teams = ["solo", "five", "mostly", "ghost", "anon"]
    static let header = "ticket_id,service,step,team,event,at,actor"
    var rows: [String] = []
    private var n = 0

    static func at(days: Double) -> Int64 { asOf - Int64(days * 86_400) }

    init() {
        for (i, actor) in ["sam", "sam", "sam", "sam"].enumerated() { done("solo", actor, startedDaysAgo: Double(10 - i)) }
        done("solo", "zed", startedDaysAgo: 95)
        open("solo", hoursAgo: 30)
        for (i, actor) in ["a", "a", "a", "b", "c", "d"].enumerated() { done("five", actor, startedDaysAgo: Double(12 - 2 * i)) }
        done("five", "e", startedDaysAgo: 0.5, doneAt: Self.asOf)
        open("five", hoursAgo: 30)
        for i in 0..<10 { done("mostly", i == 4 ? "y" : "x", startedDaysAgo: 40 - Double(i)) }
        done("mostly", "old", startedDaysAgo: 91, doneAt: Self.at(days: 90))
        done("ghost", "old", startedDaysAgo: 100)
        open("ghost", hoursAgo: 30)
        done("anon", "", startedDaysAgo: 3); done("anon", "", startedDaysAgo: 2)
        open("anon", hoursAgo: 30)
    }

    /// The services: `TEAM-svc` with one step `work` owned by the team.
    static func apply(to store: OrchestrationStore) throws {
        for team in teams {
            try store.apply(ServiceDefinition(key: "\(team)-svc", name: team, enforceOrder: true,
                                              steps: [.init(key: "work", name: "Work", team: team)]), at: at(days: 200))
        }
        _ = try store.apply(team: TeamDefinition(key: "quiet", name: "Quiet"))
    }

    private mutating func ticket() -> String { n += 1; return "O-\(n)" }

    private mutating func done(_ team: String, _ actor: String, startedDaysAgo days: Double, doneAt: Int64? = nil) {
        let id = ticket(), started = Self.at(days: days), finished = doneAt ?? started + 3600
        rows += ["\(id),\(team)-svc,,,opened,\(Instant.iso(started - 600)),req",
                 "\(id),\(team)-svc,work,\(team),started,\(Instant.iso(started)),\(actor)",
                 "\(id),\(team)-svc,work,\(team),completed,\(Instant.iso(finished)),\(actor)",
                 "\(id),\(team)-svc,,,closed,\(Instant.iso(finished + 60)),\(actor)"]
    }

    private mutating func open(_ team: String, hoursAgo: Double) {
        rows.append("\(ticket()),\(team)-svc,,,opened,\(Instant.iso(Self.asOf - Int64(hoursAgo * 3600))),req")
    }

    /// A store with the services and the log imported in `order` (grouped, time-ordered or shuffled).
    static func store(order: String) throws -> TemporaryStore {
        let temporary = try TemporaryStore("ownership")
        try apply(to: temporary.store)
        let file = temporary.path("log.csv")
        try ([header] + PlantedAutomationLog.ordered(OwnershipLog().rows, order)).joined(separator: "\n").appending("\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let s = try EventLogImporter(store: temporary.store).run(try ByteSource(path: file), options: .init(format: .csv))
        precondition(s.rejected == 0, "the ownership log imports cleanly")
        return temporary
    }
}
