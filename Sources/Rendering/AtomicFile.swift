import Foundation

/// Writes a file so that a reader sees either nothing or the whole file: a temporary file in the same
/// folder, flushed to disk, then renamed over the target.
enum AtomicFile {
    static func write(_ data: Data, to file: URL) throws {
        let tmp = temporaryURL(for: file)
        do {
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
                throw RenderError("cannot create \(tmp.path)")
            }
            let handle = try FileHandle(forWritingTo: tmp)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            try commit(tmp, to: file)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    /// A hidden sibling name for a file being written.
    static func temporaryURL(for file: URL) -> URL {
        file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
    }

    /// Renames `tmp` to `file` (replacing it).
    static func commit(_ tmp: URL, to file: URL) throws {
        guard rename(tmp.path, file.path) == 0 else {
            throw RenderError("cannot rename \(tmp.path) to \(file.path): \(String(cString: strerror(errno)))")
        }
    }
}
