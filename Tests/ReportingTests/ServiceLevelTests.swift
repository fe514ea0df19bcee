import BatonCore
import Foundation
import Testing
@testable import Orchestration
@testable import Reporting
import SQLite

/// Service levels worked out by hand on the Berlin office calendar (Mon–Fri 09:00–17:00 Europe/Berlin, CET = UTC+1
/// in late November): a 4 h target on a step of team `it`, which is counted in that calendar.
@Suite struct ServiceLevelTests {
    let fixture: AlertFixture
    var store: OrchestrationStore { fixture.store }
    static func t(_ iso: String) -> Int64 { Instant.parse(iso)! }
    static let calendarFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/calendars/berlin-office.json").path

    init() throws {
        fixture = try AlertFixture()
        try fixture.store.apply(calendar: try CalendarDefinition.load(path: Self.calendarFile), at: Self.t("2026-11-01T00:00:00Z"))
        try fixture.store.apply(team: TeamDefinition(key: "it", name: "IT", calendar: "berlin-office"))
        try fixture.store.apply(ServiceDefinition(key: "laptop", name: "Laptop", enforceOrder: true, steps: [
            .init(key: "setup", name: "Set up", team: "it", target: "4h"), .init(key: "hand-over", name: "Hand over", team: "desk"),
        ]), at: Self.t("2026-11-01T00:00:00Z"))
        // Ready on Friday 27 November at 17:00 Berlin (16:00 UTC): the office is closed until Monday 09:00.
        _ = try fixture.store.openTicket(service: "laptop", title: "Laptop for Ana", requester: "ana", fields: [:],
                                         at: Self.t("2026-11-27T16:00:00Z"), id: "L-1")
    }

    func alerts(at iso: String) throws -> [Alert] {
        try fixture.engine().compute(AlertSettings(asOf: Self.t(iso)), generatedAt: 0).alerts.filter { $0.ticketID == "L-1" }
    }

    @Test func aWeekendRaisesNoStalledAlert() throws {
        #expect(try alerts(at: "2026-11-28T09:00:00Z").isEmpty)          // Saturday: 0 working hours
        #expect(try alerts(at: "2026-11-30T08:00:00Z").isEmpty)          // Monday 09:00 Berlin: still 0
        // Monday 12:30 Berlin: 3.5 working hours of 4, inside the last quarter: at risk, due at 13:00 Berlin.
        let risk = try alerts(at: "2026-11-30T11:30:00Z")
        #expect(risk.map(\.kind) == [.atRisk])
        #expect(risk.first?.workingAgeHours == 3.5 && risk.first?.activeAgeHours == 67.5)
        #expect(risk.first?.dueAt == Self.t("2026-11-30T12:00:00Z"))
        // Monday 13:30 Berlin: 4.5 working hours: stalled, 0.5 h over.
        let stalled = try alerts(at: "2026-11-30T12:30:00Z")
        #expect(stalled.map(\.kind) == [.stalled])
        #expect(stalled.first?.workingAgeHours == 4.5 && stalled.first?.thresholdHours == 4 && stalled.first?.source == "target")
    }

    func query(_ name: String, _ parameters: [String: Int64]) throws -> (QueryOutput, (Int, String) -> SQLValue) {
        let out = try QueryRunner.run(try QueryFile.load(URL(fileURLWithPath: AlertFixture.queries + "/\(name).sql")), on: store.db,
                                      parameters: parameters.mapValues { .integer($0) })
        return (out, { row, column in out.rows[row][out.columns.firstIndex(of: column)!] })
    }

    /// Pausing a ready step (waiting on the requester) stops both clocks.
    @Test func aPausedReadyStepStopsTheClock() throws {
        // Paused Monday 10:00–12:00 Berlin; as of 13:00 Berlin: 4 working hours less 2 paused = 2; wall 68 h less 2 = 66.
        try store.record(Event(ticketID: "L-1", step: "setup", kind: .paused, at: Self.t("2026-11-30T09:00:00Z"), actor: "bo"))
        try store.record(Event(ticketID: "L-1", step: "setup", kind: .resumed, at: Self.t("2026-11-30T11:00:00Z"), actor: "bo"))
        let (out, v) = try query("aging", ["from": 0, "to": Self.t("2026-12-01T00:00:00Z"), "as_of": Self.t("2026-11-30T12:00:00Z")])
        let i = try #require(out.rows.firstIndex { $0[0].string == "L-1" })
        #expect(v(i, "state").string == "ready" && v(i, "working_age_hours").double == 2 && v(i, "active_age_hours").double == 66)
        #expect(v(i, "target_hours").double == 4 && v(i, "calendar").string == "berlin-office")
        #expect(try alerts(at: "2026-11-30T12:00:00Z").isEmpty)   // 2 h left of 4: neither stalled nor at risk
        // While paused it is neither stalled nor at risk, however long the pause.
        try store.record(Event(ticketID: "L-1", step: "setup", kind: .paused, at: Self.t("2026-11-30T12:30:00Z"), actor: "bo"))
        #expect(try alerts(at: "2026-12-04T12:00:00Z").isEmpty)
    }

    /// Attainment of completed runs: met when working time in step is at most the target.
    @Test func attainmentCountsWorkingTime() throws {
        // L-1 done Monday 12:00 Berlin: 3 working hours, met. L-2 ready Monday 09:00, done Tuesday 10:00 Berlin: 9 h, breached by 5.
        // (Only completed runs with a target count: hand-over has none.)
        try store.record(Event(ticketID: "L-1", step: "setup", kind: .completed, at: Self.t("2026-11-30T11:00:00Z"), actor: "bo"))
        _ = try store.openTicket(service: "laptop", title: "Second", requester: "bo", fields: [:], at: Self.t("2026-11-30T08:00:00Z"), id: "L-2")
        try store.record(Event(ticketID: "L-2", step: "setup", kind: .completed, at: Self.t("2026-12-01T09:00:00Z"), actor: "bo"))
        let (out, cell) = try query("service_levels", ["from": Self.t("2026-11-30T00:00:00Z"), "to": Self.t("2026-12-07T00:00:00Z"),
                                                        "as_of": Self.t("2026-12-07T00:00:00Z")])
        let i = try #require(out.rows.firstIndex { $0[0].string == "laptop" && $0[1].string == "setup" })
        func v(_ c: String) -> SQLValue { cell(i, c) }
        #expect(v("runs").int == 2 && v("met").int == 1 && v("breached").int == 1 && v("attainment").double == 0.5)
        #expect(v("target_hours").double == 4 && v("worst_breach_hours").double == 5 && v("calendar").string == "berlin-office")
        #expect(v("week").string == "2026-W49")
    }
}
