import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import SQLite
import Testing

/// Large sections stream: constant-memory mode writes each row once and keeps nothing, and rows beyond a
/// sheet's limit continue on the next sheet.
@Suite(.serialized) struct XLSXStreamingTests {
    static let columns = [
        ColumnSpec(name: "id", label: "Id", unit: .text), ColumnSpec(name: "at", label: "At", unit: .instant),
        ColumnSpec(name: "hours", label: "Hours", unit: .hours), ColumnSpec(name: "n", label: "N", unit: .count),
    ]
    static func row(_ i: Int) -> [SQLValue] {
        [.text("row-\(i)"), .integer(1_767_225_600 + Int64(i)), .real(Double(i) / 4), .integer(Int64(i))]
    }

    /// The peak resident memory of `baton bench-xlsx` writing `rows` generated rows, read by the child itself
    /// (VmHWM): the tests running beside this one in this process cannot move it.
    static func peakWriting(rows: Int, inMemory: Bool, in folder: URL) throws -> Int {
        let out = folder.appendingPathComponent("big-\(rows)-\(inMemory).xlsx").path
        let run = try Subprocess.run(TestPaths.batonBinary.path, ["bench-xlsx", "--rows", "\(rows)", "--out", out] + (inMemory ? ["--in-memory"] : []))
        let words = run.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let bytes = try #require(words.firstIndex(of: "peak_rss_bytes").flatMap { Int(words[$0 + 1]) }, "\(run.out)")
        #expect(bytes > 0, "\(run.out)")
        return bytes
    }

    static var procStatus: Bool { FileManager.default.fileExists(atPath: "/proc/self/status") }

    @Test(.enabled(if: procStatus && TestPaths.binaryAvailable, "needs /proc/self/status and the built baton"))
    func memoryStaysFlatWithConstantMemoryMode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-mem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = 150_000
        let base = try Self.peakWriting(rows: 0, inMemory: false, in: folder)
        let streamed = try Self.peakWriting(rows: rows, inMemory: false, in: folder) - base
        // Negative control: the same rows held in memory by libxlsxwriter's default mode.
        let held = try Self.peakWriting(rows: rows, inMemory: true, in: folder) - base
        #expect(streamed < 24 << 20, "constant-memory mode grew by \(streamed >> 20) MiB for \(rows) rows")
        #expect(held > streamed + (40 << 20), "control: in-memory mode grew by \(held >> 20) MiB, streamed \(streamed >> 20) MiB")
    }

    @Test(.enabled(if: XLSXReportRendererTests.openpyxlAvailable, "python3 with openpyxl not found"))
    func rowsBeyondASheetContinueOnTheNext() throws {
        let folder = try TemporaryFolder.make("continue")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("t.xlsx")
        let book = try XLSXWorkbook(path: file.path)
        try XLSXReportRenderer.writeTable(book: book, sheetName: "t", columns: Self.columns, rows: (0..<12).lazy.map(Self.row), maxRowsPerSheet: 5)
        try book.close()
        let sheets = try XLSXReportRendererTests.read(file)
        #expect(sheets.map(\.name) == ["t", "t (2)", "t (3)"])
        #expect(sheets.map { $0.rows.count } == [6, 6, 3])
        #expect(sheets.allSatisfy { $0.rows[0][0]?[1] == "Id" && $0.freeze == "A2" })
        #expect(sheets[2].rows[2][0]?[1] == "row-11")
        #expect(sheets[1].rows[1][3]?[1] == "5")
    }
}
