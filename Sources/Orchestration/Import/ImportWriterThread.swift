import Foundation
import SQLite

/// Runs the import's projection writes on a thread of their own while the file streams, so that reading and
/// replaying the log (one core) and writing it (the other) overlap: `insert` and `insertNew` then only queue rows,
/// and the thread owns the connection until `quiesce()`, `flush()` or `stopWriterThread()` returns. Until then the
/// importing thread must not touch the database; `EventLogImporter` reaches it only through accessors that quiesce
/// first. (Hence `@unchecked Sendable`: the queued rows are handed over under a lock, and the writer is used by one
/// thread at a time.)
final class ImportWriterThread: @unchecked Sendable {
    private let projections: ProjectionWriter

    init(db: Database) throws { projections = try ProjectionWriter(db: db) }

    /// Appends a ticket's events.
    func insert(_ events: [Event]) throws {
        if let handoff {
            outgoing.events.append(contentsOf: events)
            if outgoing.count >= Handoff.batchItems { try ship(handoff) }
            return
        }
        try projections.insert(events)
    }

    /// Writes the projection of a ticket the store did not have.
    func insertNew(_ t: TicketState) throws {
        if let handoff {
            outgoing.tickets.append(t)
            if outgoing.count >= Handoff.batchItems { try ship(handoff) }
            return
        }
        try projections.insertNew(t)
    }

    /// Writes the projection of a ticket the store had, replacing what was stored for it.
    func replace(_ t: TicketState) throws {
        try quiesce()
        try projections.replace(t)
    }

    /// Writes every buffered row (waiting for the writer thread, if any, to write what it was given).
    func flush() throws {
        try quiesce()
        try projections.flush()
    }

    // MARK: writer thread

    /// Rows handed over at once. Events and tickets are independent tables, so each list keeps its own order.
    private struct Batch {
        var events: [Event] = []
        var tickets: [TicketState] = []
        var count: Int { events.count + tickets.count }
    }
    private var handoff: Handoff?
    private var outgoing = Batch()

    /// Moves the writes to a thread of their own until `stopWriterThread()`.
    func startWriterThread() {
        guard handoff == nil else { return }
        let handoff = Handoff()
        self.handoff = handoff
        outgoing.events.reserveCapacity(Handoff.batchItems)
        let thread = Thread { [self] in
            while let batch = handoff.next() {
                do {
                    try projections.insert(batch.events)
                    for t in batch.tickets { try projections.insertNew(t) }
                    handoff.done(nil)
                } catch {
                    handoff.done(error)
                }
            }
        }
        thread.name = "baton-import-writer"
        thread.start()
    }

    /// Hands the queued rows to the writer thread and waits until it has written them: the importing thread may
    /// use the connection again when this returns (rows of a partial 64-row batch may still be buffered).
    func quiesce() throws {
        guard let handoff else { return }
        if outgoing.count > 0 { try ship(handoff) }
        try handoff.waitIdle()
    }

    /// Ends the writer thread; with `discard`, after throwing away what it has not written yet (the import failed
    /// and is about to roll back, which must not happen while the thread is inside a statement).
    func stopWriterThread(discard: Bool = false) throws {
        guard let handoff else { return }
        // The thread ends even when the quiesce throws (the writer's error), so it never outlives the import.
        defer { handoff.stop(discard: true); self.handoff = nil; outgoing = Batch() }
        if !discard { try quiesce() }
    }

    private func ship(_ handoff: Handoff) throws {
        let batch = outgoing
        outgoing = Batch()
        outgoing.events.reserveCapacity(Handoff.batchItems)
        try handoff.put(batch)
    }

    /// A bounded queue of row batches between the importing thread and the writer thread, and the writer's state.
    private final class Handoff: @unchecked Sendable {
        /// Rows per hand-over, and batches in flight: enough to keep both threads busy, little enough to keep
        /// memory flat (a few MB).
        static let batchItems = 2048, maxQueued = 4

        private let condition = NSCondition()
        private var queue: [Batch] = []
        private var busy = false
        private var stopped = false
        private var exited = false
        private var failure: Error?

        /// Queues a batch, waiting while the queue is full; rethrows the writer's first error.
        func put(_ batch: Batch) throws {
            condition.lock(); defer { condition.unlock() }
            while queue.count >= Self.maxQueued && failure == nil { condition.wait() }
            if let failure { throw failure }
            queue.append(batch)
            condition.broadcast()
        }

        /// The writer's next batch; nil once stopped.
        func next() -> Batch? {
            condition.lock(); defer { condition.unlock() }
            while queue.isEmpty && !stopped { condition.wait() }
            guard !queue.isEmpty else {
                exited = true
                condition.broadcast()
                return nil
            }
            busy = true
            return queue.removeFirst()
        }

        func done(_ error: Error?) {
            condition.lock(); defer { condition.unlock() }
            busy = false
            if let error, failure == nil {
                failure = error
                queue.removeAll()
            }
            condition.broadcast()
        }

        func waitIdle() throws {
            condition.lock(); defer { condition.unlock() }
            while !queue.isEmpty || busy { condition.wait() }
            if let failure { throw failure }
        }

        func stop(discard: Bool) {
            condition.lock(); defer { condition.unlock() }
            if discard { queue.removeAll() }
            stopped = true
            condition.broadcast()
            while !exited { condition.wait() }
        }
    }
}
