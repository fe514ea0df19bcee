import SQLite

/// Source labels of a row, kept as names where the row's keys are slugs of them (XES `concept:name`,
/// `org:group`, a profile's status or group values).
struct RowNames {
    var step: String?
    var team: String?
    static let none = RowNames()
}

/// What an import learns of the services its file names: defined services are used as they are; a service the
/// store lacks is made from the log (origin `log`), and a log-made one that shows new steps gets a new version.
///
/// A log-made service has no declared order, so its steps are ordered by first appearance in time (the earliest
/// `at` among the rows naming the step, file order breaking ties): the same rows in any order give the same
/// positions. Names from the source are kept as the steps' and teams' names.
final class ServiceInference {
    /// What the import knows of each service the file names.
    enum State {
        /// Defined (from a JSON file): used as it is, never changed by an import.
        case stored(ServiceVersion)
        /// Made from logs: `provisional` is the version this import stores at the end; `base` the latest stored
        /// version (0: none); `known` the steps that version already has (they keep their positions).
        case log(provisional: ServiceVersion, base: Int, known: Set<String>)
        case invalid
    }

    /// First appearance of a step the stored service lacks: the earliest instant, then the earliest line.
    private struct FirstSeen { var at: Int64; var line: Int; var team: String?; var name: String? }

    /// The import's transaction, on its writer thread.
    private let store: ImportWriterThread
    private let profile: ImportProfile?
    private var states: [String: State] = [:]
    private var order: [String] = []
    /// The steps of a log-made service that its stored version lacks, by first appearance. A class: a row
    /// updates it in place, not a copy of a dictionary in a dictionary.
    private final class StepsSeen {
        let known: Set<String>
        var first: [String: FirstSeen] = [:]
        init(known: Set<String>) { self.known = known }
    }
    /// Log-made services only.
    private var firstSeen: [String: StepsSeen] = [:]
    /// The service of the row noted last and its steps (nil: not log-made): the rows of a ticket share a service,
    /// so most rows look nothing up by service.
    private var lastService: String?
    private var lastSteps: StepsSeen?
    /// The last (service, step) noted and its first appearance so far: consecutive rows mostly name the same step,
    /// and only an earlier row than the one recorded needs a dictionary write.
    private var last = (service: "", step: "", at: Int64.max, line: Int.max)

    /// `leadTimeEnds`:
    /// what ends a ticket of the services this import creates (`TicketClosing.Rule.leadTimeEnds`), kept with them
    /// so that reports can say what their lead times measure.
    init(store: ImportWriterThread, profile: ImportProfile?, leadTimeEnds: String?) {
        self.store = store
        self.profile = profile
        self.leadTimeEnds = leadTimeEnds
    }
    private let leadTimeEnds: String?

    /// Services this import created and extended, in the order the file first named them.
    private(set) var created: [String] = []
    private(set) var updated: [String] = []

    /// Records the service and step a row names.
    func note(_ row: StagedRow, names: RowNames) throws {
        let key = row.service
        if !row.team.isEmpty && row.team != lastTeam {
            lastTeam = row.team
            if teamsSeen[row.team] == nil || teamsSeen[row.team]! == nil { teamsSeen[row.team] = names.team }
        }
        if key == last.service && row.step == last.step {
            guard (row.at, row.line) < (last.at, last.line) else { return }
        }
        if key != lastService {
            if states[key] == nil { try begin(key) }
            lastService = key
            lastSteps = firstSeen[key]
        }
        guard !row.step.isEmpty, let steps = lastSteps, !steps.known.contains(row.step) else {
            last = (key, row.step, Int64.min, Int.min)   // nothing to track for this step
            return
        }
        if let seen = steps.first[row.step], (seen.at, seen.line) <= (row.at, row.line) {
            last = (key, row.step, seen.at, seen.line)
            return
        }
        let team = row.team.isEmpty ? nil : row.team
        steps.first[row.step] = FirstSeen(at: row.at, line: row.line, team: team, name: names.step)
        last = (key, row.step, row.at, row.line)
        // The provisional version lists every step seen so far (in file order, for now): streamed tickets are
        // applied against it while the file is read; `finish` puts the steps in time order.
        if case .log(var provisional, let base, let known)? = states[key], provisional.definition.step(row.step) == nil {
            provisional.definition.steps.append(.init(key: row.step, name: names.step ?? row.step, team: team))
            states[key] = .log(provisional: provisional, base: base, known: known)
        }
    }

