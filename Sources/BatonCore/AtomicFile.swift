import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file-system operation that failed, with the path and the system's reason
/// ("cannot write a file in /srv/reports: Permission denied").
public struct AtomicFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var errno: Int32
    public init(path: String, operation: String, errno: Int32) {
        self.path = path; self.operation = operation; self.errno = errno
    }
    public var description: String {
        "cannot \(operation) \(path): \(SystemError.reason(errno))"
    }
}

/// The one publisher of everything Baton writes: single files (alert files, `export`/`generate --out`, each file of a
/// report) and whole folders (a report run). A reader, or a crash, never sees a partial output:
///
/// 1. the content is written under a temporary name in the same folder, at the mode `FileMode` decides;
/// 2. the file (or every file of the folder, and the folder) is fsynced;
/// 3. it is renamed to its name (a folder never over an existing one);
/// 4. the folder holding it is fsynced, so the rename survives a power cut.
///
/// Temporaries are named `.<name>.tmp-<pid>-<random>`. A run killed mid-write (SIGKILL) leaves its temporary behind;
/// the next publication in the same place removes those whose process is gone (`removeStaleTemporaries`), never one
/// a running process is still writing.
public enum AtomicFile {
    /// The marker in every temporary's name.
    public static let temporaryMarker = ".tmp-"
    /// The marker of the report folders' temporaries before they went through this publisher (`.NAME.partial-PID-N`).
    static let legacyPartialMarker = ".partial-"

    // MARK: Files

    /// Replaces `path` with `data` atomically. `mode`: exact permission bits; nil (the default): `FileMode`'s rule
    /// (0640 narrowed by the umask). On failure the previous file is untouched and the temporary is removed.
    public static func write(_ data: Data, to path: String, mode: mode_t? = nil) throws {
        try write(to: path, mode: mode) { chunk in try chunk(data) }
    }

    /// Writes `text` as UTF-8; see `write(_:to:mode:)`.
    public static func write(_ text: String, to path: String, mode: mode_t? = nil) throws {
        try write(Data(text.utf8), to: path, mode: mode)
    }

