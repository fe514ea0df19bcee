import BatonCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a site lives and how it is swapped. `--out DIR` is a symbolic link Baton owns, pointing at the live build
/// in the hidden folder beside it, `.DIR.builds/b-…`:
///
/// 1. a build is written under a temporary name in `.DIR.builds/` (pages whose bytes did not change are hard links to
///    the live build's files, so they keep their inode and mtime), then the file system is flushed (syncfs);
/// 2. it is renamed to its final name `b-…`, and `DIR` is replaced by a link to it in one rename;
/// 3. builds older than the live one and the one before it are removed (a reader part-way through the previous
///    build keeps its pages).
///
/// A reader sees the old site or the new one, never a mix; a crash at any step leaves `DIR` on the old build (the
/// temporary or unlinked build is removed by the next build). `DIR` is never written over unless it is such a
/// link: an existing folder or file there is refused.
public struct SiteOutput: Sendable {
    public let path: String
    public init(path: String) { self.path = (path as NSString).standardizingPath }

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

    /// Builds a new site with `build` (given the folder to fill and the live build, if any) and makes it live.
    /// Returns the new build's folder.
    @discardableResult
    public func publish(_ build: (_ folder: String, _ live: String?) throws -> Void) throws -> String {
        let live = try liveBuild()
        try AtomicFile.makeFolders(buildsFolder)
        AtomicFile.removeStaleTemporaries(in: buildsFolder)
        let stamp = String(format: "b-%.6f-%d", Date().timeIntervalSince1970, getpid())
        let final = buildsFolder + "/" + stamp
        let temp = AtomicFile.temporaryPath(for: final)
        guard mkdir(temp, FileMode.mode(for: .folder)) == 0 else { throw SiteError("cannot create a folder in \(buildsFolder): \(SystemError.reason(errno))") }
        var renamed = false
        defer { if !renamed { try? FileManager.default.removeItem(atPath: temp) } }
        try build(temp, live)
        try AtomicFile.write("baton site build\n", to: temp + "/" + Self.marker)
        try Self.flush(temp)
        guard rename(temp, final) == 0 else { throw SiteError("cannot publish the site build \(final): \(SystemError.reason(errno))") }
        renamed = true
        try AtomicFile.syncFolder(buildsFolder)
        do { try AtomicFile.replaceSymlink(path, pointingTo: "." + name + ".builds/" + stamp) } catch {
            try? FileManager.default.removeItem(atPath: final)
            throw SiteError("cannot point \(path) at the new build: \(error)")
        }
        prune(keeping: [stamp, live.map { ($0 as NSString).lastPathComponent }].compactMap { $0 })
        return final
    }

    /// Removes the builds Baton wrote (a `b-…` folder holding the marker) other than `keeping`.
    func prune(keeping: [String]) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: buildsFolder) else { return }
        for entry in entries where entry.hasPrefix("b-") && !keeping.contains(entry) {
            let folder = buildsFolder + "/" + entry
            guard FileManager.default.fileExists(atPath: folder + "/" + Self.marker) else { continue }
            try? FileManager.default.removeItem(atPath: folder)
        }
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
