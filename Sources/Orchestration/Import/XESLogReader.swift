import BatonCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams an XES (IEEE 1849) log, never holding the file: each `<event>` is handed on as one record of its
/// attributes, with the trace's attributes under `case:` (e.g. `case:concept:name`) and the log's under `log:`.
/// Nested attributes (meta data) are ignored.
///
/// A UTF-8 file is read by `XESByteScanner`; one in another encoding (named by its XML declaration, or UTF-16) or
/// with a document type declaration by Foundation's event-driven XMLParser (`Engine.xmlParser` forces it: tests
/// compare the two). Both give the same records and the same errors.
///
/// The file must be well-formed XML to its end. Foundation's parser runs libxml2 in recovery mode: it reports an
/// error (`parserError`, the delegate's `parseErrorOccurred`) and then goes on, and `parse()` may still return true,
/// so the reader stops at the first error it is told of, and also checks for itself that the root `</log>` was
/// read: a file cut short (a truncated download, a `.gz` cut off) is an error naming the line where it ends, never
/// a log of the events before the cut.
final class XESLogReader: NSObject, XMLParserDelegate {
    typealias Record = [String: String]
    enum Engine { case bytes, xmlParser }

    private let source: ByteSource
    private let engine: Engine
    private var body: ((Record, Int) throws -> Void)?
    private var depth = 0
    private var logDepth = -1, traceDepth = -1, eventDepth = -1
    private var logEnded = false
    private var logAttributes: Record = [:]
    private var traceAttributes: Record = [:]
    private var eventAttributes: Record = [:]
    private var eventLine = 0, traceLine = 0
    private var failure: Error?
    /// The first error the XML parser reported, with its line and whether the file had ended by then.
    private var xmlError: (code: Int, line: Int, atEnd: Bool)?
    private var stream: XESInputStream?
    private(set) var events = 0
    private(set) var traces = 0

    init(source: ByteSource, engine: Engine = .bytes) { self.source = source; self.engine = engine }

    private static let attributeElements: Set<String> = ["string", "date", "int", "float", "boolean", "id"]

    /// Calls `body` for each event with its record and the line of its `<event>` element.
    func forEachEvent(_ body: @escaping (Record, Int) throws -> Void) throws {
        let stream = XESInputStream(source: source)
        self.stream = stream
        self.body = body
        defer { self.body = nil }
        var parser: XMLParser?
        if engine == .bytes {
            do {
                try XESByteScanner(stream: stream).scan(start: { kind, key, value, line in
                    self.startElement(kind, key: key, value: value, line: line)
                }, end: { try self.endElement() })
            } catch let malformed as XESByteScanner.Malformed {
                xmlError = (malformed.code, malformed.line, malformed.atEnd)
            } catch let fallback as XESByteScanner.Fallback {
                stream.unread(fallback.bytes)
                parser = XMLParser(stream: stream)
            }
        } else {
            parser = XMLParser(stream: stream)
        }
        var ok = true
        if let parser {
            parser.shouldProcessNamespaces = false
            parser.delegate = self
            ok = parser.parse()
            if let failure { throw failure }
        }
        // The bytes could not be read: a damaged .gz, or bytes that are not text of the file's encoding.
        if let sourceFailure = stream.failure {
            switch sourceFailure {
            case let bad as BadText:
                let hint = bad.hint == TextDecoder.notUTF8Hint
                    ? "; an XES file in another encoding must name it in its XML declaration (<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>)" : ""
                throw InputError(file: source.name, line: stream.line, "\(bad.message) at byte offset \(bad.offset)\(hint)")
            case let error as InputError where error.line == nil:
                throw InputError(file: source.name, line: stream.line, "\(error.message); the XML read stops there")
            default: throw sourceFailure
            }
        }
        // Recovery mode: an error may be set with parse() returning true (and, should the delegate not hear of it, only here).
        if xmlError == nil, let parser, let error = parser.parserError {
            xmlError = ((error as NSError).code, parser.lineNumber, stream.reachedEnd)
        }
        if let xmlError {
            if xmlError.atEnd {
                throw InputError(file: source.name, line: stream.line, "the file ends before the log does (\(openElements)): it is cut short or not well-formed XML (XML parser error \(xmlError.code))")
            }
            throw InputError(file: source.name, line: xmlError.line, "is not well-formed XML (XML parser error \(xmlError.code)\(Self.describe(xmlError.code)))")
        }
        if !ok, let parser {
            let code = parser.parserError.map { ($0 as NSError).code }.map { " (XML parser error \($0))" } ?? ""
            throw InputError(file: source.name, line: parser.lineNumber, "is not well-formed XML\(code)")
        }
        if logDepth < 0 && events == 0 { throw InputError(file: source.name, field: "log", "is not an XES log (no <log> element)") }
        if !logEnded {
            throw InputError(file: source.name, line: stream.line, "the file ends before the log does (\(openElements)): it is cut short")
        }
    }

