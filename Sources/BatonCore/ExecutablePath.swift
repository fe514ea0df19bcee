import Foundation

/// Where the running `baton` binary is, so it can find the files installed beside it.
///
/// `/proc/self/exe` first: it names the binary itself whatever `argv[0]` says (a bare name found on `PATH`, a
/// symlink, a relative path). Where `/proc` is not mounted, `argv[0]`: a path as given, or a bare name looked up
/// on `PATH` as the shell did.
public enum ExecutablePath {
    /// The binary's absolute path with symlinks resolved, nil when neither source names an existing file.
    public static func current(arguments: [String] = CommandLine.arguments,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), exe.hasPrefix("/") {
            return URL(fileURLWithPath: exe)
        }
        return fromArgument(arguments.first ?? "", environment: environment)
    }

    /// `argv[0]` resolved: with a `/`, relative to the working directory; without, the first executable of that name
    /// in a `PATH` folder.
    public static func fromArgument(_ argument: String, environment: [String: String],
                                    workingDirectory: String = FileManager.default.currentDirectoryPath) -> URL? {
        guard !argument.isEmpty else { return nil }
        let fm = FileManager.default
        if argument.contains("/") {
            let url = URL(fileURLWithPath: argument, relativeTo: URL(fileURLWithPath: workingDirectory)).standardizedFileURL
            return fm.isExecutableFile(atPath: url.path) ? url.resolvingSymlinksInPath() : nil
        }
        for folder in (environment["PATH"] ?? "").split(separator: ":") where !folder.isEmpty {
            let url = URL(fileURLWithPath: String(folder), relativeTo: URL(fileURLWithPath: workingDirectory))
                .appendingPathComponent(argument).standardizedFileURL
            if fm.isExecutableFile(atPath: url.path) { return url.resolvingSymlinksInPath() }
        }
        return nil
    }
}
