import BatonCore
import BatonTestSupport
import Foundation
import Testing

/// The running binary: `/proc/self/exe`, else `argv[0]` as given or looked up on `PATH`.
@Suite struct ExecutablePathTests {
    @Test func theRunningBinaryIsFoundThroughProc() throws {
        let exe = try #require(ExecutablePath.current(arguments: ["nonsense"], environment: [:]))
        #expect(exe.path == (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")), "argv[0] is not asked")
    }

    @Test func argvZeroIsResolvedThroughPathAndSymlinks() throws {
        let folder = try TemporaryFolder("exe")
        let bin = folder.path("bin"), real = folder.path("real")
        for dir in [bin, real] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try "#!/bin/sh\n".write(toFile: real + "/baton", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: real + "/baton")
        try FileManager.default.createSymbolicLink(atPath: bin + "/baton", withDestinationPath: real + "/baton")
        let env = ["PATH": "/nonexistent:\(bin)"]
        #expect(ExecutablePath.fromArgument("baton", environment: env)?.path == URL(fileURLWithPath: real + "/baton").resolvingSymlinksInPath().path)
        #expect(ExecutablePath.fromArgument("bin/baton", environment: [:], workingDirectory: folder.directory.path)?.lastPathComponent == "baton")
        #expect(ExecutablePath.fromArgument("baton", environment: ["PATH": "/nonexistent"]) == nil)
        #expect(ExecutablePath.fromArgument("", environment: env) == nil)
    }
}
