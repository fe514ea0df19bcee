import BatonCore
import Foundation
import Scheduling
import SQLite

/// The report archive: every period a scheduled report definition wrote (`schedule_runs`, state done), by
/// definition, newest first, with the files of its folder. Retention (`keep`) removes the folders of older periods,
/// and only folders the scheduler itself published: the path recorded for that period, named after the period
/// (`2026-11-23T0600Z`) inside a folder named after the definition, and not what the definition's `latest` points at.
public struct SiteArchive: Sendable {
    public struct Period: Sendable {
        public var definition: String, periodStart: Int64, periodEnd: Int64, label: String, folder: String
        /// The files of the folder (names), sorted; `report.html` first when present.
        public var files: [String]
    }
    public var periods: [Period] = []
    /// The folders of the periods beyond the newest `keep` of each definition that retention may remove.
    public var expired: [String] = []

    /// Reads the archive; with `keep`, only the newest `keep` periods of each definition, the older ones' folders
    /// (those safe to remove) in `expired`.
    public static func load(db: Database, keep: Int?) throws -> SiteArchive {
        var archive = SiteArchive()
        let rows = try db.rows("""
            SELECT definition, period_start, period_end, outputs FROM schedule_runs
            WHERE kind = 'report' AND state = 'done' ORDER BY definition, period_end DESC
            """)
        var seen: [String: Int] = [:]
        for row in rows {
            guard let definition = row.string("definition"), let end = row.int("period_end"),
                  let outputs = row.string("outputs"),
                  let paths = try? JSONSerialization.jsonObject(with: Data(outputs.utf8)) as? [String], let folder = paths.first else { continue }
            let label = periodLabel(end)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { continue }
            let rank = seen[definition, default: 0]
            seen[definition] = rank + 1
            if let keep, rank >= keep {
                if removable(folder, definition: definition, label: label) { archive.expired.append(folder) }
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { name in
                var d: ObjCBool = false
                return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &d) && !d.boolValue
            }.sorted { ($0 == "report.html" ? 0 : 1, $0) < ($1 == "report.html" ? 0 : 1, $1) }
            archive.periods.append(Period(definition: definition, periodStart: row.int("period_start") ?? end, periodEnd: end,
                                          label: label, folder: folder, files: names))
        }
        return archive
    }

    /// Removes the expired folders (after the site that no longer lists them is live); returns those removed.
    public func removeExpired() throws -> [String] {
        var removed: [String] = []
        for folder in expired {
            do { try FileManager.default.removeItem(atPath: folder) } catch {
                throw SiteError("cannot remove the old report \(folder): \(error.localizedDescription)")
            }
            removed.append(folder)
        }
        return removed
    }

    /// The scheduler's folder name of a period.
    static func periodLabel(_ end: Int64) -> String { SchedulePeriod(start: end, end: end).label }

    /// Whether `folder` is one the scheduler published for this period and is safe to remove.
    static func removable(_ folder: String, definition: String, label: String) -> Bool {
        let url = URL(fileURLWithPath: folder)
        guard url.lastPathComponent == label, url.deletingLastPathComponent().lastPathComponent == definition else { return false }
        var st = stat()
        guard lstat(folder, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return false }  // never through a link
        let latest = url.deletingLastPathComponent().appendingPathComponent("latest").path
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latest), target == label { return false }
        return true
    }
}
