import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// Variants and conformance on a log with planted order structure (`PlantedOrderLog`), imported grouped by ticket,
/// time-ordered and shuffled: the variants and their counts must be the ones worked out in Swift from the log's
/// rows, the deviations the planted ones, and each service's recommendation the one its plan was made for.
@Suite(.serialized) struct VariantsConformanceTests {
    static let log = PlantedOrderLog.make()
    static let orders = ["grouped", "time-ordered", "shuffled"]

    static func run(_ query: String, on db: Database, from: Int64 = PlantedOrderLog.from, to: Int64 = PlantedOrderLog.to) throws -> [Row] {
        let out = try QueryRunner.run(try QueryFile.named(query), on: db,
                                      parameters: ["from": .integer(from), "to": .integer(to), "as_of": .integer(to)])
        return out.rows.map { Row(columns: out.columns, values: $0) }
    }

    static func withStore<T>(_ order: String, _ body: (OrchestrationStore) throws -> T) throws -> T {
        let folder = try TemporaryFolder.make("variants-\(order)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(try log.store(order, in: folder))
    }

    /// Type-7 percentile of `xs` (linear interpolation between closest ranks), as README defines it.
    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted(), h = Double(s.count - 1) * p, lo = Int(h.rounded(.down))
        return lo + 1 < s.count ? s[lo] + (h - Double(lo)) * (s[lo + 1] - s[lo]) : s[lo]
    }

    /// One expected variants row, from the log alone.
    struct Expected: Equatable, CustomStringConvertible {
        var service: String, variant: String, tickets: Int64, rank: Int64, variantsFor80: Int64, variants: Int64
        var share: Double, cumulative: Double, p50: Double, p85: Double
        var description: String { "\(service) #\(rank) \(variant) ×\(tickets)" }
    }

    /// The variants table worked out from the rows: per service, tickets by variant, most frequent first (ties by
    /// variant text), shares, the lead-time percentiles of each variant's tickets and the count reaching 80 %.
    static func expectedVariants() -> [Expected] {
        let variantOf = log.variantsFromRows()
        var result: [Expected] = []
        for (service, tickets) in Dictionary(grouping: log.closedInWindow, by: \.service).sorted(by: { $0.key < $1.key }) {
            let groups = Dictionary(grouping: tickets) { variantOf[$0.id] ?? "(no completed step)" }
                .sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
            var covered = 0, reach = 0
            var rows: [Expected] = []
            for (k, (variant, members)) in groups.enumerated() {
                covered += members.count
                if reach == 0 && covered * 5 >= tickets.count * 4 { reach = k + 1 }
                let leads = members.map { Double($0.closed! - $0.opened) / 3600 }
                rows.append(Expected(service: service, variant: variant, tickets: Int64(members.count), rank: Int64(k + 1),
                                     variantsFor80: 0, variants: Int64(groups.count),
                                     share: Double(members.count) / Double(tickets.count),
                                     cumulative: Double(covered) / Double(tickets.count),
                                     p50: percentile(leads, 0.5), p85: percentile(leads, 0.85)))
            }
            result += rows.map { var r = $0; r.variantsFor80 = Int64(reach); return r }
        }
        return result
    }

    static func actualVariants(_ rows: [Row]) -> [Expected] {
        rows.map { r in
            Expected(service: r.string("service")!, variant: r.string("variant")!, tickets: r.int("tickets")!, rank: r.int("rank")!,
                     variantsFor80: r.int("variants_for_80")!, variants: r.int("variants")!, share: r.double("share")!,
                     cumulative: r.double("cumulative_share")!, p50: r.double("lead_p50_hours")!, p85: r.double("lead_p85_hours")!)
        }
    }

