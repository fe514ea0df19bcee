import BatonCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes the pages of one build. Each page's SHA-256 goes into the build's manifest (`.manifest`: one line per file,
/// digest and path); a page whose digest equals the live build's is a hard link to the live file instead of a new
/// file, so a rebuild rewrites only the pages whose content changed and the others keep their mtime (and a web
/// server's caches stay valid).
final class SiteWriter {
    let root: String
    let live: String?
    private var liveDigests: [String: String] = [:]
    private var digests: [(path: String, digest: String)] = []
    private var folders: Set<String> = []
    let fileMode = FileMode.mode(for: .file)
    let folderMode = FileMode.mode(for: .folder)
    private(set) var written = 0
    private(set) var kept = 0
    static let manifest = ".manifest"

    init(root: String, live: String?) {
        self.root = root
        self.live = live
        if let live, let text = try? String(contentsOfFile: live + "/" + Self.manifest, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                guard let space = line.firstIndex(of: " ") else { continue }
                liveDigests[String(line[line.index(after: space)...])] = String(line[..<space])
            }
        }
    }

    /// Adds the page at `relative` (e.g. `tickets/3f….html`).
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
        var text = ""
        for d in digests.sorted(by: { $0.path < $1.path }) { text += d.digest + " " + d.path + "\n" }
        var bytes = Array(text.utf8)
        try write(&bytes, to: root + "/" + Self.manifest)
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
