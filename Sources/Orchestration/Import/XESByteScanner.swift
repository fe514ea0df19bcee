import Foundation

/// A byte-level XML reader for XES logs in UTF-8: what `XESLogReader` needs of XML (elements, their `key` and
/// `value` attributes, the line of each start tag) at several times the speed of Foundation's XMLParser, which
/// builds a dictionary of every element's attributes and a string of its name.
///
/// It checks what makes XML well-formed in such a file: names, quoting, matching end tags, one root, entity and
/// character references (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&#..;` `&#x..;`), characters XML allows,
/// comments, CDATA sections and processing instructions; attribute values are normalised as XML says (a tab, CR or
/// LF is a space). Errors carry the libxml2 error code the XMLParser path reports for the same mistake, and the line.
/// A document type declaration (which may define entities) is not read here: `XESLogReader` hands such a file, and
/// any file not in UTF-8, to XMLParser (`Fallback`).
final class XESByteScanner {
    /// A well-formedness error: libxml2's code, the line, and whether the file had ended (a file cut short).
    struct Malformed: Error { let code: Int; let line: Int; let atEnd: Bool }
    /// The file has a DOCTYPE: `bytes` (all read so far) go to XMLParser with the rest of the stream.
    struct Fallback: Error { let bytes: [UInt8] }

    /// What an element is to XES.
    enum Kind { case log, trace, event, attribute, other }

    private let stream: XESInputStream
    // Touched for every byte, only from this class and never re-entrantly: the run-time exclusivity checks (a tenth
    // of the scan's time) are skipped.
    @exclusivity(unchecked) private var buf: [UInt8] = []
    @exclusivity(unchecked) private var pos = 0
    /// The line `pos` is on.
    @exclusivity(unchecked) private(set) var line = 1
    @exclusivity(unchecked) private var ended = false
    /// Open elements' names (as written, prefix included).
    @exclusivity(unchecked) private var open: [ArraySlice<UInt8>] = []
    @exclusivity(unchecked) private var rootSeen = false
    /// Bytes read from the stream.
    private var total = 0
    private var scratch = [UInt8](repeating: 0, count: 1 << 20)
    /// The attribute names of the tag being read (kept to find a repeated one; reused, never reallocated).
    @exclusivity(unchecked) private var attributeNames: [Range<Int>] = []

    init(stream: XESInputStream) { self.stream = stream }

    /// Reads the document: `start(kind, key, value, line)` for each start tag (`key` and `value` only for attribute
    /// elements), `end()` for each end (a self-closing element has both).
    func scan(start: (Kind, String?, String?, Int) throws -> Void, end: () throws -> Void) throws {
        while true {
            let progress = try buf.withUnsafeBufferPointer { try tokens($0, start: start, end: end) }
            if progress == .done { return }
            if try !fill() {
                // The stream ended (or failed, which the reader reports): what is left is an unfinished token.
                ended = true
                if stream.failure != nil { return }
                // libxml2 says nothing of a file of fewer than 4 bytes (the reader: "not an XES log").
                if total < 4 && !rootSeen { return }
                let rest = try buf.withUnsafeBufferPointer { try tokens($0, start: start, end: end) }
                if rest == .done { return }
                let code = truncatedCode()
                if code == 73 { try startCutShort(start: start, end: end) }
                throw Malformed(code: code, line: stream.line, atEnd: true)
            }
        }
    }

    /// A start tag the file ends in, whose name and attributes are whole, opens its element as libxml2 does (so
    /// the error names the element the file ends in).
    private func startCutShort(start: (Kind, String?, String?, Int) throws -> Void, end: () throws -> Void) throws {
        guard buf.count > pos + 1, Self.isNameStart(buf[pos + 1]) else { return }
        if buf.last == 0x2F { buf.removeLast() }
        buf.append(0x3E)
        do { _ = try buf.withUnsafeBufferPointer { try tokens($0, start: start, end: end) } } catch is Malformed {}
    }

    /// Appends the stream's next bytes; false at its end.
    private func fill() throws -> Bool {
        if rootSeen && pos > 0 {
            buf.removeSubrange(0..<pos)
            pos = 0
        }
        let n = scratch.withUnsafeMutableBufferPointer { stream.read($0.baseAddress!, maxLength: $0.count) }
        guard n > 0 else { return false }
        total += n
        buf.append(contentsOf: scratch[0..<n])
        if stream.checksUTF8 == false { throw Fallback(bytes: buf) }
        return true
    }

    private enum Progress { case more, done }

