import BatonCore
import Foundation
import SQLite

/// The ticket applier: one ticket's rows → events → the state machine (history mode) → the store. New tickets are
/// written through the projection writer; a ticket already in the store is replayed from all its events.
extension EventLogImporter.Run {
        /// Applies the staged rows (a file not grouped by ticket), ticket by ticket in the sorter's order. Tickets
        /// go a chunk at a time: the stored events of a chunk's tickets that the store may have (every ticket, when
        /// it had tickets before; else those streamed earlier in this import) are asked of the writer thread while
        /// this thread applies the chunk before.
        func applyStaged() throws {
            guard stagedRows > 0 else { return }
            let merge = try sorter.finish()
            var head = try merge.next()
            func nextTicket() throws -> [StagedRow]? {
                guard let first = head else { return nil }
                var rows = [first]
                head = nil
                while let row = try merge.next() {
                    guard merge.sameTicket else { head = row; break }
                    rows.append(row)
                }
                return rows
            }
            typealias Chunk = (tickets: [[StagedRow]], asked: [String], stored: ImportWriterThread.Pending<[[Event]?]>?)
            func nextChunk() throws -> Chunk? {
                var tickets: [[StagedRow]] = [], asked: [String] = [], rows = 0
                while rows < ImportWriterThread.batchRows * 2, let ticket = try nextTicket() {
                    tickets.append(ticket)
                    rows += ticket.count
                    let id = ticket[0].ticket
                    if storeHadTickets || flushed.contains(id.hashValue) { asked.append(id) }
                }
                guard !tickets.isEmpty else { return nil }
                let ids = asked
                return (tickets, asked, ids.isEmpty ? nil : try writer.request { try $0.storedEvents(ofTickets: ids) })
            }
            var next = try nextChunk()
            var processed = 0
            while let chunk = next {
                var stored: [String: [Event]] = [:]
                if let pending = chunk.stored {
                    for (id, events) in zip(chunk.asked, try writer.reply(pending)) { stored[id] = events }
                }
                next = try nextChunk()
                for rows in chunk.tickets {
                    try flush(rows, streamed: false, staged: StagedTicket(rows: rows, stored: stored[rows[0].ticket]))
                    processed += rows.count
                    if let report = options.progress, Date().timeIntervalSince(lastProgress) >= 0.5 {
                        lastProgress = Date()
                        report(String(format: "applying: %d of %d staged rows (%.0f%%)", processed, stagedRows, Double(processed) * 100 / Double(max(stagedRows, 1))))
                    }
                }
            }
        }

