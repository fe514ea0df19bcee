import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import SQLite

/// An I/O problem is one sentence naming the path and the cause, never a Foundation or Codable dump and never
/// SQLite's bare "disk I/O error". Tests run as root, where permission bits are not checked, so "permission denied"
/// is produced by the built binary run as `nobody` (setpriv), an unwritable folder also by a path whose parent is a
/// regular file (ENOTDIR), and a full disk by a tiny tmpfs.
@Suite struct IOErrorTests {
    static let weekly = ["report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--as-of", "2026-11-23T00:00:00Z"]

    /// No raw dump: no NSError domain, code or user info, no DecodingError, no Swift type path.
    static func isSentence(_ err: String) -> Bool {
        !["Domain=", "Code=", "UserInfo", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "DecodingError", "codingPath",
          "Context(", "Swift."].contains { err.contains($0) }
    }

    func store() throws -> CLIHarness {
        let h = try CLIHarness().prepared()
        #expect(h.run(["ticket", "open", "onboarding", "--title", "T", "--field", "employee=Ana", "--at", "2026-11-17T09:00:00Z"]).code == 0)
        return h
    }

    @Test func everyOutputUnderARegularFileSaysNotADirectory() throws {
        let h = try store()
        let plain = try h.write("plain", "not a folder")
        for args in [Self.weekly + ["--out", plain + "/reports"], ["export", "--out", plain + "/x.csv"],
                     ["generate", "--tickets", "2", "--out", plain + "/g.csv"], ["alerts", "--out", plain + "/a.json"]] {
            let r = h.run(args)
            #expect(r.code == 1, "\(args)")
            // One error line (a report may print notes before it).
            let errors = r.err.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
            #expect(errors.count == 1 && r.err.hasSuffix("\n"), "\(r.err)")
            #expect(r.err.contains(plain) && r.err.contains("Not a directory"), "\(args[0]): \(r.err)")
            #expect(Self.isSentence(r.err), "\(args[0]): \(r.err)")
        }
    }

    @Test func aStoreThatCannotBeCreatedSaysWhy() throws {
        let h = try CLIHarness()
        let plain = try h.write("plain", "not a folder")
        var r = h.run(["--db", plain + "/baton.db", "init"])
        #expect(r.code == 1)
        #expect(r.err == "Error: cannot create the store \(plain)/baton.db: Not a directory\n", "\(r.err)")
        r = h.run(["--db", h.directory.path + "/none/baton.db", "init"])
        #expect(r.err == "Error: cannot create the store \(h.directory.path)/none/baton.db: No such file or directory (there is no folder \(h.directory.path)/none)\n", "\(r.err)")
        r = h.run(["--db", h.directory.path, "init"])
        #expect(r.err.hasPrefix("Error: cannot open the store \(h.directory.path): Is a directory"), "\(r.err)")
    }

    // MARK: Permission denied, as a user the permission bits apply to

    static let canDropPrivileges: Bool = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        && TestPaths.binaryAvailable

