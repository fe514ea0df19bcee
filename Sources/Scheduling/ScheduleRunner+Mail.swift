import BatonCore
import Foundation
import SQLite

/// The e-mail step of a run: a generated period's message file is queued in `schedule_mail` (in the transaction
/// that records the period as done), then every pending message is handed off. A failed hand-off stays pending with
/// its error and is retried by the next run from the same file; the report is not generated again. Runs hold the
/// schedule lock, so two runs never hand off the same message at once.
extension ScheduleRunner {
    /// Records that `message` is to be sent for the period (again pending if it was queued before).
    func queueMail(_ d: Job, _ p: SchedulePeriod, message: String) throws {
        try db.run("""
            INSERT INTO schedule_mail(definition, period_end, message, state, queued_at) VALUES (?, ?, ?, 'pending', ?)
            ON CONFLICT(definition, period_end) DO UPDATE SET message = excluded.message, state = 'pending'
            WHERE schedule_mail.state <> 'sent'
            """, [d.name, p.end, message, Instant.now()])
    }

    /// Hands off every pending message of `definitions`, oldest period first; one outcome each.
    public func deliverMail(_ definitions: [Job]) throws -> [Outcome] {
        let byName = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var outcomes: [Outcome] = []
        for row in try db.rows("SELECT definition, period_end, message, attempts FROM schedule_mail WHERE state = 'pending' ORDER BY period_end, definition") {
            guard let name = row.string("definition"), let d = byName[name], let end = row.int("period_end"),
                  let message = row.string("message") else { continue }
            let p = period(d, endingAt: end)
            let attempt = (row.int("attempts") ?? 0) + 1
            do {
                try handOffMail(d, message)
                try db.run("UPDATE schedule_mail SET state = 'sent', attempts = ?, last_attempt_at = ?, sent_at = ?, error = NULL WHERE definition = ? AND period_end = ?",
                           [attempt, Instant.now(), Instant.now(), name, end])
                outcomes.append(Outcome(definition: name, period: p, status: .mailed, outputs: [message],
                                        message: "mail handed off (attempt \(attempt))"))
            } catch {
                let line = "\(error)".replacingOccurrences(of: "\n", with: " ")
                try db.run("UPDATE schedule_mail SET attempts = ?, last_attempt_at = ?, error = ? WHERE definition = ? AND period_end = ?",
                           [attempt, Instant.now(), line, name, end])
                outcomes.append(Outcome(definition: name, period: p, status: .mailFailed, outputs: [message],
                                        message: "mail hand-off failed (attempt \(attempt)), retried next run: \(line)"))
            }
        }
        return outcomes
    }
}
