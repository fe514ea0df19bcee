import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file-system operation that failed, with the path and the system's reason.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var errno: Int32
    public var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// Atomic replacement of files and publication of folders, so a reader (or a crash) never sees a
/// partial output: write a temporary in the same folder, fsync it, rename it over the target, fsync the folder.
///
/// Temporaries are named `.<name>.tmp-<pid>-<random>`; `removeStaleTemporaries` deletes those whose
/// process is gone (a run killed with SIGKILL leaves them behind).
public enum AtomicFile {
    /// The marker in every temporary's name.
    public static let temporaryMarker = ".tmp-"

    /// Replaces `path` with `data` atomically, with permission bits `mode`. On failure the previous file is untouched
    /// and the temporary is removed.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o640) throws {
        try write(to: path, mode: mode) { chunk in try chunk(data) }
    }

    /// Streams a file into `path` atomically: `produce` is called with a function that appends bytes, and the
    /// file replaces `path` only when `produce` returns. On failure the previous file is untouched and the
    /// temporary is removed. Returns what `produce` returns.
    @discardableResult
    public static func write<T>(to path: String, mode: mode_t = 0o640, _ produce: (_ append: (Data) throws -> Void) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temp = temporaryPath(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AtomicFileError(path: folder, operation: "write a file in", errno: errno) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        let result: T
        do {
            // The umask may have cleared bits the caller asked for; fchmod sets exactly `mode`.
            guard fchmod(fd, mode) == 0 else { throw AtomicFileError(path: temp, operation: "set the mode of", errno: errno) }
            result = try produce { data in
                try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                    var offset = 0
                    while offset < buffer.count {
                        let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw AtomicFileError(path: path, operation: "write", errno: errno)
                        }
                        offset += n
                    }
                }
            }
            guard fsync(fd) == 0 else { throw AtomicFileError(path: path, operation: "flush (fsync)", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw AtomicFileError(path: path, operation: "close", errno: errno) }
        guard rename(temp, path) == 0 else { throw AtomicFileError(path: path, operation: "replace", errno: errno) }
        ok = true
        try syncFolder(folder)
        return result
    }

    /// Writes `text` as UTF-8; see `write(_:to:mode:)`.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o640) throws {
        try write(Data(text.utf8), to: path, mode: mode)
    }

    /// Builds a folder under a temporary name next to `path`, then renames it to `path` in one step, so the folder
    /// appears complete or not at all. `build` receives the temporary folder's path; every regular file in it is
    /// fsynced before the rename. Fails (leaving nothing behind) when `path` already exists: a finished output is
    /// never overwritten in place.
    public static func publishFolder(at path: String, mode: mode_t = 0o750, _ build: (String) throws -> Void) throws {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try makeFolders(parent)
        let temp = temporaryPath(for: path)
        guard mkdir(temp, mode) == 0 else { throw AtomicFileError(path: parent, operation: "create a folder in", errno: errno) }
        var ok = false
        defer { if !ok { try? FileManager.default.removeItem(atPath: temp) } }
        try build(temp)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []
        for name in names {
            let file = temp + "/" + name
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let synced = fsync(fd) == 0
            let syncErrno = errno
            close(fd)
            guard synced else { throw AtomicFileError(path: file, operation: "flush (fsync)", errno: syncErrno) }
        }
        try syncFolder(temp)
        if access(path, F_OK) == 0 { throw AtomicFileError(path: path, operation: "publish (it already exists)", errno: EEXIST) }
        guard rename(temp, path) == 0 else { throw AtomicFileError(path: path, operation: "publish", errno: errno) }
        ok = true
        try syncFolder(parent)
    }

    /// Points the symbolic link `link` at `target` atomically (a new link under a temporary name, renamed over the old).
    public static func replaceSymlink(_ link: String, pointingTo target: String) throws {
        let temp = temporaryPath(for: link)
        guard symlink(target, temp) == 0 else { throw AtomicFileError(path: link, operation: "create the link", errno: errno) }
        guard rename(temp, link) == 0 else {
            let e = errno
            unlink(temp)
            throw AtomicFileError(path: link, operation: "replace the link", errno: e)
        }
        try syncFolder(URL(fileURLWithPath: link).deletingLastPathComponent().path)
    }

    /// Creates `path` and its missing parents.
    public static func makeFolders(_ path: String, mode: mode_t = 0o750) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw AtomicFileError(path: path, operation: "use as a folder", errno: ENOTDIR)
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if parent != path, !parent.isEmpty { try makeFolders(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw AtomicFileError(path: path, operation: "create the folder", errno: errno) }
    }

    /// fsyncs a folder so a rename in it survives a power cut.
    public static func syncFolder(_ path: String) throws {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "open the folder", errno: errno) }
        defer { close(fd) }
        // Some file systems refuse fsync on a directory (EINVAL); the rename itself is still atomic there.
        if fsync(fd) != 0 && errno != EINVAL { throw AtomicFileError(path: path, operation: "flush (fsync) the folder", errno: errno) }
    }

    /// `.<name>.tmp-<pid>-<random>` next to `path`.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return folder + "/." + url.lastPathComponent + temporaryMarker + "\(getpid())-" + random
    }

    /// Removes temporaries in `folder` (not recursive) left by processes that no longer run, or older than
    /// `maximumAge` seconds. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String, maximumAge: TimeInterval = 6 * 3600) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: temporaryMarker, options: .backwards) else { continue }
            let rest = name[marker.upperBound...]
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]) else { continue }
            let path = folder + "/" + name
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            let dead = !ProcessLiveness.isRunning(pid)
            if dead || Date().timeIntervalSince(modified) > maximumAge {
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(name) }
            }
        }
        return removed.sorted()
    }
}

/// Whether a process id names a running process on this machine.
public enum ProcessLiveness {
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return !isZombie(pid) }
        return errno == EPERM
    }

    /// A killed child not yet reaped by its parent still answers kill(pid, 0); /proc says it is a zombie.
    static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first == "Z" || fields.first == "X"
    }
}
