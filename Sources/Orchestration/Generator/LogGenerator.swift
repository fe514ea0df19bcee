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
        let services: [(ServiceDefinition, Double)] = options.services.map { $0.map { ($0, 1.0) } } ?? Self.catalogue
        let totalWeight = services.reduce(0) { $0 + $1.1 }
        let arrivals = Arrivals(start: options.start, days: options.days)
        let width = max(6, String(options.tickets).count)
        var log = Log(rng: SplitMix64(seed: options.seed), end: options.start + Int64(options.days) * 86_400)
        for n in 1...max(options.tickets, 1) where options.tickets > 0 {
            let id = "G-" + String(repeating: "0", count: max(0, width - String(n).count)) + String(n)
            let service = Self.pick(services, totalWeight: totalWeight, &log.rng)
            let opened = arrivals.instant(ofTicket: n, of: options.tickets, &log.rng)
            guard opened < log.end else { continue }
            log.ticket(id, service, openedAt: opened)
            if log.out.utf8.count >= 1 << 16 { try write(log.out); log.out.removeAll(keepingCapacity: true) }
        }
        if !log.out.isEmpty { try write(log.out) }
        return log.events
    }

    /// A service drawn by weight.
    private static func pick(_ services: [(ServiceDefinition, Double)], totalWeight: Double,
                             _ rng: inout SplitMix64) -> ServiceDefinition {
        var pick = rng.unit() * totalWeight
        var service = services[0].0
        for (s, w) in services { if pick < w { service = s; break }; pick -= w }
        return service
    }

    /// When tickets arrive: ticket numbers follow time, as in real systems (stratified over the weighted days:
    /// ticket n falls in the n-th slice of the period's weight), office hours mostly.
    private struct Arrivals {
        let start: Int64
        /// Day weights: weekdays 1, weekends 0.15.
        let dayWeights: [Double]
        let cumulative: [Double]

        init(start: Int64, days: Int) {
            self.start = start
            dayWeights = (0..<max(days, 1)).map { d -> Double in
                let days = (start >= 0 ? start / 86_400 : (start - 86_399) / 86_400) + Int64(d)
                let weekday = Int(((days + 3) % 7 + 7) % 7)  // 0 = Monday (1970-01-01 was a Thursday)
                return weekday >= 5 ? 0.15 : 1.0
            }
            var cumulative: [Double] = []
            var acc = 0.0
            for w in dayWeights { acc += w; cumulative.append(acc) }
            self.cumulative = cumulative
        }

        func instant(ofTicket n: Int, of tickets: Int, _ rng: inout SplitMix64) -> Int64 {
            let u = (Double(n - 1) + rng.unit()) / Double(tickets) * cumulative[cumulative.count - 1]
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if u < cumulative[mid] { hi = mid } else { lo = mid + 1 } }
            let day = lo
            let within = min(1, max(0, (u - (cumulative[day] - dayWeights[day])) / dayWeights[day]))
            let hour = 7.5 + within * 10 + (rng.unit() < 0.1 ? rng.unit() * 6 : 0)
            return start + Int64(day) * 86_400 + Int64(hour * 3600)
        }
    }

    /// The log being written: the CSV so far, the random stream, and the ticket being written with its clock.
    /// Every delay moves the clock on; one that passes the end of the period cuts the ticket there.
    private struct Log {
        var rng: SplitMix64
        let end: Int64
        var out = "ticket_id,service,step,team,event,at,actor\n"
        var events = 0
        private var id = "", service = ""
        private var t: Int64 = 0

        init(rng: SplitMix64, end: Int64) {
            self.rng = rng
            self.end = end
        }

        mutating func ticket(_ id: String, _ service: ServiceDefinition, openedAt: Int64) {
            self.id = id
            self.service = service.key
            t = openedAt
            let requester = "requester\(1 + Int(rng.next() % 400))"
            row("", "", "opened", requester)
            let cancelAt = rng.unit() < 0.04 ? Int(rng.next() % UInt64(service.steps.count)) : -1
            for (i, step) in service.steps.enumerated() {
                guard self.step(step, first: i == 0, last: i == service.steps.count - 1, cancels: i == cancelAt) else { return }
            }
        }

        /// One step of the ticket; false when the ticket ends there (cancelled, or cut by the end of the period).
        private mutating func step(_ step: ServiceDefinition.Step, first: Bool, last: Bool, cancels: Bool) -> Bool {
            let team = step.team ?? "unassigned"
            let actor = "\(team).\(1 + Int(rng.next() % 6))"
            if cancels {
                if wait(median: 3600 * 4, sigma: 1.0) { row("", "", "cancelled", "requester") }
                return false
            }
            if !first && step.kind != .approval && rng.unit() < 0.05 {
                guard wait(median: 600, sigma: 0.5) else { return false }
                row(step.key, team, "skipped", actor)
            } else {
                guard work(step, team: team, actor: actor) else { return false }
            }
            // The last step, done or skipped, ends the ticket (a live Baton closes it by itself).
            if last && wait(median: 900, sigma: 0.7) { row("", "", "closed", actor) }
            return true
        }

        /// The step worked to completion, sometimes twice (a reopening between); false when the period ends first.
        private mutating func work(_ step: ServiceDefinition.Step, team: String, actor: String) -> Bool {
            let scale = LogGenerator.medianWork(step)
            // A step with a checklist is done the same way every time: tight work, rare rework, no pauses (the
            // demo's candidates for automation); other human work varies as people's does.
            let checklist = step.kind != .automated && !(step.tasks ?? []).isEmpty
            var attempts = rng.unit() < (checklist ? 0.02 : 0.06) ? 2 : 1
            while attempts > 0 {
                attempts -= 1
                guard wait(median: step.kind == .automated ? 120 : 3 * 3600, sigma: 1.1) else { return false }
                if step.kind != .automated {
                    row(step.key, team, "started", actor)
                    if rng.unit() < (checklist ? 0 : 0.1) {
                        guard wait(median: scale * 0.3, sigma: 0.5) else { return false }
                        row(step.key, team, "paused", actor)
                        guard wait(median: 6 * 3600, sigma: 0.9) else { return false }
                        row(step.key, team, "resumed", actor)
                    }
                }
                guard wait(median: step.kind == .automated ? 60 : scale, sigma: checklist ? 0.25 : 0.6) else { return false }
                row(step.key, team, "completed", actor)
                if attempts > 0 {
                    guard wait(median: 1800, sigma: 0.8) else { return false }
                    row(step.key, team, "reopened", actor)
                }
            }
            return true
        }

        /// Moves the clock on by a lognormal delay; false when that reaches the end of the period.
        private mutating func wait(median: Double, sigma: Double) -> Bool {
            t += LogGenerator.seconds(rng.lognormal(median: median, sigma: sigma))
            return t < end
        }

        private mutating func row(_ step: String, _ team: String, _ kind: String, _ actor: String) {
            out += id; out += ","; out += service; out += ","; out += step; out += ","; out += team; out += ","
            out += kind; out += ","; out += Instant.iso(t); out += ","; out += actor; out += "\n"
            events += 1
        }
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
