import Foundation
import Reporting

/// A renderer whose format is one file in the report folder (`report.html`, `report.xlsx`): writing into the
/// folder is writing that file.
public protocol FileReportRenderer: ReportRenderer {
    /// File name inside the report folder.
    var fileName: String { get }
    /// Writes the report to `file` atomically (a temporary file in its folder, then a rename).
    func write(_ result: ReportResult, toFile file: URL) throws
}

extension FileReportRenderer {
    /// `report.FORMAT`.
    public var fileName: String { "report.\(format)" }

    /// Writes `fileName` into `folder`, atomically.
    public func write(_ result: ReportResult, to folder: URL) throws {
        try write(result, toFile: folder.appendingPathComponent(fileName))
    }
}
