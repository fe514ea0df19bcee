import BatonCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes the pages of one build, rewriting only what changed.
///
/// Every page's digest goes into the build's manifest (`SiteKey.manifestName`: one line per page, digest and path). A page
/// whose digest equals the live build's is a hard link to the live file, not a new file, so it keeps its inode and
/// mtime (and web servers' caches stay valid). Ticket pages (tens of thousands) live in shard folders shared
/// between builds: `tickets/abc/abc….html` is, in the build, `tickets/abc` → a link to an immutable folder
/// `shards/abc-BUILD` beside the builds. A shard none of whose pages changed is the live build's folder again; one
/// that changed is a new folder (its unchanged pages hard links). A rebuild after 100 changed tickets so touches
/// about 100 shards, not 50,000 files. A ticket page's digest is that of its inputs (`TicketPage.pageDigest`),
/// so an unchanged ticket is not even rendered; other pages' is that of their bytes.
final class SiteWriter {
    let root: String
    let live: String?
    /// `.DIR.builds/shards`, and this build's suffix for the shards it makes.
    let shards: String
    let stamp: String
    private let liveDigests: [String: String]
    /// Per shard, how many ticket pages the live build's manifest lists in it.
    private let liveShardCounts: [String: Int]
    private var digests: [(path: String, digest: String)] = []
    private var folders: Set<String> = []
    /// Per shard: its pages (name, changed) and the new folder made for it in this build, if any.
    private var shardPages: [String: [(name: String, changed: Bool)]] = [:]
    private var newShards: [String: String] = [:]
    let fileMode = FileMode.mode(for: .file)
    let folderMode = FileMode.mode(for: .folder)
    private(set) var written = 0
    private(set) var kept = 0
    /// The manifest's file name in each build (unguessable: `SiteKey.manifestName`).
    let manifest: String

    /// `live`: the live build's manifest (`LiveManifest.read`).
    init(root: String, live: LiveManifest, shards: String, stamp: String, manifest: String) {
        self.root = root
        self.live = live.build
        self.shards = shards
        self.stamp = stamp
        self.manifest = manifest
        liveDigests = live.digests
        liveShardCounts = live.shardCounts
    }

    /// What the live build's manifest says: each page's digest, and how many ticket pages each shard holds. Read on
    /// any thread (a site builder with a second thread reads it there while the alerts are computed).
    struct LiveManifest: Sendable {
        /// The live build's folder (nil: no site yet).
        var build: String?
        var digests: [String: String] = [:]
        var shardCounts: [String: Int] = [:]

        /// The manifest named `name` in `build` (none when it has no such file).
        static func read(build: String?, name: String) -> LiveManifest {
            var m = LiveManifest(build: build)
            if let build, let data = FileManager.default.contents(atPath: build + "/" + name) { m.parse([UInt8](data)) }
            return m
        }

        /// The `DIGEST PATH` lines, read as bytes (splitting 50,000 lines as Strings costs a tenth of a second), and
        /// the ticket pages per shard (`tickets/ABC/NAME`).
        private mutating func parse(_ b: [UInt8]) {
            var digests: [String: String] = [:], shardCounts: [String: Int] = [:]
            digests.reserveCapacity(b.count / 100)
            defer { self.digests = digests; self.shardCounts = shardCounts }
            let space = UInt8(ascii: " "), newline = UInt8(ascii: "\n"), slash = UInt8(ascii: "/")
            let prefix = Array("tickets/".utf8)
            b.withUnsafeBufferPointer { b in
                var start = 0
                while start < b.count {
                    var end = start, gap = -1
                    while end < b.count && b[end] != newline {
                        if gap < 0 && b[end] == space { gap = end }
                        end += 1
                    }
                    defer { start = end + 1 }
                    guard gap > start, gap + 1 < end else { continue }
                    let path = UnsafeBufferPointer(rebasing: b[(gap + 1)..<end])
                    digests[String(decoding: path, as: UTF8.self)] = String(decoding: UnsafeBufferPointer(rebasing: b[start..<gap]), as: UTF8.self)
                    if path.count > 12, path.starts(with: prefix), path[11] == slash, !path[12...].contains(slash) {
                        shardCounts[String(decoding: UnsafeBufferPointer(rebasing: path[8..<11]), as: UTF8.self), default: 0] += 1
                    }
                }
            }
        }
    }

    /// Adds the page at `relative` (e.g. `alerts.html`), by its bytes.
    func page(_ relative: String, _ content: String) throws {
        var bytes = Array(content.utf8)
        let digest = SHA256.hex(SHA256.hash(bytes))
        digests.append((relative, digest))
        try makeParent(relative)
        let target = root + "/" + relative
        if let live, liveDigests[relative] == digest, link(live + "/" + relative, target) == 0 {
            kept += 1
            return
        }
        try write(&bytes, to: target)
        written += 1
    }

    /// The path of a ticket page named `name` (32 hex digits and `.html`) inside the site.
    static func ticketPath(_ name: String) -> String { "tickets/" + name.prefix(3) + "/" + name }

