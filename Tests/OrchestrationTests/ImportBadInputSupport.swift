import BatonCore
import Foundation
@testable import Orchestration
import SQLite

/// Helpers of the bad-input tests (truncated XES, bad characters, malformed rows).
extension ImportFixture {
    /// Everything an import can change, and the import history.
    func state() throws -> String {
        try fingerprint() + "[imports] \(count("SELECT count(*) FROM imports"))"
    }

    /// The error an import throws (nil: none).
    func importError(_ body: () throws -> Void) -> InputError? {
        do { try body(); return nil } catch let e as InputError { return e } catch { return InputError(file: "?", "\(error)") }
    }
}
