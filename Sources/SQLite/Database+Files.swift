import BatonCore
import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Database {
    /// Creates an empty store file at the mode `FileMode` decides (0640 narrowed by the umask) when none exists.
    /// SQLite would create it at 0644 narrowed by the umask; an empty file is a valid empty database, and SQLite
    /// gives the -wal, -shm and -journal files the mode of the database file.
    static func createStoreFile(_ path: String) throws {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let mode = FileMode.mode(for: .file)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { return }  // an existing store (or one another process just created) keeps its mode
            let parent = (path as NSString).deletingLastPathComponent
            let folder = parent.isEmpty ? "." : parent
            let place = code == ENOENT ? " (there is no folder \(folder))"
                : code == EACCES || code == EROFS || code == ENOSPC || code == EDQUOT ? " in \(folder)" : ""
            throw SQLiteError(extendedCode: SQLITE_CANTOPEN,
                              message: "cannot create the store \(path): \(SystemError.reason(code))\(place)", systemErrno: code)
        }
        defer { close(fd) }
        // Exactly the policy's bits, whatever a default ACL on the folder would have given.
        _ = fchmod(fd, mode)
    }
}
