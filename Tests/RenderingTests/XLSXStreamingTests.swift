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

    /// Resident memory of this process, from /proc (Linux).
    static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib * 1024
    }

    /// Writes `rows` generated rows while sampling resident memory; returns the growth over the start.
    static func growthWriting(rows: Int, constantMemory: Bool) throws -> Int {
        let folder = try TemporaryFolder.make("stream")
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try #require(residentBytes())
        let peak = Peak()
        let sampler = Thread { while !peak.stop { peak.record(residentBytes() ?? 0); usleep(5_000) } }
        sampler.start()
        let book = try XLSXWorkbook(path: folder.appendingPathComponent("big.xlsx").path, constantMemory: constantMemory, tmpdir: folder.path)
        try XLSXReportRenderer.writeTable(book: book, sheetName: "big", columns: columns, rows: (0..<rows).lazy.map(row))
        peak.record(residentBytes() ?? 0)  // before close: what the sheet holds
        try book.close()
        peak.stop = true
        while !sampler.isFinished { usleep(1_000) }
        return peak.value - before
    }

    final class Peak: @unchecked Sendable {
        private let lock = NSLock()
        private var max = 0
        var stop = false
        func record(_ v: Int) { lock.lock(); if v > max { max = v }; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return max }
    }

    @Test(.enabled(if: residentBytes() != nil, "needs /proc/self/status"))
    func memoryStaysFlatWithConstantMemoryMode() throws {
        let rows = 150_000
        let streamed = try Self.growthWriting(rows: rows, constantMemory: true)
        // Negative control: the same rows held in memory by libxlsxwriter's default mode.
        let held = try Self.growthWriting(rows: rows, constantMemory: false)
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
