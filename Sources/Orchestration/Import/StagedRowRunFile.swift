import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A sorted run of staged rows spilled by `StagedRowSorter`: a temporary file, unlinked as soon as it is created
/// (nothing is left behind, whatever ends the import), written once and then read back in order. Each row is a
/// length-prefixed record of its instant, arrival number, line and text fields (UTF-8 as read, so decoding is
/// lossless).
final class StagedRowRunFile {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written to the file so far (the read's end).
    private var size: Int64 = 0
    private(set) var rows = 0

    /// Write and read buffers: large enough to make system calls rare, small enough for dozens of runs.
    static let bufferBytes = 1 << 20

    init(directory: String) throws {
        var template = Array((directory + "/baton-import-sort-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Self.failure("create a sort file in \(directory)") }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    deinit { close(fd) }

    static func failure(_ what: String) -> ActionRefused {
        ActionRefused("the import could not \(what): \(String(cString: strerror(errno)))")
    }

    // MARK: writing

    func append(_ r: StagedRow, seq: Int) throws {
        let start = buffer.count
        put32(0)   // the record's length, set below
        put64(r.at); put64(Int64(seq)); put64(Int64(r.line))
        put(r.ticket); put(r.kind); put(r.service); put(r.step); put(r.team)
        put(r.actor); put(r.task); put(r.status); put(r.title); put(r.requester)
        let length = UInt32(buffer.count - start - 4)
        withUnsafeBytes(of: length.littleEndian) { bytes in
            for k in 0..<4 { buffer[start + k] = bytes[k] }
        }
        rows += 1
        if buffer.count >= Self.bufferBytes { try flush() }
    }

    private func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
    private func put64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
    private func put(_ s: String) {
        put32(UInt32(s.utf8.count))
        buffer.append(contentsOf: s.utf8)
    }

    /// Writes what is buffered (call once the run is complete, before reading it).
    func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(size) + off_t(done)) }
            guard n > 0 else { throw Self.failure("write its sort file") }
            done += n
        }
        size += Int64(done)
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: reading

    /// Reads the run back in the order it was written, through a buffer of at most `bufferBytes` (a small run's
    /// size: tests merge hundreds of one-row runs).
    final class Reader: StagedRowSorter.Source {
        private let file: StagedRowRunFile
        private var buffer: UnsafeMutableRawBufferPointer
        /// The unread bytes are buffer[start..<end]; `offset` is where the file's next read begins.
        private var start = 0, end = 0
        private var offset: Int64 = 0

        init(_ file: StagedRowRunFile) {
            self.file = file
            buffer = .allocate(byteCount: Int(min(Int64(StagedRowRunFile.bufferBytes), max(file.size, 64))), alignment: 8)
        }

        deinit { buffer.deallocate() }

        /// Makes at least `count` bytes available from `start`; false at the end of the run.
        private func ensure(_ count: Int) throws -> Bool {
            if end - start >= count { return true }
            if count > buffer.count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 2 * buffer.count), alignment: 8)
                larger.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
                buffer.deallocate()
                buffer = larger
            } else if start > 0 {
                memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
            while end < buffer.count && offset < file.size {
                let n = pread(file.fd, buffer.baseAddress! + end, buffer.count - end, off_t(offset))
                guard n > 0 else { throw StagedRowRunFile.failure("read its sort file") }
                end += n
                offset += Int64(n)
            }
            return end - start >= count
        }

        func next() throws -> StagedRowSorter.Item? {
            guard try ensure(4) else { return nil }
            let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            guard try ensure(4 + length) else { throw ActionRefused("the import's sort file ends inside a row") }
            let item = Self.decode(UnsafeRawBufferPointer(buffer), from: start + 4)
            start += 4 + length
            return item
        }

        private static func decode(_ raw: UnsafeRawBufferPointer, from start: Int) -> StagedRowSorter.Item {
            var p = start
            func int() -> Int64 {
                defer { p += 8 }
                return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: Int64.self))
            }
            func text() -> String {
                let n = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                defer { p += 4 + n }
                return n == 0 ? "" : String(decoding: UnsafeRawBufferPointer(rebasing: raw[(p + 4)..<(p + 4 + n)]), as: UTF8.self)
            }
            let at = int(), seq = int(), line = int()
            let row = StagedRow(ticket: text(), at: at, kind: text(), service: text(), step: text(), team: text(), actor: text(),
                                task: text(), status: text(), title: text(), requester: text(), line: Int(line))
            return StagedRowSorter.Item(row: row, seq: Int(seq))
        }
    }
}
