import BatonTestSupport
import Foundation
import Testing
import SQLite

/// One policy for the modes of what Baton writes: files 0640, folders 0750, the store 0640 (its -wal and -shm
/// follow it), each narrowed by the umask. The umask is process-wide, so instead of changing this test process's
/// (which would change the modes every other test running in parallel sees), each run is the built binary started
/// by a shell that sets its own umask.
@Suite struct FileModeTests {
    /// Runs `baton ARGS` under `umask U` from the package root (where queries/ and reports/ are).
    static func baton(umask: mode_t, _ args: [String], db: String) throws -> ProcessResult {
        try Subprocess.run("/bin/sh", ["-c", "umask \(String(umask, radix: 8)) && exec \"$0\" \"$@\"", TestPaths.batonBinary.path] + args,
                           environment: ["BATON_DB": db, "BATON_ACTOR": "tester", "PATH": "/usr/bin:/bin"], directory: TestPaths.packageRoot)
    }

    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : nil
    }

    static func octal(_ m: mode_t?) -> String { m.map { "0" + String($0, radix: 8) } ?? "missing" }

    @Test(arguments: [mode_t(0o022), 0o077, 0o027, 0o002, 0o000])
    func everythingBatonWritesIs0640Or0750NarrowedByTheUmask(umask: mode_t) throws {
        let h = try CLIHarness()
        let dir = h.directory.path
        let db = dir + "/baton.db"
        let file = 0o640 & ~umask, folder = 0o750 & ~umask
        func run(_ args: String...) throws {
            let r = try Self.baton(umask: umask, args, db: db)
            #expect(r.status == 0, "baton \(args.joined(separator: " ")): \(r.err)")
        }
        try run("init")
        #expect(Self.octal(Self.mode(db)) == Self.octal(file), "the store")
        let service = try h.write("onboarding.json", CLIHarness.onboarding)
        try run("service", "apply", service)
        try run("ticket", "open", "onboarding", "--title", "Onboard Ana", "--requester", "ana", "--field", "employee=Ana",
                "--at", "2026-11-17T09:00:00Z")
        try run("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--as-of", "2026-11-23T00:00:00Z",
                "--out", dir + "/reports/weekly")
        try run("alerts", "--as-of", "2026-11-23T00:00:00Z", "--out", dir + "/alerts.json")
        try run("alerts", "--as-of", "2026-11-23T00:00:00Z", "--out", dir + "/alerts.prom")
        try run("export", "--out", dir + "/export.csv")
        try run("export", "--format", "xes", "--out", dir + "/export.xes")
        try run("generate", "--tickets", "3", "--out", dir + "/generated.csv")

        for f in ["alerts.json", "alerts.prom", "export.csv", "export.xes", "generated.csv"] {
            #expect(Self.octal(Self.mode(dir + "/" + f)) == Self.octal(file), "\(f) at umask \(Self.octal(umask))")
        }
        // The folders `report --out` creates and the report folder itself; every file in it.
        for f in ["reports", "reports/weekly", "reports/weekly/weekly-2026-W47"] {
            #expect(Self.octal(Self.mode(dir + "/" + f)) == Self.octal(folder), "\(f)/ at umask \(Self.octal(umask))")
        }
        let report = dir + "/reports/weekly/weekly-2026-W47"
        let files = try FileManager.default.contentsOfDirectory(atPath: report).sorted()
        #expect(files.contains("report.html") && files.contains("report.xlsx") && files.contains("stalled.csv"), "\(files)")
        for f in files {
            #expect(Self.octal(Self.mode(report + "/" + f)) == Self.octal(file), "\(f) at umask \(Self.octal(umask))")
        }
    }

    /// SQLite gives the -wal and -shm files the mode of the database file, so the store's mode is theirs.
    @Test func theStoresWALAndSharedMemoryFilesFollowTheStore() throws {
        let h = try CLIHarness()
        let db = h.directory.path + "/baton.db"
        #expect(try Self.baton(umask: 0o022, ["init"], db: db).status == 0)
        #expect(Self.octal(Self.mode(db)) == "0640")
        // Hold the store open (WAL and shared memory exist while a connection is open) and write to it. SQLite gives
        // both files the store's mode whatever this process's umask is.
        let connection = try Database(path: db)
        try connection.execute("CREATE TABLE scratch(x); INSERT INTO scratch VALUES (1)")
        #expect(Self.octal(Self.mode(db + "-wal")) == "0640")
        #expect(Self.octal(Self.mode(db + "-shm")) == "0640")
        _ = connection
    }
}
