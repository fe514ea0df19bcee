import Foundation
import Testing
@testable import BatonCLI

/// Text from tickets reaches the terminal: table output and `ticket show` print it through one function
/// (`TerminalText.safe`), so ESC, CR and other control characters cannot move the cursor, recolour the screen or
/// forge lines; CSV and JSON keep the exact text.
@Suite struct TerminalOutputTests {
    static let hostile = "ana\u{1B}[31mRED\rX\u{9B}2J\u{7F}\u{202E}evil\tend"

    /// Nothing a terminal acts on: no C0 control but the newlines that end lines, no DEL, no C1 control, no bidi override.
    static func isSafe(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { u in
            let v = u.value
            if v == 0x0A { return true }
            return !(v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v))
        }
    }

    func store() throws -> CLIHarness {
        let h = try CLIHarness().prepared()
        let r = h.run(["ticket", "open", "onboarding", "--title", "Fix \u{1B}]0;owned\u{07}printer", "--requester", Self.hostile,
                       "--field", "employee=Ana\u{1B}[2K", "--at", "2026-11-17T09:00:00Z"])
        #expect(r.code == 0, "\(r.err)")
        return h
    }

    @Test func ticketShowPrintsRequesterTitleAndIntakeSafely() throws {
        let h = try store()
        let r = h.run(["ticket", "show", "T-1001"])
        #expect(r.code == 0, "\(r.err)")
        #expect(Self.isSafe(r.out), "\(r.out.debugDescription)")
        #expect(r.out.contains("Requester: ana␛[31mRED␍X\u{FFFD}2J␡\u{FFFD}evil␉end\n"), "\(r.out.debugDescription)")
        #expect(r.out.contains("T-1001  Fix ␛]0;owned␇printer\n"))
        #expect(r.out.contains("  employee: Ana␛[2K\n"))
    }

    @Test func everyTableCellIsSafeAndCSVAndJSONKeepTheExactText() throws {
        let h = try store()
        let table = h.run(["queue", "hr"])
        #expect(table.code == 0, "\(table.err)")
        #expect(Self.isSafe(table.out), "\(table.out.debugDescription)")
        #expect(table.out.contains("Fix ␛]0;owned␇printer"))
        let json = h.run(["ticket", "show", "T-1001", "--format", "json"])
        #expect(json.code == 0)
        #expect(json.out.contains("\"requester\": \"ana\\u001b[31mRED\\rX\u{9B}2J\u{7F}\u{202E}evil\\tend\""), "\(json.out.debugDescription)")
        let queueCSV = h.run(["queue", "hr", "--format", "csv"])
        #expect(queueCSV.out.contains("Fix \u{1B}]0;owned\u{07}printer"), "\(queueCSV.out.debugDescription)")
    }

    @Test func aC1ControlOrBidiOverrideInATableCellIsNotPrinted() {
        let out = Output()
        RowPrinter.print(columns: ["who\u{1B}"], rows: [[.text("a\u{9B}31m"), ], [.text("b\u{202E}c")], [.text("plain")]], format: .table, to: out)
        #expect(Self.isSafe(out.captured), "\(out.captured.debugDescription)")
        #expect(out.captured.contains("plain"))
        #expect(TerminalText.safe("plain ASCII stays") == "plain ASCII stays")
        #expect(TerminalText.safe("Zoë ✓ 東京") == "Zoë ✓ 東京")
        #expect(TerminalText.safe("a\nb") == "a␊b")
        #expect(TerminalText.safe("a\nb\u{1B}", keepNewlines: true) == "a\nb␛")
    }

    @Test func errorMessagesQuotingInputAreSafeToo() throws {
        let h = try CLIHarness().prepared()
        let r = h.run(["ticket", "show", "T-\u{1B}[2J1"])
        #expect(r.code == 1)
        #expect(Self.isSafe(r.err), "\(r.err.debugDescription)")
        #expect(r.err.contains("T-␛[2J1"), "\(r.err.debugDescription)")
    }
}
