import BatonCore
import Foundation
import SQLite
#if canImport(Glibc)
import Glibc
#endif

/// `--skip-bad FILE`: the rows an import rejects, as CSV (`line,field,reason,record`), so the rest can be imported
/// and the bad rows fixed and imported again. The rows go to a temporary file beside FILE, at `FileMode`'s mode, which
/// replaces FILE only when the import has committed (`finish`): a failed or dry-run-aborted import leaves an earlier
/// rejects file as it was.
final class RejectsWriter {
    static let header = "line,field,reason,record\n"
    private var handle: FileHandle?
    private let path: String
    private let temporary: String

    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FileMode.mode(for: .file))
        guard fd >= 0 else {
            throw InputError(file: path, "cannot write the file for rejected rows: \(String(cString: strerror(errno)))")
        }
        let h = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        h.write(Data(Self.header.utf8))
        handle = h
    }

    deinit {
        // Not finished: the import failed; the temporary goes, the previous file stays.
        if handle != nil { unlink(temporary) }
    }

    func write(_ error: InputError, record: String) {
        let line = [error.line.map(String.init) ?? "", error.field ?? "", error.message, record].map(CSVText.quote).joined(separator: ",") + "\n"
        handle?.write(Data(line.utf8))
    }

    /// Flushes the rows to disk and puts them in place of FILE.
    func finish() throws {
        guard let h = handle else { return }
        try h.synchronize()
        try h.close()
        handle = nil
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw InputError(file: path, "cannot write the file for rejected rows: \(reason)")
        }
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 { fsync(folder); close(folder) }
    }
}
