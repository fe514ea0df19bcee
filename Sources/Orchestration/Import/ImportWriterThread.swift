import Foundation
import SQLite

/// The import's writer thread, as the importing thread sees it. The thread opens a connection of its own to the
/// store and runs the whole import in one transaction on it (`ImportWriter`): every read and write of the import
/// is a message to it, run in the order sent. Writes (`write`) are batched and not waited for, so that reading and
/// replaying the log (one core) and writing it (the other) overlap; lookups (`ask`, or `request` and `reply` to
/// overlap one) wait for their answer, after every message sent before them. No connection crosses threads: the
/// messages are `@Sendable` closures and `Sendable` values.
///
/// `finish(commit:)` commits, or rolls back (a failed import, a dry run), and waits for the thread to close its
/// connection. A message that fails (a write or a lookup) ends the transaction at once, rolled back, and nothing
/// after it runs; the importing thread hears the error at its next message.
final class ImportWriterThread {
    /// Rows per batch, and batches queued: enough to keep both threads busy, little enough to keep memory flat.
    static let batchRows = 2048, maxQueuedBatches = 4

    private let mailbox = Mailbox()
    private var outgoing = ImportBatch()
    /// Waits for each ticket's writes (tests compare this with the overlapped path).
    private let synchronous: Bool
    /// Service versions looked up (a stored version never changes).
    private var serviceVersions: [String: ServiceVersion] = [:]

    /// Starts the thread, which opens the store at `path` and begins the transaction (an error doing so is thrown
    /// by the first message).
    init(path: String, firstLoad: Bool, synchronous: Bool = false) {
        self.synchronous = synchronous
        outgoing.events.reserveCapacity(Self.batchRows)
        let mailbox = self.mailbox
        let thread = Thread { mailbox.serve(path: path, firstLoad: firstLoad) }
        thread.name = "baton-import-writer"
        thread.start()
    }

    deinit { try? mailbox.end(commit: false) }

    /// Queues a write.
    func write(_ write: ImportWrite) throws {
        outgoing.append(write)
        if synchronous { return try ask { _ in } }
        if outgoing.count >= Self.batchRows { try ship() }
    }

    private func ship() throws {
        guard outgoing.count > 0 else { return }
        let batch = outgoing
        outgoing = ImportBatch()
        outgoing.events.reserveCapacity(Self.batchRows)
        try mailbox.put(.write { try $0.write(batch) })
    }

    /// Runs `work` on the writer thread after everything sent before, without waiting for it. The projection
    /// writer's buffered rows are written first, so `work` may read or update them.
    func perform(_ work: @escaping @Sendable (ImportWriter) throws -> Void) throws {
        try ship()
        try mailbox.put(.write { writer in
            try writer.projections.flush()
            try work(writer)
        })
    }

    /// Sends a lookup; its answer is waited for with `reply`.
    func request<T: Sendable>(_ work: @escaping @Sendable (ImportWriter) throws -> T) throws -> Pending<T> {
        try ship()
        return Pending(id: try mailbox.ask { writer in
            try writer.projections.flush()
            return try work(writer)
        })
    }

    struct Pending<T: Sendable> { fileprivate let id: Int }

    /// The answer to a lookup (its error, thrown).
    func reply<T: Sendable>(_ pending: Pending<T>) throws -> T {
        guard let value = try mailbox.reply(pending.id) as? T else { preconditionFailure("a reply of the wrong type") }
        return value
    }

    /// Runs `work` on the writer thread after everything sent before, and returns its answer.
    @discardableResult
    func ask<T: Sendable>(_ work: @escaping @Sendable (ImportWriter) throws -> T) throws -> T {
        try reply(request(work))
    }

    /// Commits (after writing everything sent) or rolls back, and waits for the thread to close its connection.
    func finish(commit: Bool) throws {
        if commit { try ship() } else { outgoing = ImportBatch() }
        try mailbox.end(commit: commit)
    }

    // MARK: lookups

    /// A service version (the latest when `version` is nil), as the import's transaction sees it.
    func service(_ key: String, version: Int? = nil) throws -> ServiceVersion? {
        if let version, let known = serviceVersions["\(key)@\(version)"] { return known }
        let found = try ask { try $0.store.service(key, version: version) }
        if let found { serviceVersions["\(key)@\(found.version)"] = found }
        return found
    }