        /// One ticket's rows → events → the state machine → the store. `staged`: what the writer thread read back
        /// with a staged ticket's rows (whether the store has it).
        func flush(_ rows: [StagedRow], streamed: Bool, staged: StagedTicket? = nil) throws {
            guard let first = rows.first else { return }
            var group = rows
            if streamed {
                // Staged rows come back sorted; a streamed group is put in time order here (file order breaks ties).
                var sorted = true
                for i in 1..<max(group.count, 1) where group[i].at < group[i - 1].at { sorted = false; break }
                if !sorted {
                    group = group.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }.map(\.element)
                }
                flushed.insert(first.ticket.hashValue)
            }
            var known = false
            var stored = staged?.stored
            if let staged {
                known = staged.stored != nil
            } else if streamed, storeHadTickets, let prior = priorTickets {
                try prior.exists.forEach([first.ticket]) { _ in known = true }
                if known { stored = try prior.store.events(ofTicket: first.ticket) }
            } else if !streamed || storeHadTickets {
                let id = first.ticket
                known = try writer.ask { try $0.hasTicket(id) }
            }
            let events: [(Event, Int)]
            if var converter, let profile = options.profile {
                guard let s = try service(profile.service) else { return }
                converter.serviceVersion = s.version
                // A stored ticket's rows continue it (an incremental feed): the converter starts from its stored events.
                if known && stored == nil {
                    let id = first.ticket
                    stored = try writer.ask { try $0.store.events(ofTicket: id) }
                }
                do { events = withCaseAttributes(try converter.events(ticket: first.ticket, rows: group, stored: known ? stored : nil), known: known) } catch let f as StatusChangeConverter.Failure {
                    if streamed { try stage(group); return }
                    for r in group where r.line == f.line || rejects != nil { try rejectRow(r, field: f.field, f.message) }
                    return
                }
            } else {
                events = withCaseAttributes(try canonicalEvents(group, known: known), known: known)
            }
            let settled = known ? try applyToExisting(first.ticket, events, streamed: streamed, stored: stored)
                                : try applyNew(first.ticket, events, streamed: streamed)
            if !settled { try stage(group) }
        }

        /// Canonical rows → events; the `opened` event names the service's current version. XES traces without an
        /// `opened` event open at their first event (XES has no ticket events of its own).
        func canonicalEvents(_ rows: [StagedRow], known: Bool) throws -> [(Event, Int)] {
            var out: [(Event, Int)] = []
            out.reserveCapacity(rows.count + 1)
            if !known, options.format == .xes, let first = rows.first, !rows.contains(where: { $0.kind == EventKind.opened.rawValue }) {
                let version = try service(first.service)?.version
                out.append((Event(ticketID: first.ticket, kind: .opened, at: first.at, actor: first.actor.isEmpty ? nil : first.actor,
                                  source: sourceLabel, service: first.service, serviceVersion: version), first.line))
            }
            for r in rows {
                let kind = EventKind(name: r.kind)!
                var version: Int? = nil
                if kind == .opened {
                    guard let s = try service(r.service) else {
                        try rejectRow(r, field: "service", "\(r.ticket): no service '\(r.service)' in the store")
                        continue
                    }
                    version = s.version
                }
                out.append((Event(ticketID: r.ticket, step: r.step, kind: kind, at: r.at, actor: r.actor.isEmpty ? nil : r.actor,
                                  source: sourceLabel, team: r.team.isEmpty ? nil : r.team, task: r.task,
                                  service: kind == .opened ? r.service : nil, serviceVersion: version,
                                  title: r.title.isEmpty ? nil : r.title, requester: r.requester.isEmpty ? nil : r.requester), r.line))
            }
            return out
        }

        func rejectRow(_ r: StagedRow, field: String, _ message: String) throws {
            let record = [r.ticket, r.service, r.step, r.team, r.kind, Instant.iso(r.at), r.actor].map(CanonicalLogReader.csvField).joined(separator: ",")
            try reject(InputError(file: file, line: r.line, field: field, message), record: record)
        }


        func rejectEvent(_ e: Event, line: Int, _ message: String, field: String? = nil) throws {
            pendingRejections.append((e, line, message, field ?? "event"))
        }

        /// A streamed ticket with a rejected event may only lack rows that come later in an ungrouped file, so its
        /// rows are staged and judged after the whole file is read. Otherwise the rejections are final.
        func settle(streamed: Bool) throws -> Bool {
            defer { pendingRejections.removeAll() }
            if streamed && !pendingRejections.isEmpty { return false }
            for (e, line, message, field) in pendingRejections { try issueRejection(e, line: line, field: field, message) }
            return true
        }

        func issueRejection(_ e: Event, line: Int, field: String, _ message: String) throws {
            let record = [e.ticketID, e.service ?? "", e.step, e.team ?? "", e.kind.rawValue, Instant.iso(e.at), e.actor ?? ""]
                .map(CanonicalLogReader.csvField).joined(separator: ",")
            try reject(InputError(file: file, line: line, field: field, message), record: record)
        }

        func stage(_ rows: [StagedRow]) throws {
            for row in rows {
                stagedRows += 1
                try sorter.append(row)
            }
        }

        func applyNew(_ id: String, _ events: [(Event, Int)], streamed: Bool) throws -> Bool {
            var events = events
            if converter == nil, let close = closing.closingEvent(for: events, source: sourceLabel) { events.append(close) }
            var ticket = TicketState(id: id)
            var serviceVersion: ServiceVersion?
            var seen = Set<Event.Identity>()
            var added: [Event] = []
            added.reserveCapacity(events.count)
            var duplicates = 0
            let machine = StateMachine(mode: .history)
            // Identical events share their instant: in a list in time order (as groups are), an event can only
            // repeat one of the events just before it at the same instant, found without hashing.
            var inTimeOrder = true
            for k in events.indices.dropFirst() where events[k].0.at < events[k - 1].0.at { inTimeOrder = false; break }
            for (k, (e, line)) in events.enumerated() {
                if inTimeOrder {
                    var j = k - 1
                    var repeated = false
                    while j >= 0, events[j].0.at == e.at {
                        let p = events[j].0
                        if p.kind == e.kind, p.step == e.step, p.task == e.task, p.ticketID == e.ticketID { repeated = true; break }
                        j -= 1
                    }
                    if repeated { duplicates += 1; continue }
                } else {
                    guard seen.insert(e.identity).inserted else { duplicates += 1; continue }
                }
                if e.kind == .opened, serviceVersion == nil, let key = e.service {
                    serviceVersion = try service(key, version: e.serviceVersion)
                }
                guard let sv = serviceVersion else {
                    try rejectEvent(e, line: line, "\(id): a '\(e.kind.rawValue)' event comes before the ticket was opened (the file has no 'opened' row for it before this one)")
                    continue
                }
                do {
                    try machine.apply(e, to: &ticket, service: sv)
                    added.append(e)
                } catch let refused as ActionRefused {
                    try rejectEvent(e, line: line, refused.message, field: refused.field)
                }
            }
            guard try settle(streamed: streamed) else { return false }
            summary.duplicates += duplicates
            guard !added.isEmpty, ticket.isOpened else { return true }
            try writer.write(.events(added))
            try writer.write(.newTicket(ticket))
            summary.ticketsNew += 1
            summary.eventsAdded += added.count
            return true
        }

        /// A ticket already in the store: events it already has are duplicates; new ones are placed among the
        /// stored ones by time and the projection is rebuilt from all of them (a replay). `stored`: its stored
        /// events when they were read already (else they are asked for, after every write sent before).
        func applyToExisting(_ id: String, _ events: [(Event, Int)], streamed: Bool, stored: [Event]? = nil) throws -> Bool {
            let stored = try stored ?? writer.ask { try $0.store.events(ofTicket: id) }
            var seen = Set(stored.map(\.identity))
            var fresh: [(Event, Int)] = []
            var duplicates = 0
            defer { if pendingRejections.isEmpty { summary.duplicates += duplicates } }
            for (e, line) in events {
                if seen.insert(e.identity).inserted { fresh.append((e, line)) } else { duplicates += 1 }
            }
            guard !fresh.isEmpty else { return true }
            let latest = stored.map(\.at).max() ?? .min
            let replayed = fresh.contains(where: { $0.0.at < latest })
            // Stored events first on equal instants (they came from an earlier file), then file order.
            var merged: [(event: Event, line: Int?, order: Int)] = stored.enumerated().map { ($0.element, nil, $0.offset) }
            merged += fresh.enumerated().map { ($0.element.0, $0.element.1, stored.count + $0.offset) }
            merged.sort { $0.event.at != $1.event.at ? $0.event.at < $1.event.at : $0.order < $1.order }
            // The closing rule looks at the whole ticket, stored events and the file's (a ticket already closed or
            // cancelled keeps its ending).
            if converter == nil, let (close, line) = closing.closingEvent(for: merged.map { ($0.event, $0.line ?? 0) }, source: sourceLabel),
               seen.insert(close.identity).inserted {
                fresh.append((close, line))
                merged.append((close, line, merged.count))
            }
            var ticket = TicketState(id: id)
            var serviceVersion: ServiceVersion?
            let machine = StateMachine(mode: .history)
            var added: [Event] = []
            for item in merged {
                let e = item.event
                if e.kind == .opened, serviceVersion == nil, let key = e.service { serviceVersion = try service(key, version: e.serviceVersion) }
                do {
                    guard let sv = serviceVersion else { throw ActionRefused("\(id): a '\(e.kind.rawValue)' event comes before the ticket was opened") }
                    try machine.apply(e, to: &ticket, service: sv)
                    if item.line != nil { added.append(e) }
                } catch let refused as ActionRefused {
                    if let line = item.line {
                        try rejectEvent(e, line: line, refused.message, field: refused.field)
                    } else {
                        // A stored event no longer fits once the file's events are placed before it: the file's events
                        // for this ticket are refused together, and the ticket keeps what it had.
                        let first = fresh.first!
                        let message = "\(id): placing this file's events among the stored ones makes the stored '\(e.kind.rawValue)' event at \(Instant.iso(e.at)) invalid: \(refused.message)"
                        pendingRejections.removeAll()
                        for (ev, line) in fresh { try rejectEvent(ev, line: line, message) }
                        _ = first
                        return try settle(streamed: streamed)
                    }
                }
            }
            guard try settle(streamed: streamed) else { duplicates = 0; return false }
            if replayed { summary.ticketsReplayed += 1 }
            guard !added.isEmpty else { return true }
            try writer.write(.events(added))
            try writer.write(.replacedTicket(ticket))
            // A ticket this import created while streaming is counted once, as new.
            if streamed || !flushed.contains(id.hashValue) { summary.ticketsUpdated += 1 }
            summary.eventsAdded += added.count
            return true
        }
}
