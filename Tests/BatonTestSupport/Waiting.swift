import Foundation
import Testing

/// Waits for a sign from another process (a file it writes, a size it reaches, a line it prints) instead of for a
/// guessed time: checks `condition` every millisecond until it holds, or `timeout` seconds pass. On a timeout the
/// test fails with an issue naming `what`; the result says whether the sign came.
@discardableResult
public func waitUntil(_ what: String, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
                      _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline {
            Issue.record("waited \(timeout) s for \(what)", sourceLocation: sourceLocation)
            return false
        }
        usleep(1_000)
    }
    return true
}

/// The size of the file at `path` in bytes (0 when it is missing).
public func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
}
