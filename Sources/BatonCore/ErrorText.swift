import Foundation

/// The sentence for an error, as `baton` prints it at the top level (and as any message that quotes an error should
/// say it). Baton's own errors carry their sentence; Foundation's (NSError / CocoaError / POSIXError) and Codable's
/// (DecodingError) would print as raw dumps (`Error Domain=NSCocoaErrorDomain Code=513 … UserInfo={…}`), so they
/// are said here as "PATH: reason" and "field 'a.b[0]': what is wrong".
public enum ErrorText {
    public static func message(_ error: Error) -> String {
        switch error {
        case let e as DecodingError: return decoding(e)
        case let e as EncodingError: return encoding(e)
        default: break
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain { return foundation(ns) }
        return "\(error)"
    }

    /// "PATH: Permission denied", "PATH: No space left on device", … from the errno the error carries (its own
    /// code in the POSIX domain, else its underlying error's), else from Cocoa's file error codes.
    static func foundation(_ e: NSError) -> String {
        let path = (e.userInfo[NSFilePathErrorKey] as? String) ?? (e.userInfo[NSURLErrorKey] as? URL)?.path
        var reason: String?
        if let code = posixCode(e) {
            reason = SystemError.reason(code)
        } else if e.domain == NSCocoaErrorDomain {
            switch e.code {
            case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: reason = SystemError.reason(ENOENT)
            case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue: reason = SystemError.reason(EACCES)
            case CocoaError.fileWriteOutOfSpace.rawValue: reason = SystemError.reason(ENOSPC)
            case CocoaError.fileWriteVolumeReadOnly.rawValue: reason = SystemError.reason(EROFS)
            case CocoaError.fileWriteFileExists.rawValue: reason = SystemError.reason(EEXIST)
            case CocoaError.fileReadCorruptFile.rawValue, CocoaError.propertyListReadCorrupt.rawValue:
                let detail = (e.userInfo["NSDebugDescription"] as? String).map { ": \($0)" } ?? ""
                reason = "the file is not valid JSON\(detail)"
            case CocoaError.fileReadInapplicableStringEncoding.rawValue: reason = "the file is not valid UTF-8 text"
            default: break
            }
        }
        let text = reason ?? plain(e)
        return path.map { "\($0): \(text)" } ?? text
    }

    /// The errno behind an NSError: its code in the POSIX domain, else that of the first POSIX error beneath it.
    static func posixCode(_ e: NSError) -> Int32? {
        var current: NSError? = e
        while let c = current {
            if c.domain == NSPOSIXErrorDomain, c.code > 0 { return Int32(c.code) }
            current = c.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        return nil
    }

    /// Foundation's own sentence without its "The operation could not be completed." preamble.
    static func plain(_ e: NSError) -> String {
        var text = e.localizedDescription
        for preamble in ["The operation could not be completed. ", "The operation couldn’t be completed. "] where text.hasPrefix(preamble) {
            text.removeFirst(preamble.count)
        }
        return text.isEmpty || text.hasPrefix("The operation could") ? "the operation failed (\(e.domain) error \(e.code))" : text
    }

    static func decoding(_ e: DecodingError) -> String {
        switch e {
        case .typeMismatch(let type, let c):
            return "\(field(c.codingPath)): expected \(typeName(type))\(detail(c))"
        case .valueNotFound(let type, let c):
            return "\(field(c.codingPath)): a value is missing (expected \(typeName(type)), found null or nothing)"
        case .keyNotFound(let key, let c):
            return "\(field(c.codingPath + [key])): this field is required"
        case .dataCorrupted(let c):
            if let underlying = c.underlyingError as NSError?, let text = underlying.userInfo["NSDebugDescription"] as? String {
                return c.codingPath.isEmpty ? "not valid JSON: \(text)" : "\(field(c.codingPath)): \(text)"
            }
            return c.codingPath.isEmpty ? "not valid JSON: \(c.debugDescription)" : "\(field(c.codingPath)): \(c.debugDescription)"
        @unknown default:
            return "invalid JSON value"
        }
    }

    static func encoding(_ e: EncodingError) -> String {
        switch e {
        case .invalidValue(_, let c): return "cannot write \(field(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "cannot encode a value"
        }
    }

    /// `field 'missing[0]'`, `field 'steps[2].target'`; the document itself when the path is empty.
    static func field(_ path: [CodingKey]) -> String {
        guard !path.isEmpty else { return "the JSON document" }
        var text = ""
        for key in path {
            if let i = key.intValue, key.stringValue == "Index \(i)" || key.stringValue == String(i) { text += "[\(i)]" }
            else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return "field '\(text)'"
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }

    static func detail(_ c: DecodingError.Context) -> String {
        // Codable's texts say what it found: "Expected to decode String but found a number instead."
        let d = c.debugDescription
        if let r = d.range(of: "but found ") {
            return ", found " + d[r.upperBound...].replacingOccurrences(of: " instead.", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        return ""
    }
}
