import BatonCore
import Foundation
import Scheduling
#if canImport(Glibc)
import Glibc
#endif

/// Where a site lives and how it is swapped. `--out DIR` is a symbolic link Baton owns, pointing at the live build
/// in the hidden folder beside it, `.DIR.builds/b-…`:
///
/// 1. a build is written under a temporary name in `.DIR.builds/` (pages whose bytes did not change are hard links to
///    the live build's files, so they keep their inode and mtime), then the file system is flushed (syncfs);
/// 2. it is renamed to its final name `b-…`, and `DIR` is replaced by a link to it in one rename;
/// 3. meanwhile, from the start of the build and on a thread of its own, the builds other than the live one are
///    removed, with the shards only they used: the build a reader may be part-way through when the new one is
///    swapped in (the live one) stays, the one before it went when this build began.
///
/// A reader sees the old site or the new one, never a mix; a crash at any step leaves `DIR` on the old build (the
/// temporary or unlinked build is removed by the next build). `DIR` is never written over unless it is such a
/// link: an existing folder or file there is refused. Builds of one site queue on a lock (`.DIR.builds/.lock`).
public struct SiteOutput: Sendable {
    public let path: String
    /// `path` as given, with `.` and `..` removed (never resolved through links: `path` is itself the link).
    public init(path: String) { self.path = URL(fileURLWithPath: path).standardized.path }

    var name: String { (path as NSString).lastPathComponent }
    var parent: String { let p = (path as NSString).deletingLastPathComponent; return p.isEmpty ? "." : p }
    /// The folder of builds, beside `path`.
    public var buildsFolder: String { parent + "/." + name + ".builds" }
    static let marker = ".baton-site"

