import BatonCore
import Foundation
import SQLite

/// Reading: each format's row source hands typed rows (a canonical event, or a status change read through a
/// profile) to the run, which applies a ticket as soon as its rows are complete (a file grouped by ticket) or
/// stages the rest of the file to be sorted.
extension EventLogImporter.Run {
        func read() throws {
            let reader = CanonicalLogReader(source: source, delimiter: options.delimiter)
            if let profile = options.profile {
                let times = try profile.timeParser(file: file, timezoneOverride: options.timezone)
                switch options.format {
                case .xes:
                    try XESLogReader(source: source).forEachEvent { record, line in
                        try self.profileRow(profile, times: times, line: line) { record[$0] }
                    }
                case .csv:
                    var header: [String: Int] = [:]
                    var names: [String] = []
                    let delimiter = options.delimiter
                    try CSVRecordReader(source: source, delimiter: delimiter).forEachRecord { fields, line, problem in
                        if names.isEmpty {
                            if let problem { throw InputError(file: self.file, line: line, field: "column \(problem.field + 1)", "the header row: \(problem.message)") }
                            names = fields
                            for (i, name) in fields.enumerated() where header[name] == nil { header[name] = i }
                            for name in [profile.ticket, profile.time, profile.team] + profile.status where header[name] == nil {
                                throw InputError(file: self.file, line: line, field: name,
                                                 "missing required column (the profile names it)\(CanonicalLogReader.delimiterHint(fields, delimiter: delimiter))")
                            }
                            // The optional attributes too: a `step` or `actor` naming no column would read as empty.
                            try profile.checkColumns(fields, file: self.file, line: line)
                            return
                        }
                        let record = CanonicalLogReader.record(fields, delimiter: delimiter)
                        do {
                            try CanonicalLogReader.checkShape(fields, problem: problem, names: names, file: self.file, line: line)
                        } catch let error as InputError {
                            try self.reject(error, record: record)
                            return
                        }
                        try self.profileRow(profile, times: times, line: line, record: record) { name in
                            header[name].flatMap { $0 < fields.count ? fields[$0] : nil }
                        }
                    }
                case .jsonl:
                    try source.forEachLine { bytes, line in
                        guard !bytes.allSatisfy({ $0 == 32 || $0 == 9 }) else { return }
                        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
                        guard let object else {
                            try self.reject(InputError(file: self.file, line: line, "is not a JSON object"), record: String(decoding: bytes, as: UTF8.self))
                            return
                        }
                        let record = String(decoding: bytes, as: UTF8.self)
                        if let key = object.first(where: { ($0.value as? String)?.utf8.contains(0) == true })?.key {
                            try self.reject(InputError(file: self.file, line: line, field: key, "holds a NUL character (\\u0000)"), record: record)
                            return
                        }
                        try self.profileRow(profile, times: times, line: line, record: record) { key in
                            switch object[key] { case let s as String: return s; case let n as NSNumber: return n.stringValue; default: return nil }
                        }
                    }
                }
            } else {
                switch options.format {
                case .csv: try reader.readCSV(into: self)
                case .jsonl: try reader.readJSONLines(into: self)
                case .xes:
                    let rows = XESRowSource(file: file, service: options.xesService)
                    try XESLogReader(source: source).forEachEvent { record, line in
                        do {
                            let (row, names) = try rows.row(record, line: line)
                            if row.ticket != self.lastCase { self.noteTraceAttributes(row.ticket, record) }
                            try self.row(row, names: names)
                        } catch let error as InputError {
                            try self.reject(error, record: XESRowSource.describe(record))
                        }
                    }
                }
            }
            if streaming, !group.isEmpty { try flush(group, streamed: true) }
            group.removeAll()
            progress(rows: summary.rowsRead, force: true)
        }

        func profileRow(_ profile: ImportProfile, times: TimeParser, line: Int, record: String? = nil, _ value: (String) -> String?) throws {
            do {
                let (row, names) = try profile.stagedRow(value, line: line, file: file, times: times)
                if row.step.isEmpty && !ticketsWithTeam.contains(row.ticket.hashValue) {
                    // It may open the ticket's (unassigned) run (see StatusChangeConverter): the step is noted as a row of its own.
                    var held = row
                    held.step = StatusChangeConverter.unassigned.key
                    held.team = StatusChangeConverter.unassigned.key
                    try services.note(held, names: RowNames(step: StatusChangeConverter.unassigned.name, team: StatusChangeConverter.unassigned.name))
                }
                if !row.team.isEmpty { ticketsWithTeam.insert(row.ticket.hashValue) }
                if let kept = profile.caseAttributes, !kept.isEmpty, row.ticket != lastCase { noteCaseAttributes(row.ticket, profile.caseValues(value)) }
                try self.row(row, names: names)
            } catch let error as InputError {
                try reject(error, record: record ?? "")
            }
        }

        func row(_ row: StagedRow, names: RowNames) throws {
            summary.rowsRead += 1
            if !row.service.isEmpty { try services.note(row, names: names) }
            if streaming {
                if let last = group.last, last.ticket != row.ticket {
                    try flush(group, streamed: true)
                    group.removeAll(keepingCapacity: true)
                }
                if !group.isEmpty || !flushed.contains(row.ticket.hashValue) {
                    group.append(row)
                    if summary.rowsRead & 0x3FFF == 0 { progress(rows: summary.rowsRead) }
                    return
                }
                // A ticket seen earlier comes back: the file is not grouped by ticket. The rest is staged and
                // sorted; tickets already applied take their later rows as a replay.
                streaming = false
            }
            stagedRows += 1
            try sorter.append(row)
            if summary.rowsRead & 0x3FFF == 0 { progress(rows: summary.rowsRead) }
        }

        func reject(_ error: InputError, record: String) throws {
            guard let rejects else { throw error }
            summary.rejected += 1
            rejects.write(error, record: record)
        }

        func warn(_ message: String) {
            summary.warnings.append(message)
            options.warn?(message)
        }

        func progress(rows: Int) { progress(rows: rows, force: false) }

        func progress(rows: Int, force: Bool) {
            guard let report = options.progress else { return }
            let now = Date()
            guard force || now.timeIntervalSince(lastProgress) >= 0.5 else { return }
            lastProgress = now
            let rate = Double(rows) / max(now.timeIntervalSince(startedAt), 0.001)
            var text = "reading \(file): \(rows) rows, \(Int(rate)) rows/s"
            if let total = source.totalBytes, total > 0 {
                text += String(format: ", %.0f%%", min(100, Double(source.consumedBytes) * 100 / Double(total)))
            }
            report(text)
        }

        func finishRejects() throws {
            try rejects?.finish()
            rejects = nil
        }

        func service(_ key: String, version: Int? = nil) throws -> ServiceVersion? { try services.service(key, version: version) }
}
