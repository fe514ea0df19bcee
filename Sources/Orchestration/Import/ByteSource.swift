import Foundation

/// A file read in chunks, never whole: a plain file, a `.gz` file (decompressed by a `gzip -dc` child
/// process through a pipe), or standard input (`-`).
public final class ByteSource {
    /// The name used in messages (the path, or "standard input").
    public let name: String
    /// Size of the file on disk (compressed size for `.gz`); nil for standard input.
    public let totalBytes: Int64?
    /// Bytes read so far from the file on disk (for `.gz`: an estimate from gzip's position in its input).
    public var consumedBytes: Int64 { process.map(Self.gzipPosition) ?? bytesRead }
    public private(set) var bytesRead: Int64 = 0

    private let handle: FileHandle
    private let process: Process?
    private var finished = false

    public init(path: String, workingDirectory: String = FileManager.default.currentDirectoryPath) throws {
        if path == "-" {
            name = "standard input"
            handle = FileHandle.standardInput
            process = nil
            totalBytes = nil
            return
        }
        let full = path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
        name = path
        guard FileManager.default.isReadableFile(atPath: full) else { throw InputError(file: path, "cannot read the file (missing or not readable)") }
        totalBytes = (try? FileManager.default.attributesOfItem(atPath: full)[.size] as? NSNumber)?.int64Value
        if path.hasSuffix(".gz") {
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/bin/gzip") ? "/bin/gzip" : "/usr/bin/gzip")
            gzip.arguments = ["-dc", full]
            let pipe = Pipe()
            gzip.standardOutput = pipe
            gzip.standardError = FileHandle.nullDevice
            do { try gzip.run() } catch { throw InputError(file: path, "cannot start gzip to decompress it: \(error)") }
            handle = pipe.fileHandleForReading
            process = gzip
        } else {
            guard let h = FileHandle(forReadingAtPath: full) else { throw InputError(file: path, "cannot open the file") }
            handle = h
            process = nil
        }
    }

    deinit {
        if let process, process.isRunning { process.terminate() }
    }

    /// The next chunk (up to 1 MiB); empty at the end of the file. Throws when gzip reports a damaged file.
    public func read() throws -> Data {
        if finished { return Data() }
        let data = handle.readData(ofLength: 1 << 20)
        bytesRead += Int64(data.count)
        if data.isEmpty {
            finished = true
            if let process {
                process.waitUntilExit()
                if process.terminationStatus != 0 {
                    throw InputError(file: name, "is not a valid gzip file (gzip exited with status \(process.terminationStatus))")
                }
            }
        }
        return data
    }

    /// A stream for parsers that pull (XMLParser) reading the same bytes.
    func inputStream() -> InputStream? {
        InputStream(fileAtPath: "/dev/fd/\(handle.fileDescriptor)")
    }

    /// Waits for gzip to finish (after a parser consumed the stream) and reports a damaged file.
    func finish() throws {
        guard let process, !finished else { return }
        finished = true
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw InputError(file: name, "is not a valid gzip file (gzip exited with status \(process.terminationStatus))")
        }
    }

    /// gzip's read position in the compressed file (Linux: /proc/PID/fdinfo of its input, fd 3).
    private static func gzipPosition(_ p: Process) -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/fdinfo/3", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("pos:") }),
              let pos = Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) else { return 0 }
        return pos
    }

    /// Lines (without the terminator), with their 1-based line numbers. Splits on LF; a trailing CR is dropped.
    func forEachLine(_ body: (_ line: [UInt8], _ number: Int) throws -> Void) throws {
        var pending: [UInt8] = []
        var number = 0
        while true {
            let chunk = try read()
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                let bytes = buffer.bindMemory(to: UInt8.self)
                var start = 0
                for i in 0..<bytes.count where bytes[i] == 10 {
                    pending.append(contentsOf: bytes[start..<i])
                    if pending.last == 13 { pending.removeLast() }
                    number += 1
                    try body(pending, number)
                    pending.removeAll(keepingCapacity: true)
                    start = i + 1
                }
                pending.append(contentsOf: bytes[start..<bytes.count])
            }
        }
        if !pending.isEmpty {
            if pending.last == 13 { pending.removeLast() }
            number += 1
            try body(pending, number)
        }
    }
}
