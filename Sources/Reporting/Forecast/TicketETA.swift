import BatonCore
import Foundation
import SQLite

/// One open ticket's forecast, for `baton ticket show`: the same computation as the `forecast_tickets` query (its
/// file and defaults), for that ticket alone.
public struct TicketETA: Sendable, Equatable {
    /// The p50 and p85 instants it is likely done by.
    public var p50: Int64
    public var p85: Int64
    /// `steps` (its remaining steps' durations) or `lead_time` (its service's lead times).
    public var method: String
    /// The trailing window of durations, in days.
    public var windowDays: Int64

    /// The forecast of ticket `id` of `service` as of `asOf`; nil when it is not open then or too few durations
    /// stand behind it.
    public static func of(ticket id: String, service: String, db: Database, asOf: Int64,
                          workingDirectory: String = FileManager.default.currentDirectoryPath,
                          environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TicketETA? {
        let query = try QueryFile.named("forecast_tickets", workingDirectory: workingDirectory, environment: environment)
        let out = try QueryRunner.run(query, on: db, parameters: ["as_of": .integer(asOf), "forecast_ticket": .text(id),
                                                                  "forecast_service": .text(service)])
        let row = out.rows.first.map { Row(columns: out.columns, values: $0) }
        guard let row, let p50 = row.int("eta_p50_at"), let p85 = row.int("eta_p85_at") else { return nil }
        return TicketETA(p50: p50, p85: p85, method: row.string("method") ?? "", windowDays: query.defaults["forecast_window_days"]?.int ?? 90)
    }
}
