import BatonCore
import Foundation
import Orchestration

/// A store set up as `samples/demo.sh` sets one up (the sample calendars, teams and services, applied 400 days
/// before `end`) holding a generated log imported in the given row order: `grouped`, `time-ordered` or `shuffled`.
public enum SampleStore {
    public static func generated(_ name: String, order: String, end: Int64, tickets: Int, seed: UInt64, days: Int) throws -> TemporaryStore {
        let temporary = try TemporaryStore(name)
        let root = TestPaths.packageRoot.path
        for calendar in ["24x7", "berlin-office", "follow-the-sun"] {
            _ = try temporary.store.apply(calendar: try CalendarDefinition.load(path: "\(root)/samples/calendars/\(calendar).json"), at: end - 400 * 86_400)
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: "\(root)/samples/teams").sorted() where file.hasSuffix(".json") {
            _ = try temporary.store.apply(team: try TeamDefinition.load(path: "\(root)/samples/teams/\(file)"))
        }
        let services = try LogGenerator.loadServices(folder: "\(root)/samples/services")
        for service in services { _ = try temporary.store.apply(service, at: end - 400 * 86_400) }
        var options = LogGenerator.Options(tickets: tickets)
        options.seed = seed
        options.start = end - Int64(days) * 86_400
        options.days = days
        options.services = services
        var text = ""
        try LogGenerator(options: options).generate { text += $0 }
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        let file = try temporary.write("log.csv", CanonicalLog.csv(CanonicalLog.reordered(lines, order), header: header))
        let summary = try EventLogImporter(store: temporary.store).run(try ByteSource(path: file), options: .init(format: .csv))
        guard summary.rejected == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file]) }
        return temporary
    }
}
