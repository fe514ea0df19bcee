import BatonCore
import Foundation
import SQLite

/// A deterministic generator of realistic canonical event logs: services of 3–7 steps owned by a dozen teams,
/// weekday-heavy arrivals numbered in time order, lognormal wait and work per step, rework (`reopened`), skipped steps, pauses,
/// cancellations, and tickets still open at the end of the period. The same seed gives the same bytes.
/// Every ticket's events are valid for the state machine in history mode, for the built-in catalogue
/// (services created from the log) and for defined services alike.
public struct LogGenerator {
    public struct Options: Sendable {
        public var tickets: Int
        public var seed: UInt64 = 1
        /// First instant of the period (Unix seconds, UTC).
        public var start: Int64 = Instant.parse("2026-01-05T00:00:00Z")!
        public var days: Int = 90
        /// Services to generate tickets for; the built-in catalogue when nil.
        public var services: [ServiceDefinition]?
        public init(tickets: Int) { self.tickets = tickets }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// The built-in catalogue: five services over twelve teams.
    public static let catalogue: [(ServiceDefinition, weight: Double)] = {
        func s(_ key: String, _ name: String, _ steps: [(String, String, ServiceDefinition.Step.Kind)]) -> ServiceDefinition {
            ServiceDefinition(key: key, name: name, steps: steps.map { .init(key: $0.0, name: $0.0, team: $0.1, kind: $0.2) })
        }
        return [
            (s("incident", "Incident", [("triage", "service-desk", .task), ("diagnose", "network", .task), ("fix", "it-ops", .task)]), 0.40),
            (s("access-request", "Access request", [("review", "security", .review), ("approve", "managers", .approval), ("provision", "it-ops", .automated)]), 0.25),
            (s("onboarding", "Employee onboarding", [("hr-review", "hr", .review), ("it-access", "it-ops", .task), ("equipment", "facilities", .task), ("payroll-setup", "payroll", .task)]), 0.15),
            (s("laptop-refresh", "Laptop refresh", [("triage", "service-desk", .task), ("approve", "managers", .approval), ("order", "procurement", .task), ("imaging", "it-ops", .task), ("delivery", "facilities", .task)]), 0.12),
            (s("vendor-onboarding", "Vendor onboarding", [("intake", "procurement", .task), ("legal-review", "legal", .review), ("security-review", "security", .review), ("finance-setup", "finance", .task), ("contract", "legal", .task), ("approve", "managers", .approval), ("activate", "data", .automated)]), 0.08),
        ]
    }()

