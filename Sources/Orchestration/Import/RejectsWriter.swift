import Foundation
import SQLite

/// `--skip-bad FILE`: the rows an import rejects, as CSV (`line,field,reason,record`), so the rest can be imported
/// and the bad rows fixed and imported again.
final class RejectsWriter {
    private var handle: FileHandle?

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data("line,field,reason,record\n".utf8)),
              let h = FileHandle(forWritingAtPath: path) else { throw InputError(file: path, "cannot write the file for rejected rows") }
        h.seekToEndOfFile()
        handle = h
    }

    func write(_ error: InputError, record: String) {
        let line = [error.line.map(String.init) ?? "", error.field ?? "", error.message, record].map(CSVText.quote).joined(separator: ",") + "\n"
        handle?.write(Data(line.utf8))
    }

    /// Flushes the file to disk and closes it.
    func finish() throws {
        try handle?.synchronize()
        try handle?.close()
        handle = nil
    }
}