    /// Every team the file's rows name (with its label, when the key is a slug of one): a step worked by several
    /// teams has a team of its own on each ticket, and each is a team of the store.
    private var teamsSeen: [String: String?] = [:]
    private var lastTeam = ""

    private func begin(_ key: String) throws {
        order.append(key)
        if let existing = try store.service(key) {
            if existing.isDefined {
                states[key] = .stored(existing)
            } else {
                var next = existing
                next.version = existing.version + 1
                let known = Set(existing.definition.steps.map(\.key))
                states[key] = .log(provisional: next, base: existing.version, known: known)
                firstSeen[key] = StepsSeen(known: known)
            }
        } else if ServiceDefinition.isValidKey(key) {
            let name = key == profile?.service ? (profile?.serviceName ?? key) : key
            var definition = ServiceDefinition(key: key, name: name, enforceOrder: true, autoClose: false, steps: [])
            definition.leadTimeEnds = leadTimeEnds
            states[key] = .log(provisional: ServiceVersion(key: key, version: 1, enforceOrder: true, autoClose: false,
                                                           origin: "log", definition: definition),
                               base: 0, known: [])
            firstSeen[key] = StepsSeen(known: [])
        } else {
            states[key] = .invalid
        }
    }

    /// The service version an event refers to: this import's provisional version, or a stored one.
    func service(_ key: String, version: Int? = nil) throws -> ServiceVersion? {
        switch states[key] {
        case .stored(let s)? where version == nil || version == s.version: return s
        case .log(let p, _, _)? where version == nil || version == p.version: return p
        default: return try store.service(key, version: version)
        }
    }

    /// Stores the services made or extended from the log, with their new steps in time order, and points this
    /// import's tickets (and the runs already written while streaming) at what was stored.
    func finish() throws {
        (lastService, lastSteps) = (nil, nil)
        for key in order {
            guard case .log(var provisional, let base, let known)? = states[key] else { continue }
            let seen = firstSeen[key]?.first ?? [:]
            var final = base
            if !seen.isEmpty {
                let streamedOrder = provisional.definition.steps.map(\.key)
                let kept = provisional.definition.steps.filter { known.contains($0.key) }
                let added = seen.sorted { ($0.value.at, $0.value.line) < ($1.value.at, $1.value.line) }
                    .map { ServiceDefinition.Step(key: $0.key, name: $0.value.name ?? $0.key, team: $0.value.team) }
                provisional.definition.steps = kept + added
                var teams = provisional.definition.teams ?? [:]
                for step in added { if let team = step.team, teams[team] == nil { teams[team] = teamsSeen[team].flatMap { $0 } ?? team } }
                provisional.definition.teams = teams.isEmpty ? nil : teams
                switch try store.apply(provisional.definition, origin: "log") {
                case .created(let v), .updated(let v), .unchanged(let v): final = v
                }
                if base == 0 { created.append(key) } else { updated.append(key) }
                // Runs written while the file streamed carry the positions of file order; correct those that moved.
                let moved = provisional.definition.steps.enumerated()
                    .filter { i, step in streamedOrder.firstIndex(of: step.key) != i }.map { (step: $0.element.key, position: $0.offset) }
                if !moved.isEmpty { try store.perform { try $0.projections.reposition(service: key, moved) } }
            }
            if final != provisional.version {
                let (streamed, stored) = (provisional.version, final)
                try store.perform { try $0.projections.repoint(service: key, from: streamed, to: stored) }
            }
            if let stored = try store.service(key, version: final) { states[key] = .stored(stored) }
        }
        // Teams seen only on some tickets' runs are teams of the store too (not defined: seen only in a log).
        for (team, name) in teamsSeen.sorted(by: { $0.key < $1.key }) where ServiceDefinition.isValidKey(team) {
            try store.run("INSERT INTO teams(key, name, defined) VALUES (?, ?, 0) ON CONFLICT(key) DO NOTHING", [team, (name ?? nil) ?? team])
        }
    }
}