    /// Streams a file into `path` atomically: `produce` is called with a function that appends bytes, and the
    /// file replaces `path` only when `produce` returns. On failure the previous file is untouched and the
    /// temporary is removed. Returns what `produce` returns.
    @discardableResult
    public static func write<T>(to path: String, mode: mode_t? = nil, _ produce: (_ append: (Data) throws -> Void) throws -> T) throws -> T {
        let bits = FileMode.mode(for: .file, explicit: mode)
        return try publishFile(at: path, mode: bits) { temp in
            let fd = open(temp, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw AtomicFileError(path: path, operation: "write", errno: errno) }
            defer { close(fd) }
            return try produce { data in
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
        }
    }

    /// Publishes a file that `fill` writes at the temporary path it is given (for writers that want a path, such as
    /// libxlsxwriter). The temporary exists, empty and at its final mode, before `fill` runs (so no byte is ever
    /// readable more widely); when `fill` returns it is fsynced and renamed over `path`, and the folder is fsynced.
    /// On failure nothing is left behind and the previous file is untouched.
    @discardableResult
    public static func publishFile<T>(at path: String, mode: mode_t? = nil, _ fill: (_ temporary: String) throws -> T) throws -> T {
        let folder = folder(of: path)
        removeStaleTemporaries(in: folder, of: (path as NSString).lastPathComponent)
        let bits = FileMode.mode(for: .file, explicit: mode)
        let temp = temporaryPath(for: path)
        InFlight.add(temp)
        defer { InFlight.remove(temp) }
        let created = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, bits)
        guard created >= 0 else { throw AtomicFileError(path: folder, operation: "write a file in", errno: errno) }
        var published = false
        defer { if !published { unlink(temp) } }
        // Exactly `bits`: the umask may have cleared bits an explicit mode asks for.
        let modeSet = fchmod(created, bits) == 0
        let modeErrno = errno
        close(created)
        guard modeSet else { throw AtomicFileError(path: temp, operation: "set the mode of", errno: modeErrno) }
        let result = try fill(temp)
        let fd = open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "write", errno: errno) }
        do {
            // A writer that replaced the temporary (rather than writing into it) gets the mode here.
            guard fchmod(fd, bits) == 0 else {
                throw AtomicFileError(path: path, operation: "set the mode of", errno: errno)
            }
            try sync(fd, path)
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw AtomicFileError(path: path, operation: "close", errno: errno) }
        guard rename(temp, path) == 0 else { throw AtomicFileError(path: path, operation: "replace", errno: errno) }
        published = true
        Trace.record(.rename(from: temp, to: path))
        try syncFolder(folder)
        return result
    }

    // MARK: Folders

    /// What `publishFolder` does when the name is taken by a finished output.
    public enum WhenTaken: Sendable {
        /// Fail (leaving nothing behind): a finished output is never overwritten.
        case fail
        /// Publish as `NAME-2`, `NAME-3`, … (the first free one).
        case nextFreeSuffix
    }

    /// Builds a folder under a temporary name next to `path`, then renames it to `path` in one step, so the folder
    /// appears complete or not at all. `build` receives the temporary folder's path; every file in it, and the
    /// folder itself, is fsynced before the rename, and the parent after it. A finished output is never overwritten
    /// in place: when `path` exists, `whenTaken` says whether to fail or take the next free suffix. Stale temporaries
    /// of killed runs in the parent are removed first. Returns the path published.
    @discardableResult
    public static func publishFolder(at path: String, mode: mode_t? = nil, whenTaken: WhenTaken = .fail,
                                     _ build: (String) throws -> Void) throws -> String {
        let parent = folder(of: path)
        try makeFolders(parent)
        removeStaleTemporaries(in: parent)
        let bits = FileMode.mode(for: .folder, explicit: mode)
        let temp = temporaryPath(for: path)
        InFlight.add(temp)
        defer { InFlight.remove(temp) }
        guard mkdir(temp, bits) == 0 else { throw AtomicFileError(path: parent, operation: "create a folder in", errno: errno) }
        var published = false
        defer { if !published { try? FileManager.default.removeItem(atPath: temp) } }
        guard chmod(temp, bits) == 0 else { throw AtomicFileError(path: temp, operation: "set the mode of", errno: errno) }
        do {
            try build(temp)
            try syncTree(temp)
        } catch var e as AtomicFileError where e.path.hasPrefix(temp) {
            // Name the output the user asked for, not the temporary it was being built in.
            e.path = path + e.path.dropFirst(temp.count)
            throw e
        }
        var suffix = 1
        while true {
            let candidate = suffix == 1 ? path : "\(path)-\(suffix)"
            switch renameNoReplace(temp, candidate) {
            case 0:
                published = true
                Trace.record(.rename(from: temp, to: candidate))
                try syncFolder(parent)
                return candidate
            case EEXIST, ENOTEMPTY:
                guard whenTaken == .nextFreeSuffix else {
                    throw AtomicFileError(path: candidate, operation: "publish (it already exists)", errno: EEXIST)
                }
                suffix += 1
            case let code:
                throw AtomicFileError(path: candidate, operation: "publish", errno: code)
            }
        }
    }

    /// Points the symbolic link `link` at `target` atomically (a new link under a temporary name, renamed over the old).
    public static func replaceSymlink(_ link: String, pointingTo target: String) throws {
        let temp = temporaryPath(for: link)
        InFlight.add(temp)
        defer { InFlight.remove(temp) }
        guard symlink(target, temp) == 0 else { throw AtomicFileError(path: link, operation: "create the link", errno: errno) }
        guard rename(temp, link) == 0 else {
            let e = errno
            unlink(temp)
            throw AtomicFileError(path: link, operation: "replace the link", errno: e)
        }
        Trace.record(.rename(from: temp, to: link))
        try syncFolder(folder(of: link))
    }

    /// Creates `path` and its missing parents at `mode` (nil: `FileMode`'s rule, 0750 narrowed by the umask).
    /// Existing folders keep their mode.
    public static func makeFolders(_ path: String, mode: mode_t? = nil) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw AtomicFileError(path: path, operation: "create a folder in", errno: ENOTDIR)
        }
        let parent = folder(of: path)
        if parent != path, !parent.isEmpty { try makeFolders(parent, mode: mode) }
        let bits = FileMode.mode(for: .folder, explicit: mode)
        if mkdir(path, bits) != 0 {
            if errno == EEXIST { return }
            throw AtomicFileError(path: path, operation: "create the folder", errno: errno)
        }
        _ = chmod(path, bits)
        try syncFolder(parent)
    }

    // MARK: Durability

    /// fsyncs a folder so a rename in it survives a power cut.
    public static func syncFolder(_ path: String) throws {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "open the folder", errno: errno) }
        defer { close(fd) }
        // Some file systems refuse fsync on a directory (EINVAL); the rename itself is still atomic there.
        if fsync(fd) != 0 && errno != EINVAL { throw AtomicFileError(path: path, operation: "flush (fsync) the folder", errno: errno) }
        Trace.record(.syncFolder(path))
    }

    static func sync(_ fd: Int32, _ path: String) throws {
        guard fsync(fd) == 0 else { throw AtomicFileError(path: path, operation: "flush (fsync)", errno: errno) }
        Trace.record(.syncFile(path))
    }

    /// fsyncs every regular file under `folder`, then each folder, deepest first.
    static func syncTree(_ folder: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names.sorted() {
            let path = folder + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                try syncTree(path)
            } else if (st.st_mode & S_IFMT) == S_IFREG {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw AtomicFileError(path: path, operation: "open", errno: errno) }
                defer { close(fd) }
                try sync(fd, path)
            }
        }
        try syncFolder(folder)
    }

    /// rename(2) that fails with EEXIST instead of replacing (Linux renameat2 RENAME_NOREPLACE); where that call is
    /// missing, a check then rename (rename never replaces a folder that has files in it: ENOTEMPTY).
    static func renameNoReplace(_ from: String, _ to: String) -> Int32 {
        if let renameat2 = renameAt2 {
            if renameat2(AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */) == 0 { return 0 }
            if errno != EINVAL && errno != ENOSYS { return errno }  // EINVAL: the file system does not support the flag
        }
        if access(to, F_OK) == 0 { return EEXIST }
        return rename(from, to) == 0 ? 0 : errno
    }

    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    static let renameAt2: RenameAt2? = {
        // Glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module does not set.
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    // MARK: Temporaries

    /// `.<name>.tmp-<pid>-<random>` next to `path`.
    public static func temporaryPath(for path: String) -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return folder(of: path) + "/." + (path as NSString).lastPathComponent + temporaryMarker + "\(getpid())-" + random
    }

    /// Removes temporaries in `folder` (not recursive; of the output named `name` only, when given) whose process is
    /// gone: its pid runs no process, or runs one that started after the temporary was last written (the pid was
    /// reused), or it is this process and the temporary is not one it is writing. Never one a running writer holds.
    /// Also removes the `.NAME.partial-PID-N` folders of earlier versions on the same rule. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String, of name: String? = nil) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for entry in names where entry.hasPrefix(".") {
            guard let (output, pid) = parseTemporary(entry) else { continue }
            if let name, output != name { continue }
            let path = folder + "/" + entry
            guard isStale(path: path, pid: pid) else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(entry) }
        }
        return removed.sorted()
    }

    /// The output name and pid of a temporary's name (`.<name>.tmp-<pid>-<random>` or `.<name>.partial-<pid>-<n>`).
    static func parseTemporary(_ entry: String) -> (name: String, pid: pid_t)? {
        for marker in [temporaryMarker, legacyPartialMarker] {
            guard let range = entry.range(of: marker, options: .backwards) else { continue }
            let rest = entry[range.upperBound...]
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]),
                  !rest[rest.index(after: dash)...].isEmpty else { continue }
            let name = String(entry[entry.index(after: entry.startIndex)..<range.lowerBound])
            guard !name.isEmpty else { continue }
            return (name, pid)
        }
        return nil
    }

    static func isStale(path: String, pid: pid_t) -> Bool {
        if pid == getpid() { return !InFlight.contains(path) }
        guard ProcessLiveness.isRunning(pid) else { return true }
        // A live pid may belong to a later process that reused it: the writer started before it wrote the temporary.
        var st = stat()
        guard lstat(path, &st) == 0, let started = ProcessLiveness.startTime(pid) else { return false }
        let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        // The margin covers the start time's rounding and a wall clock stepped forward while the writer ran.
        return started > modified + 120
    }

    static func folder(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// The temporaries this process is writing now (so a cleanup in this process never removes its own).
    enum InFlight {
        nonisolated(unsafe) static var paths = Set<String>()
        static let lock = NSLock()
        static func add(_ p: String) { lock.lock(); paths.insert(p); lock.unlock() }
        static func remove(_ p: String) { lock.lock(); paths.remove(p); lock.unlock() }
        static func contains(_ p: String) -> Bool { lock.lock(); defer { lock.unlock() }; return paths.contains(p) }
    }

    // MARK: Tracing (tests)

    /// The steps of a publication, in order, for tests that check the fsync-rename-fsync sequence. Recorded only
    /// while a test binds `AtomicFile.$trace`.
    public final class Trace: @unchecked Sendable {
        public enum Step: Equatable, Sendable {
            case syncFile(String), rename(from: String, to: String), syncFolder(String)
        }
        private let lock = NSLock()
        private var recorded: [Step] = []
        public init() {}
        public var steps: [Step] { lock.lock(); defer { lock.unlock() }; return recorded }
        func append(_ s: Step) { lock.lock(); recorded.append(s); lock.unlock() }
        static func record(_ s: Step) { AtomicFile.trace?.append(s) }
    }

    @TaskLocal public static var trace: Trace? = nil
}
