import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one rule for the permission bits of what Baton creates. Everything it writes holds ticket data (the store,
/// reports, alert files, exported and generated logs), so it is readable by the owner's group at most:
/// files `0640`, folders `0750`, each narrowed further by the process's umask (effective = base & ~umask).
/// A mode the user gives explicitly (`baton alerts --mode`) is used as given.
public enum FileMode {
    public enum Kind: Sendable { case file, folder }

    /// The widest bits Baton gives a file it creates.
    public static let fileBase: mode_t = 0o640
    /// The widest bits Baton gives a folder it creates.
    public static let folderBase: mode_t = 0o750

    /// The permission bits for a new file or folder: `explicit` when given, else the base narrowed by `umask`.
    public static func mode(for kind: Kind, explicit: mode_t? = nil, umask: mode_t = FileMode.currentUmask()) -> mode_t {
        if let explicit { return explicit & 0o7777 }
        return (kind == .file ? fileBase : folderBase) & ~umask & 0o777
    }

    /// The process's umask, read without changing it (Linux reports it in /proc/self/status since 4.7); elsewhere
    /// it is set and restored at once.
    public static func currentUmask() -> mode_t {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
           let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) {
            return value
        }
        let previous = umask(0o077)
        umask(previous)
        return previous
    }
}

/// The system's words for an errno, shared by every message about a file ("Permission denied",
/// "No space left on device", "Not a directory", …).
public enum SystemError {
    public static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
