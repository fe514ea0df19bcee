/// The one loop behind every escaper (JSON, logfmt, XML, HTML): each scalar is kept, replaced or dropped by the
/// format's own rule, so a format states only what it changes.
public enum TextEscaping {
    public enum Replacement {
        case keep
        case text(String)
        case drop
    }

    @inlinable
    public static func map(_ s: String, _ rule: (Unicode.Scalar) -> Replacement) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch rule(u) {
            case .keep: out.unicodeScalars.append(u)
            case .text(let t): out += t
            case .drop: break
            }
        }
        return out
    }
}
