import BatonCore
import Foundation
import SQLite

/// The site's secret, kept in the store (`site_secret`, schema track `site`): 32 random bytes from /dev/urandom,
/// created the first time a site is built and never changed, so a ticket's page keeps its address across builds.
/// A ticket page's address is HMAC-SHA256(key, ticket id), so knowing one page (or every ticket id) does not lead
/// to another ticket's page.
public struct SiteKey: Sendable {
    public let bytes: [UInt8]
    /// HMAC's inner and outer hash states after the padded key, computed once (a site names every ticket twice).
    private let inner: SHA256, outer: SHA256

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        (inner, outer) = SHA256.hmacStates(key: bytes)
    }

    public static let migrator = Migrator(application: "baton", track: "site", migrations: [
        .init(version: 1, name: "site secret", sql: """
        -- The key of the static site's ticket addresses (HMAC-SHA256 of the ticket id); created once.
        CREATE TABLE site_secret(id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL, created_at INTEGER NOT NULL);
        """),
    ])

    /// The store's key, created (in its own transaction) when it has none yet.
    public static func load(_ db: Database) throws -> SiteKey {
        try migrator.migrate(db)
        if let key = try existing(db) { return key }
        let fresh = try random(count: 32)
        try db.transaction {
            // Another builder may have created it meanwhile: the first key stays.
            try db.run("INSERT OR IGNORE INTO site_secret(id, key, created_at) VALUES (1, ?, ?)", [SQLValue.blob(fresh), Instant.now()])
        }
        guard let key = try existing(db) else { throw SiteError("the store has no site key after creating one") }
        return key
    }

    static func existing(_ db: Database) throws -> SiteKey? {
        guard case .blob(let b)? = try db.scalar("SELECT key FROM site_secret WHERE id = 1"), b.count >= 16 else { return nil }
        return SiteKey(bytes: b)
    }

    static func random(count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: "/dev/urandom") else { throw SiteError("cannot read /dev/urandom for the site key") }
        defer { try? handle.close() }
        let data = handle.readData(ofLength: count)
        guard data.count == count else { throw SiteError("/dev/urandom gave \(data.count) bytes, not \(count)") }
        return [UInt8](data)
    }

    /// The file name of a build's manifest (every page's path and digest): `.manifest-` and 128 bits of
    /// HMAC-SHA256(key, "manifest"), so a server that serves dot files does not hand out the list of ticket pages.
    public var manifestName: String {
        ".manifest-" + SHA256.hex(SHA256.hmac(inner: inner, outer: outer, message: Array("baton site manifest".utf8)).prefix(16))
    }

    /// The page name of a ticket: the first 128 bits of HMAC-SHA256(key, id) in hex, e.g. `3f1c…e0.html`.
    public func pageName(ticket id: String) -> String {
        SHA256.hex(SHA256.hmac(inner: inner, outer: outer, message: Array(id.utf8)).prefix(16)) + ".html"
    }
}

/// A site build that cannot proceed, with a message for people.
public struct SiteError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
