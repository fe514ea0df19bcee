/// Text from the store made safe to print on a terminal. A requester, title or intake value may hold ESC, CR or
/// other control characters (typed, pasted or imported); printed raw they move the cursor, recolour the terminal,
/// hide the rest of the line or forge lines. Table output and `ticket show` pass every text through `safe`;
/// CSV and JSON output keep the exact text.
public enum TerminalText {
    /// C0 controls become their Unicode control pictures (ESC → ␛, CR → ␍, LF → ␊, tab → ␉), DEL → ␡; C1 controls
    /// (a lone 0x9B is a CSI to many terminals) and bidirectional overrides and isolates (which reorder what
    /// follows on the line) become U+FFFD. `keepNewlines` keeps LF (for messages of several lines).
    public static func safe(_ s: String, keepNewlines: Bool = false) -> String {
        // Fast path: printable ASCII (and newlines when kept) is printed as it is.
        if s.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || (keepNewlines && $0 == 0x0A) }) { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let v = u.value
            switch v {
            case 0x0A where keepNewlines: out.append(u)
            case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + v)!)
            case 0x7F: out.append("\u{2421}")
            case 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: out.append("\u{FFFD}")
            default: out.append(u)
            }
        }
        return String(out)
    }
}
