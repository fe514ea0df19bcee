import Foundation

/// Streams RFC 4180 records from a `ByteSource`: quoted fields may hold commas, quotes (`""`) and line
/// breaks; a UTF-8 byte-order mark is dropped. Each record comes with the line on which it starts.
struct CSVRecordReader {
    let source: ByteSource

    /// Calls `body` with each record's fields and starting line. A quote left open at the end of the file is an error.
    func forEachRecord(_ body: (_ fields: [String], _ line: Int) throws -> Void) throws {
        var parser = Parser()
        var first = true
        while true {
            let chunk = try source.read()
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var bytes = raw.bindMemory(to: UInt8.self)
                if first {
                    first = false
                    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                        bytes = UnsafeBufferPointer(rebasing: bytes[3...])
                    }
                }
                try parser.consume(bytes, body)
            }
        }
        if parser.inQuotes && !parser.quoteJustClosed {
            throw InputError(file: source.name, line: parser.recordLine, "a quoted field is not closed before the end of the file")
        }
        try parser.finish(body)
    }

    /// The parser's state between chunks. A struct whose hot loop works on `self` in a mutating method, so the
    /// compiler can check exclusive access statically (captured variables would be checked on every byte).
    struct Parser {
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quoteJustClosed = false   // inside quotes, just saw a quote: either `""` or the closing quote
        var line = 1
        var recordLine = 1
        var atRecordStart = true

        init() {
            fields.reserveCapacity(16)
            field.reserveCapacity(256)
        }

        private mutating func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }

        private mutating func endRecord(_ body: ([String], Int) throws -> Void) throws {
            if field.last == 13 { field.removeLast() }
            if !(atRecordStart && field.isEmpty && fields.isEmpty) {
                endField()
                try body(fields, recordLine)
            }
            fields.removeAll(keepingCapacity: true)
        }

        mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ body: ([String], Int) throws -> Void) throws {
            var i = 0
            let n = bytes.count
            while i < n {
                let c = bytes[i]
                i += 1
                if inQuotes {
                    if quoteJustClosed {
                        quoteJustClosed = false
                        if c == 34 { field.append(34); continue }
                        inQuotes = false
                        // fall through: c is read as unquoted text after the closing quote
                    } else {
                        if c == 34 { quoteJustClosed = true; continue }
                        if c == 10 { line += 1 }
                        // Copy the run of plain quoted bytes at once.
                        var j = i
                        while j < n, bytes[j] != 34, bytes[j] != 10 { j += 1 }
                        field.append(c)
                        if j > i { field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j])) }
                        i = j
                        continue
                    }
                }
                switch c {
                case 44:  // ,
                    endField()
                    atRecordStart = false
                case 10:  // LF ends the record
                    try endRecord(body)
                    line += 1
                    recordLine = line
                    atRecordStart = true
                case 34 where field.isEmpty:
                    inQuotes = true
                    atRecordStart = false
                default:
                    // Copy the run of plain bytes up to the next comma, quote or line feed at once.
                    var j = i
                    while j < n, bytes[j] != 44, bytes[j] != 10, bytes[j] != 34 { j += 1 }
                    field.append(c)
                    if j > i { field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j])) }
                    i = j
                    atRecordStart = false
                }
            }
        }

        mutating func finish(_ body: ([String], Int) throws -> Void) throws {
            try endRecord(body)
        }
    }
}
