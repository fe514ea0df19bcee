import BatonCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a file next to the store, held while `baton schedule run` works, so overlapping cron
/// invocations queue instead of racing. The kernel releases it when the process dies (even by SIGKILL).
public final class ScheduleLock {
    let fd: Int32
    public let path: String

    /// Takes the lock, waiting up to `waitSeconds`; nil when another process still holds it.
    public static func acquire(path: String, waitSeconds: Double) throws -> ScheduleLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "open the lock file", errno: errno) }
        let deadline = Date().addingTimeInterval(waitSeconds)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                return nil
            }
            usleep(20_000)
        }
        return ScheduleLock(fd: fd, path: path)
    }

    init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