    /// What was still open where the file ended, e.g. "inside an <event> begun on line 19".
    private var openElements: String {
        if eventDepth >= 0 { return "inside an <event> begun on line \(eventLine)" }
        if traceDepth >= 0 { return "inside a <trace> begun on line \(traceLine)" }
        if logDepth >= 0 { return "no </log>" }
        return "no <log> element"
    }

    /// A few libxml2 error codes in words.
    private static func describe(_ code: Int) -> String {
        switch code {
        case 4: return ": the document is empty"
        case 5: return ": extra content after the end of the document"
        case 9: return ": a character that is not allowed in XML (e.g. a NUL byte), or bytes not in the declared encoding"
        case 76: return ": an end tag does not match its start tag"
        default: return ""
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        guard xmlError == nil else { return }
        xmlError = ((parseError as NSError).code, parser.lineNumber, stream?.reachedEnd ?? false)
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard xmlError == nil, failure == nil else { return }
        let local = name.split(separator: ":").last.map(String.init) ?? name
        let kind: XESByteScanner.Kind
        switch local {
        case "log": kind = .log
        case "trace": kind = .trace
        case "event": kind = .event
        default: kind = Self.attributeElements.contains(local) ? .attribute : .other
        }
        startElement(kind, key: attributes["key"], value: attributes["value"], line: parser.lineNumber)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard xmlError == nil, failure == nil else { return }
        do { try endElement() } catch {
            failure = error
            parser.abortParsing()
        }
    }

    /// An element begins (both engines): what it opens, or the attribute it sets.
    private func startElement(_ kind: XESByteScanner.Kind, key: String?, value: String?, line: Int) {
        depth += 1
        switch kind {
        case .log where logDepth < 0: logDepth = depth
        case .trace where logDepth >= 0 && depth == logDepth + 1:
            traceDepth = depth
            traceAttributes = [:]
            traceLine = line
            traces += 1
        case .event where traceDepth >= 0 && depth == traceDepth + 1:
            eventDepth = depth
            eventAttributes = Record(minimumCapacity: 8 + traceAttributes.count + logAttributes.count)
            eventLine = line
        case .attribute:
            guard let key else { return }
            let value = value ?? ""
            if eventDepth >= 0 && depth == eventDepth + 1 {
                eventAttributes[key] = value
            } else if eventDepth < 0 && traceDepth >= 0 && depth == traceDepth + 1 {
                traceAttributes["case:" + key] = value
            } else if traceDepth < 0 && logDepth >= 0 && depth == logDepth + 1 {
                logAttributes["log:" + key] = value
            }
        default: return
        }
    }

    /// An element ends (both engines): an event's record goes to the body.
    private func endElement() throws {
        defer { depth -= 1 }
        if depth == eventDepth {
            eventDepth = -1
            events += 1
            // The event's own dictionary, uniquely held, takes the trace's and the log's in place.
            var record = eventAttributes
            eventAttributes = [:]
            record.reserveCapacity(record.count + traceAttributes.count + logAttributes.count)
            for (k, v) in traceAttributes { record[k] = v }
            for (k, v) in logAttributes { record[k] = v }
            try body?(record, eventLine)
        } else if depth == traceDepth {
            traceDepth = -1
        } else if depth == logDepth {
            logEnded = true
        }
    }
}

/// The stream XMLParser pulls from: the source's bytes as they are (the XML declaration names the encoding), with
/// the lines counted. A file that declares no encoding or UTF-8 is checked as UTF-8 on the way (libxml2 would only
/// say "invalid character"), so a bad byte is named by its offset. A failure of the source ends the stream; the
/// reader reports it.
final class XESInputStream: InputStream {
    private let source: ByteSource
    private var buffer = Data()
    private var position = 0
    private(set) var reachedEnd = false
    private(set) var failure: Error?
    /// Lines handed to the parser so far (1-based: the line the next byte is on).
    private(set) var line = 1
    /// Whether the file is checked as UTF-8 (it declares no encoding, or UTF-8); nil before the first bytes.
    private(set) var checksUTF8: Bool?
    private var decoder = TextDecoder(encoding: .utf8)

