import Foundation

/// The import tests' small canonical log: service `hiring` (created from the log), tickets T-1 (screen, interview,
/// closed) and T-2 (screen, still open), 9 events.
public enum HiringLog {
    /// The rows, deliberately out of order (by ticket and by time); two instants carry an offset instead of Z.
    public static let rows = [
        "T-2,hiring,screen,hr,completed,2026-03-03T12:00:00Z,bo",
        "T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana",
        "T-1,hiring,screen,hr,completed,2026-03-02T15:00:00Z,bo",
        "T-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,bo",
        "T-2,hiring,,,opened,2026-03-03T08:00:00Z,ana",
        "T-1,hiring,interview,managers,started,2026-03-02T17:00:00Z,cy",
        "T-1,hiring,interview,managers,completed,2026-03-03T09:00:00Z,cy",
        "T-1,hiring,,,closed,2026-03-03T09:30:00+00:00,cy",
        "T-2,hiring,screen,hr,started,2026-03-03T11:00:00+01:00,bo",
    ]

    /// The whole log as a file.
    public static var csv: String { CanonicalLog.csv(rows) }

    /// T-1's opening and screen only, in the order completed, opened, started: 3 events.
    public static var screening: String { CanonicalLog.csv([rows[2], rows[1], rows[3]]) }
}