    /// Adds a ticket page whose inputs have digest `digest`; `render` is called only when it changed.
    func ticketPage(_ name: String, digest: String, _ render: () -> String) throws {
        let shard = String(name.prefix(3)), relative = Self.ticketPath(name)
        digests.append((relative, digest))
        let unchanged = live != nil && liveDigests[relative] == digest
        shardPages[shard, default: []].append((name, !unchanged))
        if unchanged { kept += 1; return }
        let folder = try newShard(shard)
        var bytes = Array(render().utf8)
        try write(&bytes, to: folder + "/" + name)
        written += 1
    }

    private func newShard(_ shard: String) throws -> String {
        if let f = newShards[shard] { return f }
        let folder = shards + "/" + shard + "-" + stamp
        guard mkdir(folder, folderMode) == 0 else { throw SiteError("cannot create \(folder): \(SystemError.reason(errno))") }
        var index = Array(Self.folderIndex.utf8)  // a server that lists folders lists this page instead of the tickets
        try write(&index, to: folder + "/index.html")
        newShards[shard] = folder
        return folder
    }

    /// What a folder of ticket pages shows when asked for itself (`tickets/`, `tickets/abc/`): nothing to follow,
    /// so a static server's folder listing cannot hand out the other tickets' addresses.
    static let folderIndex = SitePage.render(title: "Ticket pages", body: "<p>Each ticket's page is at an address sent to its requester.</p>")

    /// Links `tickets/SHARD` of the build to each shard's folder: the live one when its pages are exactly the live
    /// shard's and none changed, else a new one holding the unchanged pages as hard links. A reused shard's link is
    /// the live build's link itself, hard-linked: no new inode (4,096 new links a build cost seconds on ext4
    /// without a journal, which scans past every recently freed inode before it allocates one).
    func finishTickets() throws {
        guard !shardPages.isEmpty else { return }
        try makeParent("tickets/x")
        // Not a page of the manifest (nothing links to it): the live build's file again when there is one.
        if live.map({ link($0 + "/tickets/index.html", root + "/tickets/index.html") }) != 0 {
            var index = Array(Self.folderIndex.utf8)
            try write(&index, to: root + "/tickets/index.html")
        }
        for (shard, pages) in shardPages {
            let entry = root + "/tickets/" + shard
            // None changed and as many as the live shard: they are its pages (each unchanged one is in it).
            if newShards[shard] == nil, let live, liveShardCounts[shard] == pages.count {
                let liveEntry = live + "/tickets/" + shard
                if link(liveEntry, entry) == 0 { continue }
                if let target = SiteOutput.readLink(liveEntry) { try makeLink(target, at: entry); continue }
            }
            let folder = try newShard(shard)
            for p in pages where !p.changed {
                guard let live, link(live + "/tickets/" + shard + "/" + p.name, folder + "/" + p.name) == 0 else {
                    throw SiteError("cannot link the unchanged page \(p.name) into \(folder): \(SystemError.reason(errno))")
                }
            }
            try makeLink("../../shards/" + (folder as NSString).lastPathComponent, at: entry)
        }
    }

    private func makeLink(_ target: String, at path: String) throws {
        guard symlink(target, path) == 0 else { throw SiteError("cannot link \(path): \(SystemError.reason(errno))") }
    }

    /// Hard-links (else copies) a file that is not a page, such as a report in the archive; not in the manifest.
    func linkFile(from source: String, to relative: String) throws {
        try makeParent(relative)
        let target = root + "/" + relative
        if link(source, target) == 0 { return }
        guard let data = FileManager.default.contents(atPath: source) else { throw SiteError("cannot read \(source)") }
        var bytes = [UInt8](data)
        try write(&bytes, to: target)
    }

    func finish() throws {
        try finishTickets()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digests.count * 112)
        for var d in digests {  // in the order written (deterministic): sorting 50,000 paths costs more than it gives
            d.digest.withUTF8 { bytes.append(contentsOf: $0) }  // contiguous copies, not a byte at a time
            bytes.append(UInt8(ascii: " "))
            d.path.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\n"))
        }
        try write(&bytes, to: root + "/" + manifest)
    }

    private func makeParent(_ relative: String) throws {
        guard let slash = relative.lastIndex(of: "/") else { return }
        let folder = String(relative[..<slash])
        if folders.contains(folder) { return }
        var path = root
        for part in folder.split(separator: "/") {
            path += "/" + part
            if mkdir(path, folderMode) != 0 && errno != EEXIST { throw SiteError("cannot create \(path): \(SystemError.reason(errno))") }
        }
        folders.insert(folder)
    }

    private func write(_ bytes: inout [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw SiteError("cannot write \(path): \(SystemError.reason(errno))") }
        defer { close(fd) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SiteError("cannot write \(path): \(SystemError.reason(errno))")
                }
                offset += n
            }
        }
    }
}
