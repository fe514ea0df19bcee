import BatonCore
import BatonTestSupport
import Foundation
@testable import Orchestration
import Reporting
@testable import Site
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The site is swapped in whole, unchanged pages keep their files, and nothing Baton did not write is touched.
@Suite struct SiteSwapTests {
    static func stat(_ path: String) throws -> (inode: UInt64, mtime: Int) {
        let a = try FileManager.default.attributesOfItem(atPath: path)
        return ((a[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0, Int(((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1_000_000))
    }

    /// A static server that lists folders and serves dot files (Python's http.server) gives no ticket's address
    /// away: every folder of ticket pages has an index page, and the manifest's name is keyed. The test asks the
    /// server for `/.manifest`, `/tickets/` and every shard folder, and for the manifest by its name, through a
    /// rebuild (new shard folders) too.
    @Test(.enabled(if: ExternalTools.python3 != nil, "python3 not found"))
    func aServerThatListsFoldersListsNoTicketAddress() throws {
        let f = try SiteFixture()
        _ = try f.build()
        try f.act("T-5", "s1", .completed, -0.5)
        let outcome = try f.build()
        let live = URL(fileURLWithPath: f.out).resolvingSymlinksInPath().path
        let tickets = try f.pages().filter { $0.hasPrefix("tickets/") }
        #expect(tickets.count >= 4 && outcome.tickets == tickets.count)
        let names = tickets.map { String($0.split(separator: "/")[2].dropLast(".html".count)) }
        let shards = Set(tickets.map { "/" + $0.split(separator: "/").prefix(2).joined(separator: "/") + "/" })
        let manifest = try #require(try FileManager.default.contentsOfDirectory(atPath: live).first { $0.hasPrefix(".manifest-") })
        #expect(!FileManager.default.fileExists(atPath: live + "/.manifest"))
        guard case .blob(let key)? = try f.store.db.scalar("SELECT key FROM site_secret") else { throw SiteError("no key") }
        #expect(manifest == SiteKey(bytes: key).manifestName && manifest.count == ".manifest-".count + 32)
        // Each path: the status and whether the body holds any ticket page's name; the manifest must hold them all.
        let paths = ["/", "/.manifest", "/tickets/", "/tickets"] + shards.sorted() + ["/" + manifest]
        let script = """
            import http.server, json, sys, threading, urllib.request, urllib.error, functools
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            handler.func.log_message = lambda *a: None
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            names = json.loads(sys.argv[2]); out = {}
            for path in json.loads(sys.argv[3]):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}") as r: status, body = r.status, r.read().decode()
                except urllib.error.HTTPError as e: status, body = e.code, ""
                out[path] = [status, sum(n in body for n in names)]
            server.shutdown(); print(json.dumps(out))
            """
        let python = try #require(ExternalTools.python3)
        let namesJSON = String(decoding: try JSONSerialization.data(withJSONObject: names), as: UTF8.self)
        let pathsJSON = String(decoding: try JSONSerialization.data(withJSONObject: paths), as: UTF8.self)
        let result = try Subprocess.run(python, ["-c", script, f.out, namesJSON, pathsJSON], timeout: 120)
        #expect(result.status == 0, "\(result.err)")
        let seen = try #require(try JSONSerialization.jsonObject(with: result.output) as? [String: [Int]])
        for path in paths.dropLast() {
            let answer = try #require(seen[path], "\(path)")
            #expect(answer[1] == 0, "\(path) gives away \(answer[1]) ticket addresses (status \(answer[0]))")
        }
        #expect(seen["/tickets/"]?[0] == 200 && seen["/.manifest"]?[0] == 404)
        #expect(seen["/" + manifest] == [200, names.count])  // the server did list and serve: the test can fail
    }

    @Test func aRebuildRewritesOnlyThePagesWhoseContentChanged() throws {
        let f = try SiteFixture()
        let first = try f.build()
        #expect(first.written == first.pages && first.kept == 0)
        let pages = try f.pages()
        var before: [String: (inode: UInt64, mtime: Int)] = [:]
        for p in pages { before[p] = try Self.stat(f.out + "/" + p) }
        Thread.sleep(forTimeInterval: 0.05)
        // The same as_of: nothing changed, every page is the live file.
        let same = try f.build()
        #expect(same.written == 0 && same.kept == first.pages)
        for p in pages { #expect(try Self.stat(f.out + "/" + p) == before[p]!, "\(p)") }
        // T-5's step completes: its page, its queue and the pages that count open work change; T-1..T-3 do not.
        try f.act("T-5", "s1", .completed, -0.5)
        let after = try f.build()
        let changed = Set(try pages.filter { p in try Self.stat(f.out + "/" + p) != before[p]! })
        let t5 = try f.ticketPage("T-5")
        #expect(changed.contains(t5) && changed.contains("queues/hr.html") && changed.contains("index.html"))
        for id in ["T-1", "T-2", "T-3"] { #expect(!changed.contains(try f.ticketPage(id)), "\(id)") }
        #expect(!changed.contains("reports.html"))
        #expect(after.written == changed.count + (try f.pages()).filter { before[$0] == nil }.count)
        // The content really changed where the file did: T-5 now waits on IT.
        #expect(try f.page(t5).contains("Waiting on"))
        // And every page kept is what a build from nothing gives (same key, same store): byte for byte.
        let fresh = try SiteBuilder(db: f.store.db, queryFolder: TestPaths.queries, definition: SiteDefinition(listedServices: ["onb"]))
            .build(out: f.path("fresh/site"), asOf: SiteFixture.asOf, builtAt: SiteFixture.asOf)
        for p in try f.pages() {
            #expect(try String(contentsOfFile: fresh.build + "/" + p, encoding: .utf8) == f.page(p), "\(p)")
        }
    }

    /// The inode of the entry itself (a link is not followed).
    static func linkInode(_ path: String) -> UInt64 {
        var st = Glibc.stat()
        return lstat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    /// The ticket pages of a build by shard, each with its file's inode (through the shard's link).
    static func shardPages(_ build: String) throws -> [String: [String: UInt64]] {
        var out: [String: [String: UInt64]] = [:]
        for line in try SiteFixture.manifest(in: build).split(separator: "\n") {
            let path = String(line.split(separator: " ")[1])
            let parts = path.split(separator: "/")
            guard parts.count == 3, parts[0] == "tickets" else { continue }
            out[String(parts[1]), default: [:]][String(parts[2])] = try stat(build + "/" + path).inode
        }
        return out
    }

    @Test func aRebuildHardLinksTheLiveLinkOfEveryShardWhosePagesAreAllUnchanged() throws {
        let f = try SiteFixture()
        let first = try f.build()
        try f.act("T-5", "s1", .completed, -0.5)
        let second = try f.build()
        let before = try Self.shardPages(first.build), after = try Self.shardPages(second.build)
        let t5 = String(try f.ticketPage("T-5").split(separator: "/")[1])
        var reused = 0
        for (shard, pages) in after {
            let same = Self.linkInode(first.build + "/tickets/" + shard) == Self.linkInode(second.build + "/tickets/" + shard)
            // Reused exactly when the shard holds the same pages, each the same file; T-5's page changed.
            #expect(same == (before[shard] == pages), "\(shard)")
            if shard == t5 { #expect(!same) }
            if same { reused += 1 }
        }
        #expect(reused >= 3)  // T-1..T-3's shards at least
    }

    @Test func theLiveLinkMovesInOneStepAndOldBuildsArePruned() throws {
        let f = try SiteFixture()
        let a = try f.build(), b = try f.build(), c = try f.build()
        let builds = (f.out as NSString).deletingLastPathComponent + "/.site.builds"
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: builds).filter { $0.hasPrefix("b-") })
        // The live build and the one before it; the oldest is gone.
        #expect(names == Set([b.build, c.build].map { ($0 as NSString).lastPathComponent }))
        #expect(!FileManager.default.fileExists(atPath: a.build))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.out) == ".site.builds/" + (c.build as NSString).lastPathComponent)
    }

    @Test func aManifestReadBeforeAnotherBuildWasSwappedInIsReadAgain() throws {
        let f = try SiteFixture()
        let a = try f.build()
        let name = try SiteKey.load(f.store.db).manifestName
        let stale = SiteWriter.LiveManifest.read(build: a.build, name: name)
        #expect(stale.digests.count == (try f.pages()).count)
        // Two other builds are swapped in meanwhile; the second one removed the first one's folder.
        try f.build(asOf: SiteFixture.at(1))
        let c = try f.build(asOf: SiteFixture.at(2))
        #expect(!FileManager.default.fileExists(atPath: a.build))
        let t1 = try f.ticketPage("T-1")
        let line = try #require(try SiteFixture.manifest(in: c.build).split(separator: "\n").first { $0.hasSuffix(" " + t1) })
        let index = try f.page("index.html")
        // A build that read the first one's manifest before it held the lock reads the live one's: T-1's page, unchanged
        // by its digest there, is the live file, and the build succeeds.
        try SiteOutput(path: f.out).publish(manifest: name, preread: stale) { writer in
            try writer.ticketPage(String(t1.split(separator: "/")[2]), digest: String(line.split(separator: " ")[0])) { "rendered again" }
            try writer.page("index.html", index)
            try writer.finish()
        }
        #expect(try f.page(t1) == String(contentsOfFile: c.build + "/" + t1, encoding: .utf8))
        #expect(try f.page("index.html") == index)
    }

    @Test func thePruneThatRunsDuringABuildLeavesTheShardsItMakes() throws {
        let f = try SiteFixture()
        let live = try f.build()
        let output = SiteOutput(path: f.out), stamp = "b-1999999999.000000-1"
        let linked = try FileManager.default.contentsOfDirectory(atPath: output.shardsFolder)
        // A shard the build under way made, and one a build that died left behind.
        let mine = output.shardsFolder + "/abc-" + stamp, left = output.shardsFolder + "/abd-b-1000000000.000000-1"
        for folder in [mine, left] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false) }
        output.prune(keeping: [(live.build as NSString).lastPathComponent], building: stamp)
        #expect(FileManager.default.fileExists(atPath: mine) && !FileManager.default.fileExists(atPath: left))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: output.shardsFolder)) == Set(linked + [(mine as NSString).lastPathComponent]))
    }

    @Test func aFailedBuildLeavesTheOldSiteLiveAndNothingBehind() throws {
        let f = try SiteFixture()
        let good = try f.build()
        let index = try f.page("index.html")
        // A query folder whose ticket query fails part-way through the build.
        let broken = f.path("queries")
        try FileManager.default.copyItem(atPath: TestPaths.queries, toPath: broken)
        try "SELECT no_such_column FROM tickets".write(toFile: broken + "/site_tickets.sql", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try f.build(asOf: SiteFixture.at(1), queries: broken) }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.out) == ".site.builds/" + (good.build as NSString).lastPathComponent)
        #expect(try f.page("index.html") == index)
        let builds = (f.out as NSString).deletingLastPathComponent + "/.site.builds"
        #expect(try FileManager.default.contentsOfDirectory(atPath: builds).filter { $0 != "shards" && $0 != ".lock" } == [(good.build as NSString).lastPathComponent])
        // The shards the failed build made are gone too: only those the live build links to are left.
        let shards = try FileManager.default.contentsOfDirectory(atPath: builds + "/shards")
        let linked = try FileManager.default.contentsOfDirectory(atPath: good.build + "/tickets").filter { $0 != "index.html" }.map {
            (try FileManager.default.destinationOfSymbolicLink(atPath: good.build + "/tickets/" + $0) as NSString).lastPathComponent
        }
        #expect(Set(shards) == Set(linked))
    }

    @Test func buildsOfOneSiteAtTheSameTimeQueueAndLeaveAWholeSite() throws {
        let f = try SiteFixture()
        try f.build()
        let path = f.dbPath, out = f.out
        let errors = Mutex()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            do {
                let store = try OrchestrationStore(existingPath: path)
                _ = try SiteBuilder(db: store.db, queryFolder: TestPaths.queries).build(out: out, asOf: SiteFixture.at(Double(i)), builtAt: SiteFixture.asOf)
            } catch { errors.append("\(error)") }
        }
        #expect(errors.values.isEmpty, "\(errors.values)")
        let live = URL(fileURLWithPath: out).resolvingSymlinksInPath().path
        let manifest = try SiteFixture.manifest(in: live)
        for line in manifest.split(separator: "\n") {
            let page = String(line.split(separator: " ")[1])
            #expect(FileManager.default.fileExists(atPath: live + "/" + page), "\(page)")
        }
    }

    final class Mutex: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func append(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var values: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    @Test(arguments: ["folder", "file", "foreign link"])
    func aPathBatonDidNotWriteIsRefusedAndLeftAsItIs(kind: String) throws {
        let f = try SiteFixture()
        try FileManager.default.createDirectory(atPath: f.path("www"), withIntermediateDirectories: true)
        switch kind {
        case "folder":
            try FileManager.default.createDirectory(atPath: f.out, withIntermediateDirectories: true)
            try "mine".write(toFile: f.out + "/index.html", atomically: true, encoding: .utf8)
        case "file": try "mine".write(toFile: f.out, atomically: true, encoding: .utf8)
        default:
            try FileManager.default.createDirectory(atPath: f.path("www/elsewhere"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: f.out, withDestinationPath: "elsewhere")
        }
        let keyBefore = try f.store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'site_secret'")
        #expect { try f.build() } throws: { "\($0)".contains("is not a site Baton built") }
        switch kind {
        case "folder": #expect(try String(contentsOfFile: f.out + "/index.html", encoding: .utf8) == "mine")
        case "file": #expect(try String(contentsOfFile: f.out, encoding: .utf8) == "mine")
        default: #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.out) == "elsewhere")
        }
        #expect(!FileManager.default.fileExists(atPath: f.path("www/.site.builds")))
        // Refused before the store was touched (no key created).
        #expect(try f.store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'site_secret'") == keyBefore)
    }
}
