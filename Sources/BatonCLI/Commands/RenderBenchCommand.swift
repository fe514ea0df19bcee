import Foundation
import Rendering
import Reporting
import SQLite

/// `baton bench-xlsx`: a hidden developer command that measures the XLSX writer alone on a generated
/// table, for `samples/bench/30-render.sh` to compare with a C program calling libxlsxwriter directly.
enum RenderBenchCommand {
    /// The benchmark table's eight columns: text, text, text, instant, hours, hours, count, ratio — the
    /// mix of a stalled-steps section. `samples/bench/xlsx_limit.c` writes the same cells.
    static let columns = [
        ColumnSpec(name: "ticket_id", label: "Ticket", unit: .text),
        ColumnSpec(name: "service", label: "Service", unit: .text),
        ColumnSpec(name: "step", label: "Step", unit: .text),
        ColumnSpec(name: "ready_at", label: "Ready at", unit: .instant),
        ColumnSpec(name: "age_hours", label: "Age", unit: .hours),
        ColumnSpec(name: "threshold_hours", label: "Threshold", unit: .hours),
        ColumnSpec(name: "attempt", label: "Attempt", unit: .count),
        ColumnSpec(name: "flow_efficiency", label: "Flow efficiency", unit: .ratio),
    ]
    static let services = ["onboarding", "offboarding", "laptop-repair", "purchase-request", "access-request"]
    static let steps = ["hr-review", "it-access", "equipment", "approval", "ship"]

    /// Row `i` of the generated table (deterministic; the C program computes the same values).
    static func row(_ i: Int) -> [SQLValue] {
        [.text("T-\(100_000 + i)"), .text(services[i % 5]), .text(steps[(i / 5) % 5]),
         .integer(1_767_225_600 + Int64(i) * 37), .real(Double(i % 1000) / 8), .real(72),
         .integer(Int64(1 + i % 3)), .real(Double(i % 100) / 100)]
    }

    static let spec = CommandSpec(
        name: "bench-xlsx",
        abstract: "Developer benchmark: write a generated N × 8 table with the XLSX writer and print rows per second.",
        discussion: """
        Used by samples/bench/30-render.sh to compare Baton's XLSX writer with a C program that calls libxlsxwriter
        directly (samples/bench/xlsx_limit.c). The rows are generated on the fly, so the figure is the writer's own
        speed and its memory stays flat however many rows are written (constant-memory mode).
        """,
        options: [
            .value("rows", "N", "Rows to write (default 1000000; at most 1048575)."),
            .value("out", "FILE", "The workbook to write.", required: true),
            .flag("in-memory", "Hold the sheet in memory (libxlsxwriter's default mode), the control for the memory test."),
        ],
        run: { inv in
            let out = try inv.required("out")
            let text = inv.value("rows") ?? "1000000"
            guard let rows = Int(text), rows >= 0, rows <= 1_048_575 else {
                throw inv.usageError("--rows '\(text)' must be a whole number from 0 to 1048575")
            }
            let started = Date()
            try XLSXReportRenderer.writeTable(columns: columns, rows: (0..<rows).lazy.map(row), sheetName: "bench",
                                              toFile: URL(fileURLWithPath: out), constantMemory: !inv.flag("in-memory"))
            let seconds = Date().timeIntervalSince(started)
            inv.out.line(String(format: "rows %d seconds %.3f rows_per_second %.0f peak_rss_bytes %d", rows, seconds,
                                Double(rows) / max(seconds, 1e-9), peakResidentBytes()))
            return 0
        })

    /// This process's peak resident memory (VmHWM), 0 where /proc is not there: measured in its own process, so a
    /// test reads the writer's memory alone, not that of the tests running beside it.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib * 1024
    }
}
