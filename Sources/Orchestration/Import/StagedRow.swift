import BatonCore
/// One row of an incoming log as the importer stages it, before rows are grouped by ticket and put in time order.
/// Canonical rows carry an event `kind`; status-change rows (read through a profile) carry a `status` instead.
public struct StagedRow: Sendable, Equatable {
    public var ticket: String
    public var at: Int64
    public var kind: String = ""
    public var service: String = ""
    public var step: String = ""
    public var team: String = ""
    public var actor: String = ""
    public var task: String = ""
    public var status: String = ""
    /// Opened rows of the canonical log: the ticket's title and requester, when the log has those columns.
    public var title: String = ""
    public var requester: String = ""
    /// Line (CSV, JSON Lines) or line of the `<event>` element (XES) in the file.
    public var line: Int

    public init(ticket: String, at: Int64, kind: String = "", service: String = "", step: String = "", team: String = "",
                actor: String = "", task: String = "", status: String = "", title: String = "", requester: String = "", line: Int) {
        self.ticket = ticket; self.at = at; self.kind = kind; self.service = service; self.step = step; self.team = team
        self.actor = actor; self.task = task; self.status = status; self.title = title; self.requester = requester; self.line = line
    }
}

/// Where readers hand their rows: a good row, or a rejected one with the reason.
protocol StagedRowSink: AnyObject {
    /// `names`: the source's labels of the row's step and team, where its keys are slugs of them.
    func row(_ row: StagedRow, names: RowNames) throws
    /// A row that cannot be read; `record` is its text as far as it is known. Throws unless bad rows are skipped.
    func reject(_ error: InputError, record: String) throws
    func warn(_ message: String)
    func progress(rows: Int)
}

/// Keys for steps, teams and services made from free text (`V5 3rd` → `v5-3rd`).
public enum KeySlug {
    public static func make(_ text: String) -> String {
        var out = ""
        var dash = false
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "." {
                out.unicodeScalars.append(scalar)
                dash = false
            } else if !out.isEmpty && !dash {
                out.append("-")
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "unknown" : out
    }
}
