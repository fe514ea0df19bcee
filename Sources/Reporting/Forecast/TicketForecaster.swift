import BatonCore
import Foundation

/// When each open ticket is likely done: its remaining steps simulated from their recent durations.
///
/// A ticket's end is drawn, per trial, as max over its open runs (ready + a duration of the run's step longer than
/// its age) + a duration of each later step. Tickets whose draws follow the same law share their trials: that law
/// depends only on the steps, on how many durations are longer than each open run's age (rounded to a 2 % grid, see
/// `DurationSample`) and on the runs' ready instants relative to each other, so every key is simulated once with the
/// full number of trials and each of its tickets takes the key's percentiles from its own base instant. 50,000 open
/// tickets make a few thousand keys.
struct TicketForecaster {
    struct ETA: Sendable {
        var ticketID: String
        var service: String
        var step: String
        var team: String
        var p50: Int64?
        var p85: Int64?
        /// `steps`, `lead_time` or `none`.
        var method: String
        /// How many durations the least known of its samples has.
        var basis: Int
    }

    /// One open run's part of a key: its sample, how many of its longest durations remain candidates, whether its
    /// draws count from the forecast's instant (a run older than nearly all durations) or from its ready instant, and
    /// the seconds from the key's base to that instant.
    struct Leg: Hashable, Comparable, Sendable {
        var sample: Int
        var candidates: Int
        var fromNow: Bool
        var lead: Int64
        static func < (a: Leg, b: Leg) -> Bool {
            (a.sample, a.candidates, a.fromNow ? 1 : 0, a.lead) < (b.sample, b.candidates, b.fromNow ? 1 : 0, b.lead)
        }
    }

    struct Key: Hashable, Sendable {
        var legs: [Leg]
        var next: [Int]
        /// What the key forecasts, in words that do not depend on the order samples were read in: its seed.
        func label(_ names: [String]) -> String {
            legs.map { "\(names[$0.sample]):\($0.candidates):\($0.fromNow):\($0.lead)" }.joined(separator: ",") + "|"
                + next.map { names[$0] }.sorted().joined(separator: ",")
        }
    }

    let settings: ForecastSettings
    let asOf: Int64

    /// The ETAs of `tickets`, in their order. `rows` are the durations read; a sample holds those that ended in the
    /// window before `asOf`.
    func forecast(_ tickets: [OpenTicket], rows: DurationRows) -> [ETA] {
        var samples: [Int: DurationSample] = [:]
        func sample(_ service: String, _ step: String) -> (Int, DurationSample)? {
            guard let id = rows.id(ofService: service, step: step) else { return nil }
            if let s = samples[id] { return (id, s) }
            let s = rows.sample(id, asOf: asOf, windowDays: settings.windowDays)
            samples[id] = s
            return (id, s)
        }
        var keys: [Key] = []
        var keyIndex: [Key: Int] = [:]
        var placed: [(key: Int, base: Int64)?] = []
        var etas: [ETA] = []
        for t in tickets {
            let current = t.open.first
            var eta = ETA(ticketID: t.id, service: t.service, step: current?.step ?? "", team: current?.team ?? "",
                          p50: nil, p85: nil, method: "none", basis: 0)
            var made: (Key, Int64, Int)?
            if t.defined, !t.open.isEmpty {
                let open = t.open.compactMap { run in sample(t.service, run.step).map { (run, $0.0, $0.1) } }
                let next = t.next.compactMap { sample(t.service, $0) }
                let basis = (open.map(\.2.count) + next.map(\.1.count)).min() ?? 0
                if open.count == t.open.count, next.count == t.next.count, basis >= settings.minRuns {
                    let conditioned = open.map { run, id, s in (run, id, s.conditioned(onAge: asOf - run.readyAt)) }
                    let anchors = conditioned.map { $0.2.fromNow ? asOf : $0.0.readyAt }
                    let base = anchors.min()!
                    let legs = zip(conditioned, anchors).map { c, anchor in
                        Leg(sample: c.1, candidates: c.2.candidates, fromNow: c.2.fromNow, lead: anchor - base)
                    }.sorted()
                    made = (Key(legs: legs, next: next.map(\.0).sorted()), base, basis)
                    eta.method = "steps"
                }
            }
            if made == nil, let (id, s) = sample(t.service, ""), s.count >= settings.minRuns {
                let c = s.conditioned(onAge: asOf - t.openedAt)
                made = (Key(legs: [Leg(sample: id, candidates: c.candidates, fromNow: c.fromNow, lead: 0)], next: []),
                        c.fromNow ? asOf : t.openedAt, s.count)
                eta.method = "lead_time"
            }
            if let (key, base, basis) = made {
                eta.basis = basis
                let k = keyIndex[key] ?? {
                    keys.append(key)
                    keyIndex[key] = keys.count - 1
                    return keys.count - 1
                }()
                placed.append((k, base))
            } else {
                placed.append(nil)
            }
            etas.append(eta)
        }
        // Every sample in one flat array, so the trials index memory directly (no per-draw retain or bounds check).
        var flat: [Int64] = [], spans: [Int: (start: Int, count: Int)] = [:]
        for (id, s) in samples.sorted(by: { $0.key < $1.key }) {
            spans[id] = (flat.count, s.count)
            flat += s.sorted
        }
        let frozenFlat = flat, frozenSpans = spans, frozenKeys = keys, trials = settings.trials, seed = settings.seed, names = rows.names
        let percentiles = ParallelTrials.map(frozenKeys.count) { i in
            Self.simulate(frozenKeys[i], frozenFlat, frozenSpans, trials: trials, seed: ForecastSeed.of([frozenKeys[i].label(names)], seed))
        }
        for (i, p) in placed.enumerated() {
            guard let (k, base) = p else { continue }
            let q = percentiles[k]
            etas[i].p50 = q.0.map { max(asOf, base + Int64($0.rounded(.up))) }
            etas[i].p85 = q.1.map { max(asOf, base + Int64($0.rounded(.up))) }
        }
        return etas
    }

    /// The p50 and p85 of a key's end, in seconds after its base, over `trials` seeded trials. `flat` holds every
    /// sample sorted, at `spans`.
    static func simulate(_ key: Key, _ flat: [Int64], _ spans: [Int: (start: Int, count: Int)], trials: Int,
                         seed: UInt64) -> (Double?, Double?) {
        var rng = SplitMix64(seed: seed)
        // A leg draws from its candidates, the last `candidates` of its sample: (first index, count, from now, lead).
        let legs = key.legs.map { leg -> (Int, UInt64, Bool, Int64) in
            let span = spans[leg.sample]!
            return (span.start + span.count - leg.candidates, UInt64(leg.candidates), leg.fromNow, leg.lead)
        }
        let next = key.next.map { id -> (Int, UInt64) in (spans[id]!.start, UInt64(spans[id]!.count)) }
        var ends = [Int64](repeating: 0, count: trials)
        flat.withUnsafeBufferPointer { values in
            for t in 0..<trials {
                var end = Int64.min
                for (first, m, fromNow, lead) in legs {
                    let x = values[first + Int(((rng.next() >> 32) &* m) >> 32)]
                    end = max(end, lead + (fromNow ? x - values[first] : x))
                }
                for (first, n) in next { end += values[first + Int(((rng.next() >> 32) &* n) >> 32)] }
                ends[t] = end
            }
        }
        let q = TrialQuantiles.of(&ends, [0.5, 0.85])
        return (q[0], q[1])
    }
}