    /// Writes the CSV (header first) through `write`, in chunks; returns the number of events written.
    @discardableResult
    public func generate(write: (String) throws -> Void) throws -> Int {
        var rng = SplitMix64(seed: options.seed)
        let services: [(ServiceDefinition, Double)] = options.services.map { $0.map { ($0, 1.0) } } ?? Self.catalogue
        let totalWeight = services.reduce(0) { $0 + $1.1 }
        let end = options.start + Int64(options.days) * 86_400
        // Day weights: weekdays 1, weekends 0.15.
        let dayWeights = (0..<max(options.days, 1)).map { d -> Double in
            let days = (options.start >= 0 ? options.start / 86_400 : (options.start - 86_399) / 86_400) + Int64(d)
            let weekday = Int(((days + 3) % 7 + 7) % 7)  // 0 = Monday (1970-01-01 was a Thursday)
            return weekday >= 5 ? 0.15 : 1.0
        }
        var cumulative: [Double] = []
        var acc = 0.0
        for w in dayWeights { acc += w; cumulative.append(acc) }
        let width = max(6, String(options.tickets).count)

        var out = "ticket_id,service,step,team,event,at,actor\n"
        var events = 0
        func row(_ ticket: String, _ service: String, _ step: String, _ team: String, _ kind: String, _ at: Int64, _ actor: String) {
            out += ticket; out += ","; out += service; out += ","; out += step; out += ","; out += team; out += ","
            out += kind; out += ","; out += Instant.iso(at); out += ","; out += actor; out += "\n"
            events += 1
        }
        for n in 1...max(options.tickets, 1) where options.tickets > 0 {
            let id = "G-" + String(repeating: "0", count: max(0, width - String(n).count)) + String(n)
            // Pick the service.
            var pick = rng.unit() * totalWeight
            var service = services[0].0
            for (s, w) in services { if pick < w { service = s; break }; pick -= w }
            // Arrival: ticket numbers follow time, as in real systems (stratified over the weighted days: ticket n
            // falls in the n-th slice of the period's weight), office hours mostly.
            let u = (Double(n - 1) + rng.unit()) / Double(options.tickets) * acc
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if u < cumulative[mid] { hi = mid } else { lo = mid + 1 } }
            let day = lo
            let within = min(1, max(0, (u - (cumulative[day] - dayWeights[day])) / dayWeights[day]))
            let hour = 7.5 + within * 10 + (rng.unit() < 0.1 ? rng.unit() * 6 : 0)
            var t = options.start + Int64(day) * 86_400 + Int64(hour * 3600)
            guard t < end else { continue }
            row(id, service.key, "", "", "opened", t, "requester\(1 + Int(rng.next() % 400))")
            let cancelAt = rng.unit() < 0.04 ? Int(rng.next() % UInt64(service.steps.count)) : -1
            var open = true
            stepLoop: for (i, step) in service.steps.enumerated() {
                let team = step.team ?? "unassigned"
                let actor = "\(team).\(1 + Int(rng.next() % 6))"
                let scale = Self.medianWork(step)
                if i == cancelAt {
                    t += Self.seconds(rng.lognormal(median: 3600 * 4, sigma: 1.0))
                    if t >= end { break stepLoop }
                    row(id, service.key, "", "", "cancelled", t, "requester")
                    open = false
                    break stepLoop
                }
                if i > 0 && step.kind != .approval && rng.unit() < 0.05 {
                    t += Self.seconds(rng.lognormal(median: 600, sigma: 0.5))
                    if t >= end { break stepLoop }
                    row(id, service.key, step.key, team, "skipped", t, actor)
                    // A skipped last step ends the ticket too (a live Baton closes it by itself).
                    if i == service.steps.count - 1 {
                        t += Self.seconds(rng.lognormal(median: 900, sigma: 0.7))
                        if t < end { row(id, service.key, "", "", "closed", t, actor) }
                    }
                    continue
                }
                // A step with a checklist is done the same way every time: tight work, rare rework, no pauses (the
                // demo's candidates for automation); other human work varies as people's does.
                let checklist = step.kind != .automated && !(step.tasks ?? []).isEmpty
                var attempts = rng.unit() < (checklist ? 0.02 : 0.06) ? 2 : 1
                while attempts > 0 {
                    attempts -= 1
                    let wait = rng.lognormal(median: step.kind == .automated ? 120 : 3 * 3600, sigma: 1.1)
                    t += Self.seconds(wait)
                    if t >= end { break stepLoop }
                    if step.kind != .automated {
                        row(id, service.key, step.key, team, "started", t, actor)
                        if rng.unit() < (checklist ? 0 : 0.1) {
                            t += Self.seconds(rng.lognormal(median: scale * 0.3, sigma: 0.5))
                            if t >= end { break stepLoop }
                            row(id, service.key, step.key, team, "paused", t, actor)
                            t += Self.seconds(rng.lognormal(median: 6 * 3600, sigma: 0.9))
                            if t >= end { break stepLoop }
                            row(id, service.key, step.key, team, "resumed", t, actor)
                        }
                    }
                    t += Self.seconds(rng.lognormal(median: step.kind == .automated ? 60 : scale, sigma: checklist ? 0.25 : 0.6))
                    if t >= end { break stepLoop }
                    row(id, service.key, step.key, team, "completed", t, actor)
                    if attempts > 0 {
                        t += Self.seconds(rng.lognormal(median: 1800, sigma: 0.8))
                        if t >= end { break stepLoop }
                        row(id, service.key, step.key, team, "reopened", t, actor)
                    }
                }
                if i == service.steps.count - 1 {
                    t += Self.seconds(rng.lognormal(median: 900, sigma: 0.7))
                    if t < end { row(id, service.key, "", "", "closed", t, actor) }
                    open = false
                }
            }
            _ = open
            if out.utf8.count >= 1 << 16 { try write(out); out.removeAll(keepingCapacity: true) }
        }
        if !out.isEmpty { try write(out) }
        return events
    }

    /// A step's median work: its target's third when it has one, else 1–6 h from its key (stable across runs).
    static func medianWork(_ step: ServiceDefinition.Step) -> Double {
        if let target = step.targetSeconds { return Double(target) / 3 }
        var h: UInt64 = 1469598103934665603
        for b in step.key.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return 3600 * (1 + Double(h % 6))
    }

    /// At least a minute, so that no two events of a ticket share an instant.
    static func seconds(_ x: Double) -> Int64 { max(60, Int64(x.rounded())) }

    /// Loads every `*.json` service definition in a folder, in name order.
    public static func loadServices(folder: String) throws -> [ServiceDefinition] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw InputError(file: folder, "has no *.json service definitions") }
        return try names.map { try ServiceDefinition.load(path: (folder as NSString).appendingPathComponent($0)) }
    }
}

extension SplitMix64 {
    /// Lognormal with the given median and log-space standard deviation (Box–Muller).
    mutating func lognormal(median: Double, sigma: Double) -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        return median * exp(sigma * z)
    }
}
