import Foundation

/// A small canonical log of handoffs (service `intake`, created by the import), worked out by hand as of
/// 2026-03-03T12:00Z, the handoff alert's and the `(between steps)` team-load row's fixture:
///
/// | ticket | runs (team) | at as_of | since | age |
/// |---|---|---|---|---|
/// | L-1 | triage done 03-02 10:00 (ops); fix starts 03-04 08:00 (dev) | between steps | 03-02 10:00 | 26 h |
/// | L-2 | none | between steps since opening | 03-03 06:00 | 6 h |
/// | L-3 | triage active (ops) | owned | | |
/// | L-4 | triage done; closed 03-03 09:00 | closed | | |
/// | L-5 | triage done 03-01 12:00 (ops); closed 03-04 00:00 | between steps | 03-01 12:00 | 48 h |
/// | L-6 | triage done 03-02 11:00 (ops); cancelled 03-05 | between steps | 03-02 11:00 | 25 h |
/// | L-7 | triage done 03-01 10:00 (ops), review done 03-02 08:00 (qa) | between steps | 03-02 08:00 | 28 h |
/// | L-8 | triage ops, reassigned to sec 03-01 12:00, done 03-02 00:00 | between steps | 03-02 00:00 | 36 h |
public enum HandoffLog {
    /// The instant the table above is worked out at.
    public static let asOf = "2026-03-03T12:00:00Z"

    /// Every row, grouped by ticket (not in time order).
    public static let rows = [
        "L-1,intake,,,opened,2026-03-02T09:00:00Z,ana",
        "L-1,intake,triage,ops,started,2026-03-02T09:30:00Z,bo",
        "L-1,intake,triage,ops,completed,2026-03-02T10:00:00Z,bo",
        "L-1,intake,fix,dev,started,2026-03-04T08:00:00Z,cy",
        "L-2,intake,,,opened,2026-03-03T06:00:00Z,ana",
        "L-3,intake,,,opened,2026-03-01T08:00:00Z,ana",
        "L-3,intake,triage,ops,started,2026-03-01T09:00:00Z,bo",
        "L-4,intake,,,opened,2026-03-01T08:00:00Z,ana",
        "L-4,intake,triage,ops,completed,2026-03-01T10:00:00Z,bo",
        "L-4,intake,,,closed,2026-03-03T09:00:00Z,ana",
        "L-5,intake,,,opened,2026-03-01T00:00:00Z,ana",
        "L-5,intake,triage,ops,completed,2026-03-01T12:00:00Z,bo",
        "L-5,intake,,,closed,2026-03-04T00:00:00Z,ana",
        "L-6,intake,,,opened,2026-03-01T00:00:00Z,ana",
        "L-6,intake,triage,ops,completed,2026-03-02T11:00:00Z,bo",
        "L-6,intake,,,cancelled,2026-03-05T00:00:00Z,ana",
        "L-7,intake,,,opened,2026-03-01T08:00:00Z,ana",
        "L-7,intake,triage,ops,completed,2026-03-01T10:00:00Z,bo",
        "L-7,intake,review,qa,completed,2026-03-02T08:00:00Z,di",
        "L-8,intake,,,opened,2026-03-01T08:00:00Z,ana",
        "L-8,intake,triage,ops,started,2026-03-01T09:00:00Z,bo",
        "L-8,intake,triage,sec,reassigned,2026-03-01T12:00:00Z,bo",
        "L-8,intake,triage,sec,completed,2026-03-02T00:00:00Z,eve",
    ]

    /// The rows of the given tickets only (in the same order).
    public static func rows(of tickets: Set<String>) -> [String] {
        rows.filter { tickets.contains(String(CanonicalLog.field($0, 0))) }
    }
}
