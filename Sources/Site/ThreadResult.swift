import Foundation

/// Work started on a thread of its own, and its result once it ends: the site's other pages while the ticket pages
/// are written, the prune of old builds while a build is made.
final class ThreadResult<T>: @unchecked Sendable {
    private var result: T?
    private let done = DispatchSemaphore(value: 0)
    /// Read and written by the waiting thread only.
    private var joined = false

    /// Run by the thread alone: what it captures (values such as the site's context, copied) is not shared.
    private let work: () -> T

    /// Starts `work` (8 MiB of stack: page rendering recurses through string building).
    init(_ work: @escaping () -> T) {
        self.work = work
        let thread = Thread { [self] in
            result = self.work()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the work to end (once; later calls return at once). `result` is written before `done` is signalled.
    @discardableResult
    func wait() -> T {
        if !joined { done.wait(); joined = true }
        return result!
    }
}
