import Foundation
import Orchestration
import Reporting

/// `--out FILE` never writes over a file Baton did not write: an existing, non-empty file is replaced only when its
/// first bytes are those of a Baton output (an event log export or generated log, an alert file, a rejects file, a drafted service definition),
/// or with `--force`. Baton's own outputs are recognised by how they begin, so re-running a cron line replaces
/// yesterday's file, while a typo that names someone's spreadsheet changes nothing.
enum OutputGuard {
    /// How each of Baton's file outputs begins.
    static let signatures: [String] = [
        "ticket_id,service,step,team,event,at,actor",            // export --format csv, generate
        "{\"ticket_id\":",                                        // export --format jsonl
        "{\n  \"as_of\":",                                        // alerts, JSON
        "# baton alerts ",                                        // alerts, text
        "# HELP baton_",                                          // alerts, .prom
        "line,field,reason,record",                               // import --skip-bad
    ]

    /// Whether `prefix` (the file's first bytes) is a Baton output.
    static func isBatonOutput(_ prefix: Data) -> Bool {
        let text = String(decoding: prefix, as: UTF8.self)
        if signatures.contains(where: text.hasPrefix) || ServiceDraft.isDraft(text) { return true }
        // XES: Baton's export names its log.
        return text.hasPrefix("<?xml") && text.contains("<string key=\"concept:name\" value=\"Baton event log\"/>")
    }

    /// `--force`, for every command whose `--out` goes through `check`.
    static let forceOption = CommandSpec.Option.flag("force", "Let --out replace an existing file that is not a Baton output.")

    /// Refuses to replace `path` unless it is missing, empty, a Baton output, or `force` is set.
    static func check(_ path: String, shown: String, force: Bool) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
        if isFolder.boolValue { throw ActionRefused("\(shown) is a folder; --out names the file to write") }
        guard !force, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: 4096)) ?? Data()
        if prefix.isEmpty || isBatonOutput(prefix) { return }
        throw ActionRefused("\(shown) exists and is not a file Baton wrote; nothing was written (pass --force to replace it)")
    }
}
