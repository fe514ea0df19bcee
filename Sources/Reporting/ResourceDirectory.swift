import BatonCore
import Foundation
import Orchestration

/// Finds the folders that hold `queries/*.sql` and `reports/*.json`.
///
/// Lookup, first that exists: `<working directory>/<name>`, then the environment variable (`$BATON_QUERIES`,
/// `$BATON_REPORTS`), then the installed location `PREFIX/share/baton/<name>` of a binary in `PREFIX/bin`, then
/// `<name>` beside the binary, then — for a binary SwiftPM built in a checkout (`<checkout>/.build/…/baton`) — the
/// checkout's `<name>`. The binary is found through `/proc/self/exe` (`ExecutablePath`). The source tree is never
/// searched by its compiled-in path: an installed Baton runs the SQL installed with it, even where the checkout it
/// was built from still exists.
public enum ResourceDirectory {
    public enum Kind: String, Sendable {
        case queries, reports
        var environmentVariable: String { self == .queries ? "BATON_QUERIES" : "BATON_REPORTS" }
    }

    /// The installed data folder of a binary at `PREFIX/bin/baton`: `PREFIX/share/baton`.
    public static func shareDirectory(executable: URL) -> URL {
        executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/baton")
    }

    /// The candidate folders, in lookup order (existing or not). `executable`: the running binary (nil when unknown).
    public static func candidates(_ kind: Kind, workingDirectory: String, environment: [String: String],
                                  executable: URL? = ExecutablePath.current()) -> [URL] {
        var result: [URL] = [URL(fileURLWithPath: workingDirectory).appendingPathComponent(kind.rawValue)]
        if let env = environment[kind.environmentVariable], !env.isEmpty {
            result.append(URL(fileURLWithPath: env, relativeTo: URL(fileURLWithPath: workingDirectory)).standardizedFileURL)
        }
        guard let executable else { return result }
        result.append(shareDirectory(executable: executable).appendingPathComponent(kind.rawValue))
        result.append(executable.deletingLastPathComponent().appendingPathComponent(kind.rawValue))
        // <checkout>/.build/<triple>/<config>/baton (or a test bundle there): the checkout the build belongs to.
        let parts = executable.pathComponents
        if let build = parts.lastIndex(of: ".build"), build > 0 {
            let checkout = NSString.path(withComponents: Array(parts[..<build]))
            result.append(URL(fileURLWithPath: checkout).appendingPathComponent(kind.rawValue))
        }
        return result
    }

    /// The first candidate folder that exists.
    public static func find(_ kind: Kind, workingDirectory: String = FileManager.default.currentDirectoryPath,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        candidates(kind, workingDirectory: workingDirectory, environment: environment).first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Resolves `nameOrPath`: a path to an existing file (anything with a `/` or the extension), else
    /// `<name>.<ext>` in the first folder that has it.
    public static func resolve(_ nameOrPath: String, kind: Kind, fileExtension: String,
                               workingDirectory: String = FileManager.default.currentDirectoryPath,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let base = URL(fileURLWithPath: workingDirectory)
        if nameOrPath.contains("/") || nameOrPath.hasSuffix("." + fileExtension) {
            let url = URL(fileURLWithPath: nameOrPath, relativeTo: base).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ReportingError("no such file: \(nameOrPath)")
            }
            return url
        }
        let folders = candidates(kind, workingDirectory: workingDirectory, environment: environment)
        for folder in folders {
            let url = folder.appendingPathComponent(nameOrPath + "." + fileExtension)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        let known = find(kind, workingDirectory: workingDirectory, environment: environment).map { names(in: $0, fileExtension: fileExtension) } ?? []
        var message = "no \(kind == .queries ? "query" : "report") named '\(nameOrPath)'"
        message += Suggest.didYouMean(nameOrPath, in: known)
        if known.isEmpty {
            message += " (no \(kind.rawValue)/ folder found: looked in ./\(kind.rawValue), $\(kind.environmentVariable), PREFIX/share/baton/\(kind.rawValue) and next to the baton executable)"
        } else {
            message += " (known: \(known.joined(separator: ", ")))"
        }
        throw ReportingError(message)
    }

    /// File stems with the extension in `folder`, sorted; fragments (`_NAME`, included by other files) are left out.
    public static func names(in folder: URL, fileExtension: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix("." + fileExtension) && !$0.hasPrefix("_") }.map { String($0.dropLast(fileExtension.count + 1)) }.sorted()
    }
}
