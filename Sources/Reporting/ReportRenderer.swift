import Foundation

/// Writes one format of a report run into the run's folder (CSV files, `report.html`, `report.xlsx`).
/// The CLI and the scheduler pick renderers by `format`.
public protocol ReportRenderer {
    /// The format name used in `--format` and report definitions: `csv`, `html`, `xlsx`.
    var format: String { get }
    /// Writes this format's files into `folder` (which exists and is private to this run).
    func write(_ result: ReportResult, to folder: URL) throws
}