    /// The code libxml2 reports for a file that ends where the unfinished token begins.
    private func truncatedCode() -> Int {
        let rest = buf[pos...]
        if rest.starts(with: Array("<!--".utf8)) { return 45 }
        if rest.starts(with: Array("<![CDATA[".utf8)) { return 5 }
        if rest.starts(with: Array("<?".utf8)) { return rest.count > 2 && !Self.isNameStart(rest[rest.startIndex + 2]) ? 46 : 47 }
        if rest.starts(with: Array("</".utf8)) { return 73 }
        if rest.first == 0x3C, rest.count >= 2 { return Self.startTagTruncatedCode(Array(rest)) }
        return 5
    }

    /// Reads whole tokens from `pos`; `.more` when the buffer ends inside one (read again from its start).
    private func tokens(_ b: UnsafeBufferPointer<UInt8>, start: (Kind, String?, String?, Int) throws -> Void,
                        end: () throws -> Void) throws -> Progress {
        let n = b.count
        while pos < n {
            if b[pos] != 0x3C {
                guard try text(b) else { return .more }
                continue
            }
            guard pos + 1 < n else { return .more }
            switch b[pos + 1] {
            case 0x2F: guard try endTag(b, end: end) else { return .more }
            case 0x21: guard try markup(b) else { return .more }
            case 0x3F: guard try instruction(b) else { return .more }
            default: guard try startTag(b, start: start, end: end) else { return .more }
            }
        }
        if ended {
            if !rootSeen { throw Malformed(code: 5, line: line, atEnd: true) }
            if !open.isEmpty { throw Malformed(code: 5, line: line, atEnd: true) }
            return .done
        }
        return .more
    }

    private func fail(_ code: Int) -> Malformed { Malformed(code: code, line: line, atEnd: ended) }

    /// Character data up to the next `<` (or the buffer's end): only white space outside the root element.
    private func text(_ b: UnsafeBufferPointer<UInt8>) throws -> Bool {
        let n = b.count
        let inRoot = !open.isEmpty
        while pos < n {
            let c = b[pos]
            if c == 0x3C { return true }
            if c == 0x0A { line += 1; pos += 1; continue }
            if !inRoot && !Self.isSpace(c) { throw fail(rootSeen ? 5 : 4) }
            if c == 0x26 {
                // libxml2 reads a reference in text once a `;` is in what it has (a broken one at the end of a file
                // is an error of the file's end).
                if !ended, memchr(b.baseAddress! + pos, 0x3B, n - pos) == nil { return false }
                var value: [UInt8] = []
                guard let next = try reference(b, at: pos, into: &value) else { return false }
                pos = next
                continue
            }
            if c == 0x5D {
                if pos + 2 < n {
                    if b[pos + 1] == 0x5D && b[pos + 2] == 0x3E { throw fail(62) }
                } else if !ended { return false }
            } else if Self.isBadControl(c) { throw fail(9) }
            else if c == 0xEF, try !allowedEF(b, at: pos) { return false }
            pos += 1
        }
        return true
    }

    /// U+FFFE and U+FFFF are not XML characters; false when the buffer ends inside the sequence.
    private func allowedEF(_ b: UnsafeBufferPointer<UInt8>, at i: Int) throws -> Bool {
        guard i + 2 < b.count else { if ended { return true }; return false }
        if b[i + 1] == 0xBF && (b[i + 2] == 0xBE || b[i + 2] == 0xBF) { throw fail(9) }
        return true
    }

