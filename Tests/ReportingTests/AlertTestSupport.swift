import BatonCore
import BatonTestSupport
import Foundation
@testable import Orchestration
@testable import Reporting
import SQLite

/// A store whose alerts at `asOf` were worked out by hand (see `AlertEngineTests.expected`).
///
/// Services: `flex` (flexible order; steps a: team ta, target 4h; b: team tb, no target; n: no team) and
/// `other` (flexible; z: team tz, no target; g: team ghost, whose team is marked undefined as if imported).
/// History: 20 `flex` tickets closed 30 days before as_of, step b taking 1…20 hours (p85 = 17.15 h).
final class AlertFixture: TemporaryStore {
    static let asOf: Int64 = Instant.parse("2026-03-10T12:00:00Z")!
    static func at(_ hours: Double) -> Int64 { asOf + Int64(hours * 3600) }
    static var queries: String { TestPaths.queries }

    init() throws {
        try super.init("alerts")
        try store.apply(ServiceDefinition(key: "flex", name: "Flexible", enforceOrder: false, steps: [
            .init(key: "a", name: "A", team: "ta", target: "4h"), .init(key: "b", name: "B", team: "tb"), .init(key: "n", name: "N", team: nil),
        ]), at: Self.at(-2000))
        try store.apply(ServiceDefinition(key: "other", name: "Other", enforceOrder: false, steps: [
            .init(key: "z", name: "Z", team: "tz"), .init(key: "g", name: "G", team: "ghost"),
        ]), at: Self.at(-2000))
        try store.db.run("UPDATE teams SET defined = 0 WHERE key = 'ghost'")
        for i in 1...20 {
            let opened = Double(-30 * 24 + i)
            let id = try open("flex", "H-\(i)", at: opened)
            try act(id, "a", .started, opened); try act(id, "b", .started, opened)
            try act(id, "a", .completed, opened + 1); try act(id, "b", .completed, opened + Double(i))
            try act(id, "n", .skipped, opened + Double(i))
        }
        try open("flex", "X-1", at: -5)
        try open("flex", "X-2", at: -18)
        try act("X-2", "a", .started, -17); try act("X-2", "a", .paused, -16); try act("X-2", "a", .resumed, -2)
        try open("flex", "X-3", at: -80)
        try act("X-3", "a", .started, -79); try act("X-3", "a", .paused, -78)
        try open("other", "X-4", at: -73)
        try open("other", "X-5", at: -71)
        try open("other", "X-6", at: -100)
        try act("X-6", "z", .started, 0.5); try act("X-6", "z", .completed, 1)
    }

    @discardableResult
    func open(_ service: String, _ id: String, at hours: Double) throws -> String {
        try store.openTicket(service: service, title: "t \(id)", requester: "req", fields: [:], at: Self.at(hours), id: id)
    }

    func act(_ id: String, _ step: String, _ kind: EventKind, _ hours: Double) throws {
        try store.record(Event(ticketID: id, step: step, kind: kind, at: Self.at(hours), actor: "bo"), mode: .strict)
    }

    func engine() -> AlertEngine { AlertEngine(db: store.db, queryFolder: Self.queries) }
}