    /// Stores a service definition (`OrchestrationStore.apply`) in the import's transaction.
    func apply(_ definition: ServiceDefinition, origin: String) throws -> OrchestrationStore.ApplyOutcome {
        try ask { try $0.store.apply(definition, origin: origin) }
    }

    /// Runs one SQL statement on the writer thread, without waiting for it.
    func run(_ sql: String, _ values: [SQLBindable] = []) throws {
        let values = values.map(\.sqlValue)
        try perform { try $0.db.run(sql, values) }
    }
}

/// The queue between the importing thread and the writer thread, and the writer's state: every field is read and
/// written under `condition`, which makes it safe to share (hence `@unchecked Sendable`). It holds messages and
/// answers, never the connection, which lives on the writer thread's stack (`serve`).
private final class Mailbox: @unchecked Sendable {
    enum Message {
        case write(@Sendable (ImportWriter) throws -> Void)
        case ask(Int, @Sendable (ImportWriter) throws -> any Sendable)
        case end(commit: Bool)
    }

    private let condition = NSCondition()
    private var queue: [Message] = []
    private var queuedWrites = 0
    private var asked = 0
    private var answers: [Int: Result<any Sendable, any Error>] = [:]
    private var failure: (any Error)?
    private var ended = false
    private var exited = false

    private struct RolledBack: Error {}

    /// Queues a write, waiting while the queue is full; throws the writer's error, if any.
    func put(_ message: Message) throws {
        condition.lock(); defer { condition.unlock() }
        while queuedWrites >= ImportWriterThread.maxQueuedBatches && !exited { condition.wait() }
        try checkOpen()
        queue.append(message)
        queuedWrites += 1
        condition.broadcast()
    }

    /// Queues a lookup and returns its number.
    func ask(_ work: @escaping @Sendable (ImportWriter) throws -> any Sendable) throws -> Int {
        condition.lock(); defer { condition.unlock() }
        try checkOpen()
        asked += 1
        queue.append(.ask(asked, work))
        condition.broadcast()
        return asked
    }

    func reply(_ id: Int) throws -> any Sendable {
        condition.lock(); defer { condition.unlock() }
        while answers[id] == nil && !exited { condition.wait() }
        guard let answer = answers.removeValue(forKey: id) else { throw failure ?? RolledBack() }
        return try answer.get()
    }

    /// Ends the transaction and waits for the thread to exit; throws the writer's error when committing. A
    /// rollback drops what is still queued (nothing waits for it).
    func end(commit: Bool) throws {
        condition.lock(); defer { condition.unlock() }
        if !ended {
            ended = true
            if !commit {
                queue.removeAll()
                queuedWrites = 0
            }
            queue.append(.end(commit: commit))
            condition.broadcast()
        }
        while !exited { condition.wait() }
        if commit, let failure { throw failure }
    }

    private func checkOpen() throws {
        if exited || ended { throw failure ?? RolledBack() }
    }

    private func next() -> Message {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        let message = queue.removeFirst()
        if case .write = message {
            queuedWrites -= 1
            condition.broadcast()
        }
        return message
    }

    private func answer(_ id: Int, _ result: Result<any Sendable, any Error>) {
        condition.lock(); defer { condition.unlock() }
        answers[id] = result
        condition.broadcast()
    }

    /// The writer thread: opens the connection, runs the messages in one transaction until told to end it, and
    /// closes the connection before it says it has exited.
    func serve(path: String, firstLoad: Bool) {
        var outcome: (any Error)?
        do {
            let writer = try ImportWriter(path: path, firstLoad: firstLoad)
            try writer.db.transaction {
                while true {
                    switch next() {
                    case .write(let work): try work(writer)
                    case .ask(let id, let work):
                        // A lookup that fails ends the transaction too: after some errors SQLite has rolled it back
                        // already, and the writes queued behind the lookup must not run outside it.
                        do { answer(id, .success(try work(writer))) } catch {
                            answer(id, .failure(error))
                            throw error
                        }
                    case .end(let commit):
                        if commit { return }
                        throw RolledBack()
                    }
                }
            }
        } catch is RolledBack {
        } catch {
            outcome = error
        }
        condition.lock(); defer { condition.unlock() }
        failure = outcome
        exited = true
        queue.removeAll()
        condition.broadcast()
    }
}