    /// An entity or character reference at `i` (its `&`), its text appended to `value`; the index after its `;`,
    /// or nil when the buffer ends first.
    private func reference(_ b: UnsafeBufferPointer<UInt8>, at i: Int, into value: inout [UInt8]) throws -> Int? {
        let n = b.count
        var j = i + 1
        guard j < n else { if ended { throw fail(68) }; return nil }
        if b[j] == 0x23 {
            j += 1
            guard j < n else { if ended { throw fail(8) }; return nil }
            let hex = b[j] == 0x78
            if hex { j += 1 }
            var code: UInt32 = 0, digits = 0
            while j < n, b[j] != 0x3B {
                let d = b[j]
                let v: UInt32
                if d >= 0x30 && d <= 0x39 { v = UInt32(d - 0x30) } else if hex && d >= 0x61 && d <= 0x66 { v = UInt32(d - 0x61 + 10) }
                else if hex && d >= 0x41 && d <= 0x46 { v = UInt32(d - 0x41 + 10) } else { throw fail(hex ? 6 : 7) }
                code = min(code &* (hex ? 16 : 10) &+ v, 0x110000)
                digits += 1
                j += 1
            }
            guard j < n else { if ended { throw fail(hex ? 6 : 7) }; return nil }
            guard digits > 0 else { throw fail(hex ? 6 : 7) }
            let allowed = code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF)
                || (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF)
            guard allowed, let scalar = Unicode.Scalar(code) else { throw fail(9) }
            value.append(contentsOf: Array(String(Character(scalar)).utf8))
            return j + 1
        }
        guard Self.isNameStart(b[j]) else { throw fail(68) }
        let nameStart = j
        while j < n, Self.isName(b[j]) { j += 1 }
        guard j < n else { if ended { throw fail(23) }; return nil }
        guard b[j] == 0x3B else { throw fail(23) }
        let name = UnsafeBufferPointer(rebasing: b[nameStart..<j])
        switch (name.count, name.first) {
        case (2, 0x6C) where name[1] == 0x74: value.append(0x3C)                                   // lt
        case (2, 0x67) where name[1] == 0x74: value.append(0x3E)                                   // gt
        case (3, 0x61) where name[1] == 0x6D && name[2] == 0x70: value.append(0x26)                // amp
        case (4, 0x71) where Self.equal(name, "quot"): value.append(0x22)
        case (4, 0x61) where Self.equal(name, "apos"): value.append(0x27)
        default: throw fail(26)
        }
        return j + 1
    }

    /// A start tag (and the end of a self-closing element).
    private func startTag(_ b: UnsafeBufferPointer<UInt8>, start: (Kind, String?, String?, Int) throws -> Void,
                          end: () throws -> Void) throws -> Bool {
        let n = b.count
        var i = pos + 1
        guard Self.isNameStart(b[i]) else { throw fail(68) }
        if rootSeen && open.isEmpty { throw fail(5) }
        let nameStart = i
        while i < n, Self.isName(b[i]) { i += 1 }
        guard i < n else { return false }
        let nameEnd = i
        let kind = Self.kind(UnsafeBufferPointer(rebasing: b[nameStart..<nameEnd]))
        var key: String?, value: String?
        attributeNames.removeAll(keepingCapacity: true)
        var lines = 0
        var selfClosing = false
        while true {
            guard i < n else { return false }
            let c = b[i]
            if c == 0x3E { i += 1; break }
            if c == 0x2F {
                guard i + 1 < n else { return false }
                guard b[i + 1] == 0x3E else { throw fail(73) }
                selfClosing = true
                i += 2
                break
            }
            guard Self.isSpace(c) else { throw fail(attributeNames.isEmpty ? 73 : 65) }
            while i < n, Self.isSpace(b[i]) { if b[i] == 0x0A { lines += 1 }; i += 1 }
            guard i < n else { return false }
            if b[i] == 0x3E || b[i] == 0x2F { continue }
            guard Self.isNameStart(b[i]) else { throw fail(73) }
            let attrStart = i
            while i < n, Self.isName(b[i]) { i += 1 }
            let attr = attrStart..<i
            while i < n, Self.isSpace(b[i]) { if b[i] == 0x0A { lines += 1 }; i += 1 }
            guard i < n else { return false }
            guard b[i] == 0x3D else { throw fail(41) }
            i += 1
            while i < n, Self.isSpace(b[i]) { if b[i] == 0x0A { lines += 1 }; i += 1 }
            guard i < n else { return false }
            let quote = b[i]
            guard quote == 0x22 || quote == 0x27 else { throw fail(39) }
            i += 1
            for other in attributeNames where Self.equal(b, other, attr) { throw fail(42) }
            attributeNames.append(attr)
            guard let (after, text, newlines) = try attributeValue(b, from: i, quote: quote, decode: kind == .attribute) else { return false }
            if kind == .attribute {
                let name = UnsafeBufferPointer(rebasing: b[attr])
                if Self.equal(name, "key") { key = text } else if Self.equal(name, "value") { value = text }
            }
            lines += newlines
            i = after
        }
        line += lines
        if open.isEmpty { rootSeen = true }
        pos = i
        // A self-closing element is never pushed (most attribute elements are: no copy of their name).
        if !selfClosing { open.append(ArraySlice(b[nameStart..<nameEnd])) }
        try start(kind, key, value, line)
        if selfClosing { try end() }
        return true
    }

    /// An attribute's value from `i` (after its opening quote): the index after the closing quote, the value
    /// (when `decode`), and the newlines in it; nil when the buffer ends first.
    private func attributeValue(_ b: UnsafeBufferPointer<UInt8>, from start: Int, quote: UInt8,
                                decode: Bool) throws -> (Int, String?, Int)? {
        let n = b.count
        var i = start
        var plain = true
        var newlines = 0
        while i < n {
            let c = b[i]
            if c == quote { break }
            if c == 0x3C { throw fail(38) }
            if c == 0x26 || c == 0x09 || c == 0x0A || c == 0x0D { plain = false; if c == 0x0A { newlines += 1 } }
            else if Self.isBadControl(c) { throw fail(9) }
            else if c == 0xEF { guard try allowedEF(b, at: i) else { return nil } }
            i += 1
        }
        guard i < n else { return nil }
        guard decode else {
            if !plain { var ignored: [UInt8] = []; guard try normalised(b, start..<i, into: &ignored) else { return nil } }
            return (i + 1, nil, newlines)
        }
        if plain { return (i + 1, String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self), newlines) }
        var out: [UInt8] = []
        out.reserveCapacity(i - start)
        guard try normalised(b, start..<i, into: &out) else { return nil }
        return (i + 1, String(decoding: out, as: UTF8.self), newlines)
    }

    /// A value's text with references replaced and white space normalised (CR LF, CR, LF and tab: one space each).
    private func normalised(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [UInt8]) throws -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            let c = b[i]
            switch c {
            case 0x26:
                guard let next = try reference(b, at: i, into: &out) else { return false }
                // A reference must end inside the value (a quote in the middle of it is not a name character).
                guard next <= range.upperBound else { throw fail(23) }
                i = next
                continue
            case 0x0D:
                out.append(0x20)
                if i + 1 < range.upperBound, b[i + 1] == 0x0A { i += 1 }
            case 0x09, 0x0A: out.append(0x20)
            default: out.append(c)
            }
            i += 1
        }
        return true
    }

    /// An end tag, which must close the element open last.
    private func endTag(_ b: UnsafeBufferPointer<UInt8>, end: () throws -> Void) throws -> Bool {
        let n = b.count
        var i = pos + 2
        let nameStart = i
        while i < n, Self.isName(b[i]) { i += 1 }
        let nameEnd = i
        var lines = 0
        while i < n, Self.isSpace(b[i]) { if b[i] == 0x0A { lines += 1 }; i += 1 }
        guard i < n else { return false }
        line += lines
        guard nameEnd > nameStart, Self.isNameStart(b[nameStart]) else { throw fail(nameEnd > nameStart ? 73 : 68) }
        guard b[i] == 0x3E else { throw fail(73) }
        guard let top = open.last else { throw fail(rootSeen ? 5 : 68) }
        guard top.count == nameEnd - nameStart, top.withUnsafeBufferPointer({ Self.equal($0, b, nameStart..<nameEnd) }) else { throw fail(76) }
        open.removeLast()
        pos = i + 1
        try end()
        return true
    }

    /// `<!--` comments, `<![CDATA[` sections (in the root element only) and a DOCTYPE (before it: `Fallback`).
    private func markup(_ b: UnsafeBufferPointer<UInt8>) throws -> Bool {
        let rest = UnsafeBufferPointer(rebasing: b[pos...])
        if rest.count < 9 && !ended && (Array("<![CDATA[".utf8).starts(with: rest) || Array("<!DOCTYPE".utf8).starts(with: rest)) { return false }
        if rest.starts(with: "<!--".utf8) { return try skip(b, from: pos + 4, until: "-->", comment: true, code: 45) }
        if rest.starts(with: "<![CDATA[".utf8) {
            guard !open.isEmpty else { throw fail(rootSeen ? 5 : 68) }
            return try skip(b, from: pos + 9, until: "]]>", comment: false, code: 63)
        }
        if rest.starts(with: "<!DOCTYPE".utf8), !rootSeen { throw Fallback(bytes: buf) }
        if rest.count < 4 && !ended { return false }
        throw fail(open.isEmpty && rootSeen ? 5 : 68)
    }

    /// A processing instruction (the XML declaration among them), skipped.
    private func instruction(_ b: UnsafeBufferPointer<UInt8>) throws -> Bool {
        guard pos + 2 < b.count else { return false }
        // As libxml2, the target is judged once the whole instruction has been read.
        let target = b[pos + 2]
        guard try skip(b, from: pos + 2, until: "?>", comment: false, code: 47) else { return false }
        guard Self.isNameStart(target) else { throw fail(46) }
        return true
    }

    /// Skips to the end of `terminator`; false when the buffer ends first. A comment may not hold `--`.
    private func skip(_ b: UnsafeBufferPointer<UInt8>, from start: Int, until terminator: StaticString, comment: Bool, code: Int) throws -> Bool {
        let t = UnsafeBufferPointer(start: terminator.utf8Start, count: terminator.utf8CodeUnitCount)
        let n = b.count
        var i = start
        var lines = 0
        while i + t.count <= n {
            let c = b[i]
            if c == t[0] && b[i..<(i + t.count)].elementsEqual(t) {
                line += lines
                pos = i + t.count
                return true
            }
            if comment && c == 0x2D && b[i + 1] == 0x2D { throw Malformed(code: 80, line: line + lines, atEnd: ended) }
            if c == 0x0A { lines += 1 } else if Self.isBadControl(c) { throw Malformed(code: 9, line: line + lines, atEnd: ended) }
            i += 1
        }
        return false
    }
}
