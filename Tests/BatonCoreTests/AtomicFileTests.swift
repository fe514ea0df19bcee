import BatonTestSupport
import Foundation
import Testing
@testable import BatonCore

@Suite struct AtomicFileTests {
    let folder: String

    init() throws {
        folder = try TemporaryFolder.make("atomic").path
    }

    func entries() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test func replacesTheFileAtThePolicyModeOrTheModeAsked() throws {
        let path = folder + "/alerts.json"
        try AtomicFile.write("one\n", to: path)
        try AtomicFile.write("two\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two\n")
        #expect(Self.mode(path) == Int(0o640 & ~FileMode.currentUmask()))
        try AtomicFile.write("three\n", to: path, mode: 0o600)
        #expect(Self.mode(path) == 0o600)
        try AtomicFile.write("four\n", to: path, mode: 0o644)  // an explicit mode is used as given, whatever the umask
        #expect(Self.mode(path) == 0o644)
        #expect(entries() == ["alerts.json"])  // no temporary left behind
    }

    @Test func theModeIsTheBaseNarrowedByTheUmask() {
        #expect(FileMode.mode(for: .file, umask: 0o022) == 0o640)
        #expect(FileMode.mode(for: .file, umask: 0o077) == 0o600)
        #expect(FileMode.mode(for: .file, umask: 0o027) == 0o640)
        #expect(FileMode.mode(for: .file, umask: 0o002) == 0o640)
        #expect(FileMode.mode(for: .file, umask: 0o277) == 0o400)
        #expect(FileMode.mode(for: .folder, umask: 0o022) == 0o750)
        #expect(FileMode.mode(for: .folder, umask: 0o077) == 0o700)
        #expect(FileMode.mode(for: .folder, umask: 0o007) == 0o750)
        #expect(FileMode.mode(for: .file, explicit: 0o644, umask: 0o077) == 0o644)
        // /proc/self/status and umask(2) agree, and reading it changed nothing.
        let before = umask(0o022); umask(before)
        #expect(FileMode.currentUmask() == before)
    }

    /// The order that makes a publication survive a crash: the file's bytes on disk, then the rename, then the folder.
    @Test func aFileIsSyncedThenRenamedThenItsFolderSynced() throws {
        let path = folder + "/export.csv"
        let trace = AtomicFile.Trace()
        try AtomicFile.$trace.withValue(trace) {
            try AtomicFile.write(to: path) { append in try append(Data("a,b\n".utf8)) }
        }
        let steps = trace.steps
        #expect(steps.count == 3, "\(steps)")
        guard steps.count == 3, case .syncFile(let synced) = steps[0], case .rename(let from, let to) = steps[1] else { return }
        #expect(synced == path && to == path)
        #expect(from.hasPrefix(folder + "/.export.csv.tmp-\(getpid())-"))
        #expect(steps[2] == .syncFolder(folder))
    }

    @Test func aWriterThatWantsAPathGetsATemporaryAtTheFinalModeAlready() throws {
        let path = folder + "/report.xlsx"
        let trace = AtomicFile.Trace()
        try AtomicFile.$trace.withValue(trace) {
            try AtomicFile.publishFile(at: path, mode: 0o600) { temp in
                #expect(Self.mode(temp) == 0o600)  // before a byte is written
                #expect(!FileManager.default.fileExists(atPath: path))
                try Data("PK".utf8).write(to: URL(fileURLWithPath: temp))
            }
        }
        #expect(Self.mode(path) == 0o600)
        #expect(trace.steps.first == .syncFile(path))
        #expect(trace.steps.last == .syncFolder(folder))
        struct Boom: Error {}
        #expect(throws: Boom.self) { try AtomicFile.publishFile(at: folder + "/other.xlsx") { _ in throw Boom() } }
        #expect(entries() == ["report.xlsx"])
    }

    /// Root ignores permission bits, so an unwritable folder is simulated with a path under a regular file (ENOTDIR).
    @Test func anUnwritableFolderFailsClearlyAndLeavesNothing() throws {
        try AtomicFile.write("x", to: folder + "/plain")
        #expect(throws: AtomicFileError.self) { try AtomicFile.write("y", to: folder + "/plain/alerts.json") }
        do {
            try AtomicFile.write("y", to: folder + "/plain/alerts.json")
        } catch let e as AtomicFileError {
            #expect(e.description == "cannot write a file in \(folder)/plain: Not a directory", "\(e.description)")
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
        #expect(Self.mode(target) == Int(0o750 & ~FileMode.currentUmask()))
        #expect(Self.mode(folder + "/weekly") == Int(0o750 & ~FileMode.currentUmask()))
        #expect(throws: AtomicFileError.self) {
            try AtomicFile.publishFolder(at: target) { temp in try "b".write(toFile: temp + "/report.csv", atomically: false, encoding: .utf8) }
        }
        #expect(try String(contentsOfFile: target + "/report.csv", encoding: .utf8) == "a")
        // A failing build leaves nothing behind.
        struct Boom: Error {}
        #expect(throws: Boom.self) { try AtomicFile.publishFolder(at: folder + "/weekly/2026-W48") { _ in throw Boom() } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/weekly") == ["2026-W47"])
        // Or the next free name, when asked.
        let second = try AtomicFile.publishFolder(at: target, whenTaken: .nextFreeSuffix) { temp in
            try "c".write(toFile: temp + "/report.csv", atomically: false, encoding: .utf8)
        }
        #expect(second == target + "-2")
        // Even an empty folder in the way is not replaced (rename(2) alone would replace it).
        try FileManager.default.createDirectory(atPath: folder + "/weekly/2026-W49", withIntermediateDirectories: false)
        #expect(throws: AtomicFileError.self) { try AtomicFile.publishFolder(at: folder + "/weekly/2026-W49") { _ in } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/weekly").sorted() == ["2026-W47", "2026-W47-2", "2026-W49"])
    }

