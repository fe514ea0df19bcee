import BatonCore
import Foundation
import Orchestration
import SQLite

/// A service definition drafted from a service's history (`baton service draft`): the steps its closed tickets did,
/// in their dominant order, each with its modal team and a target from the p85 of its working time in step;
/// `enforce_order` when the tickets followed that order as often as conformance asks of an enforced order; steps
/// often left out flagged optional in their `notes`. What each number means is in README "Metric definitions".
public struct ServiceDraft: Sendable {
    /// The window: tickets closed in [from, to) at or before asOf, runs completed in it.
    public struct Window: Sendable {
        public var from: Int64, to: Int64, asOf: Int64
        public init(from: Int64, to: Int64, asOf: Int64) { self.from = from; self.to = to; self.asOf = asOf }
    }

    /// The thresholds: `enforce_share` and `min_tickets` are conformance's (queries/conformance.sql),
    /// `optional_share` is service_draft's.
    public struct Thresholds: Sendable {
        public var enforceShare = 0.95, minTickets: Int64 = 20, optionalShare = 0.30
        public init() {}
        /// The defaults the query files declare.
        public init(conformance: QueryFile, draft: QueryFile) {
            enforceShare = conformance.defaults["enforce_share"]?.double ?? enforceShare
            minTickets = conformance.defaults["min_tickets"]?.int ?? minTickets
            optionalShare = draft.defaults["optional_share"]?.double ?? optionalShare
        }
    }

    /// What the log says about one step (a row of queries/service_draft.sql).
    public struct StepFacts: Sendable, Equatable {
        public var step: String, doneTickets: Int64, skippedTickets: Int64, leftOutShare: Double, optional: Bool
        public var team: String?, teamShare: Double?, runs: Int64, p85Hours: Double?, target: String?
    }

    public let definition: ServiceDefinition
    /// The service's closed tickets in the window.
    public let tickets: Int64
    /// Share of those tickets whose completed steps came in the drafted order (ties at one instant allowed; a ticket
    /// with no completed step counts as in order, as in conformance's in_order_share).
    public let inOrderShare: Double
    public let steps: [StepFacts]

    /// Drafts `service` from `store` with the queries `query(name)` gives.
    public static func make(store: OrchestrationStore, service key: String, window: Window,
                            query: (String) throws -> QueryFile) throws -> ServiceDraft {
        guard let current = try store.service(key) else {
            throw ActionRefused("no service '\(key)'\(Suggest.didYouMean(key, in: try store.serviceKeys()))")
        }
        let stepsQuery = try query("service_draft"), orderQuery = try query("service_draft_order")
        let thresholds = Thresholds(conformance: try query("conformance"), draft: stepsQuery)
        // Both queries read one snapshot of the store (an import meanwhile changes neither): a savepoint begins a
        // deferred (read) transaction, or nests in the caller's.
        try store.db.execute("SAVEPOINT service_draft")
        defer { try? store.db.execute("RELEASE service_draft") }
        let parameters: [String: SQLValue] = ["service": .text(key), "from": .integer(window.from), "to": .integer(window.to),
                                              "as_of": .integer(window.asOf), "optional_share": .real(thresholds.optionalShare)]
        let output = try QueryRunner.run(stepsQuery, on: store.db, parameters: parameters)
        let facts = output.rows(StepFacts.init)
        guard let first = output.rows(\.self).first, let tickets = first.int("tickets"), tickets > 0 else {
            throw ActionRefused("no ticket of service '\(key)' closed with a completed or skipped step in [\(Instant.iso(window.from)), \(Instant.iso(window.to))) at or before \(Instant.iso(window.asOf)); nothing to draft from (widen --from/--to)")
        }
        var sequences: [[(step: String, at: Int64)]] = []
        var last: String?
        try QueryRunner.forEachRow(orderQuery, on: store.db, parameters: parameters) { v in
            let ticket = v[0].string ?? ""
            if ticket != last { sequences.append([]); last = ticket }
            sequences[sequences.count - 1].append((v[1].string ?? "", v[2].int ?? 0))
        }
        let closing = (first.int("first_closed_at") ?? window.from, first.int("last_closed_at") ?? window.to)
        // The steps in the current definition's order, then those it does not know: the order of steps never completed.
        let known = current.definition.steps.map(\.key), drafted = Set(facts.map(\.step)), declared = Set(known)
        let order = DominantOrder(sequences: sequences,
                                  steps: known.filter(drafted.contains) + facts.map(\.step).filter { !declared.contains($0) })
        // As conformance's in_order_share: 1 − swapped / tickets (a ticket with no completed step swapped nothing).
        let inOrder = 1 - Double(sequences.count - order.followed) / Double(tickets)
        let byStep = Dictionary(uniqueKeysWithValues: facts.map { ($0.step, $0) })
        let ordered = order.steps.compactMap { byStep[$0] }
        let draft = Drafting(current: current, tickets: tickets, inOrderShare: inOrder, thresholds: thresholds, closing: closing)
        return ServiceDraft(definition: draft.definition(ordered), tickets: tickets, inOrderShare: inOrder, steps: ordered)
    }
}

extension ServiceDraft.StepFacts {
    init(_ r: Row) {
        self.init(step: r.string("step") ?? "", doneTickets: r.int("done_tickets") ?? 0, skippedTickets: r.int("skipped_tickets") ?? 0,
                  leftOutShare: r.double("left_out_share") ?? 0, optional: (r.int("optional") ?? 0) != 0,
                  team: r.string("team"), teamShare: r.double("team_share"), runs: r.int("runs") ?? 0,
                  p85Hours: r.double("p85_hours"), target: r.string("target"))
    }
}

extension QueryOutput {
    /// The rows as values made by `make` from each row by column name.
    func rows<T>(_ make: (Row) -> T) -> [T] { rows.map { make(Row(columns: columns, values: $0)) } }
}
