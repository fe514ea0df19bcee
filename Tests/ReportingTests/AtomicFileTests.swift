import Foundation
import Testing
@testable import Reporting

@Suite struct AtomicFileTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func entries() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    @Test func replacesTheFileWithTheModeAsked() throws {
        let path = folder + "/alerts.json"
        try AtomicFile.write("one\n", to: path)
        try AtomicFile.write("two\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two\n")
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o640)
        try AtomicFile.write("three\n", to: path, mode: 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(entries() == ["alerts.json"])  // no temporary left behind
    }

    /// Root ignores permission bits, so an unwritable folder is simulated with a path under a regular file (ENOTDIR).
    @Test func anUnwritableFolderFailsClearlyAndLeavesNothing() throws {
        try AtomicFile.write("x", to: folder + "/plain")
        #expect(throws: AtomicFileError.self) { try AtomicFile.write("y", to: folder + "/plain/alerts.json") }
        do {
            try AtomicFile.write("y", to: folder + "/plain/alerts.json")
        } catch let e as AtomicFileError {
            #expect(e.description.contains("Not a directory") && e.description.contains("/plain"))
        }
        #expect(throws: AtomicFileError.self) { try AtomicFile.write("y", to: "/proc/baton-alerts.json") }
        #expect(entries() == ["plain"])
    }

    @Test func aFolderAppearsWholeAndIsNeverOverwritten() throws {
        let target = folder + "/weekly/2026-W47"
        try AtomicFile.publishFolder(at: target) { temp in
            #expect(!FileManager.default.fileExists(atPath: target))  // not visible while being built
            try "a".write(toFile: temp + "/report.csv", atomically: false, encoding: .utf8)
        }
        #expect(try String(contentsOfFile: target + "/report.csv", encoding: .utf8) == "a")
        #expect(throws: AtomicFileError.self) {
            try AtomicFile.publishFolder(at: target) { temp in try "b".write(toFile: temp + "/report.csv", atomically: false, encoding: .utf8) }
        }
        #expect(try String(contentsOfFile: target + "/report.csv", encoding: .utf8) == "a")
        // A failing build leaves nothing behind.
        struct Boom: Error {}
        #expect(throws: Boom.self) { try AtomicFile.publishFolder(at: folder + "/weekly/2026-W48") { _ in throw Boom() } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/weekly") == ["2026-W47"])
    }

    @Test func staleTemporariesOfDeadProcessesAreRemoved() throws {
        // A pid that is surely not running (above the kernel's maximum) and our own, which is.
        let dead = folder + "/.alerts.json.tmp-99999999-abc"
        let live = folder + "/.alerts.json.tmp-\(getpid())-abc"
        try "partial".write(toFile: dead, atomically: false, encoding: .utf8)
        try "partial".write(toFile: live, atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/.2026-W47.tmp-99999999-ff", withIntermediateDirectories: false)
        try "keep".write(toFile: folder + "/alerts.json", atomically: false, encoding: .utf8)
        let removed = AtomicFile.removeStaleTemporaries(in: folder)
        #expect(removed == [".2026-W47.tmp-99999999-ff", ".alerts.json.tmp-99999999-abc"])
        #expect(entries() == [".alerts.json.tmp-\(getpid())-abc", "alerts.json"])
    }

    @Test func aFullDiskFailsAndKeepsTheOldFile() throws {
        let mountPoint = folder + "/tiny"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]
        mount.standardError = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { print("skipped: cannot run mount"); return }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { print("skipped: cannot mount a tmpfs here (needs root in a VM)"); return }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [mountPoint]
            try? umount.run()
            umount.waitUntilExit()
        }
        // Never fill a real disk: go on only when the folder really is the tiny file system.
        var fs = statvfs()
        guard statvfs(mountPoint, &fs) == 0, UInt64(fs.f_blocks) * UInt64(fs.f_frsize) <= 1 << 20 else {
            Issue.record("the tmpfs mount did not take effect"); return
        }
        let path = mountPoint + "/alerts.json"
        try AtomicFile.write("old\n", to: path)
        // Fill the disk (64 KiB; the loop is bounded in any case).
        let filler = FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: mountPoint + "/filler", contents: nil); return mountPoint + "/filler" }())!
        for _ in 0..<64 { if (try? filler.write(contentsOf: Data(count: 4096))) == nil { break } }
        try? filler.close()
        #expect(throws: AtomicFileError.self) { try AtomicFile.write(String(repeating: "new\n", count: 20_000), to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).sorted() == ["alerts.json", "filler"])
    }
}
