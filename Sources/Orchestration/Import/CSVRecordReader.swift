import BatonCore
import Foundation

/// Streams RFC 4180 records from a `ByteSource`: quoted fields may hold the delimiter, quotes (`""`) and line
/// breaks, carriage returns included; a UTF-8 byte-order mark is dropped. Outside quotes a record ends at LF,
/// CRLF or a CR alone (old Mac files), and blank lines are skipped whichever ending they have. Each record comes
/// with the line on which it starts (a line being ended by any of the three; line breaks inside quoted fields
/// count LFs only).
///
/// The delimiter is a comma unless told (`--delimiter ';'`, `tab`). What RFC 4180 does not allow is reported with
/// the record, which is still read to its end: a quote inside an unquoted field (`b"o`) and text after a closing
/// quote (`"bo"x`). Bytes that are not text (invalid UTF-8, NUL) stop the file (see `ByteSource.readText`).
struct CSVRecordReader {
    let source: ByteSource
    var delimiter: UInt8 = 44

    init(source: ByteSource, delimiter: UInt8 = 44) {
        self.source = source
        self.delimiter = delimiter
    }

    /// What is wrong with a record as CSV: its kind and the (0-based) field it is in.
    struct Problem: Equatable {
        enum Kind: Equatable { case quoteInUnquotedField, textAfterClosingQuote }
        let kind: Kind
        let field: Int

        var message: String {
            switch kind {
            case .quoteInUnquotedField:
                return "a quote inside a field that does not start with one (RFC 4180: quote the whole field and double the quotes inside it)"
            case .textAfterClosingQuote:
                return "text after the closing quote of a quoted field (RFC 4180: a quoted field ends at its closing quote; double a quote inside it)"
            }
        }
    }

    /// Calls `body` with each record's fields and starting line, and what is wrong with it as CSV (nil: nothing).
    /// A quote left open at the end of the file is an error.
    func forEachRecord(_ body: (_ fields: [String], _ line: Int, _ problem: Problem?) throws -> Void) throws {
        var parser = Parser(delimiter: delimiter)
        while true {
            let chunk: Data
            do { chunk = try source.readText() } catch let bad as BadText {
                throw bad.inputError(file: source.name, line: parser.line)
            } catch let error as InputError where error.line == nil {
                throw InputError(file: error.file, line: parser.line, error.message)   // e.g. a .gz cut short: where it stops
            }
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                try parser.consume(raw.bindMemory(to: UInt8.self), body)
            }
        }
        if parser.inQuotes && !parser.quoteJustClosed {
            throw InputError(file: source.name, line: parser.recordLine, "a quoted field is not closed before the end of the file")
        }
        try parser.finish(body)
    }

    /// Calls `body` with each record's fields and starting line; a record that is not RFC 4180 is an `InputError`.
    func forEachRecord(_ body: (_ fields: [String], _ line: Int) throws -> Void) throws {
        try forEachRecord { fields, line, problem in
            if let problem { throw InputError(file: source.name, line: line, field: "column \(problem.field + 1)", problem.message) }
            try body(fields, line)
        }
    }

    /// The parser's state between chunks. A struct whose hot loop works on `self` in a mutating method, so the
    /// compiler can check exclusive access statically (captured variables would be checked on every byte).
    struct Parser {
        let delimiter: UInt8
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quoteJustClosed = false   // inside quotes, just saw a quote: either `""` or the closing quote
        var line = 1
        var recordLine = 1
        var atRecordStart = true
        var afterCR = false           // outside quotes, the last byte was a CR that ended a record: an LF now is its pair
        var problem: Problem?         // the first RFC 4180 violation of the record being read

        init(delimiter: UInt8 = 44) {
            self.delimiter = delimiter
            fields.reserveCapacity(16)
            field.reserveCapacity(256)
        }

        private mutating func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }

        private mutating func note(_ kind: Problem.Kind) {
            if problem == nil { problem = Problem(kind: kind, field: fields.count) }
        }

        /// Ends the record (a blank line is no record). The line ending itself never reaches `field`: a CR inside
        /// quotes is data and stays.
        private mutating func endRecord(_ body: ([String], Int, Problem?) throws -> Void) throws {
            if !(atRecordStart && field.isEmpty && fields.isEmpty) {
                endField()
                let problem = self.problem
                self.problem = nil
                try body(fields, recordLine, problem)
            }
            fields.removeAll(keepingCapacity: true)
        }

        mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ body: ([String], Int) throws -> Void) throws {
            try consume(bytes) { fields, line, problem in
                if let problem { throw InputError(file: "", line: line, field: "column \(problem.field + 1)", problem.message) }
                try body(fields, line)
            }
        }

        mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ body: ([String], Int, Problem?) throws -> Void) throws {
            var i = 0
            let n = bytes.count
            let delimiter = self.delimiter
            while i < n {
                let c = bytes[i]
                i += 1
                if inQuotes {
                    if quoteJustClosed {
                        quoteJustClosed = false
                        if c == 34 { field.append(34); continue }
                        inQuotes = false
                        // c is read as unquoted text after the closing quote: only a delimiter or a line ending may follow.
                        if c != delimiter && c != 10 && c != 13 { note(.textAfterClosingQuote) }
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
                if c == delimiter {
                    endField()
                    atRecordStart = false
                    continue
                }
                switch c {
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
                    if c == 34 { note(.quoteInUnquotedField) }
                    // Copy the run of plain bytes up to the next delimiter, quote or line ending at once.
                    var j = i
                    while j < n, bytes[j] != delimiter, bytes[j] != 10, bytes[j] != 13, bytes[j] != 34 { j += 1 }
                    field.append(c)
                    if j > i { field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j])) }
                    i = j
                    atRecordStart = false
                }
            }
        }

        mutating func finish(_ body: ([String], Int, Problem?) throws -> Void) throws {
            try endRecord(body)
        }

        mutating func finish(_ body: ([String], Int) throws -> Void) throws {
            try finish { fields, line, problem in
                if let problem { throw InputError(file: "", line: line, field: "column \(problem.field + 1)", problem.message) }
                try body(fields, line)
            }
        }
    }
}
