import Foundation

/// Streams RFC 4180 records from a `ByteSource`: quoted fields may hold commas, quotes (`""`) and line
/// breaks; a UTF-8 byte-order mark is dropped. Each record comes with the line on which it starts.
struct CSVRecordReader {
    let source: ByteSource

    /// Calls `body` with each record's fields and starting line. A quote left open at the end of the file is an error.
    func forEachRecord(_ body: (_ fields: [String], _ line: Int) throws -> Void) throws {
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quoteJustClosed = false   // inside quotes, we just saw a quote: either `""` or the closing quote
        var line = 1
        var recordLine = 1
        var atRecordStart = true
        var first = true

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }

        while true {
            let chunk = try source.read()
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                var i = 0
                if first {
                    first = false
                    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
                }
                let n = bytes.count
                while i < n {
                    let c = bytes[i]
                    i += 1
                    if inQuotes {
                        if quoteJustClosed {
                            quoteJustClosed = false
                            if c == 34 { field.append(34); continue }
                            inQuotes = false
                            // fall through to the unquoted handling of c
                        } else {
                            if c == 34 { quoteJustClosed = true; continue }
                            if c == 10 { line += 1 }
                            field.append(c)
                            continue
                        }
                    }
                    switch c {
                    case 44:  // ,
                        endField()
                        atRecordStart = false
                    case 10:  // LF ends the record
                        if field.last == 13 { field.removeLast() }
                        if !(atRecordStart && field.isEmpty && fields.isEmpty) {
                            endField()
                            try body(fields, recordLine)
                        }
                        fields.removeAll(keepingCapacity: true)
                        line += 1
                        recordLine = line
                        atRecordStart = true
                    case 34 where field.isEmpty:
                        inQuotes = true
                        atRecordStart = false
                    default:
                        field.append(c)
                        atRecordStart = false
                    }
                }
            }
        }
        if inQuotes && !quoteJustClosed {
            throw InputError(file: source.name, line: recordLine, "a quoted field is not closed before the end of the file")
        }
        if field.last == 13 { field.removeLast() }
        if !(atRecordStart && field.isEmpty && fields.isEmpty) {
            endField()
            try body(fields, recordLine)
        }
    }
}
