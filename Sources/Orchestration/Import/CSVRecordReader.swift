import Foundation

/// Streams RFC 4180 records from a `ByteSource`: quoted fields may hold commas, quotes (`""`) and line
/// breaks, carriage returns included; a UTF-8 byte-order mark is dropped. Outside quotes a record ends at LF,
/// CRLF or a CR alone (old Mac files), and blank lines are skipped whichever ending they have. Each record comes
/// with the line on which it starts (a line being ended by any of the three; line breaks inside quoted fields
/// count LFs only).
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
        var afterCR = false           // outside quotes, the last byte was a CR that ended a record: an LF now is its pair

        init() {
            fields.reserveCapacity(16)
            field.reserveCapacity(256)
        }

        private mutating func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }

        /// Ends the record (a blank line is no record). The line ending itself never reaches `field`: a CR inside
        /// quotes is data and stays.
        private mutating func endRecord(_ body: ([String], Int) throws -> Void) throws {
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
                if afterCR {
                    afterCR = false
                    if c == 10 { continue }   // CRLF: the CR already ended the record and counted the line
                }
                switch c {
                case 44:  // ,
                    endField()
                    atRecordStart = false
                case 10, 13:  // LF, CR (alone or before LF) end the record
                    try endRecord(body)
                    line += 1
                    recordLine = line
                    atRecordStart = true
                    afterCR = c == 13
                case 34 where field.isEmpty:
                    inQuotes = true
                    atRecordStart = false
                default:
                    // Copy the run of plain bytes up to the next comma, quote or line ending at once.
                    var j = i
                    while j < n, bytes[j] != 44, bytes[j] != 10, bytes[j] != 13, bytes[j] != 34 { j += 1 }
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
