import BatonCore
import Foundation
import SQLite

/// Reads the canonical event log of DESIGN (`ticket_id,service,step,team,event,at,actor`, plus an optional
/// `task` for `task_done` events and optional `title` and `requester` for `opened` events) as CSV with a header row or as JSON Lines with the same keys.
struct CanonicalLogReader {
    static let columns = ["ticket_id", "service", "step", "team", "event", "at", "actor", "task", "title", "requester"]
    static let required = ["ticket_id", "event", "at"]

    let source: ByteSource
    /// The CSV delimiter (`--delimiter`): a comma unless told.
    var delimiter: UInt8 = 44

    init(source: ByteSource, delimiter: UInt8 = 44) {
        self.source = source
        self.delimiter = delimiter
    }

    func readCSV(into sink: StagedRowSink) throws {
        var index: [Int] = []   // position of each canonical column in the file, -1 when absent
        var requiredIndex: [(name: String, at: Int)] = []
        var names: [String] = []
        var header = true
        var rows = 0
        try CSVRecordReader(source: source, delimiter: delimiter).forEachRecord { fields, line, problem in
            if header {
                header = false
                if let problem { throw InputError(file: source.name, line: line, field: "column \(problem.field + 1)", "the header row: \(problem.message)") }
                names = fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                for name in Self.required where !names.contains(name) {
                    throw InputError(file: source.name, line: line, field: name,
                                     "missing required column (the header has: \(names.joined(separator: ", ")))\(Self.delimiterHint(names, delimiter: delimiter))")
                }
                index = Self.columns.map { names.firstIndex(of: $0) ?? -1 }
                requiredIndex = Self.required.map { ($0, names.firstIndex(of: $0)!) }
                let extra = names.filter { !Self.columns.contains($0) }
                if !extra.isEmpty { sink.warn("\(source.name): ignoring extra column\(extra.count == 1 ? "" : "s"): \(extra.joined(separator: ", "))") }
                return
            }
            rows += 1
            if rows & 0xFFFF == 0 { sink.progress(rows: rows) }
            func value(_ k: Int) -> String { let i = index[k]; return i >= 0 && i < fields.count ? fields[i] : "" }
            do {
                try Self.checkShape(fields, problem: problem, names: names, file: source.name, line: line)
                // A row may stop before the header's last columns (their values are empty), but not before a required one.
                for (name, i) in requiredIndex {
                    if i >= fields.count {
                        throw InputError(file: source.name, line: line, field: name,
                                         "is missing: the row has \(fields.count) field\(fields.count == 1 ? "" : "s"), the header \(names.count)")
                    }
                }
                try sink.row(try Self.makeRow(file: source.name, line: line, ticket: value(0), service: value(1), step: value(2), team: value(3),
                                             event: value(4), at: value(5), actor: value(6), task: value(7),
                                             title: value(8), requester: value(9)), names: .none)
            } catch let error as InputError {
                try sink.reject(error, record: Self.record(fields, delimiter: delimiter))
            }
        }
        if header { throw InputError(file: source.name, line: 1, field: "ticket_id", "the file is empty (no header row)") }
        sink.progress(rows: rows)
    }

    /// Refuses a record that is not RFC 4180 or has more fields than the header (its columns would be misread),
    /// naming the column.
    static func checkShape(_ fields: [String], problem: CSVRecordReader.Problem?, names: [String], file: String, line: Int) throws {
        func column(_ i: Int) -> String { i < names.count && !names[i].isEmpty ? names[i] : "column \(i + 1)" }
        if let problem { throw InputError(file: file, line: line, field: column(problem.field), "\(problem.message) (column \(problem.field + 1))") }
        if fields.count > names.count {
            throw InputError(file: file, line: line, field: "column \(names.count + 1)",
                             "the row has \(fields.count) fields, the header \(names.count): a delimiter inside a value needs the value quoted")
        }
    }

    /// A hint when a header that lacks the required columns is one field holding another delimiter.
    static func delimiterHint(_ names: [String], delimiter: UInt8) -> String {
        guard names.count == 1, let only = names.first else { return "" }
        for (c, option) in [(";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")] where Character(UnicodeScalar(delimiter)) != Character(c) && only.contains(c) {
            return "; the header looks \(c == "\t" ? "tab" : "'\(c)'")-separated: pass --delimiter \(option)"
        }
        return ""
    }