    /// The live build's folder, nil when there is no site yet; an error when `path` is something Baton did not write.
    public func liveBuild() throws -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw SiteError("cannot read \(path): \(SystemError.reason(errno))")
        }
        let prefix = "." + name + ".builds/"
        guard (st.st_mode & S_IFMT) == S_IFLNK, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
              target.hasPrefix(prefix), FileManager.default.fileExists(atPath: parent + "/" + target + "/" + Self.marker) else {
            throw SiteError("\(path) exists and is not a site Baton built (a link into \(prefix)); Baton never writes over it: choose another --out or remove it")
        }
        return parent + "/" + target
    }

    /// The folder of ticket-page shards shared between builds (`SiteWriter`).
    public var shardsFolder: String { buildsFolder + "/shards" }

    /// Builds a new site with `build` (given the writer of the new build) and makes it live. Returns the new build's
    /// folder. `preread`: the live build's manifest read beforehand (off this thread); used when that build is still
    /// the live one once the lock is held, else read again.
    @discardableResult
    func publish(waitSeconds: Double = 600, phases: SitePhases = SitePhases(), manifest: String, preread: SiteWriter.LiveManifest? = nil,
                 _ build: (SiteWriter) throws -> Void) throws -> String {
        _ = try liveBuild()
        try AtomicFile.makeFolders(buildsFolder)
        // One build of a site at a time: a second builder would prune the first one's build before its swap.
        guard let lock = try ScheduleLock.acquire(path: buildsFolder + "/.lock", waitSeconds: waitSeconds) else {
            throw SiteError("another 'baton site' is building \(path) (it holds \(buildsFolder)/.lock); nothing done")
        }
        defer { withExtendedLifetime(lock) {} }
        let live = try liveBuild()
        AtomicFile.removeStaleTemporaries(in: buildsFolder)
        let stamp = String(format: "b-%.6f-%d", Date().timeIntervalSince1970, getpid())
        let final = buildsFolder + "/" + stamp
        let temp = AtomicFile.temporaryPath(for: final)
        guard mkdir(temp, FileMode.mode(for: .folder)) == 0 else { throw SiteError("cannot create a folder in \(buildsFolder): \(SystemError.reason(errno))") }
        try AtomicFile.makeFolders(shardsFolder)
        // On a thread of its own from the start of the build, joined before the swap; its own wall and CPU seconds.
        let keeping = live.map { [($0 as NSString).lastPathComponent] } ?? []
        let pruning = ThreadResult { [self] in
            let start = Date(), cpu = SitePhases.cpu(thread: true)
            prune(keeping: keeping, building: stamp)
            return (seconds: Date().timeIntervalSince(start), cpu: SitePhases.cpu(thread: true) - cpu)
        }
        var renamed = false
        defer {
            pruning.wait()
            if !renamed {
                try? FileManager.default.removeItem(atPath: temp)
                removeShards { $0.hasSuffix("-" + stamp) }
            }
        }
        let liveManifest = preread.flatMap { $0.build == live ? $0 : nil } ?? SiteWriter.LiveManifest.read(build: live, name: manifest)
        let writer = SiteWriter(root: temp, live: liveManifest, shards: shardsFolder, stamp: stamp, manifest: manifest)
        try build(writer)
        try AtomicFile.write("baton site build\n", to: temp + "/" + Self.marker)
        try phases.time("flush") { try Self.flush(temp) }
        let pruned = pruning.wait()
        phases.record("prune", seconds: pruned.seconds, cpu: pruned.cpu)
        guard rename(temp, final) == 0 else { throw SiteError("cannot publish the site build \(final): \(SystemError.reason(errno))") }
        renamed = true
        try AtomicFile.syncFolder(buildsFolder)
        do { try AtomicFile.replaceSymlink(path, pointingTo: "." + name + ".builds/" + stamp) } catch {
            try? FileManager.default.removeItem(atPath: final)
            throw SiteError("cannot point \(path) at the new build: \(error)")
        }
        return final
    }

    /// Removes the builds Baton wrote (a `b-…` folder holding the marker) other than `keeping`, then the shards no
    /// kept build links to (a build made by a run that died before its swap included), except those of the build
    /// being made (`building`: its stamp).
    func prune(keeping: [String], building: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: buildsFolder) else { return }
        for entry in entries where entry.hasPrefix("b-") && !keeping.contains(entry) {
            let folder = buildsFolder + "/" + entry
            guard FileManager.default.fileExists(atPath: folder + "/" + Self.marker) else { continue }
            try? FileManager.default.removeItem(atPath: folder)
        }
        var used: Set<String> = []
        for build in keeping {
            let tickets = buildsFolder + "/" + build + "/tickets"
            for shard in (try? FileManager.default.contentsOfDirectory(atPath: tickets)) ?? [] {
                if let target = Self.readLink(tickets + "/" + shard) { used.insert((target as NSString).lastPathComponent) }
            }
        }
        removeShards { !used.contains($0) && !$0.hasSuffix("-" + building) }
    }

    /// Removes the shard folders (`abc-b-…`) whose name `matches`.
    func removeShards(_ matches: (String) -> Bool) {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: shardsFolder)) ?? [] where entry.contains("-b-") && matches(entry) {
            try? FileManager.default.removeItem(atPath: shardsFolder + "/" + entry)
        }
    }

    /// The target of the symbolic link at `path`, nil when it is none (readlink: Foundation's costs more per call,
    /// and a prune reads 8,192).
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    typealias SyncFS = @convention(c) (Int32) -> Int32
    static let syncfsCall: SyncFS? = {
        // Glibc declares syncfs only under _GNU_SOURCE, which Swift's Glibc module does not set.
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFS.self)
    }()

    /// Flushes every page of the build in one call (syncfs on its file system) rather than one fsync per page.
    static func flush(_ folder: String) throws {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SiteError("cannot open \(folder): \(SystemError.reason(errno))") }
        defer { close(fd) }
        if let call = syncfsCall {
            guard call(fd) == 0 else { throw SiteError("cannot flush \(folder) (syncfs): \(SystemError.reason(errno))") }
        } else {
            sync()
        }
    }
}

/// How long each phase of a build took (seconds, in order), for the command's summary and the benchmark.
public final class SitePhases: @unchecked Sendable {
    /// Wall and CPU (user + system) seconds per phase.
    public private(set) var seconds: [(phase: String, seconds: Double, cpu: Double)] = []
    public init() {}

    func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        let s = start()
        defer { record(phase, since: s) }
        return try body()
    }

    func start() -> (wall: Date, cpu: Double) { (Date(), Self.cpu()) }

    /// Adds `phase`, from `start` to now.
    func record(_ phase: String, since start: (wall: Date, cpu: Double)) {
        record(phase, seconds: Date().timeIntervalSince(start.wall), cpu: Self.cpu() - start.cpu)
    }

    /// Adds `phase` as measured elsewhere (on a thread of its own).
    func record(_ phase: String, seconds wall: Double, cpu: Double) {
        seconds.append((phase, wall, cpu))
    }

    /// CPU seconds (user + system) of the process, or of the calling thread alone.
    static func cpu(thread: Bool = false) -> Double {
        var u = rusage()
        // 1: RUSAGE_THREAD (Linux), which Swift's Glibc module leaves out without _GNU_SOURCE.
        getrusage(thread ? 1 : RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// `alerts 1.10 s (0.95 s CPU), open work 0.52 s (…), …`
    public var summary: String {
        seconds.map { $0.phase + String(format: " %.2f s (%.2f CPU)", $0.seconds, $0.cpu) }.joined(separator: ", ")
    }
}
