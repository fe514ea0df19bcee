import Foundation

/// The byte classes, names and cut-short rules of `XESByteScanner`.
extension XESByteScanner {
    /// Whether `bytes` are the literal's (memcmp: the generic `elementsEqual` costs more than the rest of a tag).
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0
    }

    static func equal(_ b: UnsafeBufferPointer<UInt8>, _ x: Range<Int>, _ y: Range<Int>) -> Bool {
        x.count == y.count && memcmp(b.baseAddress! + x.lowerBound, b.baseAddress! + y.lowerBound, x.count) == 0
    }

    static func equal(_ x: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, _ y: Range<Int>) -> Bool {
        x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, b.baseAddress! + y.lowerBound, x.count) == 0)
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }
    static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b == 0x3A || b >= 0x80
    }
    static func isName(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E }
    /// A byte XML does not allow (C0 controls but tab, LF and CR; UTF-8 is checked by the stream).
    static func isBadControl(_ b: UInt8) -> Bool { b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D }

    /// Where a start tag cut short ends: in a name (73), after an attribute's name (41), after `=` (39), in a value
    /// (40), right after one (65).
    static func startTagTruncatedCode(_ tag: [UInt8]) -> Int {
        var i = 1
        while i < tag.count, Self.isName(tag[i]) { i += 1 }
        var code = 73
        while i < tag.count {
            if Self.isSpace(tag[i]) { i += 1; continue }
            if Self.isName(tag[i]) {
                while i < tag.count, Self.isName(tag[i]) { i += 1 }
                code = 41
                while i < tag.count, Self.isSpace(tag[i]) { i += 1 }
                guard i < tag.count, tag[i] == 0x3D else { return code }
                i += 1
                code = 39
                while i < tag.count, Self.isSpace(tag[i]) { i += 1 }
                guard i < tag.count else { return code }
                let quote = tag[i]
                i += 1
                while i < tag.count, tag[i] != quote { i += 1 }
                if i >= tag.count { return 40 }
                i += 1
                // Right after a value libxml2 wants white space or the tag's end: "attributes construct error".
                if i == tag.count || (tag[i] == 0x2F && i + 1 == tag.count) { return 65 }
                code = 73
            } else { return 73 }
        }
        return code
    }

    /// What an element is, from its local name (after the last non-empty `:` segment, as the XMLParser path splits
    /// it). Where it may stand (its depth) is the reader's to check.
    static func kind(_ name: UnsafeBufferPointer<UInt8>) -> Kind {
        var endIndex = name.count
        while endIndex > 0, name[endIndex - 1] == 0x3A { endIndex -= 1 }
        var startIndex = endIndex
        while startIndex > 0, name[startIndex - 1] != 0x3A { startIndex -= 1 }
        let local = endIndex == 0 ? name : UnsafeBufferPointer(rebasing: name[startIndex..<endIndex])
        switch local.count {
        case 2 where equal(local, "id"): return .attribute
        case 3 where equal(local, "log"): return .log
        case 3 where equal(local, "int"): return .attribute
        case 4 where equal(local, "date"): return .attribute
        case 5 where equal(local, "trace"): return .trace
        case 5 where equal(local, "event"): return .event
        case 5 where equal(local, "float"): return .attribute
        case 6 where equal(local, "string"): return .attribute
        case 7 where equal(local, "boolean"): return .attribute
        default: return .other
        }
    }
}
