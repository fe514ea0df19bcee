import Foundation
import Orchestration
import SQLite

/// Runs some of a report's (or the static site's) queries on a second thread, over a connection of its own that sees exactly the snapshot
/// of the report's connection, so two cores share a report and every section still reads the same store.
///
/// SQLite here has no snapshot API, so the two read transactions are started while a third connection holds the
/// store's write lock (`Hold`, `BEGIN IMMEDIATE`): no writer can commit between them, so both see the last commit.
/// The lock is held for the milliseconds that takes. When it cannot be had (a read-only store, a writer at work) or
/// the second connection cannot be opened, the caller runs every query itself.
public final class SectionWorker: @unchecked Sendable {
    /// Opens another connection to the store (with the same SQL functions: the store's own rule, no what-if).
    public typealias Opener = @Sendable () throws -> OrchestrationStore
    /// Reading work that is not one query (the site's forecast inputs, its ticket pages' inputs): it reads on the
    /// connection it is given (the worker's, or the caller's when the caller takes it over) and keeps its result.
    public typealias Read = @Sendable (Database) throws -> Void

    private let jobs: [(query: QueryFile, values: [String: SQLValue])]
    private let tasks: [Read]
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    // Written by the worker thread before it signals `ready` or `done`; read by the caller after waiting on them.
    private var opened = false
    private var failure: (any Error)?
    /// The next job to take and the outputs by job, shared by the worker and the caller (`help`) under `lock`.
    private let lock = NSLock()
    private var next = 0
    private var outputs: [QueryOutput?] = []

    private init(jobs: [(query: QueryFile, values: [String: SQLValue])], tasks: [Read]) {
        self.jobs = jobs
        self.tasks = tasks
        outputs = Array(repeating: nil, count: jobs.count + tasks.count)
    }

    /// The next job nobody has taken, if any.
    private func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < jobs.count + tasks.count, failure == nil else { return nil }
        next += 1
        return next - 1
    }

    /// Runs job `i` (a query, then the tasks after the queries) on `db`.
    private func run(_ i: Int, on db: Database) {
        guard i >= jobs.count else {
            record(i, Result { try QueryRunner.run(jobs[i].query, on: db, parameters: jobs[i].values) })
            return
        }
        do { try tasks[i - jobs.count](db) } catch { record(i, .failure(error)) }
    }

    private func record(_ i: Int, _ result: Result<QueryOutput, any Error>) {
        lock.lock(); defer { lock.unlock() }
        switch result {
        case .success(let output): outputs[i] = output
        case .failure(let error): if failure == nil { failure = error }
        }
    }

    /// Runs the jobs nobody has started yet on the caller's connection (same snapshot), once the caller's own are
    /// done: the two threads finish together however the work is split. Rows are the same on either connection.
    public func help(on db: Database) {
        while let i = take() { run(i, on: db) }
    }

    /// The store's write lock, held by a connection of its own while the report's connection and the worker's
    /// take their snapshots (no writer can commit in between). Nil when it cannot be had.
    public final class Hold {
        fileprivate let opener: Opener
        private var lock: OrchestrationStore?

        public init?(_ opener: @escaping Opener) {
            // A writer at work means no second thread this time, not a wait for it.
            guard let lock = try? opener(), (try? lock.db.execute("PRAGMA busy_timeout=50; BEGIN IMMEDIATE")) != nil else { return nil }
            self.opener = opener
            self.lock = lock
        }

        /// Lets writers commit again.
        public func release() {
            try? lock?.db.execute("ROLLBACK")
            lock = nil
        }

        deinit { release() }
    }

    /// Starts the jobs, then the tasks, on a new thread whose read transaction takes its snapshot while `hold` is
    /// held (the caller's connection must have taken its own under the same hold). Nil when the second connection
    /// cannot be opened.
    public static func start(_ jobs: [(query: QueryFile, values: [String: SQLValue])], tasks: [Read] = [],
                             under hold: Hold) -> SectionWorker? {
        guard !jobs.isEmpty || !tasks.isEmpty else { return nil }
        let worker = SectionWorker(jobs: jobs, tasks: tasks)
        let opener = hold.opener
        let thread = Thread { worker.work(opener) }
        thread.stackSize = 8 << 20
        thread.start()
        worker.ready.wait()
        return worker.opened ? worker : nil
    }

    private func work(_ opener: Opener) {
        let store: OrchestrationStore
        do {
            store = try opener()
            // Its sections (the forecasts, open work at past instants) read rows scattered over the store: read
            // through mmap, every page touched stays in the process's resident set (at 1M tickets, 690 MB in all);
            // through a 32 MiB page cache they take the same time and the report stays near 410 MB.
            try store.db.execute("PRAGMA mmap_size=0; PRAGMA cache_size=-32768")
            try store.db.execute("BEGIN DEFERRED")
            try store.db.execute("SELECT count(*) FROM sqlite_master")
        } catch {
            ready.signal()
            return
        }
        opened = true
        ready.signal()
        while let i = take() { run(i, on: store.db) }
        try? store.db.execute("ROLLBACK")
        done.signal()
    }

    /// The jobs' outputs, in their order, once the thread has finished (and the tasks have); rethrows the first error.
    public func wait() throws -> [QueryOutput] {
        done.wait()
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
        return outputs.prefix(jobs.count).map { $0! }
    }
}
