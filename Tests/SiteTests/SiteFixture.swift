import BatonCore
import BatonTestSupport
import Foundation
@testable import Orchestration
import Reporting
@testable import Site
import SQLite

/// A small store whose site was worked out by hand, with hostile text in every field a page shows.
///
/// Service `onb` (enforced order): `s1` HR review (team hr, target 4 h), `s2` IT access (it, 8 h), `s3` Badge
/// (facilities, no target). As of A = Tuesday 2026-03-10 12:00 UTC:
/// - T-1 opened A-10h, s1 done A-6h, so s2 waits on IT since 06:00; 6 h of 8: 2 h left, the last quarter: at risk.
/// - T-2 opened A-30h, s1 ready since then, never started: 30 h > 4 h, stalled.
/// - T-3 opened A-5h, s1 started A-4h, paused A-3h: paused at HR since 09:00.
/// - T-5 opened A-2h, s1 started A-1h: in progress with HR since 11:00.
/// - T-4 opened A-50h, its steps done by A-42h, so closed: no page.
/// Queues: hr holds T-2 (ready A-30h), T-3 (A-5h), T-5 (A-2h), oldest first; it holds T-1.
final class SiteFixture: TemporaryStore {
    static let asOf: Int64 = Instant.parse("2026-03-10T12:00:00Z")!
    static func at(_ hours: Double) -> Int64 { asOf + Int64(hours * 3600) }
    static let script = "<script>alert(1)</script>"
    static let hostileTitle = "\(script) & \"quotes\" 'single' </td></tr>"
    static let rtlTitle = "\u{202E}evil\u{202C} ticket \u{200F}"
    static let controlTitle = "bell\u{0007}esc\u{001B}[31m" + String(repeating: "W", count: 10_000)
    static let hostileTeam = "IT <b>desk</b> & \"co\""
    static let hostileService = "Onboard <i>now</i> & 'go'"
    static let hostileIntake = "<img src=x onerror=alert(1)>"

    init(_ label: String = "site") throws {
        try super.init(label)
        try store.apply(ServiceDefinition(key: "onb", name: Self.hostileService, intake: [.init(key: "employee", label: "Employee", type: .text)], steps: [
            .init(key: "s1", name: "HR review", team: "hr", target: "4h"), .init(key: "s2", name: "IT access \(Self.script)", team: "it", target: "8h"),
            .init(key: "s3", name: "Badge", team: "facilities"),
        ]), at: Self.at(-2000))
        try store.db.run("UPDATE teams SET name = ? WHERE key = 'it'", [Self.hostileTeam])
        try store.db.run("UPDATE teams SET name = 'People team' WHERE key = 'hr'")
        try open("T-1", Self.hostileTitle, at: -10)
        try act("T-1", "s1", .started, -9); try act("T-1", "s1", .completed, -6)
        try open("T-2", Self.rtlTitle, at: -30)
        try open("T-3", Self.controlTitle, at: -5)
        try act("T-3", "s1", .started, -4); try act("T-3", "s1", .paused, -3)
        try open("T-4", "closed one", at: -50)
        for (i, s) in ["s1", "s2", "s3"].enumerated() { try act("T-4", s, .started, -49 + Double(3 * i)); try act("T-4", s, .completed, -48 + Double(3 * i)) }
        try open("T-5", "plain", at: -2)
        try act("T-5", "s1", .started, -1)
    }

    func open(_ id: String, _ title: String, at hours: Double) throws {
        _ = try store.openTicket(service: "onb", title: title, requester: "req <\(id)>", fields: ["employee": Self.hostileIntake],
                                 at: Self.at(hours), id: id)
    }

    func act(_ id: String, _ step: String, _ kind: EventKind, _ hours: Double) throws {
        try store.record(Event(ticketID: id, step: step, kind: kind, at: Self.at(hours), actor: "bo"), mode: .strict)
    }

    var out: String { path("www/site") }

    @discardableResult
    func build(asOf: Int64 = SiteFixture.asOf, definition: SiteDefinition = SiteDefinition(listedServices: ["onb"]),
               queries: String = TestPaths.queries) throws -> SiteBuilder.Outcome {
        try SiteBuilder(db: store.db, queryFolder: queries, definition: definition).build(out: out, asOf: asOf, builtAt: asOf)
    }

    func page(_ relative: String) throws -> String { try String(contentsOfFile: out + "/" + relative, encoding: .utf8) }

    /// The ticket page's name, recomputed from the store's key by the test's own call of HMAC.
    func ticketPage(_ id: String) throws -> String {
        guard case .blob(let key)? = try store.db.scalar("SELECT key FROM site_secret") else { throw SiteError("no key") }
        let name = String(SHA256.hex(SHA256.hmac(key: key, message: Array(id.utf8))).prefix(32))
        return "tickets/\(name.prefix(3))/\(name).html"
    }

    /// The manifest of a build folder (or the live link): the one file named `.manifest-…` (keyed: SiteKey.manifestName).
    static func manifest(in build: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: build).filter { $0.hasPrefix(".manifest-") }
        guard names.count == 1 else { throw SiteError("\(build) holds \(names.count) manifests, not 1") }
        return try String(contentsOfFile: build + "/" + names[0], encoding: .utf8)
    }

    /// Every page of the live site, relative paths (from its manifest; each is checked to exist).
    func pages() throws -> [String] {
        let manifest = try Self.manifest(in: out)
        let pages = manifest.split(separator: "\n").map { String($0.split(separator: " ")[1]) }
        for p in pages where !FileManager.default.fileExists(atPath: out + "/" + p) { throw SiteError("\(p) is in the manifest but not on the site") }
        return pages.sorted()
    }
}
