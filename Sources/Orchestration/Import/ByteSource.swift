import BatonCore
import Foundation

/// The character encodings `baton import --encoding` reads. Text always reaches the parsers as UTF-8.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8", latin1, cp1252, utf16 = "utf-16", utf16LE = "utf-16le", utf16BE = "utf-16be"

    /// The encoding a name stands for: the names above and the usual aliases (`UTF8`, `iso-8859-1`, `windows-1252`).
    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        switch n {
        case "utf-8", "utf8": self = .utf8
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1": self = .latin1
        case "cp1252", "windows-1252", "win-1252", "cp-1252": self = .cp1252
        case "utf-16", "utf16": self = .utf16
        case "utf-16le", "utf16le": self = .utf16LE
        case "utf-16be", "utf16be": self = .utf16BE
        default: return nil
        }
    }
}

/// Bytes that are not text of the file's encoding, found by `ByteSource.readText`; the reader adds the line.
struct BadText: Error {
    /// Offset in the file as stored (decompressed for `.gz`) of the first offending byte.
    let offset: Int64
    let message: String
    /// What to do about it (e.g. "pass --encoding latin1, cp1252 or utf-16"), or nil.
    var hint: String? = nil

    func inputError(file: String, line: Int, hint other: String? = nil) -> InputError {
        InputError(file: file, line: line, "\(message) at byte offset \(offset)" + ((other ?? hint).map { "; \($0)" } ?? ""))
    }
}

/// A file read in chunks, never whole: a plain file, a `.gz` file (decompressed by a `gzip -dc` child
/// process through a pipe), or standard input (`-`).
///
/// `read()` hands over the bytes as they are (XES: the XML parser decodes them); `readText()` hands over text as
/// UTF-8 in the file's `encoding`, refusing what is not text: invalid UTF-8 (never replaced by U+FFFD), NUL bytes,
/// bytes no character of the encoding has. Both stream: memory stays flat whatever the size.
public final class ByteSource {
    /// The name used in messages (the path, or "standard input").
    public let name: String
    /// Size of the file on disk (compressed size for `.gz`); nil for standard input.
    public let totalBytes: Int64?
    /// Bytes read so far from the file on disk (for `.gz`: an estimate from gzip's position in its input).
    public var consumedBytes: Int64 { process.map(Self.gzipPosition) ?? bytesRead }
    public private(set) var bytesRead: Int64 = 0
    /// The encoding `readText()` decodes (`--encoding`).
    public let encoding: TextEncoding

    private let handle: FileHandle
    private let process: Process?
    private var finished = false

