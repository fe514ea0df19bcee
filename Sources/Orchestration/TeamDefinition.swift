import BatonCore
import Foundation

/// A team of the roster, as a team file (`teams/*.json`, applied with `baton team apply`) declares it:
///
/// ```json
/// {"key": "facilities", "name": "Facilities", "calendar": "berlin-office"}
/// ```
///
/// `calendar` (optional) is the team's working calendar: its steps' targets and working time are counted in it
/// unless a step names its own.
///
/// Once any team is on the roster, open work of a team outside it is "unowned" (a typo in a definition, or a group
/// an imported log names that nobody declared); with no roster, only work with no team is.
public struct TeamDefinition: Sendable, Equatable {
    public var key: String
    public var name: String
    public var calendar: String?

    public init(key: String, name: String, calendar: String? = nil) { self.key = key; self.name = name; self.calendar = calendar }

    public static let fields = ["key", "name", "calendar"]

    public static func load(path: String) throws -> TeamDefinition {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, "cannot read the file") }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws -> TeamDefinition {
        let object = try KnownFields.object(data, file: file, example: "{\"key\": \"it\", \"name\": \"IT\"}")
        try KnownFields.check(object, fields, at: "", file: file)
        guard let keyValue = object["key"] else { throw InputError(file: file, field: "key", "is required") }
        guard let key = keyValue as? String else { throw InputError(file: file, field: "key", "must be a string") }
        guard ServiceDefinition.isValidKey(key) else {
            throw InputError(file: file, field: "key", "'\(key)' must be letters, digits, '-', '_' or '.' (no spaces)")
        }
        var name = key
        if let v = object["name"], !(v is NSNull) {
            guard let s = v as? String else { throw InputError(file: file, field: "name", "must be a string") }
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw InputError(file: file, field: "name", "must not be empty") }
            name = s
        }
        var calendar: String?
        if let v = object["calendar"], !(v is NSNull) {
            guard let s = v as? String, ServiceDefinition.isValidKey(s) else {
                throw InputError(file: file, field: "calendar", "must be a calendar key such as \"berlin-office\" (letters, digits, '-', '_' or '.')")
            }
            calendar = s
        }
        return TeamDefinition(key: key, name: name, calendar: calendar)
    }
}