    @Test(arguments: orders)
    func variantsAreTheLogsOwn(order: String) throws {
        let expected = Self.expectedVariants()
        let actual = try Self.withStore(order) { Self.actualVariants(try Self.run("variants", on: $0.db)) }
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            #expect(a.service == e.service && a.variant == e.variant && a.tickets == e.tickets && a.rank == e.rank, "\(a) vs \(e)")
            #expect(a.variants == e.variants && a.variantsFor80 == e.variantsFor80, "\(a): \(a.variantsFor80) of \(a.variants) vs \(e.variantsFor80) of \(e.variants)")
            #expect(abs(a.share - e.share) < 1e-12 && abs(a.cumulative - e.cumulative) < 1e-12, "\(a)")
            #expect(abs(a.p50 - e.p50) < 1e-9 && abs(a.p85 - e.p85) < 1e-9, "\(a): \(a.p50)/\(a.p85) vs \(e.p50)/\(e.p85)")
        }
        // The planted shapes, by hand: strict's rework repeats the step; its skip and absence leave the step out.
        let strict = Dictionary(uniqueKeysWithValues: actual.filter { $0.service == "strict" }.map { ($0.variant, $0.tickets) })
        #expect(strict["p > q > r > s"] == 164 && strict["p > q > q > r > s"] == 8 && strict["q > p > r > r > s"] == 4)
        #expect(strict["p > r > q > s"] == 8 && strict["p > q > r"] == 8 && strict["p > q > s"] == 8)
        #expect(actual.first { $0.service == "steady" }.map { ($0.variant, $0.tickets, $0.variantsFor80) } ?? ("", 0, 0) == ("a > b > c > d", 194, 1))
        #expect(actual.first { $0.service == "loose" }?.variantsFor80 == 2)
    }

    @Test(arguments: orders)
    func conformanceCountsThePlantedDeviations(order: String) throws {
        let rows = try Self.withStore(order) { try Self.run("conformance", on: $0.db) }
        let byService = Dictionary(uniqueKeysWithValues: rows.map { ($0.string("service")!, $0) })
        #expect(byService.count == PlantedOrderLog.plans.count)
        for (service, tickets) in Dictionary(grouping: Self.log.closedInWindow, by: \.service) {
            let row = try #require(byService[service])
            func planted(_ kind: (PlantedOrderLog.Deviation) -> Bool) -> Int64 { Int64(tickets.filter { $0.deviations.contains(where: kind) }.count) }
            let swapped = planted { if case .swap = $0 { true } else { false } }
            #expect(row.int("tickets") == Int64(tickets.count), "\(service)")
            #expect(row.int("followed") == Int64(tickets.filter { $0.deviations.isEmpty }.count), "\(service)")
            #expect(row.int("swapped") == swapped, "\(service)")
            #expect(row.int("repeated") == planted { if case .rework = $0 { true } else { false } }, "\(service)")
            #expect(row.int("skipped") == planted { if case .skip = $0 { true } else { false } }, "\(service)")
            #expect(row.int("absent") == planted { if case .absent = $0 { true } else { false } }, "\(service)")
            #expect(row.int("undeclared") == 0)
            #expect(abs((row.double("in_order_share") ?? -1) - (1 - Double(swapped) / Double(tickets.count))) < 1e-12, "\(service)")
        }
        func field(_ service: String, _ column: String) -> String? { byService[service]?.string(column) }
        // The plans, by hand: 97 % and 60 % in order in flexible services; every kind in strict; 30 % swapped in routed.
        #expect(byService["steady"]?.double("in_order_share") == 0.97 && field("steady", "recommendation") == "can-be-enforced",
                "\(field("steady", "evidence") ?? "")")
        #expect(byService["loose"]?.double("in_order_share") == 0.6 && field("loose", "recommendation") == "keep-flexible",
                "\(field("loose", "evidence") ?? "")")
        let strict = try #require(byService["strict"])
        #expect([strict.int("tickets"), strict.int("followed"), strict.int("swapped"), strict.int("repeated"), strict.int("skipped"),
                 strict.int("absent")] == [200, 164, 12, 12, 8, 8])
        #expect(strict.string("recommendation") == "keep-enforced" && strict.int("swapped_imported") == 12)
        #expect(field("routed", "recommendation") == "should-be-flexible" && byService["routed"]?.int("swapped_imported") == 30,
                "\(field("routed", "evidence") ?? "")")
        #expect(field("routed", "evidence")?.contains("out of order through imports in 30.0% >= 10%") == true)
        #expect(field("tiny", "recommendation") == "too-few-tickets")
        #expect(field("strict", "declared_order") == "p > q > r > s")
    }

    /// The 95 % line itself: with the window cut so that fewer steady tickets are in order, the verdict changes.
    @Test func theEnforceThresholdDecides() throws {
        let verdicts = try Self.withStore("grouped") { store in
            try [0.97, 0.98].map { share in
                let out = try QueryRunner.run(try QueryFile.named("conformance"), on: store.db, parameters: [
                    "from": .integer(PlantedOrderLog.from), "to": .integer(PlantedOrderLog.to), "as_of": .integer(PlantedOrderLog.to),
                    "enforce_share": .real(share)])
                return out.rows.map { Row(columns: out.columns, values: $0) }.first { $0.string("service") == "steady" }?.string("recommendation")
            }
        }
        #expect(verdicts == ["can-be-enforced", "keep-flexible"])
    }
}
