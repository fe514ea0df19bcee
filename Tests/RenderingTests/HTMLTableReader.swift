import Foundation

/// Reads the tables of a rendered page back (for tests): per section key, the header names and, per row,
/// each cell's `data-value` and its visible text. A plain scan of the markup the renderer writes.
enum HTMLTableReader {
    struct Cell { var value: String; var text: String }
    struct Table { var columns: [String]; var rows: [[Cell]]; var rowClasses: [String] }

    static func tables(_ html: String) throws -> [String: Table] {
        var result: [String: Table] = [:]
        let tableRe = try Regex(#"<table class="data" id="table-([^"]+)">(.*?)</table>"#).dotMatchesNewlines()
        let thRe = try Regex(#"<th scope="col" data-column="([^"]*)""#)
        let trRe = try Regex(#"<tr( class="([^"]*)")?>(.*?)</tr>"#).dotMatchesNewlines()
        let tdRe = try Regex(#"<td[^>]*?data-value="([^"]*)"[^>]*>(.*?)</td>"#).dotMatchesNewlines()
        for m in html.matches(of: tableRe) {
            let key = String(m.output[1].substring!)
            let body = String(m.output[2].substring!)
            let columns = body.matches(of: thRe).map { unescape(String($0.output[1].substring!)) }
            var rows: [[Cell]] = [], classes: [String] = []
            guard let tbody = body.range(of: "<tbody>") else { continue }
            for r in body[tbody.upperBound...].matches(of: trRe) {
                classes.append(r.output[2].substring.map(String.init) ?? "")
                rows.append(String(r.output[3].substring!).matches(of: tdRe).map {
                    Cell(value: unescape(String($0.output[1].substring!)), text: unescape(stripTags(String($0.output[2].substring!))))
                })
            }
            result[key] = Table(columns: columns, rows: rows, rowClasses: classes)
        }
        return result
    }

    static func stripTags(_ s: String) -> String {
        var out = "", inTag = false
        for c in s { if c == "<" { inTag = true } else if c == ">" { inTag = false } else if !inTag { out.append(c) } }
        return out
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