    public init(path: String, workingDirectory: String = FileManager.default.currentDirectoryPath, encoding: TextEncoding = .utf8) throws {
        self.encoding = encoding
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

    /// The next chunk (up to 1 MiB); empty at the end of the file. Throws when gzip reports a damaged or cut-short file.
    public func read() throws -> Data {
        if finished { return Data() }
        let data = handle.readData(ofLength: 1 << 20)
        bytesRead += Int64(data.count)
        if data.isEmpty {
            finished = true
            if let process {
                process.waitUntilExit()
                if process.terminationStatus != 0 {
                    throw InputError(file: name, "is not a valid gzip file, or is cut short (gzip exited with status \(process.terminationStatus))")
                }
            }
        }
        return data
    }

    /// gzip's read position in the compressed file (Linux: /proc/PID/fdinfo of its input, fd 3).
    private static func gzipPosition(_ p: Process) -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/fdinfo/3", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("pos:") }),
              let pos = Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) else { return 0 }
        return pos
    }

    // MARK: text

    private var decoder: TextDecoder?
    private var pendingBadText: BadText?

    /// The next chunk of text as valid UTF-8 with no NUL, decoded from `encoding` (a leading byte-order mark dropped);
    /// empty at the end of the file. Where the bytes stop being text, the text before them comes first and the next
    /// call throws `BadText` (so the reader knows the line it is on).
    func readText() throws -> Data {
        if let bad = pendingBadText { throw bad }
        if decoder == nil { decoder = TextDecoder(encoding: encoding) }
        while true {
            let raw = try read()
            let (text, bad) = decoder!.decode(raw, last: raw.isEmpty)
            if let bad {
                pendingBadText = bad
                if text.isEmpty { throw bad }
                return text
            }
            if !text.isEmpty || raw.isEmpty { return text }
            // A chunk that was all byte-order mark or a partial character: read on.
        }
    }

    /// Lines of text (without the terminator), with their 1-based line numbers. Splits on LF; a trailing CR is
    /// dropped. Bytes that are not text stop the file with an `InputError` naming the line and byte offset.
    func forEachLine(_ body: (_ line: [UInt8], _ number: Int) throws -> Void) throws {
        var pending: [UInt8] = []
        var number = 0
        while true {
            let chunk: Data
            do { chunk = try readText() } catch let bad as BadText {
                throw bad.inputError(file: name, line: number + 1)
            } catch let error as InputError where error.line == nil {
                throw InputError(file: error.file, line: number + 1, error.message)   // e.g. a .gz cut short: where it stops
            }
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

/// Turns a file's bytes, chunk by chunk, into UTF-8 with no NUL: checks UTF-8 (a fast pass over ASCII eight bytes at
/// a time), or converts Latin-1, Windows-1252 or UTF-16 (byte-order mark read for `utf-16`). A character split
/// across two chunks is carried over to the next. Offsets in errors count the file's own bytes.
struct TextDecoder {
    let encoding: TextEncoding
    private var carry: [UInt8] = []
    private var consumed: Int64 = 0        // file offset of the first byte not yet decoded (the carry's first byte)
    private var atStart = true
    private var bigEndian = false

    init(encoding: TextEncoding) {
        self.encoding = encoding
        bigEndian = encoding == .utf16BE
    }

    static let notUTF8Hint = "if the file is not UTF-8, pass --encoding latin1, cp1252 or utf-16 (Baton never replaces bad bytes)"

    /// The text of `chunk` (with what was carried over), and the first problem in it, if any: the text is then what
    /// comes before the problem.
    mutating func decode(_ chunk: Data, last: Bool) -> (Data, BadText?) {
        var input: Data
        if carry.isEmpty { input = chunk } else { input = Data(carry); input.append(chunk); carry.removeAll() }
        let base = consumed
        defer { consumed = base + Int64(input.count - carry.count) }
        var start = 0
        if atStart {
            if input.count < 4 && !last { carry = [UInt8](input); return (Data(), nil) }
            atStart = false
            let b = [UInt8](input.prefix(3))
            switch encoding {
            case .utf8:
                if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { start = 3 }
                else if b.count >= 2, (b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF) {
                    return (Data(), BadText(offset: 0, message: "a UTF-16 byte-order mark", hint: "pass --encoding utf-16"))
                }
            case .utf16, .utf16LE, .utf16BE:
                if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE { start = 2; if encoding == .utf16 { bigEndian = false } }
                else if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF { start = 2; if encoding == .utf16 { bigEndian = true } }
                else if encoding == .utf16, !input.isEmpty {
                    return (Data(), BadText(offset: 0, message: "no UTF-16 byte-order mark", hint: "pass --encoding utf-16le or utf-16be"))
                }
            case .latin1, .cp1252:
                break
            }
        }
        let fileOffset = base + Int64(start)
        let s = input.startIndex + start
        switch encoding {
        case .utf8:
            let (bad, tail, byte) = input.withUnsafeBytes { raw -> (Int?, Int, UInt8) in
                let bytes = UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[start...])
                let (bad, tail) = Self.validateUTF8(bytes)
                return (bad, tail, bad.map { bytes[$0] } ?? 0)
            }
            if let bad {
                let message = byte == 0 ? "a NUL byte (0x00) where text was expected" : "invalid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true)))"
                return (input[s..<(s + bad)], BadText(offset: fileOffset + Int64(bad), message: message,
                                                      hint: byte == 0 ? "UTF-16 text needs --encoding utf-16" : Self.notUTF8Hint))
            }
            let end = input.endIndex - tail
            if tail > 0 {
                if last {
                    return (input[s..<end], BadText(offset: base + Int64(end - input.startIndex),
                                                     message: "invalid UTF-8 (the file ends inside a character)", hint: Self.notUTF8Hint))
                }
                carry = [UInt8](input[end...])
            }
            return (start == 0 && tail == 0 ? input : input[s..<end], nil)
        case .latin1, .cp1252:
            return input.withUnsafeBytes { raw in
                Self.convertSingleByte(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[start...]), cp1252: encoding == .cp1252,
                                       fileOffset: fileOffset)
            }
        case .utf16, .utf16LE, .utf16BE:
            let (text, bad, tail) = input.withUnsafeBytes { raw in
                Self.convertUTF16(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[start...]), bigEndian: bigEndian, fileOffset: fileOffset)
            }
            if bad == nil, tail > 0 {
                if last {
                    return (text, BadText(offset: base + Int64(input.count - tail), message: "the file ends inside a UTF-16 character"))
                }
                carry = [UInt8](input[(input.endIndex - tail)...])
            }
            return (text, bad)
        }
    }

    /// The index of the first byte that is not valid UTF-8 or is NUL (nil: none), and the length of an incomplete
    /// character at the end (0: none). Overlong forms, surrogates and code points above U+10FFFF are invalid.
    static func validateUTF8(_ p: UnsafeBufferPointer<UInt8>) -> (bad: Int?, tail: Int) {
        let n = p.count
        guard let base = p.baseAddress else { return (nil, 0) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i < n {
            // Eight ASCII bytes, none of them NUL, at a time.
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let high: UInt64 = 0x8080_8080_8080_8080
                if (w & high) != 0 || ((w &- 0x0101_0101_0101_0101) & ~w & high) != 0 { break }
                i += 8
            }
            if i >= n { break }
            let b0 = p[i]
            if b0 < 0x80 {
                if b0 == 0 { return (i, 0) }
                i += 1
                continue
            }
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return (i, 0)
            }
            for k in 1...need {
                if i + k >= n { return (nil, n - i) }   // the character goes on in the next chunk
                let b = p[i + k]
                if k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF) { return (i, 0) }
            }
            i += need + 1
        }
        return (nil, 0)
    }

    /// Windows-1252's characters for 0x80–0x9F (0: no character).
    static let cp1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6))); out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12))); out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F))); out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18))); out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F))); out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    static func convertSingleByte(_ p: UnsafeBufferPointer<UInt8>, cp1252: Bool, fileOffset: Int64) -> (Data, BadText?) {
        var out: [UInt8] = []
        out.reserveCapacity(p.count + p.count / 8)
        for (i, b) in p.enumerated() {
            if b == 0 { return (Data(out), BadText(offset: fileOffset + Int64(i), message: "a NUL byte (0x00) where text was expected")) }
            if b < 0x80 { out.append(b); continue }
            var scalar = UInt32(b)
            if cp1252, b < 0xA0 {
                scalar = cp1252High[Int(b) - 0x80]
                if scalar == 0 {
                    return (Data(out), BadText(offset: fileOffset + Int64(i), message: "byte 0x\(String(b, radix: 16, uppercase: true)) is not a Windows-1252 character"))
                }
            }
            appendUTF8(scalar, to: &out)
        }
        return (Data(out), nil)
    }

    /// UTF-16 code units to UTF-8; the tail is an odd byte or a high surrogate whose pair is in the next chunk.
    static func convertUTF16(_ p: UnsafeBufferPointer<UInt8>, bigEndian: Bool, fileOffset: Int64) -> (Data, BadText?, tail: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        var i = 0
        func unit(_ at: Int) -> UInt32 { bigEndian ? UInt32(p[at]) << 8 | UInt32(p[at + 1]) : UInt32(p[at + 1]) << 8 | UInt32(p[at]) }
        while i + 1 < p.count {
            let u = unit(i)
            var scalar = u
            var size = 2
            if u == 0 { return (Data(out), BadText(offset: fileOffset + Int64(i), message: "a NUL character (U+0000) where text was expected"), 0) }
            if (0xD800...0xDBFF).contains(u) {
                if i + 3 >= p.count { break }   // the pair is in the next chunk
                let low = unit(i + 2)
                guard (0xDC00...0xDFFF).contains(low) else {
                    return (Data(out), BadText(offset: fileOffset + Int64(i), message: "invalid UTF-16 (a high surrogate without its pair)"), 0)
                }
                scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                size = 4
            } else if (0xDC00...0xDFFF).contains(u) {
                return (Data(out), BadText(offset: fileOffset + Int64(i), message: "invalid UTF-16 (a low surrogate without its pair)"), 0)
            }
            appendUTF8(scalar, to: &out)
            i += size
        }
        return (Data(out), nil, p.count - i)
    }
}
