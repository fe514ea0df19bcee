import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration

/// The byte-level XES reader (`XESByteScanner`) against Foundation's XMLParser (libxml2) on the same bytes: the same
/// records with the same lines, or the same error, on real logs, on XML written to be awkward, on broken XML and on
/// every cut of a small log; and values worked out by hand for entities, white space and references.
@Suite struct ImportXESScannerTests {
    typealias Read = (records: [(XESLogReader.Record, Int)], error: String?)

    static func read(_ file: String, _ engine: XESLogReader.Engine) -> Read {
        var records: [(XESLogReader.Record, Int)] = []
        do {
            try XESLogReader(source: try ByteSource(path: file), engine: engine).forEachEvent { records.append(($0, $1)) }
            return (records, nil)
        } catch {
            return (records, "\(error)")
        }
    }

    /// Both engines on `file`: the same outcome (records, lines, error text); the byte scanner's.
    /// `anyCode`: the libxml2 error code may differ (a file cut inside its XML declaration, which libxml2 parses with
    /// a dozen codes of its own; the message, line and what was open must still agree).
    @discardableResult
    static func agree(_ file: String, _ label: String, anyCode: Bool = false) -> Read {
        let bytes = read(file, .bytes), xml = read(file, .xmlParser)
        func shown(_ error: String?) -> String? {
            guard anyCode, let error else { return error }
            return error.replacingOccurrences(of: #"XML parser error \d+"#, with: "XML parser error N", options: .regularExpression)
        }
        #expect(shown(bytes.error) == shown(xml.error), "\(label): bytes \(bytes.error ?? "ok") / XMLParser \(xml.error ?? "ok")")
        if bytes.error == nil && xml.error == nil {
            #expect(bytes.records.count == xml.records.count, "\(label): \(bytes.records.count) / \(xml.records.count) events")
            for (a, b) in zip(bytes.records, xml.records) where a.0 != b.0 || a.1 != b.1 {
                Issue.record("\(label): line \(a.1) \(a.0) / line \(b.1) \(b.0)")
                break
            }
        }
        return bytes
    }

    static let realLogs = ["bpic2013_incidents.xes.gz", "receipt.xes.gz"].compactMap(TestPaths.sharedFile)

    @Test(.enabled(if: realLogs.count == 2, "needs ../shared/data/bpic2013_incidents.xes.gz and receipt.xes.gz"))
    func theRealLogsReadTheSameByBothEngines() throws {
        for file in Self.realLogs {
            let read = Self.agree(file, file)
            #expect(read.error == nil && read.records.count > 1000, "\(file): \(read.records.count) events, \(read.error ?? "")")
        }
    }

    /// Awkward but well-formed XML: values worked out by hand, and both engines agree on everything.
    @Test func entitiesWhiteSpaceCommentsAndNamespacesReadAsXMLSays() throws {
        let f = try ImportFixture()
        let xml = """
        \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment before the root, with <tags> & such -->
        <?pi some processing instruction?>
        <x:log xmlns:x="http://www.xes-standard.org/" xes.version="1.0">
          <x:string key="concept:name" value="the &quot;log&quot;"/>
          <list key="meta"><string key="concept:name" value="nested: ignored"/></list>
          <trace><string key='concept:name' value='C&amp;1'/>
            <event >
              <string
                 key="concept:name"
                 value="a&lt;b&gt;c &#65;&#x42;&#x1F600;"/>
              <string key="org:resource" value="line\tone
        two\r\nthree"/>
              <![CDATA[ <not> an element & not an entity ]]>
              text &amp; more text
              <container key="c"><string key="org:group" value="nested"/></container>
              <date key="time:timestamp" value="2026-03-02T10:00:00Z"></date>
            </event>
            <event/>
          </trace>
        </x:log>
        <!-- after -->

        """
        let file = try f.write("edge.xes", xml)
        let read = Self.agree(file, "edge.xes")
        #expect(read.error == nil, "\(read.error ?? "")")
        try #require(read.records.count == 2)
        let (first, line) = read.records[0]
        #expect(line == 8)
        #expect(first["concept:name"] == "a<b>c AB\u{1F600}")
        #expect(first["org:resource"] == "line one two three")
        #expect(first["case:concept:name"] == "C&1" && first["log:concept:name"] == "the \"log\"")
        #expect(first["org:group"] == nil && first["time:timestamp"] == "2026-03-02T10:00:00Z")
        #expect(read.records[1].0 == ["case:concept:name": "C&1", "log:concept:name": "the \"log\""] && read.records[1].1 == 20)   // the CR LF in the value is a line
    }

    /// Files the byte scanner hands to XMLParser (a DOCTYPE, another encoding) read as before.
    @Test func aDoctypeOrAnotherEncodingGoesToXMLParser() throws {
        let f = try ImportFixture()
        let doctype = try f.write("doctype.xes", """
        <?xml version="1.0"?>
        <!DOCTYPE log [ <!ENTITY who "Ann"> ]>
        <log><trace><string key="concept:name" value="c"/><event><string key="org:resource" value="&who;"/></event></trace></log>
        """)
        #expect(Self.agree(doctype, "doctype").records.first?.0["org:resource"] == "Ann")
        var latin1 = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<log><trace><string key=\"concept:name\" value=\"c\"/><event><string key=\"org:resource\" value=\"".utf8)
        latin1 += [0x4A, 0xF6, 0x72, 0x67]   // Jörg in Latin-1
        latin1 += Array("\"/></event></trace></log>\n".utf8)
        let file = try f.write("latin1.xes", bytes: latin1)
        #expect(Self.agree(file, "latin1").records.first?.0["org:resource"] == "Jörg")
    }

