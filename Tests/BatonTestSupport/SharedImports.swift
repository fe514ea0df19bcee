import Foundation
import Orchestration

/// Real logs imported once per test run for every test that only needs the result, whatever its target: each test
/// works on a copy of the store file (`TemporaryStore(_:copyOf:)`), and the original is removed when the process
/// exits. The first test to ask pays for the import; one asking meanwhile waits for it.
public enum SharedImports {
    /// A store made by one import, and what the import said.
    public struct Imported: @unchecked Sendable {
        /// The store file (its log checkpointed: a copy of the file is the whole store). Never write to it.
        public let dbPath: String
        /// The import's summary (rows read, tickets, events, rejects).
        public let summary: ImportSummary
        /// Holds the store's folder until the process exits.
        let keep: TemporaryStore
    }

    /// BPIC 2013 incidents (`../shared/data/bpic2013_incidents.xes.gz`) through the shipped profile
    /// `samples/profiles/bpic2013-incidents.json`, as `baton import FILE --profile PROFILE` does it; nil without the log.
    public static let bpic2013: Result<Imported, any Error>? = {
        guard let file = TestPaths.sharedFile("bpic2013_incidents.xes.gz") else { return nil }
        return Result {
            let temporary = try TemporaryStore("shared-bpic2013").keptUntilExit()
            let profile = try ImportProfile.load(path: TestPaths.inPackage("samples/profiles/bpic2013-incidents.json"))
            let options = EventLogImporter.Options(format: ImportFormat.from(path: file) ?? .xes, profile: profile)
            let summary = try EventLogImporter(store: temporary.store).run(try ByteSource(path: file), options: options)
            try temporary.checkpoint()
            return Imported(dbPath: temporary.dbPath, summary: summary, keep: temporary)
        }
    }()
}
