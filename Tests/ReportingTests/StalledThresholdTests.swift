import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Orchestration
@testable import Reporting
import SQLite

/// The stalled-step threshold rule, each way, on a hand-made history whose numbers are worked out below.
@Suite struct StalledThresholdTests {
    static let t0 = Instant.parse("2026-03-02T00:00:00Z")!
    static let hour: Int64 = 3600

    /// Service `svc`: step `a` (team t1, target 4h), then `b` (team t2, no target).
    /// History: three tickets whose `b` took 10h, 20h and 30h (ready when `a` was done).
    /// Open: X waits in `b` since R; Y waits in `a` since its opening; Z is in `b`, paused most of the time.
    static func makeStore() throws -> (OrchestrationStore, r: Int64) {
        let folder = try TemporaryFolder.make("stalled")
        let store = try OrchestrationStore(path: folder.appendingPathComponent("baton.db").path)
        try store.apply(ServiceDefinition(key: "svc", name: "Service", steps: [
            .init(key: "a", name: "A", team: "t1", target: "4h"),
            .init(key: "b", name: "B", team: "t2"),
        ]), at: t0 - 86_400)
        func e(_ id: String, _ step: String, _ kind: EventKind, _ at: Int64) throws {
            try store.record(Event(ticketID: id, step: step, kind: kind, at: at, source: "test",
                                   service: kind == .opened ? "svc" : nil, serviceVersion: kind == .opened ? 1 : nil,
                                   title: kind == .opened ? "ticket \(id)" : nil), mode: .history)
        }
        for (i, hours) in [10, 20, 30].enumerated() {
            let id = "H-\(i)", open = t0 + Int64(i) * 86_400
            try e(id, "", .opened, open)
            try e(id, "a", .completed, open + hour)
            try e(id, "b", .completed, open + hour + Int64(hours) * hour)
            try e(id, "", .closed, open + hour + Int64(hours) * hour)
        }
        let r = t0 + 10 * 86_400
        try e("X", "", .opened, r - hour)
        try e("X", "a", .completed, r)           // b ready at R
        try e("Y", "", .opened, r + 20 * hour)   // a ready at R + 20h
        try e("Z", "", .opened, r - 2 * hour)
        try e("Z", "a", .completed, r)           // b ready at R
        try e("Z", "b", .started, r + hour)
        try e("Z", "b", .paused, r + 2 * hour)   // paused from R+2h to R+27h: 25 h
        try e("Z", "b", .resumed, r + 27 * hour)
        return (store, r)
    }

    func stalled(_ store: OrchestrationStore, asOf: Int64, _ parameters: [String: SQLValue] = [:]) throws -> [String: Row] {
        var values = parameters
        values["as_of"] = .integer(asOf)
        let output = try QueryRunner.run(try QueryFile.named("stalled"), on: store.db, parameters: values)
        var result: [String: Row] = [:]
        for row in output.rows {
            let r = Row(columns: output.columns, values: row)
            result[r.string("ticket_id")! + "/" + r.string("step")!] = r
        }
        return result
    }

    @Test func theStepTargetComesFirst() throws {
        let (store, r) = try Self.makeStore()
        // Y has waited in `a` for 5 h at R+25h: over its 4 h target.
        let rows = try stalled(store, asOf: r + 25 * Self.hour, ["stall_min_runs": .integer(3)])
        let y = try #require(rows["Y/a"])
        #expect(y.string("threshold_source") == "target")
        #expect(y.double("threshold_hours") == 4)
        #expect(y.double("age_hours") == 5)
        #expect(y.string("state") == "ready")
        // At R+23h it has waited only 3 h.
        #expect(try stalled(store, asOf: r + 23 * Self.hour)["Y/a"] == nil)
    }

    @Test func thePercentileOfRecentHistoryComesNextWhenThereIsEnoughOfIt() throws {
        let (store, r) = try Self.makeStore()
        // p85 of [10, 20, 30]: h = 2 × 0.85 = 1.7 → 20 + 0.7 × 10 = 27 h.
        let rows = try stalled(store, asOf: r + 28 * Self.hour, ["stall_min_runs": .integer(3)])
        let x = try #require(rows["X/b"])
        #expect(x.string("threshold_source") == "p85")
        #expect(abs(x.double("threshold_hours")! - 27) < 1e-9)
        #expect(x.double("active_age_hours") == 28)
        #expect(x.int("history_runs") == 3)
        #expect(try stalled(store, asOf: r + 26 * Self.hour, ["stall_min_runs": .integer(3)])["X/b"] == nil)
        // p90 when configured: h = 1.8 → 28 h, so 28 h is not over it.
        #expect(try stalled(store, asOf: r + 28 * Self.hour, ["stall_min_runs": .integer(3), "stall_percentile": .real(0.9)])["X/b"] == nil)
    }

    @Test func theDefaultAppliesWithTooLittleHistory() throws {
        let (store, r) = try Self.makeStore()
        // Four runs needed, three exist: the default (72 h) applies, so 28 h is not stalled …
        #expect(try stalled(store, asOf: r + 28 * Self.hour, ["stall_min_runs": .integer(4)])["X/b"] == nil)
        // … and with a 24 h default it is.
        let x = try #require(try stalled(store, asOf: r + 28 * Self.hour, ["stall_min_runs": .integer(4), "stall_default_hours": .integer(24)])["X/b"])
        #expect(x.string("threshold_source") == "default")
        #expect(x.double("threshold_hours") == 24)
        // History older than the window does not count: the history ended by t0 + 3d, as_of is ~11 days later.
        let narrow = try #require(try stalled(store, asOf: r + 28 * Self.hour,
                                              ["stall_min_runs": .integer(3), "stall_window_days": .integer(5), "stall_default_hours": .integer(24)])["X/b"])
        #expect(narrow.string("threshold_source") == "default")
        #expect(narrow.int("history_runs") == 0)
    }

    @Test func pausedRunsAreNotStalledAndPausedTimeDoesNotAge() throws {
        let (store, r) = try Self.makeStore()
        // At R+20h Z is paused: never stalled, even with a tiny default.
        #expect(try stalled(store, asOf: r + 20 * Self.hour, ["stall_default_hours": .integer(1)])["Z/b"] == nil)
        // At R+30h Z is active again: age 30 h, active age 30 − 25 = 5 h.
        let z = try #require(try stalled(store, asOf: r + 30 * Self.hour, ["stall_default_hours": .integer(4)])["Z/b"])
        #expect(z.string("state") == "active")
        #expect(z.double("age_hours") == 30)
        #expect(z.double("active_age_hours") == 5)
        #expect(try stalled(store, asOf: r + 30 * Self.hour, ["stall_default_hours": .integer(6)])["Z/b"] == nil)
    }

    @Test func runsThatEndedAfterAsOfWereOpenThen() throws {
        let (store, r) = try Self.makeStore()
        // H-2's `b` ran from t0+2d+1h for 30 h; as of 25 h into it, it was open and past a 24 h default.
        let start = Self.t0 + 2 * 86_400 + Self.hour
        let h = try #require(try stalled(store, asOf: start + 25 * Self.hour, ["stall_default_hours": .integer(24)])["H-2/b"])
        #expect(h.double("age_hours") == 25)
        #expect(h.int("ready_at") == start)
        // Tickets opened after as_of do not exist yet.
        #expect(try stalled(store, asOf: start + 25 * Self.hour, ["stall_default_hours": .integer(0)]).keys.allSatisfy { $0.hasPrefix("H-") })
        _ = r
    }
}