    @Test func aFolderIsSyncedFileByFileThenRenamedThenItsParentSynced() throws {
        let target = folder + "/weekly-2026-W47"
        let trace = AtomicFile.Trace()
        var temp = ""
        try AtomicFile.$trace.withValue(trace) {
            try AtomicFile.publishFolder(at: target) { t in
                temp = t
                try "a".write(toFile: t + "/a.csv", atomically: false, encoding: .utf8)
                try "b".write(toFile: t + "/b.csv", atomically: false, encoding: .utf8)
            }
        }
        #expect(trace.steps == [.syncFile(temp + "/a.csv"), .syncFile(temp + "/b.csv"), .syncFolder(temp),
                                .rename(from: temp, to: target), .syncFolder(folder)])
    }

    @Test func anErrorInsideAFolderNamesTheOutputNotItsTemporary() throws {
        let target = folder + "/weekly-2026-W47"
        do {
            try AtomicFile.publishFolder(at: target) { t in try AtomicFile.write("x", to: t + "/sub/a.csv") }
            Issue.record("expected a failure")
        } catch let e as AtomicFileError {
            #expect(e.description == "cannot write a file in \(target)/sub: No such file or directory", "\(e.description)")
        }
    }

    @Test func staleTemporariesOfGoneProcessesAreRemovedNeverALiveOnes() throws {
        // A pid that is surely not running (above the kernel's maximum); a live one (the process that started this
        // one, so it started before the temporaries were written); this process, which is not writing them.
        let live = getppid()
        let dead = folder + "/.alerts.json.tmp-99999999-abc"
        let running = folder + "/.alerts.json.tmp-\(live)-abc"
        let mine = folder + "/.alerts.json.tmp-\(getpid())-abc"
        let reused = folder + "/.old.json.tmp-\(live)-def"
        for path in [dead, running, mine, reused] { try "partial".write(toFile: path, atomically: false, encoding: .utf8) }
        // Written long before the live process started: its pid was reused, the writer is gone.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: reused)
        try FileManager.default.createDirectory(atPath: folder + "/.2026-W47.tmp-99999999-ff", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: folder + "/.weekly-2026-W46.partial-99999999-12", withIntermediateDirectories: false)
        try "keep".write(toFile: folder + "/alerts.json", atomically: false, encoding: .utf8)
        try "keep".write(toFile: folder + "/.hidden.tmp-notes", atomically: false, encoding: .utf8)  // not ours: no pid
        let removed = AtomicFile.removeStaleTemporaries(in: folder)
        #expect(removed == [".2026-W47.tmp-99999999-ff", ".alerts.json.tmp-99999999-abc", ".alerts.json.tmp-\(getpid())-abc",
                            ".old.json.tmp-\(live)-def", ".weekly-2026-W46.partial-99999999-12"].sorted())
        #expect(entries() == [".alerts.json.tmp-\(live)-abc", ".hidden.tmp-notes", "alerts.json"])
    }

    @Test func publishingAFileRemovesItsOwnStaleTemporaries() throws {
        try "partial".write(toFile: folder + "/.export.csv.tmp-99999999-1", atomically: false, encoding: .utf8)
        try "partial".write(toFile: folder + "/.other.csv.tmp-99999999-1", atomically: false, encoding: .utf8)
        try AtomicFile.write("a\n", to: folder + "/export.csv")
        #expect(entries() == [".other.csv.tmp-99999999-1", "export.csv"])
    }

    @Test(.enabled(if: TinyDisk.available, "needs to mount a tmpfs (root in a VM or container that allows it)"))
    func aFullDiskFailsAndKeepsTheOldFile() throws {
        let disk = try #require(TinyDisk(kilobytes: 64, in: folder))
        defer { disk.unmount() }
        let mountPoint = disk.path
        let path = mountPoint + "/alerts.json"
        try AtomicFile.write("old\n", to: path)
        disk.fill()
        #expect(throws: AtomicFileError.self) { try AtomicFile.write(String(repeating: "new\n", count: 20_000), to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).sorted() == ["alerts.json", "filler"])
    }
}
