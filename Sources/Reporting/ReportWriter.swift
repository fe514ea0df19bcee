import Foundation
import SQLite

/// Writes a report run as one folder per run, e.g. `OUT/weekly-2026-W47/`. The renderers write into a
/// temporary folder inside OUT, which is then renamed, so nobody sees a half-written report; a finished
/// report is never overwritten: when the name is taken, the run gets the next free suffix (`-2`, `-3`, …).
public enum ReportWriter {
    /// Writes `result` with every renderer and returns the finished folder.
    @discardableResult
    public static func write(_ result: ReportResult, renderers: [any ReportRenderer], outputDirectory: URL,
                             folderName: String? = nil) throws -> URL {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw ReportingError("cannot create the output folder \(outputDirectory.path): \(error.localizedDescription)")
        }
        let name = folderName ?? Self.folderName(for: result)
        let temporary = outputDirectory.appendingPathComponent(".\(name).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: temporary, withIntermediateDirectories: false)
        do {
            for renderer in renderers { try renderer.write(result, to: temporary) }
            var suffix = 1
            while true {
                let candidate = outputDirectory.appendingPathComponent(suffix == 1 ? name : "\(name)-\(suffix)")
                if !fm.fileExists(atPath: candidate.path) {
                    do {
                        try fm.moveItem(at: temporary, to: candidate)
                        return candidate
                    } catch where fm.fileExists(atPath: candidate.path) {
                        // Another run took the name between the check and the rename: try the next one.
                    }
                }
                suffix += 1
            }
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
    }

    /// `NAME-2026-W47` when the window is whole ISO weeks (the label of its last week), else
    /// `NAME-2026-11-01_2026-11-30` (first and last day).
    public static func folderName(for result: ReportResult) -> String {
        let week: Int64 = 7 * 86_400
        if Instant.weekStart(result.from) == result.from, Instant.weekStart(result.to) == result.to {
            return "\(result.name)-\(Instant.isoWeekLabel(result.to - week))"
        }
        func day(_ t: Int64) -> String { String(Instant.iso(t).prefix(10)) }
        let lastDay = result.to - 1
        return day(result.from) == day(lastDay) ? "\(result.name)-\(day(result.from))" : "\(result.name)-\(day(result.from))_\(day(lastDay))"
    }
}
