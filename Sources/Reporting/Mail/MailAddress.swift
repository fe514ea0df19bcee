import Foundation

/// One checked e-mail address, `local@domain` or `Display Name <local@domain>`. The address itself is ASCII dot-atoms
/// (RFC 5322 §3.4.1: no quoted local parts, no IP literals, no comments), so nothing written in a header from it can
/// end the header; the display name may be any text without control characters and is encoded when written.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    public struct Invalid: Error, Sendable { public let reason: String }

    public var displayName: String?
    /// `local@domain`.
    public var address: String

    public var description: String { displayName.map { "\($0) <\(address)>" } ?? address }

    /// Parses and checks `text`; throws `Invalid` with the reason.
    public init(_ text: String) throws {
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw Invalid(reason: "it contains a control character (U+\(String(format: "%04X", bad.value))); a line break could add a header")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<") {
            guard trimmed.hasSuffix(">") else { throw Invalid(reason: "text after '>' or a missing '>'") }
            let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            let unquoted = name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") ? String(name.dropFirst().dropLast()) : name
            guard !unquoted.contains(where: { "<>\"".contains($0) }) else { throw Invalid(reason: "the display name may not contain <, > or \"") }
            displayName = unquoted.isEmpty ? nil : unquoted
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        } else {
            guard !trimmed.contains(">") else { throw Invalid(reason: "a '>' without '<'") }
            displayName = nil
            address = trimmed
        }
        try Self.check(address)
    }

    static let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    /// Checks an addr-spec: a dot-atom local part (at most 64 octets) and a domain of letter-digit-hyphen labels.
    static func check(_ address: String) throws {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw Invalid(reason: parts.count < 2 ? "no '@'" : "more than one '@'") }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64 else { throw Invalid(reason: "the part before '@' must be 1 to 64 characters") }
        for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
            guard !atom.isEmpty else { throw Invalid(reason: "a '.' at the start or end of the part before '@', or two in a row") }
            guard atom.unicodeScalars.allSatisfy(atext.contains) else {
                throw Invalid(reason: "the part before '@' may hold only letters, digits and !#$%&'*+-/=?^_`{|}~ (ASCII)")
            }
        }
        guard !domain.isEmpty, domain.utf8.count <= 253 else { throw Invalid(reason: "the domain must be 1 to 253 characters") }
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                  label.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }) else {
                throw Invalid(reason: "the domain '\(domain)' must be dot-separated labels of ASCII letters, digits and '-'")
            }
        }
    }

    /// `text` for an error message: control characters shown as `\u{…}` so the message stays one line.
    static func shown(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
    }
}
