import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams an XES (IEEE 1849) log with Foundation's event-driven XMLParser, never holding the file:
/// each `<event>` is handed on as one record of its attributes, with the trace's attributes under `case:`
/// (e.g. `case:concept:name`) and the log's under `log:`. Nested attributes (meta data) are ignored.
final class XESLogReader: NSObject, XMLParserDelegate {
    typealias Record = [String: String]

    private let source: ByteSource
    private var body: ((Record, Int) throws -> Void)?
    private var depth = 0
    private var logDepth = -1, traceDepth = -1, eventDepth = -1
    private var logAttributes: Record = [:]
    private var traceAttributes: Record = [:]
    private var eventAttributes: Record = [:]
    private var eventLine = 0
    private var failure: Error?
    private weak var parser: XMLParser?
    private(set) var events = 0
    private(set) var traces = 0

    init(source: ByteSource) { self.source = source }

    private static let attributeElements: Set<String> = ["string", "date", "int", "float", "boolean", "id"]

    /// Calls `body` for each event with its record and the line of its `<event>` element.
    func forEachEvent(_ body: @escaping (Record, Int) throws -> Void) throws {
        guard let stream = source.inputStream() else { throw InputError(file: source.name, "cannot read the file") }
        self.body = body
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = false
        parser.delegate = self
        self.parser = parser
        let ok = parser.parse()
        self.body = nil
        if let failure { throw failure }
        if !ok {
            let code = parser.parserError.map { ($0 as NSError).code }.map { " (XML parser error \($0))" } ?? ""
            throw InputError(file: source.name, line: parser.lineNumber, "is not well-formed XML\(code)")
        }
        try source.finish()
        if logDepth < 0 && events == 0 { throw InputError(file: source.name, field: "log", "is not an XES log (no <log> element)") }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        depth += 1
        let local = name.split(separator: ":").last.map(String.init) ?? name
        switch local {
        case "log" where logDepth < 0: logDepth = depth
        case "trace" where logDepth >= 0 && depth == logDepth + 1:
            traceDepth = depth
            traceAttributes = [:]
            traces += 1
        case "event" where traceDepth >= 0 && depth == traceDepth + 1:
            eventDepth = depth
            eventAttributes = [:]
            eventLine = parser.lineNumber
        default:
            guard Self.attributeElements.contains(local), let key = attributes["key"] else { return }
            let value = attributes["value"] ?? ""
            if eventDepth >= 0 && depth == eventDepth + 1 {
                eventAttributes[key] = value
            } else if eventDepth < 0 && traceDepth >= 0 && depth == traceDepth + 1 {
                traceAttributes["case:" + key] = value
            } else if traceDepth < 0 && logDepth >= 0 && depth == logDepth + 1 {
                logAttributes["log:" + key] = value
            }
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer { depth -= 1 }
        if depth == eventDepth {
            eventDepth = -1
            events += 1
            var record = eventAttributes
            for (k, v) in traceAttributes { record[k] = v }
            for (k, v) in logAttributes { record[k] = v }
            do { try body?(record, eventLine) } catch {
                failure = error
                parser.abortParsing()
            }
        } else if depth == traceDepth {
            traceDepth = -1
        }
    }
}
