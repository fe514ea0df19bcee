import BatonCore
import Foundation

/// Refuses fields a JSON definition does not know (a misspelt `"enforce_ordr"` or `"taget"` would otherwise be
/// ignored in silence), naming the file and the field with "did you mean".
public enum KnownFields {
    /// A definition file's bytes as its top-level JSON object: reading, JSON and "an object" checked, each error
    /// naming the file (`example` shows what a valid file looks like).
    public static func object(_ data: Data, file: String, example: String) throws -> [String: Any] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw InputError(file: file, "is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)")
        }
        guard let object = root as? [String: Any] else { throw InputError(file: file, "must be a JSON object such as \(example)") }
        return object
    }

    /// Throws for the first key of `object` (in sorted order) that is not in `allowed`; `at` is the object's field
    /// path (`steps[2]`), empty at the top level.
    public static func check(_ object: [String: Any], _ allowed: [String], at: String, file: String) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            let hint = Suggest.didYouMean(key, in: allowed)
            throw InputError(file: file, field: at.isEmpty ? key : "\(at).\(key)",
                             "is not a known field\(hint.isEmpty ? " (known: \(allowed.joined(separator: ", ")))" : hint)")
        }
    }

    /// Throws for a field whose value is `null`: Baton never writes one, and reading it as "absent" would hide a
    /// mistake (a generator that lost a value).
    public static func refuseNull(_ object: [String: Any], at: String, file: String) throws {
        for key in object.keys.sorted() where object[key] is NSNull {
            throw InputError(file: file, field: at.isEmpty ? key : "\(at).\(key)", "must not be null (leave an optional field out instead)")
        }
    }

    /// The same for each object of an array field (`steps`, `intake`); values of other shapes are left to the decoder.
    public static func checkEach(_ value: Any?, _ allowed: [String], at: String, file: String) throws {
        guard let array = value as? [Any] else { return }
        for (i, item) in array.enumerated() {
            if let object = item as? [String: Any] {
                try check(object, allowed, at: "\(at)[\(i)]", file: file)
                try refuseNull(object, at: "\(at)[\(i)]", file: file)
            }
        }
    }
}