    /// A record as the rejects file shows it: the fields joined by the file's delimiter, quoted where needed.
    static func record(_ fields: [String], delimiter: UInt8) -> String {
        guard delimiter != 44 else { return fields.map(csvField).joined(separator: ",") }
        let d = Character(UnicodeScalar(delimiter))
        return fields.map { f in
            f.contains(d) || f.contains("\"") || f.contains("\n") || f.contains("\r") ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: String(d))
    }

    func readJSONLines(into sink: StagedRowSink) throws {
        var rows = 0
        var warned = Set<String>()
        try source.forEachLine { bytes, line in
            if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { return }
            rows += 1
            if rows & 0xFFFF == 0 { sink.progress(rows: rows) }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw InputError(file: source.name, line: line, "is not a JSON object")
                }
                for key in object.keys where !Self.columns.contains(key) && warned.insert(key).inserted {
                    sink.warn("\(source.name): ignoring extra key '\(key)'")
                }
                func value(_ key: String) throws -> String {
                    switch object[key] {
                    case nil, is NSNull: return ""
                    case let s as String:
                        if s.utf8.contains(0) { throw InputError(file: source.name, line: line, field: key, "holds a NUL character (\\u0000)") }
                        return s
                    case let n as NSNumber: return n.stringValue
                    default: throw InputError(file: source.name, line: line, field: key, "must be a string")
                    }
                }
                for key in Self.required where object[key] == nil {
                    throw InputError(file: source.name, line: line, field: key, "is required")
                }
                try sink.row(try Self.makeRow(file: source.name, line: line, ticket: value("ticket_id"), service: value("service"),
                                             step: value("step"), team: value("team"), event: value("event"), at: value("at"),
                                             actor: value("actor"), task: value("task"),
                                             title: value("title"), requester: value("requester")), names: .none)
            } catch let error as InputError {
                try sink.reject(error, record: text)
            }
        }
        sink.progress(rows: rows)
    }

    /// Validates one canonical row: the event kind, the instant, and the fields the kind needs.
    static func makeRow(file: String, line: Int, ticket: String, service: String, step: String, team: String,
                        event: String, at: String, actor: String, task: String,
                        title: String = "", requester: String = "") throws -> StagedRow {
        guard !ticket.isEmpty else { throw InputError(file: file, line: line, field: "ticket_id", "must not be empty") }
        guard let kind = EventKind(name: event) else {
            throw InputError(file: file, line: line, field: "event",
                             "unknown event kind '\(event)'\(Suggest.didYouMean(event, in: EventKind.allCases.map(\.rawValue))) (kinds: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        // A date alone (Instant.parse reads it as midnight UTC, for --from/--to) says neither the time nor the zone.
        guard at.utf8.count > 10, let instant = Instant.parse(at) else {
            throw InputError(file: file, line: line, field: "at", "'\(at)' is not an ISO 8601 date-time with Z or an offset (e.g. 2026-03-02T09:15:00Z)")
        }
        if kind.isTicketEvent {
            if kind == .opened {
                guard !service.isEmpty else { throw InputError(file: file, line: line, field: "service", "an 'opened' event needs the service") }
                guard ServiceDefinition.isValidKey(service) else {
                    throw InputError(file: file, line: line, field: "service", "'\(service)' must be letters, digits, '-', '_' or '.'")
                }
            }
        } else {
            guard !step.isEmpty else { throw InputError(file: file, line: line, field: "step", "a '\(event)' event needs a step") }
            if kind == .taskDone && task.isEmpty { throw InputError(file: file, line: line, field: "task", "a 'task_done' event needs the task") }
        }
        return StagedRow(ticket: ticket, at: instant, kind: kind.rawValue, service: service, step: kind.isTicketEvent ? "" : step,
                         team: team, actor: actor, task: task,
                         title: kind == .opened ? title : "", requester: kind == .opened ? requester : "", line: line)
    }

    static func csvField(_ s: String) -> String { CSVText.quote(s) }
}