    init(source: ByteSource) {
        self.source = source
        super.init(data: Data())
    }

    override func open() {}
    override func close() {}
    override var hasBytesAvailable: Bool { !reachedEnd || position < buffer.count }
    override var streamStatus: Stream.Status { reachedEnd && position >= buffer.count ? .atEnd : .open }
    override var streamError: Error? { failure }

    /// Hands `bytes` (the first bytes read, all of them) out again, to a second reader of the file.
    func unread(_ bytes: [UInt8]) {
        line -= bytes.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
        buffer = Data(bytes) + buffer.dropFirst(position)
        position = 0
    }

    override func read(_ out: UnsafeMutablePointer<UInt8>, maxLength: Int) -> Int {
        while position >= buffer.count {
            if reachedEnd || failure != nil { return 0 }
            do {
                let chunk = try source.read()
                if chunk.isEmpty { reachedEnd = true }
                buffer = try check(chunk, last: chunk.isEmpty)
                position = 0
            } catch {
                failure = error
                return 0
            }
        }
        let n = min(maxLength, buffer.count - position)
        buffer.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            for i in position..<(position + n) where bytes[i] == 10 { line += 1 }
            out.update(from: bytes.baseAddress! + position, count: n)
        }
        position += n
        return n
    }

    /// The chunk as it is, once checked as UTF-8 where the file is UTF-8; a bad byte is a `BadText` after the bytes
    /// before it have been parsed (so the line is known).
    private var pendingBad: BadText?

    private func check(_ chunk: Data, last: Bool) throws -> Data {
        if let pendingBad { throw pendingBad }
        if checksUTF8 == nil, !chunk.isEmpty || last { checksUTF8 = Self.declaresUTF8([UInt8](chunk.prefix(200))) }
        guard checksUTF8 != false else { return chunk }
        let (text, bad) = decoder.decode(chunk, last: last)
        if let bad {
            if text.isEmpty { throw bad }
            pendingBad = bad
        }
        return text
    }

    /// Whether the XML declaration names no encoding or UTF-8 (a UTF-16 file, with its byte-order mark, is left to libxml2).
    static func declaresUTF8(_ head: [UInt8]) -> Bool {
        if head.count >= 2, (head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF) { return false }
        let text = String(decoding: head, as: UTF8.self)
        guard text.hasPrefix("<?xml") || text.hasPrefix("\u{FEFF}<?xml"), let end = text.range(of: "?>") else { return true }
        let declaration = text[..<end.lowerBound].lowercased()
        guard let r = declaration.range(of: "encoding") else { return true }
        let rest = declaration[r.upperBound...].drop(while: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" })
        return rest.hasPrefix("utf-8") || rest.hasPrefix("utf8")
    }
}