    static let broken: [(String, String)] = [
        ("mismatched end tag", "<log>\n<trace>\n</log>\n"),
        ("undeclared entity", "<log><trace><event><string key=\"a\" value=\"&nbsp;\"/></event></trace></log>"),
        ("entity without semicolon", "<log><trace><event><string key=\"a\" value=\"&amp x\"/></event></trace></log>"),
        ("lone ampersand in text", "<log><trace> a & b </trace></log>"),
        ("less-than in a value", "<log><trace><event><string key=\"a\" value=\"a<b\"/></event></trace></log>"),
        ("repeated attribute", "<log><trace><event><string key=\"a\" key=\"b\"/></event></trace></log>"),
        ("unquoted value", "<log><trace><event><string key=a/></event></trace></log>"),
        ("attribute without value", "<log><trace><event><string key/></event></trace></log>"),
        ("no space between attributes", "<log><trace><event><string key=\"a\"value=\"b\"/></event></trace></log>"),
        ("text before the root", "hello <log></log>"),
        ("text after the root", "<log></log> hello"),
        ("two roots", "<log></log>\n<log></log>"),
        ("control character", "<log><trace>\u{1}</trace></log>"),
        ("control character in a value", "<log><trace><event><string key=\"a\" value=\"\u{7}\"/></event></trace></log>"),
        ("]]> in text", "<log><trace> ]]> </trace></log>"),
        ("double hyphen in a comment", "<log><!-- a -- b --></log>"),
        ("character reference to NUL", "<log><trace><event><string key=\"a\" value=\"&#0;\"/></event></trace></log>"),
        ("bad hex reference", "<log><trace><event><string key=\"a\" value=\"&#xZZ;\"/></event></trace></log>"),
        ("bad element name", "<log><trace><1event/></trace></log>"),
        ("end tag with no start", "</log>"),
        ("empty file", ""),
        ("only white space", "  \n  \n"),
        ("CDATA outside the root", "<![CDATA[x]]><log></log>"),
        ("no log element", "<other><trace/></other>"),
        ("unterminated comment", "<log><!-- never closed </log>"),
        ("unterminated CDATA", "<log><![CDATA[ never closed </log>"),
        ("unterminated instruction", "<log><? never closed </log>"),
    ]

    @Test(arguments: broken)
    func brokenXMLFailsAlikeWithTheLine(_ label: String, _ xml: String) throws {
        let f = try ImportFixture()
        let read = Self.agree(try f.write("broken.xes", xml), label)
        #expect(read.error != nil, "\(label) was read")
    }

    /// Every cut of a small log: the same error (or, cut after `</log>`, the same records) from both engines.
    @Test func everyCutFailsAlike() throws {
        let f = try ImportFixture()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: ImportFixture.fixture("hiring.xes"))))
        let declaration = bytes.firstIndex(of: 10)!
        for n in 0...bytes.count {
            let file = try f.write("cut.xes", bytes: Array(bytes[..<n]))
            let read = Self.agree(file, "cut at \(n)", anyCode: n < declaration)
            if n > declaration && n < bytes.count - 1 { #expect(read.error?.contains("cut short") == true, "cut at \(n): \(read.error ?? "read")") }
        }
    }
}
