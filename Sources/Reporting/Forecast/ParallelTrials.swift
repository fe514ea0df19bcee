import Foundation

/// Runs independent pieces of a forecast on every core. Each piece is seeded by what it forecasts, never by the
/// thread or the order it runs in, so the numbers are the same on one core or many.
enum ParallelTrials {
    /// `body(i)` for every i in 0..<count, in chunks spread over the cores; the results in index order.
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let results = Results<T>(count)
        let chunks = min(count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var i = c
            while i < count {
                results.set(i, body(i))
                i += chunks
            }
        }
        return results.values()
    }

    /// Slots written by one iteration each (no two iterations share an index), read after all have finished.
    private final class Results<T>: @unchecked Sendable {
        private var storage: UnsafeMutablePointer<T?>
        private let count: Int
        init(_ count: Int) {
            self.count = count
            storage = .allocate(capacity: count)
            storage.initialize(repeating: nil, count: count)
        }
        deinit {
            storage.deinitialize(count: count)
            storage.deallocate()
        }
        func set(_ i: Int, _ value: T) { storage[i] = value }
        func values() -> [T] { (0..<count).map { storage[$0]! } }
    }
}
