import BatonCore
import Foundation
import SQLite

/// Writes a report run as one folder per run, e.g. `OUT/weekly-2026-W47/`, through `AtomicFile.publishFolder`: the
/// renderers write into a temporary folder inside OUT, every file and the folder are fsynced, and it is renamed, so
/// nobody sees a half-written report; a finished report is never overwritten: when the name is taken, the run gets
/// the next free suffix (`-2`, `-3`, …). Temporaries of runs that were killed (their process is gone) are removed first.
public enum ReportWriter {
    /// Writes `result` with every renderer and returns the finished folder.
    @discardableResult
    public static func write(_ result: ReportResult, renderers: [any ReportRenderer], outputDirectory: URL,
                             folderName: String? = nil) throws -> URL {
        let name = folderName ?? Self.folderName(for: result)
        let path = try AtomicFile.publishFolder(at: outputDirectory.appendingPathComponent(name).path, whenTaken: .nextFreeSuffix) { temp in
            let folder = URL(fileURLWithPath: temp, isDirectory: true)
            for renderer in renderers { try renderer.write(result, to: folder) }
        }
        return URL(fileURLWithPath: path, isDirectory: true)
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