    /// The built binary as `nobody`, from the package root.
    static func asNobody(_ args: [String], db: String) throws -> ProcessResult {
        try Subprocess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", TestPaths.batonBinary.path] + args,
                           environment: ["BATON_DB": db, "BATON_ACTOR": "tester", "PATH": "/usr/bin:/bin"], directory: TestPaths.packageRoot)
    }

    @Test(.enabled(if: canDropPrivileges, "needs root, setpriv and the built binary"))
    func anUnwritableFolderOrStoreSaysPermissionDenied() throws {
        let h = try CLIHarness()
        let dir = h.directory.path
        chmod(dir, 0o777)  // nobody creates its store here
        let db = dir + "/nobody.db"
        #expect(try Self.asNobody(["init"], db: db).status == 0)
        let service = try h.write("onboarding.json", CLIHarness.onboarding)
        chmod(service, 0o644)
        #expect(try Self.asNobody(["service", "apply", service], db: db).status == 0)
        // A folder nobody may not write in.
        let locked = dir + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        chmod(locked, 0o755)
        for args in [Self.weekly + ["--out", locked], ["export", "--out", locked + "/x.csv"], ["alerts", "--out", locked + "/a.json"],
                     ["generate", "--tickets", "1", "--out", locked + "/g.csv"]] {
            let r = try Self.asNobody(args, db: db)
            #expect(r.status == 1, "\(args)")
            #expect(r.err.contains(locked) && r.err.contains("Permission denied"), "\(args[0]): \(r.err)")
            #expect(Self.isSentence(r.err), "\(args[0]): \(r.err)")
        }
        // A store nobody may not read.
        let secret = locked + "/secret.db"
        #expect(FileManager.default.createFile(atPath: secret, contents: nil, attributes: [.posixPermissions: 0o600]))
        let r = try Self.asNobody(["--db", secret, "queue", "hr"], db: db)
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("Error: cannot open the store \(secret): Permission denied"), "\(r.err)")
        // A store nobody may read but not create next to: a new one in the locked folder.
        let r2 = try Self.asNobody(["--db", locked + "/new.db", "init"], db: db)
        #expect(r2.status == 1)
        #expect(r2.err.contains(locked + "/new.db") && r2.err.contains("Permission denied"), "\(r2.err)")
    }

    // MARK: A full disk

    @Test(.enabled(if: TinyDisk.available, "needs to mount a tmpfs (root in a VM or container that allows it)"))
    func aFullDiskSaysNoSpaceLeftForTheStoreAndForEveryOutput() throws {
        let h = try store()
        let disk = try #require(TinyDisk(kilobytes: 2048, in: h.directory.path))
        defer { disk.unmount() }
        let tiny = disk.path
        // A store on the full disk: reads and writes alike name the store and the cause.
        let db = tiny + "/baton.db"
        let env = ["BATON_DB": db]
        #expect(h.run(["init"], env: env).code == 0)
        #expect(h.run(["service", "apply", h.directory.path + "/onboarding.json"], env: env).code == 0)
        disk.fill()
        for args in [["queue", "hr"], ["ticket", "show", "T-1"], ["ticket", "open", "onboarding", "--title", "T", "--field", "employee=A"]] {
            let r = h.run(args, env: env)
            #expect(r.code == 1, "\(args)")
            #expect(r.err.hasPrefix("Error: the store \(db): No space left on device"), "\(args[0]): \(r.err)")
        }
        // Outputs of a store elsewhere, on the disk full again (whatever the store's commands left or freed; once,
        // in a full run of the suite, these outputs found room).
        disk.fill()
        #expect(disk.freeBytes.map { $0 < 8192 } == true, "the tiny disk is not full: \(String(describing: disk.freeBytes)) bytes free")
        for args in [Self.weekly + ["--out", tiny + "/reports"], ["export", "--out", tiny + "/x.csv"], ["alerts", "--out", tiny + "/a.json"]] {
            let r = h.run(args)
            #expect(r.code == 1, "\(args)")
            #expect(r.err.contains(tiny) && r.err.contains("No space left on device"), "\(args[0]): \(r.err)")
            #expect(!r.err.contains(".tmp-") && !r.err.contains(".partial-"), "names the output, not its temporary: \(r.err)")
            #expect(Self.isSentence(r.err), "\(args[0]): \(r.err)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: tiny).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "temporaries left on the full disk: \(left)")
    }

    // MARK: The top-level printer

    static func printed(_ error: Error) -> String {
        let out = Output(), err = Output()
        #expect(BatonCLI.fail(error, CLIContext(out: out, err: err, environment: [:])) == 1)
        return err.captured
    }

    @Test func foundationErrorsArePrintedAsPathAndReason() {
        #expect(Self.printed(CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/srv/out"])) == "Error: /srv/out: Permission denied\n")
        #expect(Self.printed(CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/srv/out/a.csv"])) == "Error: /srv/out/a.csv: No space left on device\n")
        let underlying = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOTDIR))
        #expect(Self.printed(NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSFilePathErrorKey: "/srv/plain/x", NSUnderlyingErrorKey: underlying]))
                == "Error: /srv/plain/x: Not a directory\n")
        #expect(Self.printed(POSIXError(.ENOSPC)) == "Error: No space left on device\n")
        #expect(Self.printed(CocoaError(.fileReadNoSuchFile, userInfo: [NSURLErrorKey: URL(fileURLWithPath: "/srv/in.json")])) == "Error: /srv/in.json: No such file or directory\n")
    }

    struct Profile: Decodable { var missing: [String]; var name: String }

    @Test func decodingErrorsNameTheFieldNotTheSwiftType() throws {
        func decodingError(_ json: String) -> Error? {
            do { _ = try JSONDecoder().decode(Profile.self, from: Data(json.utf8)); return nil } catch { return error }
        }
        let null = try #require(decodingError(#"{"name": "p", "missing": [null]}"#))
        #expect(Self.printed(null) == "Error: field 'missing[0]': a value is missing (expected text, found null or nothing)\n")
        let type = try #require(decodingError(#"{"name": 5, "missing": []}"#))
        #expect(Self.printed(type).hasPrefix("Error: field 'name': expected text"), "\(Self.printed(type))")
        let key = try #require(decodingError(#"{"missing": []}"#))
        #expect(Self.printed(key) == "Error: field 'name': this field is required\n")
        let syntax = try #require(decodingError(#"{"name": "#))
        #expect(Self.printed(syntax).hasPrefix("Error: not valid JSON"), "\(Self.printed(syntax))")
        for e in [null, type, key, syntax] { #expect(Self.isSentence(Self.printed(e)), "\(Self.printed(e))") }
    }

    /// The profile loader is not this printer's, but whatever reaches the top from it is a sentence.
    @Test func aProfileWithANullMissingValueIsASentence() throws {
        let h = try CLIHarness()
        h.run(["init"])
        let profile = try h.write("p.json", #"{"name": "p", "format": "csv", "service": "s", "ticket": "id", "time": "at", "team": "group", "status": ["status"], "missing": [null], "statuses": {"open": "waiting"}}"#)
        let log = try h.write("log.csv", "id,at,group,status\n1,2026-01-01T00:00:00Z,g,open\n")
        let r = h.run(["import", log, "--profile", profile])
        #expect(r.code == 1)
        #expect(r.err.contains("missing"), "\(r.err)")
        #expect(Self.isSentence(r.err), "\(r.err)")
    }
}
