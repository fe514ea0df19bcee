import BatonCore
import Foundation
import SQLite

/// The alert file's formats. Every one is a pure function of the `AlertReport`, formatted with integer UTC
/// arithmetic and the POSIX locale, so the bytes do not depend on the process time zone or locale.
public enum AlertFormat: String, Sendable, CaseIterable {
    case json, text, prom

    /// The format a file name implies: `.json`, `.txt`/`.text`/`.log`, `.prom`; nil for anything else.
    public static func forPath(_ path: String) -> AlertFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "json": return .json
        case "txt", "text", "log": return .text
        case "prom": return .prom
        default: return nil
        }
    }

    public func render(_ report: AlertReport) -> String {
        switch self {
        case .json: return Self.json(report)
        case .text: return Self.text(report)
        case .prom: return Self.prometheus(report)
        }
    }

    /// Hours with at most 3 decimals, no exponent, no trailing zeros: `50.5`, `72`, `0.017`.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let thousandths = (value * 1000).rounded()
        // Below 10^15 thousandths the integer prints exactly as "%.3f" prints thousandths / 1000 (its error is far
        // under half a thousandth), without the cost of a format string per number: files hold thousands of them.
        guard abs(thousandths) < 1e15 else { return formatted(thousandths / 1000) }
        let m = Int64(thousandths), whole = m.magnitude / 1000, fraction = m.magnitude % 1000
        var s = (m < 0 ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            s += "." + digits
        }
        return s
    }

    /// `number` by way of "%.3f" (for the values too large for the integer path, and the tests' reference).
    static func formatted(_ value: Double) -> String {
        var s = String(format: "%.3f", value)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    static func jsonString(_ s: String) -> String { JSONText.string(s) }

    static let definitions: [(String, String)] = [
        ("stalled", "an open, unpaused step run whose active age (age minus paused time) exceeds its threshold: the step's target, else the percentile of time in step of the same service and step over runs completed in the window before as_of when there are at least minimum_runs, else default_hours"),
        ("unowned", "an open step run whose step has no team, whose team the store does not know, or, when a team roster is declared (baton team apply), whose team is not on it"),
        ("unwatched", "a team whose oldest ready step run has waited at least unwatched_days and which started no step in the unwatched_days before as_of"),
        ("handoff", "an open ticket with no step run open, so no team owns it, for longer than handoff_hours since its last step was done (else since it opened): between-steps in a service created by an import (no declared next step), all-steps-done or no-step-ready in a defined service; step and team are the last step done and its team"),
        ("thin_ownership", "a team whose oldest ready step run has waited at least thin_hours working hours, whose runs started in the thin_days before as_of were worked by one person (one-person) or by no one (no-one), and which is not unwatched yet: the early warning before it is"),
    ]

    // MARK: JSON

    static func json(_ r: AlertReport) -> String {
        let s = r.settings
        var out = "{\n"
        out += "  \"as_of\": \(jsonString(Instant.iso(s.asOf))),\n"
        out += "  \"generated_at\": \(jsonString(Instant.iso(r.generatedAt))),\n"
        out += "  \"thresholds\": {\"percentile\": \(number(s.percentile)), \"window_days\": \(s.windowDays), \"minimum_runs\": \(s.minimumRuns), \"default_hours\": \(number(s.defaultHours)), \"unwatched_days\": \(s.unwatchedDays), \"handoff_hours\": \(number(s.handoffHours)), \"at_risk_hours\": \(number(s.atRiskHours)), \"attainment_days\": \(s.attainmentDays)},\n"
        out += "  \"teams\": [\(s.teams.sorted().map(jsonString).joined(separator: ", "))],\n"
        out += "  \"definitions\": {" + definitions.map { "\(jsonString($0.0)): \(jsonString($0.1))" }.joined(separator: ", ") + "},\n"
        let counts = Alert.Kind.allCases.map { k in "\(jsonString(k.rawValue)): \(r.alerts.filter { $0.kind == k }.count)" }
        out += "  \"counts\": {" + counts.joined(separator: ", ") + ", \"new\": \(r.newCount)},\n"
        out += "  \"alerts\": ["
        for (i, a) in r.alerts.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            var fields: [String] = [
                "\"kind\": \(jsonString(a.kind.rawValue))", "\"new\": \(a.isNew)",
                "\"ticket\": \(jsonString(a.ticketID))", "\"service\": \(jsonString(a.service))", "\"step\": \(jsonString(a.step))",
                "\"team\": \(a.team.map(jsonString) ?? "null")", "\"state\": \(jsonString(a.state))",
                "\"ready_at\": \(jsonString(Instant.iso(a.readyAt)))", "\"age_hours\": \(number(a.ageHours))",
                "\"active_age_hours\": \(number(a.activeAgeHours))",
                "\"threshold_hours\": \(a.thresholdHours.map(number) ?? "null")", "\"source\": \(jsonString(a.source))",
            ]
            if a.kind == .unwatched || a.kind == .thinOwnership {
                fields.append("\"last_started_at\": \(a.lastStartedAt.map { jsonString(Instant.iso($0)) } ?? "null")")
            }
            if let w = a.workingAgeHours { fields.append("\"working_age_hours\": \(number(w))") }
            if a.kind == .atRisk { fields.append("\"due_at\": \(a.dueAt.map { jsonString(Instant.iso($0)) } ?? "null")") }
            if a.kind == .stalled { fields.append("\"over_by_hours\": \(a.overByHours.map(number) ?? "null")") }
            fields += ["\"title\": \(a.title.map(jsonString) ?? "null")", "\"step_name\": \(a.stepName.map(jsonString) ?? "null")",
                       "\"requester\": \(a.requester.map(jsonString) ?? "null")", "\"message\": \(jsonString(sentence(a)))"]
            out += "    {" + fields.joined(separator: ", ") + "}"
        }
        out += r.alerts.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    // MARK: text

    /// A logfmt value: bare when safe, else quoted with `\"` and `\\` escaped, `\n`, `\r`, `\t`, and every other
    /// character that could end a line (controls, U+2028, U+2029) as `\uXXXX`: a value never breaks its line.
    static func logfmt(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && !breaksLines($0) }
        if safe { return s }
        return "\"" + TextEscaping.map(s) { u in
            if let e = JSONText.backslashEscape(u) { return e }
            guard breaksLines(u) else { return .keep }
            let hex = String(u.value, radix: 16)
            return .text("\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex)
        } + "\""
    }

    /// `logfmt`, but always quoted (a sentence is one value, however it reads).
    static func quoted(_ s: String) -> String {
        let v = logfmt(s)
        return v.hasPrefix("\"") ? v : "\"" + v + "\""
    }

    /// A header comment, then one logfmt line per alert (grep for `^stalled`, `team=hr`, `new=yes`): the kind, the
    /// machine fields (the same, in the same order, as before `msg` was added), then `msg`, the alert as a sentence
    /// (`AlertFormat.sentence`), always last and always quoted.
    static func text(_ r: AlertReport) -> String {
        let s = r.settings
        var out = "# baton alerts as_of=\(Instant.iso(s.asOf)) generated_at=\(Instant.iso(r.generatedAt)) alerts=\(r.alerts.count) new=\(r.newCount)"
            + " percentile=\(number(s.percentile)) window_days=\(s.windowDays) minimum_runs=\(s.minimumRuns)"
            + " default_hours=\(number(s.defaultHours)) unwatched_days=\(s.unwatchedDays) handoff_hours=\(number(s.handoffHours))"
            + " at_risk_hours=\(number(s.atRiskHours)) attainment_days=\(s.attainmentDays)\n"
        for a in r.alerts {
            var line = "\(a.kind.rawValue) new=\(a.isNew ? "yes" : "no") team=\(logfmt(a.team ?? "-")) service=\(logfmt(a.service))"
                + " step=\(logfmt(a.step)) ticket=\(logfmt(a.ticketID)) state=\(a.state)"
                + " ready_at=\(Instant.iso(a.readyAt)) age_hours=\(number(a.ageHours)) active_age_hours=\(number(a.activeAgeHours))"
                + " threshold_hours=\(a.thresholdHours.map(number) ?? "-") source=\(logfmt(a.source))"
            if a.kind == .unwatched { line += " last_started_at=\(a.lastStartedAt.map(Instant.iso) ?? "never")" }
            if let w = a.workingAgeHours { line += " working_age_hours=\(number(w))" }
            if a.kind == .atRisk { line += " due_at=\(a.dueAt.map(Instant.iso) ?? "never")" }
            out += line + " msg=" + quoted(sentence(a)) + "\n"
        }
        return out
    }

    // MARK: Prometheus

    /// A label value escaped as the text exposition format requires: `\\`, `\"` and `\n`.
    static func labelValue(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return "\"" + out + "\""
    }

    static func labels(_ pairs: [(String, String)]) -> String {
        pairs.isEmpty ? "" : "{" + pairs.map { "\($0.0)=\(labelValue($0.1))" }.joined(separator: ",") + "}"
    }

    /// Handoff alerts counted by team (of the last step done) and service.
    static func handoffs(_ r: AlertReport) -> [([(String, String)], String)] {
        var counts: [String: (team: String, service: String, n: Int)] = [:]
        for a in r.alerts where a.kind == .handoff {
            let key = "\(a.team ?? "")\u{0}\(a.service)"
            counts[key, default: (a.team ?? "", a.service, 0)].n += 1
        }
        return counts.keys.sorted().map { k in
            let c = counts[k]!
            return ([("team", c.team), ("service", c.service)], "\(c.n)")
        }
    }

    /// Node exporter textfile-collector format: `# HELP`/`# TYPE` once per metric, gauges only, no timestamps.
    static func prometheus(_ r: AlertReport) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [([(String, String)], String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (l, v) in samples { out += "\(name)\(labels(l)) \(v)\n" }
        }
        let asOf = r.settings.asOf
        family("baton_alerts_as_of_timestamp_seconds", "The as_of instant the alerts were computed for (Unix seconds).", [([], "\(asOf)")])
        family("baton_last_success_timestamp_seconds", "When the alert file was last written successfully (Unix seconds; equals as_of when --as-of was given).",
               [([], "\(r.generatedAt)")])
        family("baton_alerts", "Alerts in this file by kind (stalled, at_risk, unowned, unwatched, handoff).",
               Alert.Kind.allCases.map { k in ([("kind", k.rawValue)], "\(r.alerts.filter { $0.kind == k }.count)") })
        family("baton_new_alerts", "Alerts reported for the first time by kind.",
               Alert.Kind.allCases.map { k in ([("kind", k.rawValue)], "\(r.alerts.filter { $0.kind == k && $0.isNew }.count)") })
        func grouped(_ kind: Alert.Kind) -> [([(String, String)], String)] {
            var counts: [String: (team: String, service: String, step: String, n: Int)] = [:]
            for a in r.alerts where a.kind == kind {
                let key = "\(a.team ?? "")\u{0}\(a.service)\u{0}\(a.step)"
                counts[key, default: (a.team ?? "", a.service, a.step, 0)].n += 1
            }
            return counts.keys.sorted().map { k in
                let c = counts[k]!
                return ([("team", c.team), ("service", c.service), ("step", c.step)], "\(c.n)")
            }
        }
        family("baton_stalled_steps", "Stalled step runs (open, unpaused, working age over threshold) by team, service and step.", grouped(.stalled))
        family("baton_at_risk_steps", "Open, unpaused step runs within the risk window of their target (not yet breached) by team, service and step.", grouped(.atRisk))
        family("baton_target_attainment_ratio", "Share of step runs completed in the trailing attainment_days that met their target (working time), by team, service and step.",
               r.attainment.map { ([("team", $0.team), ("service", $0.service), ("step", $0.step)], number($0.ratio)) })
        family("baton_unowned_steps", "Open step runs whose step has no team, whose team the store does not know or that is off the declared roster, by team, service and step.", grouped(.unowned))
        family("baton_unwatched_queue", "1 for a team whose ready work has waited the unwatched period with no step started.",
               r.alerts.filter { $0.kind == .unwatched }.map { ([("team", $0.team ?? "")], "1") })
        family("baton_thin_ownership_queue", "1 for a team whose ready work waits on one person (source one-person) or no one (no-one) before it is unwatched.",
               r.alerts.filter { $0.kind == .thinOwnership }.map { ([("team", $0.team ?? ""), ("source", $0.source)], "1") })
        family("baton_handoff_tickets", "Open tickets waiting between steps (no step run open, no team owns them) longer than handoff_hours, by service and the team of the last step done (empty: none done).",
               handoffs(r))
        let work = r.openWork.sorted { $0.team < $1.team }
        family("baton_open_steps", "Open step runs at as_of by team and state.",
               work.flatMap { w in [("ready", w.ready), ("active", w.active), ("paused", w.paused)].map { ([("team", w.team), ("state", $0.0)], "\($0.1)") } })
        family("baton_oldest_open_step_age_seconds", "Age (as_of minus ready_at) of the team's oldest open step run.",
               work.compactMap { w in w.oldestReadyAt.map { ([("team", w.team)], "\(asOf - $0)") } })
        return out
    }
}
