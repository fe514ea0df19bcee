import BatonCore
import Foundation

/// The static site as data (`reports/*.json` with `"kind": "site"`), for `baton site --definition` and the
/// scheduler:
///
/// ```json
/// {"kind": "site", "title": "Service desk", "schedule": "*/15 * * * *", "out": "site", "keep": 26,
///  "listed_services": ["laptop"]}
/// ```
///
/// `out` is the site's folder inside the schedule's output folder; `keep` the scheduled reports kept per definition
/// in the archive (older period folders the scheduler wrote are removed); `listed_services` the services whose open
/// tickets are listed on the "find my ticket" page (every other ticket page is reachable only by its address).
public struct SiteDefinition: Sendable, Equatable {
    public var name: String
    public var path: String
    public var title: String
    public var description: String
    public var out: String
    public var keep: Int?
    public var listedServices: [String]

    public init(name: String = "site", path: String = "", title: String = "Baton", description: String = "",
                out: String = "site", keep: Int? = nil, listedServices: [String] = []) {
        self.name = name; self.path = path; self.title = title; self.description = description
        self.out = out; self.keep = keep; self.listedServices = listedServices
    }

    public static let keys = ["kind", "title", "description", "schedule", "timezone", "out", "keep", "listed_services"]

    static func parse(_ object: [String: Any], name: String, path: String, reader r: JSONReader) throws -> SiteDefinition {
        try r.onlyKeys(object, keys, at: "")
        let out = try r.optionalString(object, "out", at: "") ?? "site"
        if out.isEmpty || out.contains("/") || out.hasPrefix(".") {
            throw r.error("out", "must be a plain folder name inside the output folder, not '\(out)'")
        }
        var keep: Int?
        if let v = object["keep"], !(v is NSNull) {
            guard let n = v as? NSNumber, !r.isBool(n), n.doubleValue == n.doubleValue.rounded(), n.intValue >= 1, n.intValue <= 100_000 else {
                throw r.error("keep", "must be a whole number of reports from 1 to 100000, not \(JSONReader.shown(v))")
            }
            keep = n.intValue
        }
        var listed: [String] = []
        if let v = object["listed_services"], !(v is NSNull) {
            guard let array = v as? [Any] else {
                throw r.error("listed_services", "must be an array of service keys such as [\"laptop\"], not \(JSONReader.shown(v))")
            }
            for (i, item) in array.enumerated() {
                guard let key = item as? String, !key.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw r.error("listed_services[\(i)]", "must be a service key (a non-empty string), not \(JSONReader.shown(item))")
                }
                listed.append(key)
            }
        }
        return SiteDefinition(name: name, path: path, title: try r.optionalString(object, "title", at: "") ?? "Baton",
                              description: try r.optionalString(object, "description", at: "") ?? "",
                              out: out, keep: keep, listedServices: listed)
    }
}
